/**
 * PKCS#12 (RFC 7292) key + certificate containers — the ".p12/.pfx" a subscriber imports into
 * Windows, Firefox/NSS, macOS or a signing application.
 *
 * Written (RFC 7292 §4, password integrity and privacy modes):
 * - PFX v3 whose authSafe is `data` holding an AuthenticatedSafe of two ContentInfos:
 *   the certificates (certBag/x509Certificate, §4.2.3) in `encryptedData` (RFC 5652 §8), then the key
 *   in a pkcs8ShroudedKeyBag (§4.2.2) inside `data`. This is the layout OpenSSL 3 writes by default.
 * - Key and certificate encryption: PBES2 (RFC 8018 §6.2), PBKDF2-HMAC-SHA-256, AES-256-CBC,
 *   random 16-byte salt and IV. The PBES2 password is the UTF-8 password (as OpenSSL 3 does).
 * - MAC: HMAC-SHA-256 keyed with the RFC 7292 Appendix B.2 KDF (ID=3) over the BMPString password.
 * - The key bag and the end-entity certificate bag carry the same localKeyId (PKCS#9,
 *   RFC 2985 §5.5.2): SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1), and the
 *   friendlyName (RFC 2985 §5.5.1) as BMPString.
 *
 * Read: what kyso writes, OpenSSL 3 `pkcs12 -export` (PBES2/AES), NSS `pk12util -o`, and legacy
 * files whose bags use pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 Appendix C). RC2/RC4 (OpenSSL
 * `-legacy`, old Windows exports) are refused with KysoError('unsupported').
 */
