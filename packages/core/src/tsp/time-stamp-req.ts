/**
 * TimeStampReq (RFC 3161 §2.4.1): a strict, fast reader for what a TSA receives from anyone on the
 * network, and the encoder kyso's own TSA client sends.
 */
import { KysoError } from '../errors.ts';
import type { CryptoPort, HashName } from '../ports.ts';
import type { Tlv } from '../asn1/der.ts';
import { derOctetString, derOid, DER_TRUE, TAG } from '../asn1/der-writer.ts';
import { decodeOid } from '../x509/asn1-values.ts';
import { hashFromOid, hashLength } from '../x509/algorithms.ts';
import { digestAlgorithmDer } from '../cms/digest-algorithm.ts';
import { encodeTlvParts } from '../cms/der-parts.ts';
import type { PkiFailureInfo } from './time-stamp-resp.ts';

/** Size limits applied to requests before anything else is read. */
export const TSP_LIMITS: { readonly maxRequestBytes: number; readonly maxNonceBytes: number } = Object.freeze({
  maxRequestBytes: 4096,
  maxNonceBytes: 32,
});

/** A TimeStampReq as read (RFC 3161 §2.4.1). */
export interface ParsedTimeStampReq {
  hash: HashName;
  /** The hashedMessage. */
  messageImprint: Uint8Array;
  /** The request's hashAlgorithm carried NULL parameters (echo it with `encodeTstInfo({ hashParamsNull })`). */
  hashParamsNull: boolean;
  reqPolicy?: string;
  /** Content octets of the nonce INTEGER, exactly as received (echoed into TSTInfo). */
  nonce?: Uint8Array;
  certReq: boolean;
  /** Non-critical extensions (a critical one is refused with unacceptedExtension). */
  extensions: Array<{ oid: string; critical: boolean }>;
}

/** Hashes a TSA accepts (RFC 3161 §2.4.1 leaves it to policy; kyso: SHA-256/384/512, like its signatures). */
const ACCEPTED_HASHES: ReadonlySet<HashName> = new Set<HashName>(['SHA-256', 'SHA-384', 'SHA-512']);

/** Known AlgorithmIdentifier encodings, matched by bytes before any OID decoding. */
const KNOWN_AI: Array<{ der: Uint8Array; hash: HashName; withNull: boolean }> = [];
for (const hash of ['SHA-256', 'SHA-384', 'SHA-512', 'SHA-1', 'SHA-224'] as HashName[]) {
  KNOWN_AI.push({ der: digestAlgorithmDer(hash, true), hash, withNull: true }, { der: digestAlgorithmDer(hash, false), hash, withNull: false });
}

function refuse(failInfo: PkiFailureInfo, message: string): never {
  throw new KysoError('unsupported', message, { details: { failInfo } });
}
function malformed(message: string): never {
  throw new KysoError('malformed', `TimeStampReq: ${message}`, { details: { failInfo: 'badDataFormat' satisfies PkiFailureInfo } });
}

/**
 * X.690 §10.1 DER TLV at `offset` (as `asn1/der.ts` readTlv), throwing the request's own
 * 'malformed' error so a bad request costs one exception, not two.
 */
function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
  if (offset + 2 > limit) malformed('truncated');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) malformed('multi-byte tag');
  let pos = offset + 1;
  const first = bytes[pos++]!;
  let length: number;
  if (first < 0x80) length = first;
  else if (first === 0x80) malformed('indefinite length is not DER');
  else {
    const n = first & 0x7f;
    if (n > 2 || pos + n > limit) malformed('bad length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[pos++]!;
    if (length < 0x80 || (n > 1 && bytes[pos - n] === 0)) malformed('non-minimal length');
  }
  const end = pos + length;
  if (end > limit) malformed('content runs past the end of its container');
  return { tag, start: offset, valueStart: pos, end };
}

function sameBytesAt(bytes: Uint8Array, t: Tlv, ref: Uint8Array): boolean {
  if (t.end - t.start !== ref.length) return false;
  for (let i = 0; i < ref.length; i++) if (bytes[t.start + i] !== ref[i]) return false;
  return true;
}

/** Validates X.690 §8.3.2 minimal INTEGER content octets. */
export function isMinimalInteger(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  if (b.length > 1 && ((b[0] === 0 && (b[1]! & 0x80) === 0) || (b[0] === 0xff && (b[1]! & 0x80) !== 0))) return false;
  return true;
}

