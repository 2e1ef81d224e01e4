import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePem, encodePem, isKysoError } from '@kyso/core';
import {
  decryptPrivateKey, decryptPrivateKeySync, encryptPrivateKey, encryptPrivateKeySync, generateKeyPair, generateKeyPairAsync,
  privateKeyInconsistency, SCRYPT_OPENSSL_COMPATIBLE,
} from './encrypted-pkcs8.ts';

const dir = mkdtempSync(join(tmpdir(), 'kyso-pkcs8-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Non-ASCII on purpose: the passphrase is UTF-8 on both sides.
const PASS = 'Mật khẩu: Ủy ban 2025!';

function openssl(args: string[]): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync('openssl', args, { encoding: 'buffer' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

const pkcs8 = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'der' });
const spki = (k: KeyObject) => createPublicKey(k).export({ type: 'spki', format: 'der' });

const rsa = generateKeyPair({ kind: 'rsa', bits: 2048 });
const ec = generateKeyPair({ kind: 'ec', curve: 'P-256' });

test('round trip: RSA-2048 with the default scrypt, EC P-256 with PBKDF2-SHA-256', async () => {
  const pemRsa = await encryptPrivateKey(rsa, PASS);
  assert.match(pemRsa, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  assert.deepEqual(pkcs8(await decryptPrivateKey(pemRsa, PASS)), pkcs8(rsa));
  // The structure, as OpenSSL sees it: PBES2 / id-scrypt N=2^17 r=8 p=1 / AES-256-CBC.
  const f = join(dir, 'rsa-scrypt.pem');
  writeFileSync(f, pemRsa);
  const parsed = openssl(['asn1parse', '-in', f]).stdout.toString();
  assert.match(parsed, /:PBES2/);
  assert.match(parsed, /:scrypt\n/);
  assert.match(parsed, /INTEGER\s+:020000\n[^\n]*INTEGER\s+:08\n[^\n]*INTEGER\s+:01\n/);
  assert.match(parsed, /:aes-256-cbc/);

  const pemEc = encryptPrivateKeySync(ec, PASS, { kdf: 'pbkdf2' });
  writeFileSync(join(dir, 'ec-pbkdf2.pem'), pemEc);
  const parsedEc = openssl(['asn1parse', '-in', join(dir, 'ec-pbkdf2.pem')]).stdout.toString();
  assert.match(parsedEc, /:PBKDF2/);
  assert.match(parsedEc, /INTEGER\s+:0927C0\n/); // 600,000
  assert.match(parsedEc, /:hmacWithSHA256/);
  const back = decryptPrivateKeySync(decodePem(pemEc, 'ENCRYPTED PRIVATE KEY'), PASS); // DER input too
  assert.deepEqual(pkcs8(back), pkcs8(ec));
});

test('openssl pkey reads our files (PBKDF2, and scrypt within OpenSSL\'s 32 MiB limit)', () => {
  const files: Array<[string, KeyObject]> = [[join(dir, 'ec-pbkdf2.pem'), ec]];
  const f = join(dir, 'rsa-scrypt-compat.pem');
  writeFileSync(f, encryptPrivateKeySync(rsa, PASS, SCRYPT_OPENSSL_COMPATIBLE));
  files.push([f, rsa]);
  for (const [file, key] of files) {
    const r = openssl(['pkey', '-in', file, '-passin', `pass:${PASS}`, '-pubout', '-outform', 'DER']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout, spki(key));
  }
});

test('we read `openssl pkcs8 -topk8 -v2 aes-256-cbc` with PBKDF2 and with -scrypt', async () => {
  const plain = join(dir, 'plain.pem');
  writeFileSync(plain, rsa.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  for (const extra of [[], ['-scrypt']]) {
    const out = join(dir, `openssl${extra.join('')}.pem`);
    const r = openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', ...extra, '-in', plain, '-out', out, '-passout', `pass:${PASS}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(pkcs8(await decryptPrivateKey(readFileSync(out, 'utf8'), PASS)), pkcs8(rsa));
    assert.deepEqual(pkcs8(decryptPrivateKeySync(new Uint8Array(readFileSync(out)), PASS)), pkcs8(rsa)); // PEM as bytes
  }
});

test('wrong passphrase → KysoError(auth)', async () => {
  const cheap = readFileSync(join(dir, 'openssl.pem'), 'utf8'); // OpenSSL default: PBKDF2, 2048 iterations
  await assert.rejects(decryptPrivateKey(cheap, 'Mat khau: Uy ban 2025!'), (e) => isKysoError(e, 'auth') && /wrong passphrase/.test(e.message));
  assert.throws(() => decryptPrivateKeySync(readFileSync(join(dir, 'ec-pbkdf2.pem'), 'utf8'), ''), (e) => isKysoError(e, 'auth'));
});

test('tampered or corrupt files are errors, never a wrong key', () => {
  const der = decodePem(readFileSync(join(dir, 'openssl.pem'), 'utf8'), 'ENCRYPTED PRIVATE KEY');
  // Structure broken: truncated, or a length octet changed.
  assert.throws(() => decryptPrivateKeySync(der.subarray(0, der.length - 7), PASS), (e) => isKysoError(e, 'malformed'));
  const badHeader = der.slice();
  badHeader[3] = badHeader[3]! ^ 0x01;
  assert.throws(() => decryptPrivateKeySync(badHeader, PASS), (e) => isKysoError(e, 'malformed'));
  assert.throws(() => decryptPrivateKeySync('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n', PASS), (e) => isKysoError(e, 'malformed'));
  assert.throws(() => decryptPrivateKeySync('hello', PASS), (e) => isKysoError(e, 'malformed'));
  // Ciphertext changed: without a MAC this is indistinguishable from a wrong passphrase — say both.
  // The invariant is "never a wrong key": an error naming the damage, or (if a flip only touched
  // bytes that carry no key material) exactly the original key.
  let errors = 0;
  for (const pos of [der.length - 1, der.length - 17, der.length - 40, der.length - 200, der.length - 600]) {
    const flipped = der.slice();
    flipped[pos] = flipped[pos]! ^ 0x5a;
    try {
      const key = decryptPrivateKeySync(flipped, PASS);
      assert.deepEqual(pkcs8(key), pkcs8(rsa), `flip at ${der.length - pos} bytes from the end gave a different key`);
    } catch (e) {
      assert.ok(isKysoError(e, 'auth') && /damaged/.test(e.message), String(e));
      errors++;
    }
  }
  assert.ok(errors >= 4, `${errors} of 5 flips were reported`);
});

test('privateKeyInconsistency catches keys whose parts do not fit together', () => {
  assert.equal(privateKeyInconsistency(rsa), undefined);
  assert.equal(privateKeyInconsistency(ec), undefined);
  const a = ec.export({ format: 'jwk' });
  const b = generateKeyPair({ kind: 'ec', curve: 'P-256' }).export({ format: 'jwk' });
  const mixed = createPrivateKey({ key: { ...a, x: b.x, y: b.y }, format: 'jwk' });
  assert.match(privateKeyInconsistency(mixed) ?? '', /public point/);
  const r = rsa.export({ format: 'jwk' });
  const badCrt = createPrivateKey({ key: { ...r, qi: Buffer.from('0123456789', 'hex').toString('base64url') }, format: 'jwk' });
  assert.match(privateKeyInconsistency(badCrt) ?? '', /CRT coefficient/);
});

test('weak KDF parameters are refused when creating; legacy and unencrypted files when reading', () => {
  for (const o of [{ kdf: 'pbkdf2', iterations: 100_000 }, { kdf: 'scrypt', N: 2 ** 12 }, { kdf: 'scrypt', N: 2 ** 14, r: 8, p: 1 }, { kdf: 'scrypt', N: 2 ** 17, r: 4 }] as const) {
    assert.throws(() => encryptPrivateKeySync(ec, PASS, o), (e) => isKysoError(e, 'weak-crypto'), JSON.stringify(o));
  }
  assert.throws(() => encryptPrivateKeySync(ec, PASS, { kdf: 'scrypt', N: 100_000 }), (e) => isKysoError(e, 'invalid-argument'));
  assert.throws(() => encryptPrivateKeySync(ec, ''), (e) => isKysoError(e, 'invalid-argument'));
  assert.throws(() => encryptPrivateKeySync(createPublicKey(ec), PASS), (e) => isKysoError(e, 'invalid-argument'));

  assert.throws(() => decryptPrivateKeySync(ec.export({ type: 'pkcs8', format: 'pem' }) as string, PASS), (e) => isKysoError(e, 'unsupported') && /PRIVATE KEY/.test(e.message));
  const v1 = join(dir, 'pbes1.pem');
  const r = openssl(['pkcs8', '-topk8', '-v1', 'PBE-SHA1-3DES', '-in', join(dir, 'plain.pem'), '-out', v1, '-passout', `pass:${PASS}`]);
  assert.equal(r.status, 0, r.stderr);
  assert.throws(() => decryptPrivateKeySync(readFileSync(v1, 'utf8'), PASS), (e) => isKysoError(e, 'unsupported') && /not PBES2/.test(e.message));
  // A PEM block that claims the label but holds garbage DER.
  assert.throws(() => decryptPrivateKeySync(encodePem('ENCRYPTED PRIVATE KEY', Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)), PASS), (e) => isKysoError(e, 'malformed'));
});

test('generateKeyPair: RSA e=65537, EC P-256/P-384; weak specs refused', async () => {
  const d = rsa.asymmetricKeyDetails!;
  assert.equal(d.modulusLength, 2048);
  assert.equal(d.publicExponent, 65537n);
  assert.equal(ec.asymmetricKeyDetails!.namedCurve, 'prime256v1');
  assert.equal((await generateKeyPairAsync({ kind: 'ec', curve: 'P-384' })).asymmetricKeyDetails!.namedCurve, 'secp384r1');
  assert.equal(rsa.type, 'private');
  assert.throws(() => generateKeyPair({ kind: 'rsa', bits: 1024 as 2048 }), (e) => isKysoError(e, 'weak-crypto'));
  assert.throws(() => generateKeyPair({ kind: 'ec', curve: 'P-521' as 'P-256' }), (e) => isKysoError(e, 'unsupported'));
});
