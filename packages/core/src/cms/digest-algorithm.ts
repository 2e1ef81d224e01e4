/**
 * DigestAlgorithmIdentifier (RFC 5652 §10.1.1) for the SHA family. RFC 5754 §2: parameters are
 * absent when kyso writes them; both absent and NULL are accepted when read.
 */
import { KysoError } from '../errors.ts';
import type { HashName } from '../ports.ts';
import { readChildren, type Tlv } from '../asn1/der.ts';
import { derOid, derSequence, DER_NULL } from '../asn1/der-writer.ts';
import { hashFromOid, hashOid } from '../x509/algorithms.ts';
import { decodeOid } from '../x509/asn1-values.ts';

const HASHES: HashName[] = ['SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'];
const ABSENT = new Map<HashName, Uint8Array>(HASHES.map((h) => [h, derSequence(derOid(hashOid(h)))]));
const WITH_NULL = new Map<HashName, Uint8Array>(HASHES.map((h) => [h, derSequence(derOid(hashOid(h)), DER_NULL)]));

/**
 * DER AlgorithmIdentifier of a hash: parameters absent (RFC 5754 §2), or NULL when `withNull`
 * (what RFC 3161 requesters such as `openssl ts -query` send, echoed back by the TSA).
 * The returned bytes are shared: do not modify them.
 */
export function digestAlgorithmDer(hash: HashName, withNull = false): Uint8Array {
  return (withNull ? WITH_NULL : ABSENT).get(hash)!;
}

/**
 * Reads a DigestAlgorithmIdentifier (RFC 5652 §10.1.1). Throws KysoError('unsupported') for a hash
 * kyso does not know, KysoError('malformed') for parameters other than absent/NULL.
 */
export function decodeDigestAlgorithm(bytes: Uint8Array, t: Tlv, what: string): { hash: HashName; withNull: boolean } {
  if (t.tag !== 0x30) throw new KysoError('malformed', `${what}: AlgorithmIdentifier is not a SEQUENCE`);
  const parts = readChildren(bytes, t);
  if (parts.length < 1 || parts.length > 2) throw new KysoError('malformed', `${what}: bad AlgorithmIdentifier`);
  const oid = decodeOid(bytes, parts[0]!);
  const p = parts[1];
  if (p && (p.tag !== 0x05 || p.end !== p.valueStart)) throw new KysoError('malformed', `${what}: hash parameters must be absent or NULL`);
  const hash = hashFromOid(oid);
  if (!hash) throw new KysoError('unsupported', `${what}: unknown hash algorithm ${oid}`);
  return { hash, withNull: p !== undefined };
}
