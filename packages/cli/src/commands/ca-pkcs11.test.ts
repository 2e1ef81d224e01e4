/** A CA whose keys live in a PKCS#11 token (SoftHSM2): ceremony, issuance, and no key in the database. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const work = mkdtempSync(join(tmpdir(), 'kyso-ca-p11-'));
mkdirSync(join(work, 'tokens'));
writeFileSync(join(work, 'softhsm2.conf'), `directories.tokendir = ${join(work, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
// SoftHSM reads SOFTHSM2_CONF when the module is initialised, which happens at the first Pkcs11Token.open.
process.env.SOFTHSM2_CONF = join(work, 'softhsm2.conf');
process.env.KYSO_TEST_PIN = '918273';
process.env.KYSO_TEST_WRONG_PIN = '000000';
process.env.KYSO_TEST_P12 = 'p12 password for tests';

const { kyso } = await import('./test-cli.ts');


before(() => {
  assert.ok(existsSync(MODULE), 'SoftHSM2 must be installed (Debian softhsm2; .ci/run installs it)');
  const r = spawnSync('softhsm2-util', ['--init-token', '--free', '--label', 'kyso-ca', '--so-pin', '12345678', '--pin', process.env.KYSO_TEST_PIN!], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('kyso ca init with keyStorage pkcs11 keeps the CA keys in the token and issues with them', async () => {
  const ceremony = join(work, 'ceremony.json');
  writeFileSync(ceremony, JSON.stringify({
    root: { subject: 'CN=HSM Root CA,O=Ban Cơ yếu thử nghiệm,C=VN', key: 'rsa3072', years: 20 },
    issuing: { subject: 'CN=HSM Issuing CA,O=Ban Cơ yếu thử nghiệm,C=VN', key: 'p256', years: 10 },
    keyStorage: { type: 'pkcs11', module: MODULE, token: 'kyso-ca' },
  }));
  const dir = join(work, 'ca');
  const init = await kyso('ca', 'init', '--dir', dir, '--config', ceremony, '--pass-env', 'KYSO_TEST_PIN');
  assert.equal(init.code, 0, init.stderr);
  const db = new Database(join(dir, 'kyso.db'), { readonly: true });
  const keys = db.prepare('select id, kind, encrypted_pem, pkcs11 from keys order by id').all() as Array<{ id: string; kind: string; encrypted_pem: string | null; pkcs11: string }>;
  db.close();
  assert.deepEqual(keys.map((k) => [k.id, k.kind, k.encrypted_pem]), [['issuing', 'pkcs11', null], ['root', 'pkcs11', null]]);
  assert.equal(JSON.parse(keys[0]!.pkcs11).token, 'kyso-ca');

  const list = spawnSync('pkcs11-tool', ['--module', MODULE, '--token-label', 'kyso-ca', '--login', '--pin', process.env.KYSO_TEST_PIN!, '--list-objects', '--type', 'privkey'], { encoding: 'utf8' });
  if (list.status === 0) assert.match(list.stdout, /kyso-issuing/);

  const issue = await kyso('ca', 'issue', '--dir', dir, '--profile', 'agency', '--subject', 'CN=Sở Nội vụ,O=UBND tỉnh Thử', '--agency-code', '000.00.33.H41',
    '--key', 'p256', '--out', join(work, 'seal'), '--p12-pass-env', 'KYSO_TEST_P12', '--pass-env', 'KYSO_TEST_PIN');
  assert.equal(issue.code, 0, issue.stderr);
  const chain = await kyso('ca', 'chain', '--dir', dir);
  writeFileSync(join(work, 'chain.pem'), chain.stdout);
  const v = spawnSync('openssl', ['verify', '-x509_strict', '-CAfile', join(work, 'chain.pem'), join(work, 'seal.crt.pem')], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stdout + v.stderr);
});

test('a wrong PIN is refused with a clear error', async () => {
  const r = await kyso('ca', 'issue', '--dir', join(work, 'ca'), '--profile', 'agency', '--subject', 'CN=X,O=Y', '--agency-code', '000.00.33.H41',
    '--out', join(work, 'nope'), '--p12-pass-env', 'KYSO_TEST_P12', '--pass-env', 'KYSO_TEST_WRONG_PIN');
  assert.equal(r.code, 77, r.stderr);
  assert.match(r.stderr, /PIN/i);
  assert.ok(!existsSync(join(work, 'nope.crt.pem')));
});
