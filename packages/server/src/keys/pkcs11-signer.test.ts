import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, verify, constants } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKysoError, type SignatureAlgorithm } from '@kyso/core';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const skip = existsSync(MODULE) ? false : 'SoftHSM2 is not installed';
const TOKEN = 'kyso-test';
const PIN = '246810';
const SO_PIN = '13579135';

// SoftHSM reads SOFTHSM2_CONF in C_Initialize: set it before the module is loaded.
const dir = mkdtempSync(join(tmpdir(), 'kyso-p11-'));
mkdirSync(join(dir, 'tokens'));
writeFileSync(join(dir, 'softhsm2.conf'), `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
process.env.SOFTHSM2_CONF = join(dir, 'softhsm2.conf');

import type { Pkcs11Token } from './pkcs11-signer.ts';
type Mod = typeof import('./pkcs11-signer.ts');
let m: Mod;
let token: Pkcs11Token;

before(async () => {
  if (skip) return;
  const r = spawnSync('softhsm2-util', ['--init-token', '--free', '--label', TOKEN, '--so-pin', SO_PIN, '--pin', PIN], { encoding: 'utf8', env: process.env });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  m = await import('./pkcs11-signer.ts');
  token = m.Pkcs11Token.open(MODULE, TOKEN);
  token.login(PIN);
});
after(() => {
  token?.close();
  rmSync(dir, { recursive: true, force: true });
});

function check(spki: Uint8Array, alg: SignatureAlgorithm, data: Uint8Array, sig: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const hash = alg.hash!.replace('-', '').toLowerCase();
  if (alg.scheme === 'ECDSA') return verify(hash, data, { key, dsaEncoding: 'der' }, sig);
  if (alg.scheme === 'RSASSA-PSS') {
    return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength! }, sig);
  }
  return verify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
}

const data = new TextEncoder().encode('TBSCertificate bytes — Quyết định số 15/2025');
const RSA_ALGS: SignatureAlgorithm[] = [
  { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  { scheme: 'RSASSA-PSS', hash: 'SHA-256', saltLength: 32 },
  { scheme: 'RSASSA-PSS', hash: 'SHA-384', saltLength: 48 },
  { scheme: 'RSASSA-PSS', hash: 'SHA-512', saltLength: 64 },
];

test('RSA-2048 generated in the token signs PKCS#1 v1.5 and PSS; node:crypto verifies against the SPKI', { skip }, async () => {
  const signer = m.generatePkcs11KeyPair(token, { label: 'ca-rsa', spec: { kind: 'rsa', bits: 2048 } });
  assert.deepEqual(signer.keySpec, { kind: 'rsa', bits: 2048 });
  const pub = createPublicKey({ key: Buffer.from(signer.publicKey), format: 'der', type: 'spki' });
  assert.equal(pub.asymmetricKeyDetails!.publicExponent, 65537n);
  for (const alg of RSA_ALGS) {
    const sig = await signer.sign(data, alg);
    assert.equal(sig.length, 256);
    assert.ok(check(signer.publicKey, alg, data, sig), JSON.stringify(alg));
    assert.ok(!check(signer.publicKey, alg, data.subarray(1), sig));
  }
  // CKA_ID = SHA-1 of the public key bits (the usual subject key identifier).
  assert.deepEqual(signer.id, new Uint8Array(createHash('sha1').update(pub.export({ type: 'pkcs1', format: 'der' })).digest()));
  // ECDSA on an RSA key, SHA-1, and Ed25519 are refused.
  await assert.rejects(signer.sign(data, { scheme: 'ECDSA', hash: 'SHA-256' }), (e) => isKysoError(e, 'invalid-argument'));
  await assert.rejects(signer.sign(data, { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }), (e) => isKysoError(e, 'weak-crypto'));
  await assert.rejects(signer.sign(data, { scheme: 'Ed25519', hash: 'SHA-512' }), (e) => isKysoError(e, 'unsupported'));
  // The same label twice is a conflict.
  assert.throws(() => m.generatePkcs11KeyPair(token, { label: 'ca-rsa', spec: { kind: 'rsa', bits: 2048 } }), (e) => isKysoError(e, 'conflict'));
});

test('P-256 and P-384 generated in the token sign ECDSA as DER Ecdsa-Sig-Value', { skip }, async () => {
  for (const [curve, hashes] of [['P-256', ['SHA-256', 'SHA-384']], ['P-384', ['SHA-384', 'SHA-512']]] as const) {
    const signer = m.generatePkcs11KeyPair(token, { label: `ec-${curve}`, id: Uint8Array.of(0xec, curve === 'P-256' ? 1 : 2), spec: { kind: 'ec', curve } });
    assert.deepEqual(signer.keySpec, { kind: 'ec', curve });
    assert.deepEqual(signer.id, Uint8Array.of(0xec, curve === 'P-256' ? 1 : 2));
    for (const hash of hashes) {
      const alg: SignatureAlgorithm = { scheme: 'ECDSA', hash };
      for (let i = 0; i < 4; i++) { // several times: r or s with a high bit set needs a 00 octet in DER
        const sig = await signer.sign(data, alg);
        assert.equal(sig[0], 0x30);
        assert.ok(check(signer.publicKey, alg, data, sig), `${curve} ${hash}`);
      }
    }
    await assert.rejects(signer.sign(data, { scheme: 'RSASSA-PSS', hash: 'SHA-256', saltLength: 32 }), (e) => isKysoError(e, 'invalid-argument'));
  }
});

test('the private key is sensitive and never extractable', { skip }, () => {
  const signer = m.openPkcs11Signer(token, { label: 'ca-rsa' });
  assert.deepEqual(signer.keyAttributes(), {
    token: true, private: true, sensitive: true, extractable: false, alwaysSensitive: true, neverExtractable: true, sign: true,
  });
  // The token itself refuses to reveal the private exponent.
  assert.throws(
    () => token.pkcs11.C_GetAttributeValue(token.session, signer.privateKeyHandle, [{ type: 0x123 /* CKA_PRIVATE_EXPONENT */ }]),
    /CKR_ATTRIBUTE_SENSITIVE/,
  );
  // And refuses to make it extractable afterwards (CKA_EXTRACTABLE can only go to false, v2.40 Table 36 note 11).
  assert.throws(() => token.pkcs11.C_SetAttributeValue(token.session, signer.privateKeyHandle, [{ type: 0x162 /* CKA_EXTRACTABLE */, value: true }]));
});

test('keys persist: reopen the token, find by label, sign (also with hashing in software)', { skip }, async () => {
  const first = m.openPkcs11Signer(token, { label: 'ec-P-256' });
  const other = m.Pkcs11Token.open(MODULE, TOKEN);
  try {
    other.login(PIN);
    for (const hashInSoftware of [false, true]) {
      const rsa = m.openPkcs11Signer(other, { label: 'ca-rsa', hashInSoftware });
      for (const alg of RSA_ALGS) assert.ok(check(rsa.publicKey, alg, data, await rsa.sign(data, alg)), `${JSON.stringify(alg)} soft=${hashInSoftware}`);
    }
    const ec = m.openPkcs11Signer(other, { id: Uint8Array.of(0xec, 1) });
    assert.equal(ec.label, 'ec-P-256');
    assert.deepEqual(ec.publicKey, first.publicKey);
    assert.ok(check(ec.publicKey, { scheme: 'ECDSA', hash: 'SHA-256' }, data, await ec.sign(data, { scheme: 'ECDSA', hash: 'SHA-256' })));
  } finally {
    other.close();
  }
  // The first token is still usable after the second one closed (the module stays initialised).
  assert.ok(check(first.publicKey, { scheme: 'ECDSA', hash: 'SHA-256' }, data, await first.sign(data, { scheme: 'ECDSA', hash: 'SHA-256' })));
});

test('errors: wrong PIN → auth, unknown key label or token → not-found, not logged in → no private keys', { skip }, () => {
  const t = m.Pkcs11Token.open(MODULE, TOKEN);
  try {
    // Login state is per application and token (v2.40 §5.6): this logs out `token` too.
    t.logout();
    assert.throws(() => t.login('000000'), (e) => isKysoError(e, 'auth') && /wrong PIN/.test(e.message));
    assert.throws(() => m.openPkcs11Signer(t, { label: 'ca-rsa' }), (e) => isKysoError(e, 'not-found'));
    assert.throws(() => m.generatePkcs11KeyPair(t, { label: 'x', spec: { kind: 'ec', curve: 'P-256' } }), (e) => isKysoError(e, 'auth'));
    t.login(PIN);
    assert.throws(() => m.openPkcs11Signer(t, { label: 'no such key' }), (e) => isKysoError(e, 'not-found') && /no such key/.test(e.message));
  } finally {
    t.close();
  }
  // Closing `t` did not log out the other session of this process.
  assert.equal(m.openPkcs11Signer(token, { label: 'ca-rsa' }).keyAttributes().sign, true);
  assert.throws(() => m.Pkcs11Token.open(MODULE, 'no-such-token'), (e) => isKysoError(e, 'not-found') && /kyso-test/.test(e.message));
  assert.throws(() => m.Pkcs11Token.open('/nonexistent/libpkcs11.so', TOKEN), (e) => isKysoError(e, 'not-found'));
  assert.throws(() => m.generatePkcs11KeyPair(token, { label: 'weak', spec: { kind: 'rsa', bits: 1024 as 2048 } }), (e) => isKysoError(e, 'weak-crypto'));
});
