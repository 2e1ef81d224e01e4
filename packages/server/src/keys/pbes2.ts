/**
 * PBES2 (RFC 8018 §6.2) with PBKDF2 (RFC 8018 §5.2, Appendix A.2) or scrypt (RFC 7914 §7) as key
 * derivation and AES-CBC (RFC 8018 Appendix B.2.5, NIST SP 800-38A) as encryption scheme.
 * Shared by the encrypted PKCS#8 and PKCS#12 code in this folder.
 */
import {
  createCipheriv, createDecipheriv, pbkdf2 as pbkdf2Cb, pbkdf2Sync, randomBytes, scrypt as scryptCb, scryptSync,
  type ScryptOptions,
} from 'node:crypto';
import { promisify } from 'node:util';
import { KysoError } from '@kyso/core';
import {
  type Asn1Node, DER_NULL, derAlgorithm, derInteger, derOctetString, derSequence, expectSequence, readOctets, readOid,
  readSmallInteger, TAG,
} from './asn1.ts';

export const PBE_OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  scrypt: '1.3.6.1.4.1.11591.4.11',
  hmacWithSHA1: '1.2.840.113549.2.7',
  hmacWithSHA224: '1.2.840.113549.2.8',
  hmacWithSHA256: '1.2.840.113549.2.9',
  hmacWithSHA384: '1.2.840.113549.2.10',
  hmacWithSHA512: '1.2.840.113549.2.11',
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  desEde3Cbc: '1.2.840.113549.3.7',
} as const;

const PRF_BY_OID: Record<string, string> = {
  [PBE_OID.hmacWithSHA1]: 'sha1',
  [PBE_OID.hmacWithSHA224]: 'sha224',
  [PBE_OID.hmacWithSHA256]: 'sha256',
  [PBE_OID.hmacWithSHA384]: 'sha384',
  [PBE_OID.hmacWithSHA512]: 'sha512',
};

