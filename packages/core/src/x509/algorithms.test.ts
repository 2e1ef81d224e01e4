import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeSignatureAlgorithm, describePublicKey, encodeSignatureAlgorithm, parseKeySpec, requireAcceptableHash, requireAcceptableKey } from './algorithms.ts';
import { isKysoError } from '../errors.ts';

const spkiOf = (k: ReturnType<typeof generateKeyPairSync>) => new Uint8Array(k.publicKey.export({ type: 'spki', format: 'der' }) as Buffer);

test('RSA-PSS identifiers round-trip with salt = hash length', () => {
  for (const hash of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
    assert.deepEqual(decodeSignatureAlgorithm(encodeSignatureAlgorithm({ scheme: 'RSASSA-PSS', hash })), { scheme: 'RSASSA-PSS', hash, saltLength: hash === 'SHA-256' ? 32 : hash === 'SHA-384' ? 48 : 64 });
  }
});

test('PKCS#1 v1.5 and ECDSA identifiers round-trip', () => {
  for (const scheme of ['RSASSA-PKCS1-v1_5', 'ECDSA'] as const) {
    for (const hash of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
      assert.deepEqual(decodeSignatureAlgorithm(encodeSignatureAlgorithm({ scheme, hash })), { scheme, hash });
    }
  }
});

test('weak keys are refused with a clear error, good ones described', () => {
  const weak = spkiOf(generateKeyPairSync('rsa', { modulusLength: 1024 }));
  assert.throws(() => requireAcceptableKey(weak), (e) => isKysoError(e, 'weak-crypto') && /1024 bits/.test(e.message));
  assert.deepEqual(requireAcceptableKey(spkiOf(generateKeyPairSync('rsa', { modulusLength: 2048 }))), { kind: 'rsa', bits: 2048 });
  assert.deepEqual(requireAcceptableKey(spkiOf(generateKeyPairSync('ec', { namedCurve: 'P-384' }))), { kind: 'ec', curve: 'P-384' });
  assert.throws(() => requireAcceptableKey(spkiOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }))), (e) => isKysoError(e, 'unsupported'));
  assert.throws(() => requireAcceptableKey(spkiOf(generateKeyPairSync('ed25519'))), (e) => isKysoError(e, 'unsupported'));
  assert.equal(describePublicKey(weak).bits, 1024);
});

test('SHA-1 is refused for new signatures; key names parse', () => {
  assert.throws(() => requireAcceptableHash('SHA-1'), (e) => isKysoError(e, 'weak-crypto'));
  assert.deepEqual(parseKeySpec('p256'), { kind: 'ec', curve: 'P-256' });
  assert.throws(() => parseKeySpec('rsa1024'), (e) => isKysoError(e, 'weak-crypto'));
  assert.throws(() => parseKeySpec('dsa'), (e) => isKysoError(e, 'invalid-argument'));
});