function readHashAlgorithm(bytes: Uint8Array, t: Tlv): { hash: HashName; withNull: boolean } {
  for (const k of KNOWN_AI) if (sameBytesAt(bytes, t, k.der)) return k;
  // Slow path: say precisely what is wrong.
  if (t.tag !== TAG.SEQUENCE) malformed('hashAlgorithm is not a SEQUENCE');
  const oidTlv = readTlv(bytes, t.valueStart, t.end);
  if (oidTlv.tag !== TAG.OID) malformed('hashAlgorithm has no OBJECT IDENTIFIER');
  const oid = decodeOid(bytes, oidTlv);
  if (oidTlv.end < t.end) {
    const p = readTlv(bytes, oidTlv.end, t.end);
    if (p.end !== t.end) malformed('hashAlgorithm has extra fields');
    const hash = hashFromOid(oid);
    if (hash) refuse('badAlg', `hash algorithm parameters must be absent or NULL for ${hash}`);
  }
  refuse('badAlg', `hash algorithm ${oid} is not supported: use SHA-256, SHA-384 or SHA-512`);
}

/**
 * Reads a DER TimeStampReq (RFC 3161 §2.4.1). Throws only KysoError:
 * - 'malformed' (details.failInfo 'badDataFormat') for anything that is not a DER TimeStampReq;
 * - 'unsupported' with details.failInfo 'badAlg' (SHA-1, an unknown hash, parameters, an imprint
 *   of the wrong length), 'unacceptedExtension' (any critical extension, §2.4.1 "extensions"),
 *   or 'badRequest' (version other than v1, an oversized request or nonce).
 * Whether reqPolicy is acceptable ('unacceptedPolicy') is the TSA's decision, not the parser's.
 */
export function parseTimeStampReq(der: Uint8Array): ParsedTimeStampReq {
  if (der.length > TSP_LIMITS.maxRequestBytes) refuse('badRequest', `time-stamp request of ${der.length} bytes exceeds the ${TSP_LIMITS.maxRequestBytes}-byte limit`);
  try {
    return parseRequest(der);
  } catch (e) {
    if (e instanceof KysoError && e.details === undefined) {
      throw new KysoError(e.kind, e.message.startsWith('TimeStampReq') ? e.message : `TimeStampReq: ${e.message}`, { cause: e, details: { failInfo: e.kind === 'unsupported' ? 'badRequest' : 'badDataFormat' } });
    }
    throw e;
  }
}