import { createHmac, createPrivateKey, createPublicKey, createDecipheriv, hash as nodeHash, randomBytes, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { equalBytes, hashFromOid, hashOid, KysoError, OID, type HashName } from '@kyso/core';
import {
  type Asn1Node, DER_NULL, derAlgorithm, derBmpString, derExplicit, derInteger, derOctetString, derOid, derSequence, derSetOf,
  expectSequence, parseAsn1, readExplicit, readOctets, readOid, readSmallInteger, readText, spkiPublicKeyBits, TAG, tlv, utf16be,
} from './asn1.ts';
import { PBE_OID, parsePbes2, pbes2DecryptSync, pbes2EncryptSync } from './pbes2.ts';
import { privateKeyInconsistency } from './encrypted-pkcs8.ts';

const P12_OID = {
  // RFC 5652 / PKCS#7 content types
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  // RFC 7292 §4.2 bag types
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  // RFC 7292 §4.2.3 / PKCS#9
  x509Certificate: '1.2.840.113549.1.9.22.1',
  // RFC 7292 Appendix C
  pbeWithSHAAnd128BitRC4: '1.2.840.113549.1.12.1.1',
  pbeWithSHAAnd40BitRC4: '1.2.840.113549.1.12.1.2',
  pbeWithSHAAnd3KeyTripleDESCBC: '1.2.840.113549.1.12.1.3',
  pbeWithSHAAnd2KeyTripleDESCBC: '1.2.840.113549.1.12.1.4',
  pbeWithSHAAnd128BitRC2CBC: '1.2.840.113549.1.12.1.5',
  pbeWithSHAAnd40BitRC2CBC: '1.2.840.113549.1.12.1.6',
  // RFC 9579
  pbmac1: '1.2.840.113549.1.5.14',
} as const;

/** What goes into a PKCS#12 file. */
export interface Pkcs12Input {
  privateKey: KeyObject;
  /** DER end-entity certificate; must hold the public half of `privateKey`. */
  certificate: Uint8Array;
  /** DER CA certificates, issuing CA first, root last. */
  chain?: Uint8Array[];
  password: string;
  /** Shown by Windows, Firefox (NSS nickname), OpenSSL. Any Unicode text (BMPString). */
  friendlyName: string;
  /** PBKDF2-HMAC-SHA-256 iterations for the key and certificate encryption. Default 200,000, floor 100,000. */
  iterations?: number;
  /**
   * Iterations of the RFC 7292 Appendix B.2 MAC key derivation. Default 200,000, floor 2048.
   * The MAC lets anyone holding the file test passwords, so its KDF bounds the cost of a guess as
   * much as PBKDF2 does: kyso keeps it in the same order of work instead of OpenSSL's 2048.
   */
  macIterations?: number;
  /** Encrypt the certificates too (default true): hides the holder's name and ID numbers. */
  encryptCertificates?: boolean;
}

/** What a PKCS#12 file holds, as kyso uses it. */
export interface Pkcs12Contents {
  privateKey: KeyObject;
  /** DER end-entity certificate (the one matching the private key). */
  certificate: Uint8Array;
  /** Other certificates: the issuer path from the end-entity upwards first, then any others. */
  chain: Uint8Array[];
  friendlyName?: string;
}

export const PKCS12_DEFAULTS = { iterations: 200_000, macIterations: 200_000 } as const;
export const PKCS12_FLOOR = { iterations: 100_000, macIterations: 2048 } as const;

/** Ceiling for the (JavaScript) Appendix B KDF when reading: ~2.5 s of work. */
const MAX_P12_KDF_ITERATIONS = 1_000_000;

// ---------------------------------------------------------------------------------------------
// RFC 7292 Appendix B.2: the PKCS#12 key derivation function

const HASH_BLOCK: Record<string, { node: string; u: number; v: number }> = {
  'SHA-1': { node: 'sha1', u: 20, v: 64 },
  'SHA-224': { node: 'sha224', u: 28, v: 64 },
  'SHA-256': { node: 'sha256', u: 32, v: 64 },
  'SHA-384': { node: 'sha384', u: 48, v: 128 },
  'SHA-512': { node: 'sha512', u: 64, v: 128 },
};

/** Password as BMPString with its two-zero-octet terminator (RFC 7292 Appendix B.1). */
function bmpPassword(password: string): Uint8Array {
  const b = utf16be(password);
  const out = new Uint8Array(b.length + 2);
  out.set(b);
  return out;
}

/**
 * The Appendix B.2 KDF: `id` 1 = key material, 2 = IV, 3 = MAC key; `password` already BMP-encoded.
 * Exported for tests.
 */
export function pkcs12Kdf(hash: HashName, password: Uint8Array, salt: Uint8Array, id: 1 | 2 | 3, iterations: number, n: number): Uint8Array {
  const h = HASH_BLOCK[hash];
  if (!h) throw new KysoError('unsupported', `PKCS#12 KDF with ${hash}`);
  const { u, v } = h;
  const D = Buffer.alloc(v, id);
  const stretch = (src: Uint8Array): Buffer => {
    const out = Buffer.alloc(src.length === 0 ? 0 : v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const I = Buffer.concat([stretch(salt), stretch(password)]);
  const c = Math.ceil(n / u);
  const out = Buffer.alloc(c * u);
  const B = Buffer.alloc(v);
  for (let i = 0; i < c; i++) {
    let A = nodeHash(h.node, Buffer.concat([D, I]), 'buffer');
    for (let j = 1; j < iterations; j++) A = nodeHash(h.node, A, 'buffer');
    A.copy(out, i * u);
    if (i + 1 < c) {
      for (let k = 0; k < v; k++) B[k] = A[k % u]!;
      // I_j = (I_j + B + 1) mod 2^(8v), for each v-octet block of I.
      for (let j = 0; j < I.length; j += v) {
        let carry = 1;
        for (let k = v - 1; k >= 0; k--) {
          const s = I[j + k]! + B[k]! + carry;
          I[j + k] = s & 0xff;
          carry = s >> 8;
        }
      }
    }
  }
  return new Uint8Array(out.subarray(0, n));
}

// ---------------------------------------------------------------------------------------------
// Writing

function attributes(friendlyName: string, localKeyId: Uint8Array | undefined): Uint8Array[] {
  // RFC 7292 §4.2: bagAttributes SET OF PKCS12Attribute; PKCS12Attribute ::= SEQUENCE { attrId, attrValues SET OF }.
  const attrs: Uint8Array[] = [];
  if (friendlyName) attrs.push(derSequence(derOid(OID.friendlyName), derSetOf(derBmpString(friendlyName))));
  if (localKeyId) attrs.push(derSequence(derOid(OID.localKeyId), derSetOf(derOctetString(localKeyId))));
  return attrs.length ? [derSetOf(...attrs)] : [];
}

/** SafeBag ::= SEQUENCE { bagId, bagValue [0] EXPLICIT, bagAttributes SET OF OPTIONAL } (RFC 7292 §4.2). */
function safeBag(bagId: string, value: Uint8Array, attrs: Uint8Array[]): Uint8Array {
  return derSequence(derOid(bagId), derExplicit(0, value), ...attrs);
}

/** ContentInfo of type data (RFC 5652 §4). */
function dataContentInfo(content: Uint8Array): Uint8Array {
  return derSequence(derOid(P12_OID.data), derExplicit(0, derOctetString(content)));
}

/** ContentInfo of type encryptedData (RFC 5652 §8) with PBES2. */
function encryptedDataContentInfo(content: Uint8Array, password: Uint8Array, iterations: number): Uint8Array {
  const { algorithm, ciphertext } = pbes2EncryptSync(content, password, { kdf: 'pbkdf2', iterations });
  const encryptedContentInfo = derSequence(derOid(P12_OID.data), algorithm, tlv(0x80, ciphertext)); // [0] IMPLICIT OCTET STRING
  return derSequence(derOid(P12_OID.encryptedData), derExplicit(0, derSequence(derInteger(0), encryptedContentInfo)));
}

function parseCertificateDer(der: Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  } catch (e) {
    throw new KysoError('malformed', `${what} is not a valid DER certificate`, { cause: e });
  }
}

const spkiOfCert = (c: X509Certificate) => new Uint8Array(c.publicKey.export({ type: 'spki', format: 'der' }));
const spkiOfKey = (k: KeyObject) => new Uint8Array(createPublicKey(k).export({ type: 'spki', format: 'der' }));

function checkIterations(value: number | undefined, def: number, floor: number, what: string): number {
  const n = value ?? def;
  if (!Number.isSafeInteger(n) || n < floor) throw new KysoError('weak-crypto', `${what} of ${n} refused: at least ${floor}`);
  if (n > MAX_P12_KDF_ITERATIONS) throw new KysoError('invalid-argument', `${what} of ${n}: at most ${MAX_P12_KDF_ITERATIONS}`);
  return n;
}

/**
 * Builds a DER PFX (RFC 7292 §4) holding the private key, its certificate and the CA chain, in the
 * password privacy and integrity modes described at the top of this file. OpenSSL 3
 * (`openssl pkcs12`) and NSS (`pk12util`) import it.
 */
export function buildPkcs12(input: Pkcs12Input): Uint8Array {
  const { privateKey, certificate, password, friendlyName } = input;
  if (typeof password !== 'string' || password.length === 0) throw new KysoError('invalid-argument', 'a PKCS#12 file needs a non-empty password');
  if (privateKey?.type !== 'private') throw new KysoError('invalid-argument', 'buildPkcs12 needs a private key');
  const iterations = checkIterations(input.iterations, PKCS12_DEFAULTS.iterations, PKCS12_FLOOR.iterations, 'PBKDF2 iteration count');
  const macIterations = checkIterations(input.macIterations, PKCS12_DEFAULTS.macIterations, PKCS12_FLOOR.macIterations, 'MAC iteration count');

  const cert = parseCertificateDer(certificate, 'the certificate');
  const certSpki = spkiOfCert(cert);
  if (!equalBytes(certSpki, spkiOfKey(privateKey))) {
    throw new KysoError('invalid-argument', 'the private key does not belong to the certificate');
  }
  const chain = (input.chain ?? []).map((c, i) => { parseCertificateDer(c, `chain certificate ${i + 1}`); return c; });
  const localKeyId = new Uint8Array(nodeHash('sha1', spkiPublicKeyBits(certSpki), 'buffer'));
  const attrs = attributes(friendlyName ?? '', localKeyId);

  const utf8Password = new Uint8Array(Buffer.from(password, 'utf8'));

  // Certificates: CertBag ::= SEQUENCE { certId, certValue [0] EXPLICIT OCTET STRING } (§4.2.3).
  const certBag = (der: Uint8Array, a: Uint8Array[]) =>
    safeBag(P12_OID.certBag, derSequence(derOid(P12_OID.x509Certificate), derExplicit(0, derOctetString(der))), a);
  const certContents = derSequence(certBag(certificate, attrs), ...chain.map((c) => certBag(c, [])));

  // The key: EncryptedPrivateKeyInfo (RFC 5958 §3) in a pkcs8ShroudedKeyBag (§4.2.2).
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  let shrouded: { algorithm: Uint8Array; ciphertext: Uint8Array };
  try {
    shrouded = pbes2EncryptSync(pkcs8, utf8Password, { kdf: 'pbkdf2', iterations });
  } finally {
    pkcs8.fill(0);
  }
  const keyContents = derSequence(safeBag(P12_OID.pkcs8ShroudedKeyBag, derSequence(shrouded.algorithm, derOctetString(shrouded.ciphertext)), attrs));

  const authenticatedSafe = derSequence(
    input.encryptCertificates === false ? dataContentInfo(certContents) : encryptedDataContentInfo(certContents, utf8Password, iterations),
    dataContentInfo(keyContents),
  );

  // MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER } (§4; Appendix B.2 with ID=3).
  const macSalt = new Uint8Array(randomBytes(16));
  const macKey = pkcs12Kdf('SHA-256', bmpPassword(password), macSalt, 3, macIterations, 32);
  const mac = createHmac('sha256', macKey).update(authenticatedSafe).digest();
  macKey.fill(0);
  const macData = derSequence(
    derSequence(derAlgorithm(hashOid('SHA-256'), DER_NULL), derOctetString(mac)),
    derOctetString(macSalt),
    derInteger(macIterations),
  );
  return derSequence(derInteger(3), dataContentInfo(authenticatedSafe), macData);
}

// ---------------------------------------------------------------------------------------------
// Reading

interface Bag {
  kind: 'key' | 'cert';
  value: KeyObject | Uint8Array;
  friendlyName?: string;
  localKeyId?: Uint8Array;
}

/** Password encodings to try for the MAC: UTF-16 (RFC 7292 B.1), then OpenSSL's pre-1.1.0 byte-wise form. */
function macPasswords(password: string): Uint8Array[] {
  const out = [bmpPassword(password)];
  if (/[^\x00-\x7f]/.test(password)) {
    const bytes = Buffer.from(password, 'utf8');
    const legacy = new Uint8Array(bytes.length * 2 + 2);
    bytes.forEach((b, i) => { legacy[2 * i + 1] = b; });
    out.push(legacy);
  }
  if (password === '') out.push(new Uint8Array(0)); // a NULL password, as some producers use
  return out;
}

function verifyMac(macData: Asn1Node, authSafe: Uint8Array, password: string): void {
  const what = 'PKCS#12 MacData';
  const seq = expectSequence(macData, what, 2);
  const digestInfo = expectSequence(seq.children[0], what, 2);
  const alg = expectSequence(digestInfo.children[0], what, 1);
  const algOid = readOid(alg.children[0], what);
  if (algOid === P12_OID.pbmac1) throw new KysoError('unsupported', 'PKCS#12 with a PBMAC1 (RFC 9579) MAC is not supported yet');
  const hash = hashFromOid(algOid);
  if (!hash || !HASH_BLOCK[hash]) throw new KysoError('unsupported', `PKCS#12 MAC with unsupported digest ${algOid}`);
  const expected = readOctets(digestInfo.children[1], what);
  const salt = readOctets(seq.children[1], `${what} salt`);
  const iterations = seq.children[2] ? readSmallInteger(seq.children[2], `${what} iterations`) : 1;
  if (iterations < 1) throw new KysoError('malformed', `${what}: iteration count 0`);
  if (iterations > MAX_P12_KDF_ITERATIONS) throw new KysoError('unsupported', `${what}: ${iterations} iterations exceed the limit of ${MAX_P12_KDF_ITERATIONS}`);
  const { node, u } = HASH_BLOCK[hash]!;
  for (const pw of macPasswords(password)) {
    const key = pkcs12Kdf(hash, pw, salt, 3, iterations, u);
    const mac = createHmac(node, key).update(authSafe).digest();
    if (mac.length === expected.length && timingSafeEqual(mac, expected)) return;
  }
  throw new KysoError('auth', 'wrong password for the PKCS#12 file (or the file has been altered)');
}

/** Decrypts bag or safe-contents data: PBES2, or the RFC 7292 Appendix C 3DES schemes. */
function decryptContent(algorithm: Asn1Node, ciphertext: Uint8Array, password: string, what: string): Uint8Array {
  const ai = expectSequence(algorithm, what, 1);
  const oid = readOid(ai.children[0], what);
  if (oid === PBE_OID.pbes2) {
    return pbes2DecryptSync(parsePbes2(algorithm, what), ciphertext, new Uint8Array(Buffer.from(password, 'utf8')), what);
  }
  if (oid === P12_OID.pbeWithSHAAnd3KeyTripleDESCBC || oid === P12_OID.pbeWithSHAAnd2KeyTripleDESCBC) {
    // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER } (Appendix C); SHA-1 KDF.
    const params = expectSequence(ai.children[1], `${what} pkcs-12PbeParams`, 2);
    const salt = readOctets(params.children[0], what);
    const iterations = readSmallInteger(params.children[1], what);
    if (iterations < 1 || iterations > MAX_P12_KDF_ITERATIONS) throw new KysoError('unsupported', `${what}: ${iterations} iterations`);
    const threeKey = oid === P12_OID.pbeWithSHAAnd3KeyTripleDESCBC;
    const pw = bmpPassword(password);
    const key = pkcs12Kdf('SHA-1', pw, salt, 1, iterations, threeKey ? 24 : 16);
    const iv = pkcs12Kdf('SHA-1', pw, salt, 2, iterations, 8);
    if (ciphertext.length === 0 || ciphertext.length % 8) throw new KysoError('malformed', `${what}: bad ciphertext length`);
    const d = createDecipheriv(threeKey ? 'des-ede3-cbc' : 'des-ede-cbc', key, iv);
    try {
      return new Uint8Array(Buffer.concat([d.update(ciphertext), d.final()]));
    } catch (e) {
      throw new KysoError('auth', `${what}: wrong password (or the data is damaged)`, { cause: e });
    } finally {
      key.fill(0);
    }
  }
  const legacy: string[] = [P12_OID.pbeWithSHAAnd128BitRC4, P12_OID.pbeWithSHAAnd40BitRC4, P12_OID.pbeWithSHAAnd128BitRC2CBC, P12_OID.pbeWithSHAAnd40BitRC2CBC];
  if (legacy.includes(oid)) {
    throw new KysoError('unsupported', `${what}: legacy RC2/RC4 encryption (e.g. \`openssl pkcs12 -legacy\`) is not supported — re-export the file with AES (the OpenSSL 3 default)`);
  }
  throw new KysoError('unsupported', `${what}: unsupported encryption ${oid}`);
}

function privateKeyFromPkcs8(der: Uint8Array, afterDecryption: boolean): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'pkcs8' });
  } catch (e) {
    if (afterDecryption) throw new KysoError('auth', 'wrong password for the PKCS#12 key (or the key is damaged)', { cause: e });
    throw new KysoError('malformed', 'PKCS#12 key bag does not hold a valid PKCS#8 key', { cause: e });
  } finally {
    if (afterDecryption) der.fill(0);
  }
  const problem = privateKeyInconsistency(key);
  if (problem) throw new KysoError(afterDecryption ? 'auth' : 'malformed', `PKCS#12 key is damaged (or the password is wrong): ${problem}`);
  return key;
}

