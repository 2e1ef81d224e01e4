/**
 * Private keys at rest: PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3) in PEM "ENCRYPTED PRIVATE KEY"
 * (RFC 7468 §11), encrypted with PBES2 (RFC 8018 §6.2): scrypt (RFC 7914 §7) or
 * PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2) and AES-256-CBC.
 *
 * kyso builds the ASN.1 itself instead of `KeyObject.export({ cipher })`, whose PBKDF2 iteration
 * count (2048) is far below what a key at rest needs. Files made by
 * `openssl pkcs8 -topk8 -v2 aes-256-cbc [-scrypt]` are read as well.
 */
import { createECDH, createPrivateKey, generateKeyPair as generateKeyPairCb, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { decodePemAll, encodePem, KysoError, type KeySpec } from '@kyso/core';
import { derOctetString, derSequence, expectSequence, parseAsn1, readOctets, readOid, readUnsignedInteger } from './asn1.ts';
import { KeyObjectSigner } from './key-object-signer.ts';
import { PBE_OID, parsePbes2, pbes2Decrypt, pbes2DecryptSync, pbes2Encrypt, pbes2EncryptSync, type Pbes2Kdf, type Pbes2Params } from './pbes2.ts';

/**
 * How a key is encrypted. Defaults: scrypt N=2^17, r=8, p=1 (RFC 7914 §2; OWASP 2023), or
 * PBKDF2-HMAC-SHA-256 with 600,000 iterations (RFC 8018 §5.2; OWASP 2023).
 */
export type KeyEncryptionOptions =
  | { kdf: 'scrypt'; N?: number; r?: number; p?: number }
  | { kdf: 'pbkdf2'; iterations?: number };

export const DEFAULT_SCRYPT = { kdf: 'scrypt', N: 2 ** 17, r: 8, p: 1 } as const;
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;

/**
 * scrypt parameters that OpenSSL 3 can also read: its PBES2 code refuses scrypt needing more than
 * 32 MiB (128·N·r), so {@link DEFAULT_SCRYPT} (128 MiB) is readable by kyso and node but not by
 * `openssl pkey`. N=2^14, r=8, p=8 does the same total work (N·r·p = 2^20) in 16 MiB.
 */
export const SCRYPT_OPENSSL_COMPATIBLE = { kdf: 'scrypt', N: 2 ** 14, r: 8, p: 8 } as const;

/**
 * The floor for *new* files: PBKDF2-HMAC-SHA-256 ≥ 600,000 iterations; scrypt with N ≥ 2^13,
 * r ≥ 8 and N·r·p ≥ 655,360 (the cheapest of OWASP's equivalent scrypt settings, N=2^13 r=8 p=10).
 * Reading applies no floor, only ceilings against hostile files.
 */
export const KDF_FLOOR = { pbkdf2Iterations: 600_000, scryptMinN: 2 ** 13, scryptMinR: 8, scryptMinWork: 655_360 } as const;

const PEM_LABEL = 'ENCRYPTED PRIVATE KEY';

function resolveKdf(options: KeyEncryptionOptions | undefined): Pbes2Kdf {
  if (!options || options.kdf === 'scrypt') {
    const N = options?.N ?? DEFAULT_SCRYPT.N;
    const r = options?.r ?? DEFAULT_SCRYPT.r;
    const p = options?.p ?? DEFAULT_SCRYPT.p;
    if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0 || !Number.isSafeInteger(r) || r < 1 || !Number.isSafeInteger(p) || p < 1) {
      throw new KysoError('invalid-argument', `scrypt parameters N=${N} r=${r} p=${p}: N must be a power of two, r and p positive integers`);
    }
    if (N < KDF_FLOOR.scryptMinN || r < KDF_FLOOR.scryptMinR || N * r * p < KDF_FLOOR.scryptMinWork) {
      throw new KysoError('weak-crypto', `scrypt N=${N} r=${r} p=${p} refused: use N=2^17, r=8, p=1 (at least N≥2^13, r≥8 and N·r·p ≥ 655,360)`);
    }
    if (128 * N * r > 1024 * 1024 * 1024) throw new KysoError('invalid-argument', `scrypt N=${N} r=${r} needs more than 1 GiB of memory`);
    return { kdf: 'scrypt', N, r, p };
  }
  if (options.kdf === 'pbkdf2') {
    const iterations = options.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
    if (!Number.isSafeInteger(iterations) || iterations < KDF_FLOOR.pbkdf2Iterations) {
      throw new KysoError('weak-crypto', `PBKDF2 with ${iterations} iterations refused: at least ${KDF_FLOOR.pbkdf2Iterations} are required`);
    }
    if (iterations > 10_000_000) throw new KysoError('invalid-argument', `PBKDF2 with ${iterations} iterations: at most 10,000,000`);
    return { kdf: 'pbkdf2', iterations };
  }
  throw new KysoError('invalid-argument', `unknown key derivation function ${(options as { kdf: unknown }).kdf}`);
}

