/**
 * RFC 6960 §4.1.1 CertID: how a request (and a response) names a certificate — the hash of its
 * issuer's Name, the hash of its issuer's public key, and its serial number.
 *
 *   CertID ::= SEQUENCE {
 *     hashAlgorithm   AlgorithmIdentifier,
 *     issuerNameHash  OCTET STRING, -- hash of the issuer's DN
 *     issuerKeyHash   OCTET STRING, -- hash of the issuer's public key
 *     serialNumber    CertificateSerialNumber }
 */
import { KysoError } from '../errors.ts';
import type { CryptoPort } from '../ports.ts';
import { readChildren, readWhole, type Tlv } from '../asn1/der.ts';
import { DER_NULL, derOid } from '../asn1/der-writer.ts';
import { decodeOid } from '../x509/asn1-values.ts';
import { OID } from '../x509/oids.ts';
import {
  checkInteger, hexOf, malformed, putBytes, putHeader, tlvEquals, tlvSize,
} from './ocsp-der.ts';

/** A CertID (RFC 6960 §4.1.1) with its exact DER, as received or as built. */
export interface CertId {
  hash: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  /** Lower-case hex of the serialNumber INTEGER content octets (as ParsedCertificate.serialHex). */
  serialHex: string;
  /** Exact DER of the CertID (a response echoes it unchanged). */
  der: Uint8Array;
}

export type CertIdHash = CertId['hash'];

const HASH_LENGTH: Record<CertIdHash, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
const HASH_OID: Record<CertIdHash, string> = { 'SHA-1': OID.sha1, 'SHA-256': OID.sha256, 'SHA-384': OID.sha384, 'SHA-512': OID.sha512 };
const HASHES = Object.keys(HASH_LENGTH) as CertIdHash[];

/**
 * AlgorithmIdentifier of each hash, as written (parameters NULL, as OpenSSL and most clients send)
 * and as also accepted (parameters absent, RFC 5754 §2).
 */
const ALG_WITH_NULL = new Map<CertIdHash, Uint8Array>();
const ALG_FORMS: Array<[CertIdHash, Uint8Array]> = [];
for (const h of HASHES) {
  const oid = derOid(HASH_OID[h]);
  const withNull = seq([oid, DER_NULL]);
  ALG_WITH_NULL.set(h, withNull);
  ALG_FORMS.push([h, withNull], [h, seq([oid])]);
}

function seq(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(tlvSize(n));
  let off = putHeader(out, 0, 0x30, n);
  for (const p of parts) off = putBytes(out, off, p);
  return out;
}

/** The hash of a CertID's AlgorithmIdentifier; unknown hashes are 'unsupported', broken encodings 'malformed'. */
function readHashAlgorithm(bytes: Uint8Array, t: Tlv): CertIdHash {
  for (const [h, form] of ALG_FORMS) if (tlvEquals(bytes, t, form)) return h;
  if (t.tag !== 0x30) malformed('CertID: hashAlgorithm is not an AlgorithmIdentifier');
  const parts = readChildren(bytes, t);
  const oid = parts[0];
  if (!oid || parts.length > 2) malformed('CertID: hashAlgorithm is not an AlgorithmIdentifier');
  const name = decodeOid(bytes, oid);
  const known = HASHES.find((h) => HASH_OID[h] === name);
  if (known) malformed(`CertID: ${known} AlgorithmIdentifier with parameters other than NULL`);
  throw new KysoError('unsupported', `CertID: hash algorithm ${name} is not supported (use SHA-1, SHA-256, SHA-384 or SHA-512)`);
}

/**
 * Reads a CertID at a TLV of `bytes` (RFC 6960 §4.1.1). The result's byte fields are views into
 * `bytes` (no copies). Throws KysoError('malformed'), or 'unsupported' for an unknown hash.
 */
export function readCertIdAt(bytes: Uint8Array, t: Tlv): CertId {
  if (t.tag !== 0x30) malformed('CertID: not a SEQUENCE');
  const f = readChildren(bytes, t);
  if (f.length !== 4) malformed('CertID: expected hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber');
  const [alg, nameHash, keyHash, serial] = f as [Tlv, Tlv, Tlv, Tlv];
  if (nameHash.tag !== 0x04 || keyHash.tag !== 0x04) malformed('CertID: issuerNameHash and issuerKeyHash must be OCTET STRINGs');
  checkInteger(bytes, serial, 'CertID serialNumber');
  const hash = readHashAlgorithm(bytes, alg);
  const len = HASH_LENGTH[hash];
  if (nameHash.end - nameHash.valueStart !== len || keyHash.end - keyHash.valueStart !== len) {
    malformed(`CertID: ${hash} hashes must be ${len} octets`);
  }
  return {
    hash,
    issuerNameHash: bytes.subarray(nameHash.valueStart, nameHash.end),
    issuerKeyHash: bytes.subarray(keyHash.valueStart, keyHash.end),
    serialHex: hexOf(bytes, serial.valueStart, serial.end),
    der: bytes.subarray(t.start, t.end),
  };
}