function collectBags(safeContents: Uint8Array, password: string, out: Bag[], depth: number): void {
  const what = 'PKCS#12 SafeContents';
  if (depth > 4) throw new KysoError('malformed', `${what}: nested too deep`);
  const seq = expectSequence(parseAsn1(safeContents, what), what);
  for (const bagNode of seq.children) {
    const bag = expectSequence(bagNode, 'PKCS#12 SafeBag', 2);
    const bagId = readOid(bag.children[0], 'PKCS#12 SafeBag');
    const value = readExplicit(bag.children[1], 0, 'PKCS#12 SafeBag value');
    let friendlyName: string | undefined;
    let localKeyId: Uint8Array | undefined;
    if (bag.children[2]) {
      const set = bag.children[2];
      if (set.tag !== TAG.SET) throw new KysoError('malformed', 'PKCS#12 bagAttributes: expected a SET');
      for (const attrNode of set.children) {
        const attr = expectSequence(attrNode, 'PKCS#12 attribute', 2);
        const type = readOid(attr.children[0], 'PKCS#12 attribute');
        const first = attr.children[1]?.children[0];
        if (type === OID.friendlyName && first) friendlyName = readText(first, 'friendlyName');
        else if (type === OID.localKeyId && first) localKeyId = readOctets(first, 'localKeyId');
      }
    }
    switch (bagId) {
      case P12_OID.keyBag:
        out.push({ kind: 'key', value: privateKeyFromPkcs8(value.raw, false), friendlyName, localKeyId });
        break;
      case P12_OID.pkcs8ShroudedKeyBag: {
        const epki = expectSequence(value, 'EncryptedPrivateKeyInfo', 2);
        const plain = decryptContent(epki.children[0]!, readOctets(epki.children[1], 'EncryptedPrivateKeyInfo'), password, 'PKCS#12 key bag');
        out.push({ kind: 'key', value: privateKeyFromPkcs8(plain, true), friendlyName, localKeyId });
        break;
      }
      case P12_OID.certBag: {
        const cb = expectSequence(value, 'PKCS#12 CertBag', 2);
        if (readOid(cb.children[0], 'PKCS#12 CertBag') !== P12_OID.x509Certificate) break; // SDSI certificates: ignored
        const der = new Uint8Array(readOctets(readExplicit(cb.children[1], 0, 'PKCS#12 CertBag'), 'PKCS#12 CertBag'));
        out.push({ kind: 'cert', value: der, friendlyName, localKeyId });
        break;
      }
      case P12_OID.safeContentsBag:
        collectBags(value.raw, password, out, depth + 1);
        break;
      default:
        break; // CRL and secret bags: not used by kyso
    }
  }
}

