/** `kyso sign --cades`: detached CAdES B-B and B-T, checked by OpenSSL and by kyso's own CMS/TSP readers. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSignedData, verifySignerInfo } from '@kyso/core/cms/signed-data.ts';
import { CMS_OID } from '@kyso/core/cms/cms-oids.ts';
import { verifyTimeStampToken } from '@kyso/core/tsp/index.ts';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { servePkiCommand } from './serve-pki.ts';
import { freePort, kyso, runTool as run } from './test-cli.ts';

process.env.KYSO_SIGN_CA = 'sign test passphrase';
process.env.KYSO_SIGN_P12 = 'p12 password for tests';
process.env.KYSO_SIGN_WRONG = 'not the password';


describe('kyso sign --cades', () => {
  let work: string;
  let base: string;
  let stop: AbortController;
  let served: Promise<number>;
  const f = (n: string) => join(work, n);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'kyso-sign-'));
    base = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(f('ceremony.json'), JSON.stringify({
      root: { subject: 'CN=Sign Root,O=UBND tỉnh Thử,C=VN', key: 'p256', years: 20 },
      issuing: { subject: 'CN=Sign Issuing,O=UBND tỉnh Thử,C=VN', key: 'p256', years: 10 }, baseUrl: base,
    }));
    assert.equal((await kyso('ca', 'init', '--dir', f('ca'), '--config', f('ceremony.json'), '--pass-env', 'KYSO_SIGN_CA')).code, 0);
    const issued = await kyso('ca', 'issue', '--dir', f('ca'), '--profile', 'agency', '--subject', 'CN=Văn phòng Sở Tư pháp,O=UBND tỉnh Thử',
      '--agency-code', '000.00.31.H41', '--key', 'rsa2048', '--out', f('seal'), '--p12-pass-env', 'KYSO_SIGN_P12', '--pass-env', 'KYSO_SIGN_CA');
    assert.equal(issued.code, 0, issued.stderr);
    writeFileSync(f('chain.pem'), (await kyso('ca', 'chain', '--dir', f('ca'))).stdout);
    writeFileSync(f('phu-luc.xlsx'), Buffer.from('Phụ lục kèm Quyết định số 15/QĐ-UBND — any bytes, not a PDF'));
    stop = new AbortController();
    let out = '';
    served = servePkiCommand(['--dir', f('ca'), '--port', base.split(':')[2]!, '--pass-env', 'KYSO_SIGN_CA'], { stdout: (s) => { out += s; }, stderr: (s) => { out += s; } }, { signal: stop.signal });
    for (let i = 0; i < 600 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
  });
  after(async () => { stop.abort(); await served; rmSync(work, { recursive: true, force: true }); });

  test('B-B: openssl cms -verify accepts the detached signature', async () => {
    const r = await kyso('sign', f('phu-luc.xlsx'), '--cades', '-o', f('bb.p7s'), '--p12', f('seal.p12'), '--pass-env', 'KYSO_SIGN_P12');
    assert.equal(r.code, 0, r.stderr);
    const v = await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', f('bb.p7s'), '-content', f('phu-luc.xlsx'), '-CAfile', f('chain.pem'), '-purpose', 'any', '-out', '/dev/null']);
    assert.match(v.out, /CMS Verification successful/);
    const sd = parseSignedData(readFileSync(f('bb.p7s')));
    const ok = verifySignerInfo(sd, 0, { crypto: nodeCrypto, detachedContent: readFileSync(f('phu-luc.xlsx')) });
    assert.ok(ok.ok, ok.reason);
    const attrs = sd.signerInfos[0]!.signedAttrs.map((a) => a.oid);
    for (const oid of [CMS_OID.contentType, CMS_OID.messageDigest, CMS_OID.signingTime, CMS_OID.signingCertificateV2]) assert.ok(attrs.includes(oid), oid);
    writeFileSync(f('tampered.xlsx'), Buffer.concat([readFileSync(f('phu-luc.xlsx')), Buffer.from('!')]));
    const bad = await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', f('bb.p7s'), '-content', f('tampered.xlsx'), '-CAfile', f('chain.pem'), '-purpose', 'any', '-out', '/dev/null']);
    assert.match(bad.out, /Verification failure/);
  });

  test('B-T: a signature time-stamp from the TSA over the signature value', async () => {
    const r = await kyso('sign', f('phu-luc.xlsx'), '--cades', '-o', f('bt.p7s'), '--p12', f('seal.p12'), '--pass-env', 'KYSO_SIGN_P12', '--tsa', `${base}/tsa`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /CAdES B-T/);
    const sd = parseSignedData(readFileSync(f('bt.p7s')));
    const si = sd.signerInfos[0]!;
    const tst = si.unsignedAttrs.find((a) => a.oid === CMS_OID.timeStampToken);
    assert.ok(tst, 'signature-time-stamp attribute present');
    const v = verifyTimeStampToken(tst.values[0]!, { crypto: nodeCrypto, hash: 'SHA-256', messageImprint: nodeCrypto.digest('SHA-256', si.signature) });
    assert.ok(v.ok, v.ok ? '' : v.reason);
    const o = await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', f('bt.p7s'), '-content', f('phu-luc.xlsx'), '-CAfile', f('chain.pem'), '-purpose', 'any', '-out', '/dev/null']);
    assert.match(o.out, /CMS Verification successful/);
  });

  test('bad input: a clear error and no output file', async () => {
    writeFileSync(f('doc.pdf'), '%PDF-1.7\n%âãÏÓ\n');
    const cases: Array<[string[], number, RegExp]> = [
      [['sign', f('phu-luc.xlsx'), '-o', f('x1.pdf'), '--p12', f('seal.p12'), '--pass-env', 'KYSO_SIGN_P12'], 65, /not a PDF .*--cades/],
      [['sign', f('phu-luc.xlsx'), '--cades', '-o', f('x2.p7s'), '--p12', f('seal.p12'), '--pass-env', 'KYSO_SIGN_WRONG'], 77, /password/i],
      [['sign', f('phu-luc.xlsx'), '--cades', '-o', f('x3.p7s'), '--p12', f('seal.p12'), '--pass-env', 'KYSO_SIGN_P12', '--tsa', 'http://127.0.0.1:9/tsa'], 74, /127\.0\.0\.1:9/],
      [['sign', f('phu-luc.xlsx'), '--cades', '-o', f('x4.p7s'), '--p12', f('seal.p12'), '--pass-env', 'KYSO_SIGN_P12', '--level', 'B-LTA'], 64, /B-B or B-T/],
      [['sign', f('missing.bin'), '--cades', '-o', f('x5.p7s'), '--p12', f('seal.p12'), '--pass-env', 'KYSO_SIGN_P12'], 74, /cannot read/],
    ];
    for (const [argv, code, re] of cases) {
      const r = await kyso(...argv);
      assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
    for (const n of ['x1.pdf', 'x2.p7s', 'x3.p7s', 'x4.p7s', 'x5.p7s']) assert.ok(!existsSync(f(n)), `${n} not written`);
  });
});