/** Encryption schemes kyso reads inside PBES2; it writes only AES-256-CBC. */
const CIPHER_BY_OID: Record<string, { name: string; keyLength: number; ivLength: number }> = {
  [PBE_OID.aes128Cbc]: { name: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  [PBE_OID.aes192Cbc]: { name: 'aes-192-cbc', keyLength: 24, ivLength: 16 },
  [PBE_OID.aes256Cbc]: { name: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
  [PBE_OID.desEde3Cbc]: { name: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
};

/**
 * The key derivation kyso writes: scrypt (RFC 7914) or PBKDF2 with HMAC-SHA-256 (RFC 8018 §5.2).
 */
export type Pbes2Kdf =
  | { kdf: 'scrypt'; N: number; r: number; p: number }
  | { kdf: 'pbkdf2'; iterations: number };

/** What a PBES2 AlgorithmIdentifier says, after parsing. */
export interface Pbes2Params {
  kdf:
    | { kind: 'scrypt'; salt: Uint8Array; N: number; r: number; p: number }
    | { kind: 'pbkdf2'; salt: Uint8Array; iterations: number; prf: string };
  cipher: { name: string; keyLength: number; ivLength: number };
  iv: Uint8Array;
}

/** Ceilings applied when *reading*, so a hostile file cannot make kyso burn minutes or gigabytes. */
const MAX_PBKDF2_ITERATIONS = 10_000_000;
const MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024; // 128·N·r bytes
const MAX_SCRYPT_P = 64;

const AES256 = CIPHER_BY_OID[PBE_OID.aes256Cbc]!;

function scryptOptions(N: number, r: number, p: number): ScryptOptions {
  return { N, r, p, maxmem: 2 * 128 * N * r + 32 * 1024 * 1024 };
}

/** Encodes PBES2-params (RFC 8018 Appendix A.4) as a full AlgorithmIdentifier. */
function encodePbes2(kdf: Pbes2Kdf, salt: Uint8Array, iv: Uint8Array): Uint8Array {
  const kdfAlg = kdf.kdf === 'scrypt'
    // RFC 7914 §7: scrypt-params ::= SEQUENCE { salt, costParameter, blockSize, parallelizationParameter, keyLength OPTIONAL }
    ? derAlgorithm(PBE_OID.scrypt, derSequence(derOctetString(salt), derInteger(kdf.N), derInteger(kdf.r), derInteger(kdf.p), derInteger(AES256.keyLength)))
    // RFC 8018 Appendix A.2: PBKDF2-params ::= SEQUENCE { salt, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }
    : derAlgorithm(PBE_OID.pbkdf2, derSequence(derOctetString(salt), derInteger(kdf.iterations), derInteger(AES256.keyLength), derAlgorithm(PBE_OID.hmacWithSHA256, DER_NULL)));
  return derAlgorithm(PBE_OID.pbes2, derSequence(kdfAlg, derAlgorithm(PBE_OID.aes256Cbc, derOctetString(iv))));
}

/** Parses the parameters of a PBES2 AlgorithmIdentifier (`alg` is the whole AlgorithmIdentifier). */
export function parsePbes2(alg: Asn1Node, what: string): Pbes2Params {
  const ai = expectSequence(alg, what, 2);
  if (readOid(ai.children[0], what) !== PBE_OID.pbes2) throw new KysoError('unsupported', `${what}: not PBES2`);
  const params = expectSequence(ai.children[1], `${what} PBES2-params`, 2);
  const kdfAi = expectSequence(params.children[0], `${what} keyDerivationFunc`, 1);
  const encAi = expectSequence(params.children[1], `${what} encryptionScheme`, 1);

  const kdfOid = readOid(kdfAi.children[0], what);
  let kdf: Pbes2Params['kdf'];
  let keyLength: number | undefined;
  if (kdfOid === PBE_OID.pbkdf2) {
    const p = expectSequence(kdfAi.children[1], `${what} PBKDF2-params`, 2);
    // The salt CHOICE's otherSource alternative (an AlgorithmIdentifier) is reserved and never used.
    const salt = readOctets(p.children[0], `${what} PBKDF2 salt`);
    const iterations = readSmallInteger(p.children[1], `${what} PBKDF2 iterationCount`);
    let prf = 'sha1';
    for (const extra of p.children.slice(2)) {
      if (extra.tag === TAG.INTEGER) keyLength = readSmallInteger(extra, `${what} PBKDF2 keyLength`);
      else {
        const prfAi = expectSequence(extra, `${what} PBKDF2 prf`, 1);
        const prfOid = readOid(prfAi.children[0], what);
        const found = PRF_BY_OID[prfOid];
        if (!found) throw new KysoError('unsupported', `${what}: PBKDF2 with unsupported PRF ${prfOid}`);
        prf = found;
      }
    }
    if (iterations < 1) throw new KysoError('malformed', `${what}: PBKDF2 iteration count 0`);
    if (iterations > MAX_PBKDF2_ITERATIONS) throw new KysoError('unsupported', `${what}: PBKDF2 iteration count ${iterations} exceeds the limit of ${MAX_PBKDF2_ITERATIONS}`);
    kdf = { kind: 'pbkdf2', salt, iterations, prf };
  } else if (kdfOid === PBE_OID.scrypt) {
    const p = expectSequence(kdfAi.children[1], `${what} scrypt-params`, 4);
    const salt = readOctets(p.children[0], `${what} scrypt salt`);
    const N = readSmallInteger(p.children[1], `${what} scrypt costParameter`);
    const r = readSmallInteger(p.children[2], `${what} scrypt blockSize`);
    const pp = readSmallInteger(p.children[3], `${what} scrypt parallelizationParameter`);
    if (p.children[4]) keyLength = readSmallInteger(p.children[4], `${what} scrypt keyLength`);
    // RFC 7914 §2: N a power of two greater than 1; r, p positive.
    if (N < 2 || (N & (N - 1)) !== 0 || r < 1 || pp < 1) throw new KysoError('malformed', `${what}: invalid scrypt parameters N=${N} r=${r} p=${pp}`);
    if (128 * N * r > MAX_SCRYPT_MEMORY || pp > MAX_SCRYPT_P) {
      throw new KysoError('unsupported', `${what}: scrypt parameters N=${N} r=${r} p=${pp} exceed the limits kyso will compute`);
    }
    kdf = { kind: 'scrypt', salt, N, r, p: pp };
  } else {
    throw new KysoError('unsupported', `${what}: unsupported PBES2 key derivation function ${kdfOid}`);
  }

  const encOid = readOid(encAi.children[0], what);
  const cipher = CIPHER_BY_OID[encOid];
  if (!cipher) throw new KysoError('unsupported', `${what}: unsupported PBES2 encryption scheme ${encOid}`);
  const iv = readOctets(encAi.children[1], `${what} IV`);
  if (iv.length !== cipher.ivLength) throw new KysoError('malformed', `${what}: IV of ${iv.length} bytes for ${cipher.name}`);
  if (keyLength !== undefined && keyLength !== cipher.keyLength) {
    throw new KysoError('malformed', `${what}: KDF keyLength ${keyLength} does not fit ${cipher.name}`);
  }
  return { kdf, cipher, iv };
}

function deriveSync(p: Pbes2Params['kdf'], password: Uint8Array, keyLength: number): Buffer {
  return p.kind === 'scrypt'
    ? scryptSync(password, p.salt, keyLength, scryptOptions(p.N, p.r, p.p))
    : pbkdf2Sync(password, p.salt, p.iterations, keyLength, p.prf);
}

const scryptAsync = promisify(scryptCb) as (pw: Uint8Array, salt: Uint8Array, len: number, o: ScryptOptions) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2Cb);

async function deriveAsync(p: Pbes2Params['kdf'], password: Uint8Array, keyLength: number): Promise<Buffer> {
  return p.kind === 'scrypt'
    ? scryptAsync(password, p.salt, keyLength, scryptOptions(p.N, p.r, p.p))
    : pbkdf2Async(password, p.salt, p.iterations, keyLength, p.prf);
}

function newParams(kdf: Pbes2Kdf): Pbes2Params {
  const salt = new Uint8Array(randomBytes(16));
  const iv = new Uint8Array(randomBytes(16));
  return {
    kdf: kdf.kdf === 'scrypt'
      ? { kind: 'scrypt', salt, N: kdf.N, r: kdf.r, p: kdf.p }
      : { kind: 'pbkdf2', salt, iterations: kdf.iterations, prf: 'sha256' },
    cipher: AES256,
    iv,
  };
}

function encryptWith(key: Buffer, params: Pbes2Params, kdf: Pbes2Kdf, plaintext: Uint8Array): { algorithm: Uint8Array; ciphertext: Uint8Array } {
  try {
    const c = createCipheriv(params.cipher.name, key, params.iv);
    const ciphertext = new Uint8Array(Buffer.concat([c.update(plaintext), c.final()]));
    return { algorithm: encodePbes2(kdf, params.kdf.salt, params.iv), ciphertext };
  } finally {
    key.fill(0);
  }
}

/** PBES2 encryption (RFC 8018 §6.2.1) with a fresh 16-byte salt and IV; AES-256-CBC. */
export function pbes2EncryptSync(plaintext: Uint8Array, password: Uint8Array, kdf: Pbes2Kdf): { algorithm: Uint8Array; ciphertext: Uint8Array } {
  const params = newParams(kdf);
  return encryptWith(deriveSync(params.kdf, password, params.cipher.keyLength), params, kdf, plaintext);
}

export async function pbes2Encrypt(plaintext: Uint8Array, password: Uint8Array, kdf: Pbes2Kdf): Promise<{ algorithm: Uint8Array; ciphertext: Uint8Array }> {
  const params = newParams(kdf);
  return encryptWith(await deriveAsync(params.kdf, password, params.cipher.keyLength), params, kdf, plaintext);
}

function decryptWith(key: Buffer, params: Pbes2Params, ciphertext: Uint8Array, what: string): Uint8Array {
  try {
    const blockSize = params.cipher.ivLength;
    if (ciphertext.length === 0 || ciphertext.length % blockSize !== 0) {
      throw new KysoError('malformed', `${what}: ciphertext length ${ciphertext.length} is not a multiple of the ${params.cipher.name} block size`);
    }
    const d = createDecipheriv(params.cipher.name, key, params.iv);
    const head = d.update(ciphertext);
    let tail: Buffer;
    try {
      tail = d.final();
    } catch (e) {
      head.fill(0);
      // RFC 8018 §6.2.2 step 5: bad padding — almost always the wrong password.
      throw new KysoError('auth', `${what}: wrong passphrase (or the encrypted data is damaged)`, { cause: e });
    }
    return new Uint8Array(Buffer.concat([head, tail]));
  } finally {
    key.fill(0);
  }
}

/** PBES2 decryption (RFC 8018 §6.2.2). Wrong password → KysoError('auth'). */
export function pbes2DecryptSync(params: Pbes2Params, ciphertext: Uint8Array, password: Uint8Array, what: string): Uint8Array {
  return decryptWith(deriveSync(params.kdf, password, params.cipher.keyLength), params, ciphertext, what);
}

export async function pbes2Decrypt(params: Pbes2Params, ciphertext: Uint8Array, password: Uint8Array, what: string): Promise<Uint8Array> {
  return decryptWith(await deriveAsync(params.kdf, password, params.cipher.keyLength), params, ciphertext, what);
}