function parseRequest(der: Uint8Array): ParsedTimeStampReq {
  const top = readTlv(der, 0);
  if (top.end !== der.length) malformed('trailing data after the request');
  if (top.tag !== TAG.SEQUENCE) malformed('not a SEQUENCE');
  const end = top.end;
  const v = top.valueStart < end ? readTlv(der, top.valueStart, end) : undefined;
  if (!v || v.tag !== TAG.INTEGER) malformed('missing version');
  if (v.end - v.valueStart !== 1 || der[v.valueStart] !== 1) {
    if (!isMinimalInteger(der.subarray(v.valueStart, v.end))) malformed('version is not a DER INTEGER');
    refuse('badRequest', 'only version 1 time-stamp requests are supported');
  }
  const mi = v.end < end ? readTlv(der, v.end, end) : undefined;
  if (!mi || mi.tag !== TAG.SEQUENCE) malformed('missing messageImprint');
  const alg = readTlv(der, mi.valueStart, mi.end);
  const hashed = alg.end < mi.end ? readTlv(der, alg.end, mi.end) : undefined;
  if (!hashed || hashed.tag !== TAG.OCTET_STRING || hashed.end !== mi.end) malformed('messageImprint needs hashAlgorithm and hashedMessage');
  const { hash, withNull } = readHashAlgorithm(der, alg);
  if (!ACCEPTED_HASHES.has(hash)) refuse('badAlg', `${hash} imprints are refused: use SHA-256, SHA-384 or SHA-512`);
  const messageImprint = der.subarray(hashed.valueStart, hashed.end);
  if (messageImprint.length !== hashLength(hash)) refuse('badAlg', `a ${hash} imprint has ${hashLength(hash)} bytes, not ${messageImprint.length}`);
  const out: ParsedTimeStampReq = { hash, messageImprint, hashParamsNull: withNull, certReq: false, extensions: [] };
  let t = mi.end < end ? readTlv(der, mi.end, end) : undefined;
  if (t?.tag === TAG.OID) { out.reqPolicy = decodeOid(der, t); t = t.end < end ? readTlv(der, t.end, end) : undefined; }
  if (t?.tag === TAG.INTEGER) {
    const nonce = der.subarray(t.valueStart, t.end);
    if (!isMinimalInteger(nonce)) malformed('nonce is not a DER INTEGER');
    if (nonce.length > TSP_LIMITS.maxNonceBytes) refuse('badRequest', `nonce of ${nonce.length} bytes exceeds the ${TSP_LIMITS.maxNonceBytes}-byte limit`);
    out.nonce = nonce;
    t = t.end < end ? readTlv(der, t.end, end) : undefined;
  }
  if (t?.tag === TAG.BOOLEAN) {
    if (t.end - t.valueStart !== 1 || (der[t.valueStart] !== 0 && der[t.valueStart] !== 0xff)) malformed('certReq is not a DER BOOLEAN');
    out.certReq = der[t.valueStart] === 0xff;
    t = t.end < end ? readTlv(der, t.end, end) : undefined;
  }
  if (t?.tag === 0xa0) {
    // [0] IMPLICIT Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension (RFC 5280 §4.1)
    if (t.end === t.valueStart) malformed('empty extensions');
    let p = t.valueStart;
    const seen = new Set<string>();
    while (p < t.end) {
      const ext = readTlv(der, p, t.end);
      p = ext.end;
      if (ext.tag !== TAG.SEQUENCE) malformed('extension is not a SEQUENCE');
      const oidTlv = readTlv(der, ext.valueStart, ext.end);
      if (oidTlv.tag !== TAG.OID) malformed('extension without an OID');
      const oid = decodeOid(der, oidTlv);
      let f = readTlv(der, oidTlv.end, ext.end);
      let critical = false;
      if (f.tag === TAG.BOOLEAN) {
        if (f.end - f.valueStart !== 1 || (der[f.valueStart] !== 0 && der[f.valueStart] !== 0xff)) malformed('extension critical flag is not a DER BOOLEAN');
        critical = der[f.valueStart] === 0xff;
        f = readTlv(der, f.end, ext.end);
      }
      if (f.tag !== TAG.OCTET_STRING || f.end !== ext.end) malformed('extension without an extnValue');
      if (seen.has(oid)) malformed(`extension ${oid} appears twice`);
      seen.add(oid);
      if (critical) refuse('unacceptedExtension', `critical request extension ${oid} is not supported`);
      out.extensions.push({ oid, critical });
    }
    t = t.end < end ? readTlv(der, t.end, end) : undefined;
  }
  if (t) malformed(`unexpected field (tag 0x${t.tag.toString(16)}) or fields out of order`);
  return out;
}

/**
 * A fresh nonce (RFC 3161 §2.4.1: a large random number) as positive, minimal INTEGER content
 * octets: `bytes` random octets with the top bit cleared and the next set.
 */
export function randomNonce(crypto: CryptoPort, bytes = 16): Uint8Array {
  if (bytes < 8 || bytes > TSP_LIMITS.maxNonceBytes) throw new KysoError('invalid-argument', `a nonce has 8 to ${TSP_LIMITS.maxNonceBytes} bytes`);
  const n = crypto.randomBytes(bytes);
  n[0] = (n[0]! & 0x7f) | 0x40;
  return n;
}

/**
 * Encodes a TimeStampReq (RFC 3161 §2.4.1): v1, messageImprint with NULL hash parameters (what
 * deployed TSAs expect), then reqPolicy, nonce (INTEGER content octets: see `randomNonce`) and
 * certReq TRUE when asked (DEFAULT FALSE is omitted, X.690 §11.5).
 */
export function encodeTimeStampReq(p: { hash: HashName; messageImprint: Uint8Array; nonce?: Uint8Array; certReq?: boolean; reqPolicy?: string }): Uint8Array {
  if (p.messageImprint.length !== hashLength(p.hash)) throw new KysoError('invalid-argument', `a ${p.hash} imprint has ${hashLength(p.hash)} bytes, not ${p.messageImprint.length}`);
  const parts: Uint8Array[] = [
    Uint8Array.of(TAG.INTEGER, 1, 1),
    encodeTlvParts(TAG.SEQUENCE, [digestAlgorithmDer(p.hash, true), derOctetString(p.messageImprint)]),
  ];
  if (p.reqPolicy) parts.push(derOid(p.reqPolicy));
  if (p.nonce) {
    if (!isMinimalInteger(p.nonce)) throw new KysoError('invalid-argument', 'nonce must be minimal INTEGER content octets (see randomNonce)');
    parts.push(encodeTlvParts(TAG.INTEGER, [p.nonce]));
  }
  if (p.certReq) parts.push(DER_TRUE);
  return encodeTlvParts(TAG.SEQUENCE, parts);
}
