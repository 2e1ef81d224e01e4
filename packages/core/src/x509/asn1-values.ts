/**
 * Small DER value decoders (ITU-T X.690 §8/§10) used by the RFC 5280 certificate, CRL and
 * path-validation code: OBJECT IDENTIFIER, INTEGER, BOOLEAN, BIT STRING, UTCTime/GeneralizedTime
 * (RFC 5280 §4.1.2.5) and IA5String. They work on the exact received bytes through `readTlv`.
 */
import { KysoError } from '../errors.ts';
import { oidToString, type Tlv } from '../asn1/der.ts';

/** Universal tags (X.690 §8.1.2 / X.680 §8.4) used by the X.509 and CRL readers. */
export const TAG = {
  BOOLEAN: 0x01, INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06,
  UTF8String: 0x0c, PrintableString: 0x13, TeletexString: 0x14, IA5String: 0x16, UTCTime: 0x17,
  GeneralizedTime: 0x18, VisibleString: 0x1a, UniversalString: 0x1c, BMPString: 0x1e,
  SEQUENCE: 0x30, SET: 0x31,
} as const;

function bad(what: string): never {
  throw new KysoError('malformed', what);
}

/** X.690 §8.19 OBJECT IDENTIFIER in dotted form. */
export function decodeOid(bytes: Uint8Array, t: Tlv): string {
  if (t.tag !== TAG.OID) bad('expected an OBJECT IDENTIFIER');
  const oid = oidToString(bytes, t.valueStart, t.end);
  if (typeof oid === 'string') return oid;
  return bad(oid.error === 'empty' ? 'empty OBJECT IDENTIFIER' : oid.error === 'non-minimal' ? 'OBJECT IDENTIFIER: non-minimal arc' : 'OBJECT IDENTIFIER: truncated arc');
}

/** X.690 §8.3 INTEGER as a bigint (two's complement). */
export function decodeInteger(bytes: Uint8Array, t: Tlv): bigint {
  if (t.tag !== TAG.INTEGER) bad('expected an INTEGER');
  const len = t.end - t.valueStart;
  if (len === 0) bad('empty INTEGER');
  if (len > 1) {
    const a = bytes[t.valueStart]!, b = bytes[t.valueStart + 1]!;
    if ((a === 0 && (b & 0x80) === 0) || (a === 0xff && (b & 0x80) !== 0)) bad('INTEGER: non-minimal encoding');
  }
  let v = 0n;
  for (let i = t.valueStart; i < t.end; i++) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes[t.valueStart]! & 0x80) v -= 1n << BigInt(8 * len);
  return v;
}

/** A small non-negative INTEGER as a number (skip counts, path lengths); larger ones are clamped. */
export function decodeSmallInteger(bytes: Uint8Array, t: Tlv, what: string): number {
  const v = decodeInteger(bytes, t);
  if (v < 0n) bad(`${what}: negative value`);
  return v > 1_000_000n ? 1_000_000 : Number(v);
}

/** X.690 §11.1 DER BOOLEAN. */
export function decodeBoolean(bytes: Uint8Array, t: Tlv): boolean {
  if (t.end - t.valueStart !== 1) bad('BOOLEAN: wrong length');
  const b = bytes[t.valueStart]!;
  if (b !== 0 && b !== 0xff) bad('BOOLEAN: not DER');
  return b === 0xff;
}

/** X.690 §8.6 BIT STRING as a set of asserted bit numbers (bit 0 is the most significant of the first octet). */
export function decodeBitString(bytes: Uint8Array, t: Tlv): Set<number> {
  const len = t.end - t.valueStart;
  if (len < 1) bad('BIT STRING: empty');
  const unused = bytes[t.valueStart]!;
  if (unused > 7 || (len === 1 && unused !== 0)) bad('BIT STRING: bad unused-bits count');
  const out = new Set<number>();
  for (let i = 1; i < len; i++) {
    const b = bytes[t.valueStart + i]!;
    for (let j = 0; j < 8; j++) if (b & (0x80 >> j)) out.add((i - 1) * 8 + j);
  }
  return out;
}

/** RFC 5280 §4.1.2.5.1 UTCTime / §4.1.2.5.2 GeneralizedTime (Z form; fractional seconds tolerated). */
export function decodeTime(bytes: Uint8Array, t: Tlv): Date {
  const utc = t.tag === TAG.UTCTime;
  if (!utc && t.tag !== TAG.GeneralizedTime) bad('expected a UTCTime or GeneralizedTime');
  const v = t.valueStart, len = t.end - v;
  const isDigit = (i: number): boolean => bytes[v + i]! >= 0x30 && bytes[v + i]! <= 0x39;
  // YYMMDDHHMMSS then Z; or YYYYMMDDHHMMSS, an optional fraction (.d+), then Z.
  const digits = utc ? 12 : 14;
  let ok = bytes[t.end - 1] === 0x5a && (utc ? len === 13 : len === 15 || (len >= 17 && bytes[v + 14] === 0x2e));
  for (let i = 0; ok && i < len - 1; i++) ok = i === 14 || isDigit(i);
  if (!ok) bad(`${utc ? 'UTCTime' : 'GeneralizedTime'} "${String.fromCharCode(...bytes.subarray(v, t.end))}" is not of the form ${utc ? 'YYMMDDHHMMSSZ' : 'YYYYMMDDHHMMSSZ'}`);
  const two = (i: number): number => (bytes[v + i]! - 0x30) * 10 + bytes[v + i + 1]! - 0x30;
  const year = utc ? (two(0) >= 50 ? 1900 : 2000) + two(0) : two(0) * 100 + two(2);
  const [mo, d, h, mi, se] = [0, 2, 4, 6, 8].map((i) => two(digits - 10 + i)) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) bad(`time "${String.fromCharCode(...bytes.subarray(v, t.end))}" is out of range`);
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, se));
  if (year < 100) date.setUTCFullYear(year);
  return date;
}

/** An IA5String (or an implicitly tagged one) as text; refuses bytes ≥ 0x80. */
export function decodeIa5(bytes: Uint8Array, t: Tlv, what: string): string {
  let s = '';
  for (let i = t.valueStart; i < t.end; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) bad(`${what}: not an IA5String`);
    s += String.fromCharCode(b);
  }
  return s;
}