function passphraseBytes(passphrase: string, creating: boolean): Uint8Array {
  if (typeof passphrase !== 'string') throw new KysoError('invalid-argument', 'the passphrase must be a string');
  if (creating && passphrase.length === 0) throw new KysoError('invalid-argument', 'an empty passphrase does not protect a key');
  // RFC 8018 §3: the password is an octet string; kyso (like OpenSSL) uses its UTF-8 encoding as typed.
  return new Uint8Array(Buffer.from(passphrase, 'utf8'));
}

function pkcs8Der(key: KeyObject): Buffer {
  if (key.type !== 'private') throw new KysoError('invalid-argument', 'only a private key can be encrypted');
  return key.export({ type: 'pkcs8', format: 'der' });
}

/** RFC 5958 §3: EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }. */
function encodeEncryptedPrivateKeyInfo(r: { algorithm: Uint8Array; ciphertext: Uint8Array }): string {
  return encodePem(PEM_LABEL, derSequence(r.algorithm, derOctetString(r.ciphertext)));
}

/**
 * Encrypts a private key into PEM "ENCRYPTED PRIVATE KEY" (RFC 5958 §3, PBES2 per RFC 8018 §6.2,
 * AES-256-CBC, fresh random salt and IV). Throws KysoError('weak-crypto') for KDF parameters below
 * {@link KDF_FLOOR}. Runs the KDF on the libuv thread pool.
 */
export async function encryptPrivateKey(key: KeyObject, passphrase: string, options?: KeyEncryptionOptions): Promise<string> {
  const kdf = resolveKdf(options);
  const plain = pkcs8Der(key);
  try {
    return encodeEncryptedPrivateKeyInfo(await pbes2Encrypt(plain, passphraseBytes(passphrase, true), kdf));
  } finally {
    plain.fill(0);
  }
}

/** Synchronous form of {@link encryptPrivateKey} (CLI, tests). */
export function encryptPrivateKeySync(key: KeyObject, passphrase: string, options?: KeyEncryptionOptions): string {
  const kdf = resolveKdf(options);
  const plain = pkcs8Der(key);
  try {
    return encodeEncryptedPrivateKeyInfo(pbes2EncryptSync(plain, passphraseBytes(passphrase, true), kdf));
  } finally {
    plain.fill(0);
  }
}

