/**
 * Small helpers shared by the OCSP (RFC 6960) reader and writer: precomputed DER fragments of the
 * constants OCSP uses on every request and response, a size-first writer that fills one buffer
 * (no intermediate arrays on the responder's hot path), and cheap strict checks on received TLVs.
 * Internal to `ocsp/`; the public API is in cert-id.ts, ocsp-request.ts and ocsp-response.ts.
 */
import { KysoError } from '../errors.ts';
import { readTlv, type Tlv } from '../asn1/der.ts';
import { civilFromDays, derLengthSize, derOid, putTwoDigits, writeDerHeader } from '../asn1/der-writer.ts';

/** The shared DER header helpers, under the names the OCSP code uses. */
export { derLengthSize as lengthSize, writeDerHeader as putHeader };

/** RFC 6960 §4.2.1 id-pkix-ocsp-basic, §4.4.1 id-pkix-ocsp-nonce, §4.4.3 id-pkix-ocsp-response, §4.4.7 preferred signature algorithms. */
export const OCSP_OID = {
  basic: '1.3.6.1.5.5.7.48.1.1',
  nonce: '1.3.6.1.5.5.7.48.1.2',
  crlId: '1.3.6.1.5.5.7.48.1.3',
  acceptableResponses: '1.3.6.1.5.5.7.48.1.4',
  archiveCutoff: '1.3.6.1.5.5.7.48.1.6',
  serviceLocator: '1.3.6.1.5.5.7.48.1.7',
  preferredSignatureAlgorithms: '1.3.6.1.5.5.7.48.1.8',
  extendedRevoke: '1.3.6.1.5.5.7.48.1.9',
} as const;

/** Full DER (tag, length, content) of constant OIDs, computed once at load. */
export const DER_OID_BASIC = derOid(OCSP_OID.basic);
export const DER_OID_NONCE = derOid(OCSP_OID.nonce);

/** Content octets (no tag/length) of an OID's DER, for comparing against received bytes. */
export function oidContent(oid: string): Uint8Array {
  return derOid(oid).subarray(2);
}

// ---- writing: sizes first, then one buffer ----


/** Octets of a whole TLV with a one-octet tag and `n` content octets. */
export function tlvSize(n: number): number {
  return 1 + derLengthSize(n) + n;
}


/** Writes bytes at `off`; returns the offset after them. */
export function putBytes(buf: Uint8Array, off: number, b: Uint8Array): number {
  buf.set(b, off);
  return off + b.length;
}

/** Size of a DER GeneralizedTime with whole seconds and 'Z' (RFC 6960 §4.2.2.1 / RFC 5280 §4.1.2.5.2). */
export const GENERALIZED_TIME_SIZE = 17;

/**
 * Writes a GeneralizedTime YYYYMMDDHHMMSSZ (whole seconds, truncated) at `off`. The calendar date
 * is computed from the epoch milliseconds with integer arithmetic (proleptic Gregorian, UTC):
 * the Date getters cost more than the rest of a response.
 */
export function putGeneralizedTime(buf: Uint8Array, off: number, d: Date): number {
  const ms = d.getTime();
  // 0000-01-01 .. 9999-12-31
  if (!(ms >= -62167219200000 && ms < 253402300800000)) throw new KysoError('invalid-argument', 'OCSP: time cannot be written as GeneralizedTime');
  const secs = Math.floor(ms / 1000);
  const days = Math.floor(secs / 86400);
  let sod = secs - days * 86400;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(sod / 3600);
  sod -= hour * 3600;
  const minute = Math.floor(sod / 60);
  const second = sod - minute * 60;
  buf[off++] = 0x18;
  buf[off++] = 15;
  off = putTwoDigits(buf, off, Math.floor(year / 100));
  off = putTwoDigits(buf, off, year % 100);
  off = putTwoDigits(buf, off, month);
  off = putTwoDigits(buf, off, day);
  off = putTwoDigits(buf, off, hour);
  off = putTwoDigits(buf, off, minute);
  off = putTwoDigits(buf, off, second);
  buf[off++] = 0x5a; // 'Z'
  return off;
}


// ---- reading: strict checks ----

export function malformed(message: string): never {
  throw new KysoError('malformed', message);
}

