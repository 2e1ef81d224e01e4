/**
 * A small, fast DER writer (ITU-T X.690 §10) for the structures kyso issues at volume
 * (certificates, CRLs, OCSP responses). asn1-schema is used for reading rarely-seen structures;
 * the hot paths encode directly here.
 */
import { KysoError } from '../errors.ts';
import { concatBytes, encodeTlv } from './der.ts';

export const TAG = {
  BOOLEAN: 0x01, INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06,
  UTF8String: 0x0c, PrintableString: 0x13, IA5String: 0x16, UTCTime: 0x17, GeneralizedTime: 0x18,
  SEQUENCE: 0x30, SET: 0x31,
} as const;

const utf8 = new TextEncoder();

/** Number of octets of a DER length field for `n` content octets (X.690 §8.1.3, §10.1). */
export function derLengthSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5;
}

/** Writes a one-octet tag and a DER length at `off` into a preallocated buffer; returns the offset after them. */
export function writeDerHeader(buf: Uint8Array, off: number, tag: number, n: number): number {
  buf[off++] = tag;
  if (n < 0x80) { buf[off++] = n; return off; }
  const k = derLengthSize(n) - 1;
  buf[off++] = 0x80 | k;
  for (let i = k - 1; i >= 0; i--) buf[off++] = (n >>> (8 * i)) & 0xff;
  return off;
}

export function derSequence(...items: Uint8Array[]): Uint8Array {
  return encodeTlv(TAG.SEQUENCE, concatBytes(items));
}

/** SET OF, with its elements sorted by encoding as X.690 §11.6 requires. */
export function derSetOf(items: Uint8Array[]): Uint8Array {
  const sorted = [...items].sort(compareBytes);
  return encodeTlv(TAG.SET, concatBytes(sorted));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Context-specific tag: [n] constructed (explicit / constructed implicit) or primitive (implicit). */
export function derContext(n: number, content: Uint8Array, constructed: boolean): Uint8Array {
  return encodeTlv((constructed ? 0xa0 : 0x80) | n, content);
}

const oidCache = new Map<string, Uint8Array>();
/** OBJECT IDENTIFIER (X.690 §8.19). */
export function derOid(oid: string): Uint8Array {
  let out = oidCache.get(oid);
  if (out) return out;
  const arcs = oid.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw new KysoError('invalid-argument', `bad object identifier ${oid}`);
    return BigInt(s);
  });
  if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! > 39n)) throw new KysoError('invalid-argument', `bad object identifier ${oid}`);
  const bytes: number[] = [];
  const push = (v: bigint) => {
    const chunk: number[] = [Number(v & 0x7fn)];
    v >>= 7n;
    while (v > 0n) { chunk.unshift(Number(v & 0x7fn) | 0x80); v >>= 7n; }
    bytes.push(...chunk);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  out = encodeTlv(TAG.OID, Uint8Array.from(bytes));
  if (oidCache.size < 1024) oidCache.set(oid, out);
  return out;
}

/** INTEGER from its big-endian magnitude (adds a 0x00 before a high bit; strips redundant zeros). */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return encodeTlv(TAG.INTEGER, (m[0]! & 0x80) ? concatBytes([Uint8Array.of(0), m]) : m);
}

export function derSmallInteger(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new KysoError('invalid-argument', `integer out of range: ${n}`);
  const bytes: number[] = [];
  do { bytes.unshift(n & 0xff); n = Math.floor(n / 256); } while (n > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return encodeTlv(TAG.INTEGER, Uint8Array.from(bytes));
}

export const DER_TRUE = Uint8Array.of(0x01, 0x01, 0xff);
export const DER_NULL = Uint8Array.of(0x05, 0x00);

export function derOctetString(b: Uint8Array): Uint8Array {
  return encodeTlv(TAG.OCTET_STRING, b);
}

/** BIT STRING with no unused bits. */
export function derBitString(b: Uint8Array): Uint8Array {
  return encodeTlv(TAG.BIT_STRING, concatBytes([Uint8Array.of(0), b]));
}

/** Named bit list (X.690 §11.2.2): trailing zero bits removed. `bits` are bit numbers (0 = first). */
export function derNamedBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return Uint8Array.of(TAG.BIT_STRING, 1, 0);
  const max = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(max / 8) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (max & 7);
  return encodeTlv(TAG.BIT_STRING, concatBytes([Uint8Array.of(unused), bytes]));
}

export function derString(tag: number, s: string): Uint8Array {
  return encodeTlv(tag, utf8.encode(s));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, 'Z'. */
export function derTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return derString(TAG.UTCTime, `${pad(y % 100)}${rest}`);
  return derString(TAG.GeneralizedTime, `${pad(y, 4)}${rest}`);
}

/** GeneralizedTime always (CRLs/OCSP may ask for it), whole seconds, 'Z'. */
export function derGeneralizedTime(d: Date): Uint8Array {
  return derString(TAG.GeneralizedTime, `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`);
}

/**
 * Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant, "chrono-compatible
 * low-level date algorithms", civil_from_days): integer arithmetic, cheaper than Date getters on
 * the CRL/OCSP encoding paths.
 */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Writes two ASCII digits of v (0–99) at `off`; returns the offset after them. */
export function putTwoDigits(buf: Uint8Array, off: number, v: number): number {
  buf[off] = 0x30 + Math.floor(v / 10);
  buf[off + 1] = 0x30 + (v % 10);
  return off + 2;
}