/** ContentInfo (RFC 5652 §3) of the AuthenticatedSafe → SafeContents bytes. */
function openContentInfo(ci: Asn1Node, password: string): Uint8Array | undefined {
  const what = 'PKCS#12 ContentInfo';
  const seq = expectSequence(ci, what, 1);
  const type = readOid(seq.children[0], what);
  if (!seq.children[1]) return undefined;
  const content = readExplicit(seq.children[1], 0, what);
  if (type === P12_OID.data) return readOctets(content, what);
  if (type === P12_OID.encryptedData) {
    // EncryptedData ::= SEQUENCE { version, encryptedContentInfo SEQUENCE { contentType, algorithm, [0] IMPLICIT OCTET STRING OPTIONAL } }
    const ed = expectSequence(content, 'PKCS#12 EncryptedData', 2);
    const eci = expectSequence(ed.children[1], 'PKCS#12 EncryptedContentInfo', 2);
    if (!eci.children[2]) return undefined;
    const ciphertext = readOctets(eci.children[2], 'PKCS#12 EncryptedContentInfo', 0x80);
    return decryptContent(eci.children[1]!, ciphertext, password, 'PKCS#12 encrypted certificates');
  }
  if (type === P12_OID.envelopedData) throw new KysoError('unsupported', 'PKCS#12 with public-key privacy mode (envelopedData) is not supported');
  throw new KysoError('unsupported', `PKCS#12 content type ${type} is not supported`);
}