/** The TLVs directly inside `parent`, at most `max` of them (stops early on hostile lists). */
export function childrenOf(bytes: Uint8Array, parent: Tlv, what: string, max = Infinity): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.valueStart;
  while (pos < parent.end) {
    if (out.length >= max) malformed(`${what}: too many elements`);
    const child = readTlv(bytes, pos, parent.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** The single TLV an EXPLICIT tag (or an OCTET STRING wrapper) must hold. */
export function onlyChild(bytes: Uint8Array, parent: Tlv, what: string): Tlv {
  if (parent.valueStart === parent.end) malformed(`${what}: empty`);
  const t = readTlv(bytes, parent.valueStart, parent.end);
  if (t.end !== parent.end) malformed(`${what}: unexpected data after the value`);
  return t;
}

/** True when the content of `t` equals `content`. */
export function contentEquals(bytes: Uint8Array, t: Tlv, content: Uint8Array): boolean {
  const n = t.end - t.valueStart;
  if (n !== content.length) return false;
  for (let i = 0; i < n; i++) if (bytes[t.valueStart + i] !== content[i]) return false;
  return true;
}

/** True when the whole encoding of `t` equals `der`. */
export function tlvEquals(bytes: Uint8Array, t: Tlv, der: Uint8Array): boolean {
  const n = t.end - t.start;
  if (n !== der.length) return false;
  for (let i = 0; i < n; i++) if (bytes[t.start + i] !== der[i]) return false;
  return true;
}

/** X.690 §8.19: a well-formed OBJECT IDENTIFIER (non-empty, minimal arcs, last arc complete), without decoding it. */
export function checkOid(bytes: Uint8Array, t: Tlv, what: string): void {
  if (t.tag !== 0x06) malformed(`${what}: expected an OBJECT IDENTIFIER`);
  if (t.end === t.valueStart) malformed(`${what}: empty OBJECT IDENTIFIER`);
  let arcStart = true;
  for (let i = t.valueStart; i < t.end; i++) {
    const b = bytes[i]!;
    if (arcStart && b === 0x80) malformed(`${what}: OBJECT IDENTIFIER with a non-minimal arc`);
    arcStart = (b & 0x80) === 0;
  }
  if (!arcStart) malformed(`${what}: truncated OBJECT IDENTIFIER`);
}

/** X.690 §8.3 / §10: INTEGER content is non-empty and minimal. */
export function checkInteger(bytes: Uint8Array, t: Tlv, what: string): void {
  if (t.tag !== 0x02) malformed(`${what}: expected an INTEGER`);
  const n = t.end - t.valueStart;
  if (n === 0) malformed(`${what}: empty INTEGER`);
  if (n > 1) {
    const a = bytes[t.valueStart]!, b = bytes[t.valueStart + 1]!;
    if ((a === 0 && (b & 0x80) === 0) || (a === 0xff && (b & 0x80) !== 0)) malformed(`${what}: INTEGER is not minimally encoded`);
  }
}

/** X.690 §11.1: DER BOOLEAN, 0x00 or 0xFF. */
export function readBoolean(bytes: Uint8Array, t: Tlv, what: string): boolean {
  if (t.tag !== 0x01 || t.end - t.valueStart !== 1) malformed(`${what}: expected a BOOLEAN`);
  const b = bytes[t.valueStart]!;
  if (b !== 0 && b !== 0xff) malformed(`${what}: BOOLEAN is not DER`);
  return b === 0xff;
}

export function hexOf(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[bytes[i]!];
  return s;
}
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One parsed extension (RFC 5280 §4.1 Extension, as OCSP reuses it in RFC 6960 §4.4). */
export interface OcspExtension {
  oidTlv: Tlv;
  critical: boolean;
  /** The extnValue OCTET STRING TLV. */
  value: Tlv;
}

/**
 * Reads Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension inside an EXPLICIT context tag.
 * Duplicate extensions are refused (RFC 5280 §4.2, applied to OCSP by RFC 6960 §4.4).
 * An explicitly encoded `critical FALSE` (a DEFAULT value, not DER) is tolerated because some
 * clients write it; every length, tag and BOOLEAN octet is still checked.
 */
export function readExtensions(bytes: Uint8Array, wrapper: Tlv, what: string): OcspExtension[] {
  const seq = onlyChild(bytes, wrapper, what);
  if (seq.tag !== 0x30) malformed(`${what}: expected a SEQUENCE of extensions`);
  const items = childrenOf(bytes, seq, what);
  if (items.length === 0) malformed(`${what}: empty list of extensions`);
  const out: OcspExtension[] = [];
  let seen: Set<string> | undefined;
  for (const e of items) {
    if (e.tag !== 0x30) malformed(`${what}: an extension is not a SEQUENCE`);
    const f = childrenOf(bytes, e, what, 3);
    const oidTlv = f[0];
    const last = f[f.length - 1];
    if (!oidTlv || !last || f.length < 2) malformed(`${what}: an extension needs extnID and extnValue`);
    checkOid(bytes, oidTlv, what);
    if (last.tag !== 0x04) malformed(`${what}: extnValue is not an OCTET STRING`);
    const critical = f.length === 3 ? readBoolean(bytes, f[1]!, what) : false;
    if (out.length > 0) {
      if (!seen) { seen = new Set(); for (const o of out) seen.add(hexOf(bytes, o.oidTlv.valueStart, o.oidTlv.end)); }
      const key = hexOf(bytes, oidTlv.valueStart, oidTlv.end);
      if (seen.has(key)) malformed(`${what}: an extension appears twice`);
      seen.add(key);
    }
    out.push({ oidTlv, critical, value: last });
  }
  return out;
}