/** PEM text or DER bytes → the PBES2 parameters and ciphertext. */
function parseEncryptedPrivateKeyInfo(input: string | Uint8Array): { params: Pbes2Params; ciphertext: Uint8Array } {
  let der: Uint8Array;
  if (typeof input !== 'string' && input.length > 0 && input[0] === 0x30) {
    der = input;
  } else {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
    const blocks = decodePemAll(text);
    const block = blocks.find((b) => b.label === PEM_LABEL);
    if (!block) {
      if (blocks.some((b) => /PRIVATE KEY$/.test(b.label))) {
        throw new KysoError('unsupported', `the key file holds "${blocks.find((b) => /PRIVATE KEY$/.test(b.label))!.label}", not an encrypted PKCS#8 key: kyso keeps keys at rest only encrypted`);
      }
      throw new KysoError('malformed', `no PEM "${PEM_LABEL}" block found`);
    }
    der = block.der;
  }
  const what = 'EncryptedPrivateKeyInfo';
  const seq = expectSequence(parseAsn1(der, what), what, 2);
  if (seq.children.length !== 2) throw new KysoError('malformed', `${what}: expected 2 elements`);
  const algOid = readOid(expectSequence(seq.children[0], what, 1).children[0], what);
  if (algOid !== PBE_OID.pbes2) {
    throw new KysoError('unsupported', `${what}: encryption ${algOid} is not PBES2 — re-encrypt with \`openssl pkcs8 -topk8 -v2 aes-256-cbc -scrypt\``);
  }
  return { params: parsePbes2(seq.children[0]!, what), ciphertext: readOctets(seq.children[1], `${what} encryptedData`) };
}

/** The INTEGERs of an RSAPrivateKey (RFC 8017 Appendix A.1.2) inside a PKCS#8 PrivateKeyInfo (RFC 5958 §2). */
function rsaPrivateKeyIntegers(key: KeyObject): bigint[] {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  try {
    const pki = expectSequence(parseAsn1(der, 'PrivateKeyInfo'), 'PrivateKeyInfo', 3);
    const inner = readOctets(pki.children[2], 'PrivateKeyInfo privateKey');
    const rsa = expectSequence(parseAsn1(inner, 'RSAPrivateKey'), 'RSAPrivateKey', 9);
    return rsa.children.slice(1, 9).map((n) => BigInt('0x' + (Buffer.from(readUnsignedInteger(n, 'RSAPrivateKey')).toString('hex') || '0')));
  } finally {
    der.fill(0);
  }
}

/**
 * Checks that a decrypted key is internally consistent. CBC has no integrity protection, so a
 * changed ciphertext block yields a PKCS#8 that may still parse — with garbled CRT values
 * (RSA) or a private scalar that no longer matches the stored public point (EC). Returns a reason
 * or undefined.
 */
export function privateKeyInconsistency(key: KeyObject): string | undefined {
  try {
    if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
      // RFC 8017 §3.2: n = p·q, e·d ≡ 1 (mod p−1, q−1), dP = d mod (p−1), dQ = d mod (q−1), q·qInv ≡ 1 (mod p).
      const [n, e, d, p, q, dp, dq, qi] = rsaPrivateKeyIntegers(key) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
      if (p * q !== n) return 'RSA: n ≠ p·q';
      if ((e * d) % (p - 1n) !== 1n || (e * d) % (q - 1n) !== 1n) return 'RSA: e·d ≢ 1';
      if (d % (p - 1n) !== dp || d % (q - 1n) !== dq) return 'RSA: CRT exponents do not match d';
      if ((q * qi) % p !== 1n) return 'RSA: CRT coefficient is wrong';
      return undefined;
    }
    if (key.asymmetricKeyType === 'ec') {
      // SEC 1 §3.2.1: Q = d·G.
      const j = key.export({ format: 'jwk' });
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (!curve || !j.d || !j.x || !j.y) return 'EC: incomplete key';
      const ecdh = createECDH(curve);
      ecdh.setPrivateKey(Buffer.from(j.d, 'base64url'));
      const expected = Buffer.concat([Buffer.of(4), Buffer.from(j.x, 'base64url'), Buffer.from(j.y, 'base64url')]);
      return ecdh.getPublicKey().equals(expected) ? undefined : 'EC: public point does not match the private scalar';
    }
    return undefined;
  } catch (e) {
    return `key cannot be checked: ${(e as Error).message}`;
  }
}

