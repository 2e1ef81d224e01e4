/**
 * The `kyso ca` / `kyso x509` CLI contract, checked end to end, and interoperability with tools nobody
 * here wrote: OpenSSL (verify, pkcs12, req), NSS (pk12util, certutil) and GnuTLS (certtool).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { buildName, createCsr, encodePem, parseDnString } from '@kyso/core';
import { KeyObjectSigner } from '@kyso/server/keys/key-object-signer.ts';
import { kyso } from './test-cli.ts';
import { repoRoot, sharedPath } from '@kyso/testkit';

process.env.KYSO_TEST_CA_PASS = 'a ceremony passphrase for tests';
process.env.KYSO_TEST_P12_PASS = 'p12 password for tests';


function run(cmd: string, args: string[], opts: { input?: string } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const PROFILES = [
  ['agency', 'CN=Sở Tài chính,O=Ủy ban nhân dân tỉnh Thử nghiệm', ['--agency-code', '000.00.32.H41', '--uid', 'MST:0101234568']],
  ['official', 'CN=Phạm Thị Hoa,T=Phó Giám đốc,O=Sở Tài chính', ['--uid', 'CCCD:001190000123']],
  ['service', 'CN=Cổng dịch vụ công,O=Sở TTTT', ['--key', 'p256']],
  ['tsa', 'CN=Kyso TSA,O=Ủy ban nhân dân tỉnh Thử nghiệm', ['--key', 'rsa3072']],
  ['ocsp', 'CN=Kyso OCSP,O=Ủy ban nhân dân tỉnh Thử nghiệm', ['--key', 'p384']],
] as const;

describe('kyso ca CLI', () => {
  let work: string;
  let dir: string;
  let chain: string;
  let root: string;
  let issuingPem: string;
  const pass = ['--pass-env', 'KYSO_TEST_CA_PASS'];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'kyso-cli-'));
    dir = join(work, 'ca');
    const ceremony = join(work, 'ceremony.json');
    writeFileSync(ceremony, JSON.stringify({
      root: { subject: 'CN=CLI Root CA,O=Ủy ban nhân dân tỉnh Thử nghiệm,C=VN', key: 'rsa3072', years: 20 },
      issuing: { subject: 'CN=CLI Issuing CA,O=Ủy ban nhân dân tỉnh Thử nghiệm,C=VN', key: 'rsa2048', years: 10, rsaPadding: 'pss' },
      baseUrl: 'http://127.0.0.1:8099',
    }));
    const r = await kyso('ca', 'init', '--dir', dir, '--config', ceremony, ...pass);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /root CA\s+CN=CLI Root CA/);
    assert.match(r.stdout, /SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    const c = await kyso('ca', 'chain', '--dir', dir);
    assert.equal(c.code, 0);
    const pems = c.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
    assert.equal(pems.length, 2);
    chain = join(work, 'chain.pem');
    root = join(work, 'root.pem');
    issuingPem = join(work, 'issuing.pem');
    writeFileSync(chain, c.stdout);
    writeFileSync(issuingPem, pems[0]!);
    writeFileSync(root, pems[1]!);
  });
  after(() => { rmSync(work, { recursive: true, force: true }); });

  for (const [profile, subject, extra] of PROFILES) {
    test(`issue ${profile}: openssl verify, GnuTLS certtool, openssl pkcs12 and NSS pk12util accept it`, async () => {
      const prefix = join(work, profile);
      const r = await kyso('ca', 'issue', '--dir', dir, '--profile', profile, '--subject', subject, ...extra, '--out', prefix, '--p12-pass-env', 'KYSO_TEST_P12_PASS', ...pass);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(existsSync(`${prefix}.crt.pem`) && existsSync(`${prefix}.p12`));
      const purpose = profile === 'tsa' ? ['-purpose', 'timestampsign'] : profile === 'service' ? ['-purpose', 'sslclient'] : profile === 'ocsp' ? [] : ['-purpose', 'smimesign'];
      const v = run('openssl', ['verify', '-x509_strict', ...purpose, '-CAfile', root, '-untrusted', issuingPem, `${prefix}.crt.pem`]);
      assert.equal(v.code, 0, v.out);
      assert.match(v.out, /: OK/);
      const bundle = join(work, `${profile}-bundle.pem`);
      writeFileSync(bundle, readFileSync(`${prefix}.crt.pem`, 'utf8') + readFileSync(chain, 'utf8'));
      const g = run('certtool', ['--verify-chain', '--infile', bundle]);
      assert.equal(g.code, 0, g.out);
      assert.match(g.out, /Chain verification output: Verified/);
      const info = run('openssl', ['pkcs12', '-info', '-nodes', '-in', `${prefix}.p12`, '-passin', 'env:KYSO_TEST_P12_PASS']);
      assert.equal(info.code, 0, info.out);
      assert.match(info.out, /localKeyID: [0-9A-F ]+/);
      assert.match(info.out, /friendlyName: /);
      assert.match(info.out, /BEGIN PRIVATE KEY/);
      const nss = join(work, `nss-${profile}`);
      execFileSync('mkdir', ['-p', nss]);
      execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
      const imp = run('pk12util', ['-i', `${prefix}.p12`, '-d', `sql:${nss}`, '-W', process.env.KYSO_TEST_P12_PASS!, '-K', '']);
      assert.equal(imp.code, 0, imp.out);
      assert.match(imp.out, /PKCS12 IMPORT SUCCESSFUL/);
      assert.match(run('certutil', ['-K', '-d', `sql:${nss}`]).out, /(rsa|ec)\s/);
      const x = await kyso('x509', 'verify', `${prefix}.crt.pem`, '--trust', root, '--untrusted', issuingPem);
      assert.equal(x.code, 0, x.stdout + x.stderr);
    });
  }

  test('issue from a CSR made by openssl, and openssl accepts the CSRs kyso makes', async () => {
    const key = join(work, 'csr-key.pem');
    const csr = join(work, 'req.pem');
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', '/C=VN/O=Sở Y tế/CN=Hoàng Văn Em', '-utf8']);
    const r = await kyso('ca', 'issue', '--dir', dir, '--profile', 'official', '--csr', csr, '--uid', 'CCCD:001085000777', '--out', join(work, 'from-csr'), ...pass);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(work, 'from-csr.p12')));
    assert.match(run('openssl', ['x509', '-in', join(work, 'from-csr.crt.pem'), '-noout', '-subject', '-nameopt', 'utf8']).out, /Hoàng Văn Em/);
    for (const [type, opts] of [['rsa', { modulusLength: 2048 }], ['ec', { namedCurve: 'P-384' }]] as const) {
      const signer = new KeyObjectSigner(generateKeyPairSync(type as 'rsa', opts as { modulusLength: number }).privateKey);
      for (const algorithm of type === 'rsa'
        ? [{ scheme: 'RSASSA-PSS' as const, hash: 'SHA-256' as const, saltLength: 32 }, { scheme: 'RSASSA-PKCS1-v1_5' as const, hash: 'SHA-512' as const }]
        : [{ scheme: 'ECDSA' as const, hash: 'SHA-384' as const }]) {
        const der = await createCsr({ subject: buildName(parseDnString('CN=Đặng Thị Giang,O=UBND xã Thử,C=VN')), signer, algorithm });
        const f = join(work, `ours-${type}-${algorithm.scheme}.csr`);
        writeFileSync(f, encodePem('CERTIFICATE REQUEST', der));
        const v = run('openssl', ['req', '-verify', '-noout', '-in', f]);
        assert.equal(v.code, 0, v.out);
        assert.match(v.out, /verify OK|Certificate request self-signature verify OK/);
      }
    }
  });

  test('renew, rekey, suspend, resume, revoke, list and x509 verify with a CRL-less path', async () => {
    const listed = JSON.parse((await kyso('ca', 'list', '--dir', dir, '--json', '--profile', 'official')).stdout) as Array<{ serial: string; subject: string }>;
    const serial = listed.find((r) => r.subject.includes('Phạm Thị Hoa'))!.serial;
    const renew = await kyso('ca', 'renew', '--dir', dir, '--serial', serial, '--out', join(work, 'renewed'), ...pass);
    assert.equal(renew.code, 0, renew.stderr);
    const toStdout = await kyso('ca', 'renew', '--dir', dir, '--serial', serial, '--days', '30', ...pass);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.match(toStdout.stdout, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    assert.match(toStdout.stderr, /^serial [0-9a-f]{32}\n/);
    const noOut = await kyso('ca', 'rekey', '--dir', dir, '--serial', serial, '--key', 'p256', '--p12-pass-env', 'KYSO_TEST_P12_PASS', ...pass);
    assert.equal(noOut.code, 64);
    assert.match(noOut.stderr, /--out PREFIX is required/);
    const rekey = await kyso('ca', 'rekey', '--dir', dir, '--serial', serial, '--key', 'p256', '--p12-pass-env', 'KYSO_TEST_P12_PASS', '--out', join(work, 'rekeyed'), ...pass);
    assert.equal(rekey.code, 0, rekey.stderr);
    assert.ok(existsSync(join(work, 'rekeyed.p12')));
    assert.equal((await kyso('ca', 'suspend', '--dir', dir, '--serial', serial)).stdout.trim(), `${serial} suspended (certificateHold)`);
    assert.equal((await kyso('ca', 'resume', '--dir', dir, '--serial', serial)).stdout.trim(), `${serial} good`);
    assert.equal((await kyso('ca', 'revoke', '--dir', dir, '--serial', serial, '--reason', 'affiliationChanged')).stdout.trim(), `${serial} revoked (affiliationChanged)`);
    const text = (await kyso('ca', 'list', '--dir', dir, '--status', 'revoked')).stdout;
    assert.match(text, new RegExp(`${serial}\\s+revoked`));
    const log = await kyso('ca', 'log', '--dir', dir, '--verify');
    assert.equal(log.code, 0);
    assert.match(log.stdout, /intact/);
    const json = await kyso('x509', 'verify', join(work, 'renewed.crt.pem'), '--trust', root, '--untrusted', issuingPem, '--json');
    assert.equal(json.code, 0);
    assert.equal(JSON.parse(json.stdout).valid, true);
    const stranger = join(work, 'stranger-root.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(work, 'stranger.key'), '-out', stranger, '-subj', '/C=VN/O=Stranger/CN=Stranger Root', '-days', '30']);
    const wrongTrust = await kyso('x509', 'verify', join(work, 'renewed.crt.pem'), '--trust', stranger, '--untrusted', issuingPem);
    assert.equal(wrongTrust.code, 1);
    assert.match(wrongTrust.stdout, /^INVALID/);
    const future = await kyso('x509', 'verify', join(work, 'renewed.crt.pem'), '--trust', root, '--untrusted', issuingPem, '--at', '2060-01-01T00:00:00Z');
    assert.equal(future.code, 1);
  });

  test('x509 verify checks revocation against the CRLs given (NIST PKITS 4.4.3, read from ../shared)', async () => {
    const pk = (f: string) => sharedPath('pki-testdata', 'nist-pkits', f);
    const args = ['x509', 'verify', pk('certs/InvalidRevokedEETest3EE.crt'), '--trust', pk('certs/TrustAnchorRootCertificate.crt'),
      '--untrusted', pk('certs/GoodCACert.crt'), '--at', '2011-04-15T00:00:00Z'];
    const unchecked = await kyso(...args);
    assert.equal(unchecked.code, 0, unchecked.stdout);
    assert.match(unchecked.stdout, /revocation not checked/);
    const revoked = await kyso(...args, '--crl', pk('crls/TrustAnchorRootCRL.crl'), '--crl', pk('crls/GoodCACRL.crl'), '--json');
    assert.equal(revoked.code, 1, revoked.stdout);
    const report = JSON.parse(revoked.stdout);
    assert.equal(report.valid, false);
    assert.equal(report.code, 'REVOKED');
    assert.equal(report.revocationChecked, true);
  });

  test('bad input: one clear line, non-zero exit, nothing half-written', async () => {
    const garbage = join(work, 'garbage.csr');
    writeFileSync(garbage, '-----BEGIN CERTIFICATE REQUEST-----\nMIIBfake\n-----END CERTIFICATE REQUEST-----\n');
    const cases: Array<[string[], number, RegExp]> = [
      [['ca', 'issue', '--dir', dir, '--profile', 'official', '--csr', garbage, '--uid', 'CCCD:001085000777', '--out', join(work, 'bad1'), ...pass], 65, /certificate request/],
      [['ca', 'issue', '--dir', dir, '--profile', 'mayor', '--subject', 'CN=A,O=B', '--out', join(work, 'bad2'), '--p12-pass-env', 'KYSO_TEST_P12_PASS', ...pass], 64, /unknown profile "mayor"/],
      [['ca', 'issue', '--dir', dir, '--profile', 'service', '--subject', 'CN=A,O=B', '--key', 'rsa1024', '--out', join(work, 'bad3'), '--p12-pass-env', 'KYSO_TEST_P12_PASS', ...pass], 65, /2048/],
      [['ca', 'issue', '--dir', dir, '--profile', 'service', '--subject', 'CN=A,O=B', '--out', join(work, 'bad4'), '--p12-pass-env', 'KYSO_TEST_P12_PASS', '--pass-env', 'KYSO_WRONG'], 64, /KYSO_WRONG/],
      [['ca', 'list', '--dir', join(work, 'nope')], 66, /does not exist/],
      [['ca', 'issue', '--dir', dir, '--profile', 'service', '--subject', 'CN=A,O=B', '--out', join(work, 'nodir', 'x'), '--p12-pass-env', 'KYSO_TEST_P12_PASS', ...pass], 74, /cannot write/],
      [['ca', 'revoke', '--dir', dir, '--serial', 'xyz'], 64, /hexadecimal/],
      [['ca', 'frobnicate', '--dir', dir], 64, /unknown command/],
      [['ca', 'list', '--dir', dir, '--colour'], 64, /Unknown option '--colour'/],
      [['x509', 'verify', garbage, '--trust', root], 65, /./],
    ];
    process.env.KYSO_WRONG_UNUSED = '1';
    const before = (await kyso('ca', 'list', '--dir', dir, '--json')).stdout;
    for (const [argv, code, re] of cases) {
      const r = await kyso(...argv);
      assert.equal(r.code, code, `${argv.join(' ')} → ${r.code}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
    }
    process.env.KYSO_WRONG_PASS = 'definitely not it';
    const wrong = await kyso('ca', 'issue', '--dir', dir, '--profile', 'service', '--subject', 'CN=A,O=B', '--out', join(work, 'bad5'), '--p12-pass-env', 'KYSO_TEST_P12_PASS', '--pass-env', 'KYSO_WRONG_PASS');
    assert.equal(wrong.code, 77);
    assert.match(wrong.stderr, /passphrase/);
    assert.equal((await kyso('ca', 'list', '--dir', dir, '--json')).stdout, before, 'no certificate recorded');
    assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('bad') || f.startsWith('.bad')), [], 'no output files left behind');
    // An unreadable directory (a file where a directory should be)
    const notDir = join(work, 'plainfile');
    writeFileSync(notDir, 'x');
    const r = await kyso('ca', 'init', '--dir', notDir, ...pass);
    assert.notEqual(r.code, 0);
    // A failed init leaves no database behind.
    const weakDir = join(work, 'weak');
    process.env.KYSO_SHORT = 'short';
    const w = await kyso('ca', 'init', '--dir', weakDir, '--pass-env', 'KYSO_SHORT');
    assert.equal(w.code, 65);
    assert.ok(!existsSync(join(weakDir, 'kyso.db')), 'no half-made CA');
    chmodSync(work, 0o700);
  });

  test('the kyso bin runs from the workspace (npx kyso)', () => {
    const r = spawnSync('npx', ['--no-install', 'kyso', 'ca', 'list', '--dir', dir], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /official/);
  });
});