/** Parses a DER CertID on its own (RFC 6960 §4.1.1). */
export function parseCertId(der: Uint8Array): CertId {
  return readCertIdAt(der, readWhole(der, 'CertID'));
}

/**
 * RFC 6960 §4.1.1: issuerNameHash is the hash of the issuer's DER Name; issuerKeyHash the hash of
 * the value of the BIT STRING subjectPublicKey in the issuer's certificate (without tag, length
 * and unused-bits octet). A responder computes these once per issuer and hash.
 */
export function issuerHashes(p: { issuerNameDer: Uint8Array; issuerSpki: Uint8Array; hash: CertIdHash; crypto: CryptoPort }): { issuerNameHash: Uint8Array; issuerKeyHash: Uint8Array } {
  if (!(p.hash in HASH_LENGTH)) throw new KysoError('invalid-argument', `CertID hash must be SHA-1, SHA-256, SHA-384 or SHA-512, not ${String(p.hash)}`);
  return {
    issuerNameHash: p.crypto.digest(p.hash, p.issuerNameDer),
    issuerKeyHash: p.crypto.digest(p.hash, subjectPublicKeyBits(p.issuerSpki)),
  };
}

/** The subjectPublicKey BIT STRING value (after the unused-bits octet) of a DER SubjectPublicKeyInfo. */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const outer = readWhole(spki, 'SubjectPublicKeyInfo');
  const parts = outer.tag === 0x30 ? readChildren(spki, outer) : [];
  const bits = parts[1];
  if (parts.length !== 2 || !bits || bits.tag !== 0x03 || bits.end === bits.valueStart) {
    throw new KysoError('malformed', 'SubjectPublicKeyInfo without a subjectPublicKey BIT STRING');
  }
  return spki.subarray(bits.valueStart + 1, bits.end);
}

/**
 * Builds the CertID of a certificate from its issuer's Name and key and its serial (RFC 6960
 * §4.1.1). `serialHex` is the hex of the serial's INTEGER content octets (ParsedCertificate.serialHex).
 */
export function computeCertId(p: { issuerNameDer: Uint8Array; issuerSpki: Uint8Array; serialHex: string; hash: CertIdHash; crypto: CryptoPort }): CertId {
  const { issuerNameHash, issuerKeyHash } = issuerHashes(p);
  return certIdFromHashes({ hash: p.hash, issuerNameHash, issuerKeyHash, serialHex: p.serialHex });
}

/** Encodes a CertID from precomputed issuer hashes (RFC 6960 §4.1.1). */
export function certIdFromHashes(p: { hash: CertIdHash; issuerNameHash: Uint8Array; issuerKeyHash: Uint8Array; serialHex: string }): CertId {
  const alg = ALG_WITH_NULL.get(p.hash);
  if (!alg) throw new KysoError('invalid-argument', `CertID hash must be SHA-1, SHA-256, SHA-384 or SHA-512, not ${String(p.hash)}`);
  const serialHex = p.serialHex.toLowerCase();
  if (serialHex.length === 0 || serialHex.length % 2 !== 0 || !/^[0-9a-f]+$/.test(serialHex)) {
    throw new KysoError('invalid-argument', `serial "${p.serialHex.slice(0, 80)}" is not the hex of INTEGER content octets`);
  }
  const serialLen = serialHex.length / 2;
  const nh = p.issuerNameHash, kh = p.issuerKeyHash;
  const n = alg.length + tlvSize(nh.length) + tlvSize(kh.length) + tlvSize(serialLen);
  const der = new Uint8Array(tlvSize(n));
  let off = putHeader(der, 0, 0x30, n);
  off = putBytes(der, off, alg);
  off = putHeader(der, off, 0x04, nh.length);
  off = putBytes(der, off, nh);
  off = putHeader(der, off, 0x04, kh.length);
  off = putBytes(der, off, kh);
  off = putHeader(der, off, 0x02, serialLen);
  for (let i = 0; i < serialLen; i++) der[off++] = parseInt(serialHex.substr(2 * i, 2), 16);
  return { hash: p.hash, issuerNameHash: nh, issuerKeyHash: kh, serialHex, der };
}

/**
 * Whether two CertIDs name the same certificate: same hash algorithm, issuer hashes and serial
 * (RFC 6960 §4.1.1 / §4.2.2.3; the AlgorithmIdentifier's NULL-or-absent parameters do not matter).
 */
export function certIdMatches(a: CertId, b: CertId): boolean {
  return a.hash === b.hash && a.serialHex === b.serialHex && eq(a.issuerNameHash, b.issuerNameHash) && eq(a.issuerKeyHash, b.issuerKeyHash);
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