function privateKeyFromPlaintext(plain: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength), format: 'der', type: 'pkcs8' });
  } catch (e) {
    // The padding happened to check out (≈1 in 256 for a wrong passphrase) but the content is not a key.
    throw new KysoError('auth', 'wrong passphrase (or the key file is damaged)', { cause: e });
  } finally {
    plain.fill(0);
  }
  const problem = privateKeyInconsistency(key);
  if (problem) throw new KysoError('auth', `wrong passphrase (or the key file is damaged): ${problem}`);
  return key;
}

/**
 * Decrypts PEM "ENCRYPTED PRIVATE KEY" (or its DER): RFC 5958 §3 with PBES2 (RFC 8018 §6.2.2),
 * KDF scrypt or PBKDF2 (HMAC-SHA-1/224/256/384/512), cipher AES-128/192/256-CBC or DES-EDE3-CBC.
 * Wrong passphrase → KysoError('auth'); unreadable structure → 'malformed'; PBES1 and other
 * schemes → 'unsupported'.
 */
export async function decryptPrivateKey(input: string | Uint8Array, passphrase: string): Promise<KeyObject> {
  const { params, ciphertext } = parseEncryptedPrivateKeyInfo(input);
  return privateKeyFromPlaintext(await pbes2Decrypt(params, ciphertext, passphraseBytes(passphrase, false), 'private key'));
}

/** Synchronous form of {@link decryptPrivateKey}. */
export function decryptPrivateKeySync(input: string | Uint8Array, passphrase: string): KeyObject {
  const { params, ciphertext } = parseEncryptedPrivateKeyInfo(input);
  return privateKeyFromPlaintext(pbes2DecryptSync(params, ciphertext, passphraseBytes(passphrase, false), 'private key'));
}

/** Decrypts a key file (see {@link decryptPrivateKey}) into a {@link KeyObjectSigner}. */
export async function openEncryptedKeySigner(input: string | Uint8Array, passphrase: string): Promise<KeyObjectSigner> {
  return new KeyObjectSigner(await decryptPrivateKey(input, passphrase));
}

function generationArgs(spec: KeySpec): ['rsa', { modulusLength: number; publicExponent: number }] | ['ec', { namedCurve: string }] {
  if (spec.kind === 'rsa') {
    if (![2048, 3072, 4096].includes(spec.bits)) throw new KysoError('weak-crypto', `RSA-${spec.bits} refused: use 2048, 3072 or 4096 bits`);
    // RFC 8017 §3.1; e = 65537 (F4).
    return ['rsa', { modulusLength: spec.bits, publicExponent: 0x10001 }];
  }
  if (spec.kind === 'ec' && (spec.curve === 'P-256' || spec.curve === 'P-384')) {
    // FIPS 186-5 / SEC 2 curves, RFC 5480 §2.1.1.1 names.
    return ['ec', { namedCurve: spec.curve === 'P-256' ? 'prime256v1' : 'secp384r1' }];
  }
  throw new KysoError('unsupported', `key type ${JSON.stringify(spec)} is not supported`);
}

/**
 * Generates a key pair for a KeySpec (RSA with e = 65537 per RFC 8017 §3.1, or ECDSA P-256/P-384
 * per FIPS 186-5) and returns the private KeyObject (its public half: `createPublicKey(key)`).
 */
export function generateKeyPair(spec: KeySpec): KeyObject {
  const [type, opts] = generationArgs(spec);
  return type === 'rsa' ? generateKeyPairSync('rsa', opts).privateKey : generateKeyPairSync('ec', opts).privateKey;
}

const generateKeyPairAsyncCb = promisify(generateKeyPairCb);

/** {@link generateKeyPair} off the main thread (RSA-4096 takes seconds). */
export async function generateKeyPairAsync(spec: KeySpec): Promise<KeyObject> {
  const [type, opts] = generationArgs(spec);
  const pair = type === 'rsa' ? await generateKeyPairAsyncCb('rsa', opts) : await generateKeyPairAsyncCb('ec', opts);
  return pair.privateKey;
}