/**
 * Reads a DER PFX (RFC 7292 §4): verifies the MAC (Appendix B.2; SHA-1/SHA-2), decrypts the bags
 * and returns the private key, its certificate (matched by localKeyId, else by public key) and the
 * other certificates ordered issuer-first. Wrong password → KysoError('auth'); unreadable file →
 * 'malformed'; no private key or no matching certificate → 'not-found'.
 */
export function readPkcs12(der: Uint8Array, password: string): Pkcs12Contents {
  if (typeof password !== 'string') throw new KysoError('invalid-argument', 'the password must be a string');
  const pfx = expectSequence(parseAsn1(der, 'PKCS#12 PFX'), 'PKCS#12 PFX', 2);
  const version = readSmallInteger(pfx.children[0], 'PKCS#12 version');
  if (version !== 3) throw new KysoError('unsupported', `PKCS#12 version ${version}: only v3 (RFC 7292) is supported`);
  const authSafe = expectSequence(pfx.children[1], 'PKCS#12 authSafe', 2);
  const authType = readOid(authSafe.children[0], 'PKCS#12 authSafe');
  if (authType !== P12_OID.data) throw new KysoError('unsupported', 'PKCS#12 public-key integrity mode (signedData) is not supported');
  const authSafeBytes = readOctets(readExplicit(authSafe.children[1], 0, 'PKCS#12 authSafe'), 'PKCS#12 authSafe');
  if (pfx.children[2]) verifyMac(pfx.children[2], authSafeBytes, password);

  const bags: Bag[] = [];
  const safe = expectSequence(parseAsn1(authSafeBytes, 'PKCS#12 AuthenticatedSafe'), 'PKCS#12 AuthenticatedSafe');
  for (const ci of safe.children) {
    const contents = openContentInfo(ci, password);
    if (contents) collectBags(contents, password, bags, 0);
  }

  const keys = bags.filter((b) => b.kind === 'key');
  if (keys.length === 0) throw new KysoError('not-found', 'the PKCS#12 file holds no private key');
  if (keys.length > 1) throw new KysoError('unsupported', `the PKCS#12 file holds ${keys.length} private keys: kyso expects one`);
  const keyBag = keys[0]!;
  const privateKey = keyBag.value as KeyObject;
  const keySpki = spkiOfKey(privateKey);

  const certs = bags.filter((b) => b.kind === 'cert').map((b) => ({ bag: b, der: b.value as Uint8Array, x: parseCertificateDer(b.value as Uint8Array, 'a PKCS#12 certificate') }));
  const matching = certs.filter((c) => equalBytes(spkiOfCert(c.x), keySpki));
  const ee = (keyBag.localKeyId && matching.find((c) => c.bag.localKeyId && equalBytes(c.bag.localKeyId, keyBag.localKeyId!))) || matching[0];
  if (!ee) throw new KysoError('not-found', 'the PKCS#12 file holds no certificate for its private key');

  // Issuer path first (RFC 5280 §6.1 order, reversed), then whatever is left, in file order.
  const rest = certs.filter((c) => c !== ee);
  const chain: Uint8Array[] = [];
  let current = ee.x;
  for (;;) {
    if (current.checkIssued(current) && current !== ee.x) break; // reached a self-issued root
    const i = rest.findIndex((c) => current.checkIssued(c.x));
    if (i < 0) break;
    const [next] = rest.splice(i, 1);
    chain.push(next!.der);
    current = next!.x;
  }
  chain.push(...rest.map((c) => c.der));

  const friendlyName = keyBag.friendlyName ?? ee.bag.friendlyName;
  return { privateKey, certificate: ee.der, chain, ...(friendlyName !== undefined ? { friendlyName } : {}) };
}
