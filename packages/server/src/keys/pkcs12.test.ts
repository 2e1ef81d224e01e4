import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePem, getSubjectKeyIdentifier, isKysoError, parseCertificate, toHex } from '@kyso/core';
import { buildPkcs12, readPkcs12 } from './pkcs12.ts';

const dir = mkdtempSync(join(tmpdir(), 'kyso-p12-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

// ---- A throwaway chain made at test time: root (P-384) → issuing CA (P-256) → signer (RSA-2048).
const cnf = join(dir, 'req.cnf');
writeFileSync(cnf, '[req]\ndistinguished_name = dn\n[dn]\n');
const f = (name: string) => join(dir, name);
const common = ['-config', cnf, '-utf8', '-noenc', '-days', '2'];
must('openssl', ['req', '-x509', ...common, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-keyout', f('root.key'), '-out', f('root.pem'),
  '-subj', '/C=VN/O=Kyso Test/CN=Kyso Test Root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
must('openssl', ['req', '-x509', ...common, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-keyout', f('sub.key'), '-out', f('sub.pem'),
  '-CA', f('root.pem'), '-CAkey', f('root.key'),
  '-subj', '/C=VN/O=Kyso Test/CN=Kyso Test Issuing CA', '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
must('openssl', ['req', '-x509', ...common, '-newkey', 'rsa:2048', '-keyout', f('ee.key'), '-out', f('ee.pem'),
  '-CA', f('sub.pem'), '-CAkey', f('sub.key'),
  '-subj', '/C=VN/O=Bộ Nội vụ/CN=Nguyễn Văn An', '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature,nonRepudiation']);

const der = (pemFile: string) => decodePem(readFileSync(pemFile, 'utf8'), 'CERTIFICATE');
const rootDer = der(f('root.pem'));
const subDer = der(f('sub.pem'));
const eeDer = der(f('ee.pem'));
const eeKey = createPrivateKey(readFileSync(f('ee.key')));
const subKey = createPrivateKey(readFileSync(f('sub.key')));
const pkcs8 = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'der' });
const ski = getSubjectKeyIdentifier(parseCertificate(eeDer))!;

const PASSWORD = 'kyso-p12 test';
const VN_NAME = 'Nguyễn Văn An – Chữ ký số (Bộ Nội vụ)';
const FAST = { iterations: 100_000, macIterations: 2048 } as const;

test('defaults: openssl pkcs12 -info verifies the MAC, decrypts, shows friendlyName and localKeyID', () => {
  const p12 = buildPkcs12({ privateKey: eeKey, certificate: eeDer, chain: [subDer, rootDer], password: PASSWORD, friendlyName: 'Kyso Test Signer' });
  writeFileSync(f('defaults.p12'), p12);
  const r = run('openssl', ['pkcs12', '-info', '-nodes', '-in', f('defaults.p12'), '-passin', `pass:${PASSWORD}`]);
  assert.equal(r.status, 0, r.stderr);
  const info = r.stdout + r.stderr;
  assert.match(info, /MAC: sha256, Iteration 200000/);
  assert.match(info, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 200000, PRF hmacWithSHA256/);
  assert.match(info, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 200000, PRF hmacWithSHA256/);
  // localKeyID = SHA-1 of the public key bits = the certificate's SKI here; on the key and the EE certificate.
  const lkid = toHex(ski).toUpperCase().replace(/(..)/g, '$1 ').trim();
  assert.equal(info.split(`localKeyID: ${lkid}`).length - 1, 2);
  assert.equal(info.split('friendlyName: Kyso Test Signer').length - 1, 2);
  assert.equal(info.split('-----BEGIN CERTIFICATE-----').length - 1, 3);
  const keyPem = info.slice(info.indexOf('-----BEGIN PRIVATE KEY-----'), info.indexOf('-----END PRIVATE KEY-----') + 25);
  assert.deepEqual(pkcs8(createPrivateKey(keyPem)), pkcs8(eeKey));
  // Wrong password: OpenSSL refuses too.
  assert.notEqual(run('openssl', ['pkcs12', '-info', '-noout', '-in', f('defaults.p12'), '-passin', 'pass:nope']).status, 0);
});

test('NSS pk12util imports it (Vietnamese friendlyName as nickname); GnuTLS reads the name back exactly', () => {
  const p12 = buildPkcs12({ privateKey: eeKey, certificate: eeDer, chain: [subDer, rootDer], password: PASSWORD, friendlyName: VN_NAME, ...FAST });
  writeFileSync(f('vn.p12'), p12);
  const db = f('nssdb');
  mkdirSync(db);
  must('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
  const imp = run('pk12util', ['-i', f('vn.p12'), '-d', `sql:${db}`, '-W', PASSWORD, '-K', '']);
  assert.equal(imp.status, 0, imp.stdout + imp.stderr);
  assert.match(imp.stdout + imp.stderr, /PKCS12 IMPORT SUCCESSFUL/);
  const certs = must('certutil', ['-L', '-d', `sql:${db}`]);
  assert.match(certs, new RegExp(`${VN_NAME.replace(/[()]/g, '\\$&')}\\s+u,u,u`));
  assert.match(certs, /Kyso Test Issuing CA/);
  assert.match(certs, /Kyso Test Root/);
  const keys = must('certutil', ['-K', '-d', `sql:${db}`]);
  assert.match(keys, new RegExp(`rsa\\s+[0-9a-f]{40}\\s+${VN_NAME.replace(/[()]/g, '\\$&')}`)); // NSS's own key ID: SHA-1 of the modulus
  // The imported certificate is byte-identical.
  const exported = run('certutil', ['-L', '-d', `sql:${db}`, '-n', VN_NAME, '-a']);
  assert.equal(exported.status, 0, exported.stderr);
  assert.deepEqual(decodePem(exported.stdout, 'CERTIFICATE'), eeDer);

  const gnutls = must('certtool', ['--p12-info', '--inder', '--infile', f('vn.p12'), '--password', PASSWORD]);
  assert.equal(gnutls.split(`Friendly name: ${VN_NAME}`).length - 1, 2);
});

test('readPkcs12 round trip; chain comes back issuer-first whatever the input order', () => {
  const p12 = buildPkcs12({ privateKey: eeKey, certificate: eeDer, chain: [rootDer, subDer], password: 'Mật khẩu', friendlyName: VN_NAME, ...FAST, encryptCertificates: false });
  const got = readPkcs12(p12, 'Mật khẩu');
  assert.deepEqual(pkcs8(got.privateKey), pkcs8(eeKey));
  assert.deepEqual(got.certificate, eeDer);
  assert.deepEqual(got.chain, [subDer, rootDer]);
  assert.equal(got.friendlyName, VN_NAME);
  // Plain-data certificates are still a valid file for OpenSSL.
  writeFileSync(f('plain-certs.p12'), p12);
  const info = run('openssl', ['pkcs12', '-info', '-noout', '-in', f('plain-certs.p12'), '-passin', 'pass:Mật khẩu']);
  assert.equal(info.status, 0, info.stderr);
  assert.doesNotMatch(info.stdout + info.stderr, /Encrypted data/);
});

test('readPkcs12 of `openssl pkcs12 -export` (OpenSSL 3 default), and of a 3DES/SHA-1 legacy file', () => {
  const pass = 'mật khẩu xuất';
  writeFileSync(f('cas.pem'), readFileSync(f('root.pem'), 'utf8') + readFileSync(f('sub.pem'), 'utf8')); // root first on purpose
  must('openssl', ['pkcs12', '-export', '-inkey', f('ee.key'), '-in', f('ee.pem'), '-certfile', f('cas.pem'),
    '-name', VN_NAME, '-passout', `pass:${pass}`, '-out', f('openssl.p12')]);
  const a = readPkcs12(new Uint8Array(readFileSync(f('openssl.p12'))), pass);
  assert.deepEqual(pkcs8(a.privateKey), pkcs8(eeKey));
  assert.deepEqual(a.certificate, eeDer);
  assert.deepEqual(a.chain, [subDer, rootDer]);
  assert.equal(a.friendlyName, VN_NAME);

  must('openssl', ['pkcs12', '-export', '-inkey', f('sub.key'), '-in', f('sub.pem'), '-certfile', f('root.pem'), '-name', 'legacy',
    '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1', '-passout', 'pass:abc', '-out', f('legacy.p12')]);
  const b = readPkcs12(new Uint8Array(readFileSync(f('legacy.p12'))), 'abc');
  assert.deepEqual(pkcs8(b.privateKey), pkcs8(subKey));
  assert.deepEqual(b.chain, [rootDer]);
  assert.equal(b.friendlyName, 'legacy');

  // RC2 (openssl -legacy) is refused clearly — when this OpenSSL still has the legacy provider.
  const rc2 = run('openssl', ['pkcs12', '-export', '-legacy', '-inkey', f('sub.key'), '-in', f('sub.pem'), '-passout', 'pass:abc', '-out', f('rc2.p12')]);
  if (rc2.status === 0) {
    assert.throws(() => readPkcs12(new Uint8Array(readFileSync(f('rc2.p12'))), 'abc'), (e) => isKysoError(e, 'unsupported') && /RC2/.test(e.message));
  }
});

test('readPkcs12 of an NSS pk12util export', () => {
  // Uses the database filled by the NSS test above (tests in a file run in order).
  const out = f('nss-export.p12');
  const r = run('pk12util', ['-o', out, '-d', `sql:${f('nssdb')}`, '-n', VN_NAME, '-W', 'nss export', '-K', '']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const got = readPkcs12(new Uint8Array(readFileSync(out)), 'nss export');
  assert.deepEqual(pkcs8(got.privateKey), pkcs8(eeKey));
  assert.deepEqual(got.certificate, eeDer);
  assert.equal(got.friendlyName, VN_NAME);
});

test('wrong password → auth; altered or truncated files → auth / malformed', () => {
  const p12 = new Uint8Array(readFileSync(f('vn.p12')));
  assert.throws(() => readPkcs12(p12, 'kyso-p12 Test'), (e) => isKysoError(e, 'auth') && /wrong password/.test(e.message));
  assert.throws(() => readPkcs12(new Uint8Array(readFileSync(f('openssl.p12'))), 'mat khau xuat'), (e) => isKysoError(e, 'auth'));
  const altered = p12.slice();
  altered[Math.floor(altered.length / 2)] = altered[Math.floor(altered.length / 2)]! ^ 0x01;
  assert.throws(() => readPkcs12(altered, PASSWORD), (e) => isKysoError(e, 'auth') && /altered/.test(e.message));
  assert.throws(() => readPkcs12(p12.subarray(0, p12.length - 10), PASSWORD), (e) => isKysoError(e, 'malformed'));
  assert.throws(() => readPkcs12(eeDer, PASSWORD), (e) => isKysoError(e, 'malformed') || isKysoError(e, 'unsupported'));
});

test('buildPkcs12 refuses a key that is not the certificate\'s, weak iteration counts and empty passwords', () => {
  const base = { privateKey: eeKey, certificate: eeDer, password: PASSWORD, friendlyName: 'x' };
  assert.throws(() => buildPkcs12({ ...base, privateKey: subKey }), (e) => isKysoError(e, 'invalid-argument') && /does not belong/.test(e.message));
  assert.throws(() => buildPkcs12({ ...base, iterations: 2048 }), (e) => isKysoError(e, 'weak-crypto'));
  assert.throws(() => buildPkcs12({ ...base, macIterations: 1 }), (e) => isKysoError(e, 'weak-crypto'));
  assert.throws(() => buildPkcs12({ ...base, password: '' }), (e) => isKysoError(e, 'invalid-argument'));
  assert.throws(() => buildPkcs12({ ...base, certificate: eeDer.subarray(1) }), (e) => isKysoError(e, 'malformed'));
});
