/**
 * A strict DER (ITU-T X.690 §10) tree reader for the linter. Unlike asn1-schema, it keeps every
 * encoding detail visible — BOOLEAN octets, INTEGER minimality, BIT STRING unused bits, string
 * tags, time formats — so lints can judge the exact bytes a CA is about to sign.
 *
 * Parsing never guesses: a structure that is not DER throws {@link DerError}; callers turn that
 * into a finding.
 */

import { oidToString, toHex } from '../../asn1/der.ts';

/** Thrown for bytes that are not a valid DER encoding. */
export class DerError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'DerError';
    this.offset = offset;
  }
}

/** One TLV. `children` is set for constructed encodings. */
export interface DerNode {
  /** Tag class: 0 universal, 1 application, 2 context-specific, 3 private. */
  cls: number;
  constructed: boolean;
  /** Tag number (low-tag form or high-tag form). */
  num: number;
  /** Single identifier octet for low tag numbers (e.g. 0x30 SEQUENCE, 0xa3 [3] constructed). */
  tag: number;
  start: number;
  valueStart: number;
  end: number;
  children?: DerNode[];
}

/** Universal tags used by X.509 (X.680 §8.6). */
export const TAG = {
  BOOLEAN: 0x01, INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06,
  ENUMERATED: 0x0a, UTF8String: 0x0c, SEQUENCE: 0x30, SET: 0x31, NumericString: 0x12, PrintableString: 0x13,
  TeletexString: 0x14, IA5String: 0x16, UTCTime: 0x17, GeneralizedTime: 0x18, VisibleString: 0x1a,
  UniversalString: 0x1c, BMPString: 0x1e,
} as const;

const MAX_DEPTH = 48;

/**
 * Reads one TLV at `offset` (recursively for constructed encodings), within `limit`.
 * Enforces X.690 §10.1 (definite, minimal lengths) and minimal high-tag-number encodings.
 */
export function parseNode(buf: Uint8Array, offset = 0, limit = buf.length, depth = 0, deep = true): DerNode {
  if (depth > MAX_DEPTH) throw new DerError('nesting too deep', offset);
  if (offset >= limit) throw new DerError('truncated: expected a tag', offset);
  const first = buf[offset]!;
  const cls = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let num = first & 0x1f;
  let pos = offset + 1;
  if (num === 0x1f) {
    num = 0;
    let b: number;
    let count = 0;
    do {
      if (pos >= limit) throw new DerError('truncated tag', offset);
      b = buf[pos++]!;
      if (count === 0 && b === 0x80) throw new DerError('non-minimal tag number encoding', offset);
      num = num * 128 + (b & 0x7f);
      if (++count > 4) throw new DerError('tag number too large', offset);
    } while (b & 0x80);
    if (num < 31) throw new DerError('high-tag-number form used for a low tag number', offset);
  }
  if (pos >= limit) throw new DerError('truncated: expected a length', offset);
  const l0 = buf[pos++]!;
  let length: number;
  if (l0 < 0x80) length = l0;
  else if (l0 === 0x80) throw new DerError('indefinite length is not allowed in DER', offset);
  else {
    const n = l0 & 0x7f;
    if (n > 4) throw new DerError('length too large', offset);
    if (pos + n > limit) throw new DerError('truncated length', offset);
    if (buf[pos] === 0) throw new DerError('non-minimal length encoding (leading zero octet)', offset);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[pos++]!;
    if (length < 0x80) throw new DerError('non-minimal length encoding (long form for a short length)', offset);
  }
  const end = pos + length;
  if (end > limit) throw new DerError('content runs past the end of its container', offset);
  const node: DerNode = { cls, constructed, num, tag: first, start: offset, valueStart: pos, end };
  if (constructed && deep) {
    const children: DerNode[] = [];
    let p = pos;
    while (p < end) {
      const c = parseNode(buf, p, end, depth + 1);
      children.push(c);
      p = c.end;
    }
    node.children = children;
  }
  return node;
}

/** The TLVs directly inside a constructed node, without descending further. */
export function shallowChildren(buf: Uint8Array, n: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let p = n.valueStart;
  while (p < n.end) {
    const c = parseNode(buf, p, n.end, 0, false);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** Parses the TLV at `n` again, this time with all its descendants. */
export function deepen(buf: Uint8Array, n: DerNode): DerNode {
  return parseNode(buf, n.start, n.end);
}

/** Parses `buf` as exactly one DER TLV (no trailing octets). */
export function parseWhole(buf: Uint8Array): DerNode {
  const n = parseNode(buf, 0, buf.length);
  if (n.end !== buf.length) throw new DerError(`${buf.length - n.end} trailing octet(s) after the DER value`, n.end);
  return n;
}

/** The content octets of a TLV (X.690 §8.1.1). */
export function contentOf(buf: Uint8Array, n: DerNode): Uint8Array {
  return buf.subarray(n.valueStart, n.end);
}

/** The whole encoding (identifier, length and content octets) of a TLV. */
export function bytesOf(buf: Uint8Array, n: DerNode): Uint8Array {
  return buf.subarray(n.start, n.end);
}

/** Checks a node's identifier octet (X.690 §8.1.2); throws DerError naming `what` otherwise. */
export function expectTag(n: DerNode | undefined, tag: number, what: string): DerNode {
  if (!n) throw new DerError(`${what}: missing`, 0);
  if (n.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${n.tag.toString(16)}`, n.start);
  if (((tag & 0x20) !== 0) !== n.constructed) throw new DerError(`${what}: wrong primitive/constructed form`, n.start);
  return n;
}

/** X.690 §8.19: OBJECT IDENTIFIER in dotted form; rejects non-minimal subidentifiers. */
export function decodeOid(bytes: Uint8Array, at = 0): string {
  const oid = oidToString(bytes, 0, bytes.length);
  if (typeof oid === 'string') return oid;
  throw new DerError(oid.error === 'empty' ? 'empty OBJECT IDENTIFIER' : oid.error === 'non-minimal' ? 'non-minimal OBJECT IDENTIFIER subidentifier' : 'truncated OBJECT IDENTIFIER', at);
}

/** Reads an OBJECT IDENTIFIER node (X.690 §8.19). */
export function readOid(buf: Uint8Array, n: DerNode | undefined, what: string): string {
  const node = expectTag(n, TAG.OID, what);
  return decodeOid(contentOf(buf, node), node.start);
}

/** X.690 §8.3.2: an INTEGER's first nine bits are never all 0 or all 1. */
export function isMinimalInteger(c: Uint8Array): boolean {
  if (c.length === 0) return false;
  if (c.length === 1) return true;
  if (c[0] === 0x00 && (c[1]! & 0x80) === 0) return false;
  if (c[0] === 0xff && (c[1]! & 0x80) !== 0) return false;
  return true;
}

/** Two's-complement INTEGER content as a bigint (X.690 §8.3.3). */
export function integerValue(c: Uint8Array): bigint {
  if (c.length === 0) throw new DerError('empty INTEGER', 0);
  // One conversion from hex, linear in the length: shifting a bigint byte by byte is quadratic,
  // ~25 µs for an RSA-2048 modulus.
  let v = BigInt(`0x${toHex(c)}`);
  if (c[0]! & 0x80) v -= 1n << BigInt(c.length * 8);
  return v;
}

/** Reads an INTEGER (any tag given), strict about minimal encoding. */
export function readInteger(buf: Uint8Array, n: DerNode | undefined, what: string, tag: number = TAG.INTEGER): bigint {
  const node = expectTag(n, tag, what);
  const c = contentOf(buf, node);
  if (!isMinimalInteger(c)) throw new DerError(`${what}: INTEGER is empty or not minimally encoded`, node.start);
  return integerValue(c);
}

export interface DerBitString {
  unusedBits: number;
  /** Octets after the unused-bits octet. */
  bytes: Uint8Array;
}

/** X.690 §8.6 + §11.2: BIT STRING with DER constraints on the unused bits. */
export function readBitString(buf: Uint8Array, n: DerNode | undefined, what: string, tag: number = TAG.BIT_STRING): DerBitString {
  const node = expectTag(n, tag, what);
  const c = contentOf(buf, node);
  if (c.length === 0) throw new DerError(`${what}: BIT STRING without its unused-bits octet`, node.start);
  const unusedBits = c[0]!;
  if (unusedBits > 7) throw new DerError(`${what}: BIT STRING unused-bits octet ${unusedBits} > 7`, node.start);
  if (c.length === 1 && unusedBits !== 0) throw new DerError(`${what}: empty BIT STRING with non-zero unused bits`, node.start);
  if (unusedBits > 0 && (c[c.length - 1]! & ((1 << unusedBits) - 1)) !== 0) {
    throw new DerError(`${what}: BIT STRING unused bits are not zero (X.690 §11.2.1)`, node.start);
  }
  return { unusedBits, bytes: c.subarray(1) };
}

/** X.690 §11.2.2: a named-bit BIT STRING has no trailing 0 bits. */
export function namedBitsHaveTrailingZero(b: DerBitString): boolean {
  if (b.bytes.length === 0) return false;
  const last = b.bytes[b.bytes.length - 1]!;
  if (last === 0) return true;
  // The lowest set bit of the last octet must be the last used bit.
  const lowest = last & -last;
  return lowest !== (1 << b.unusedBits);
}

/** Bit i (0 = most significant of the first octet) of a BIT STRING. */
export function bitIsSet(b: DerBitString, i: number): boolean {
  const octet = b.bytes[i >> 3];
  if (octet === undefined) return false;
  const totalBits = b.bytes.length * 8 - b.unusedBits;
  if (i >= totalBits) return false;
  return (octet & (0x80 >> (i & 7))) !== 0;
}

/** Highest bit index set, or -1. */
export function highestBitSet(b: DerBitString): number {
  const total = b.bytes.length * 8 - b.unusedBits;
  for (let i = total - 1; i >= 0; i--) if (bitIsSet(b, i)) return i;
  return -1;
}

/** BOOLEAN: returns the value and whether its encoding is DER (X.690 §11.1: TRUE is 0xFF). */
export function readBoolean(buf: Uint8Array, n: DerNode | undefined, what: string): { value: boolean; der: boolean } {
  const node = expectTag(n, TAG.BOOLEAN, what);
  const c = contentOf(buf, node);
  if (c.length !== 1) throw new DerError(`${what}: BOOLEAN must have exactly one content octet`, node.start);
  return { value: c[0] !== 0, der: c[0] === 0x00 || c[0] === 0xff };
}

/** True for a DER NULL (X.690 §8.8: no content octets). */
export function isNull(n: DerNode | undefined): boolean {
  return !!n && n.tag === TAG.NULL && n.end === n.valueStart;
}

// ---------------------------------------------------------------------------------------------
// Character strings (X.680 §41; RFC 5280 Appendix A)

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export type StringKind = 'UTF8String' | 'PrintableString' | 'IA5String' | 'TeletexString' | 'BMPString'
  | 'UniversalString' | 'VisibleString' | 'NumericString';

/** Universal tags of the character string types (X.680 §41). */
export const STRING_TAGS: Record<number, StringKind> = {
  [TAG.UTF8String]: 'UTF8String', [TAG.PrintableString]: 'PrintableString', [TAG.IA5String]: 'IA5String',
  [TAG.TeletexString]: 'TeletexString', [TAG.BMPString]: 'BMPString', [TAG.UniversalString]: 'UniversalString',
  [TAG.VisibleString]: 'VisibleString', [TAG.NumericString]: 'NumericString',
};

/** A character string as decoded from its content octets. */
export interface DecodedString {
  kind: StringKind;
  text: string;
  /** Why the octets are not valid for the string type, if they are not. */
  invalid?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True if every octet is 7-bit (the IA5String repertoire, X.680 §41.4). */
export function isAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b > 0x7f) return false;
  return true;
}

/** Decodes a string of a known kind from its content octets, reporting invalid content. */
export function decodeStringContent(kind: StringKind, c: Uint8Array): DecodedString {
  switch (kind) {
    case 'UTF8String':
      try {
        return { kind, text: utf8.decode(c) };
      } catch {
        return { kind, text: latin1(c), invalid: 'is not valid UTF-8' };
      }
    case 'PrintableString': {
      const text = latin1(c);
      return PRINTABLE.test(text) ? { kind, text } : { kind, text, invalid: 'contains characters outside the PrintableString set' };
    }
    case 'IA5String': {
      const text = latin1(c);
      return isAscii(c) ? { kind, text } : { kind, text, invalid: 'contains non-ASCII octets' };
    }
    case 'VisibleString': {
      const text = latin1(c);
      return /^[\x20-\x7e]*$/.test(text) ? { kind, text } : { kind, text, invalid: 'contains characters outside VisibleString' };
    }
    case 'NumericString': {
      const text = latin1(c);
      return /^[0-9 ]*$/.test(text) ? { kind, text } : { kind, text, invalid: 'contains characters outside NumericString' };
    }
    case 'TeletexString':
      return { kind, text: latin1(c) };
    case 'BMPString': {
      if (c.length % 2 !== 0) return { kind, text: '', invalid: 'has an odd number of octets' };
      let text = '';
      for (let i = 0; i < c.length; i += 2) {
        const u = (c[i]! << 8) | c[i + 1]!;
        if (u >= 0xd800 && u <= 0xdfff) return { kind, text, invalid: 'contains surrogate code units' };
        text += String.fromCharCode(u);
      }
      return { kind, text };
    }
    case 'UniversalString': {
      if (c.length % 4 !== 0) return { kind, text: '', invalid: 'length is not a multiple of four' };
      let text = '';
      for (let i = 0; i < c.length; i += 4) {
        const u = ((c[i]! << 24) >>> 0) + (c[i + 1]! << 16) + (c[i + 2]! << 8) + c[i + 3]!;
        if (u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)) return { kind, text, invalid: 'contains invalid code points' };
        text += String.fromCodePoint(u);
      }
      return { kind, text };
    }
  }
}

/** Decodes a node holding any character string type; undefined if the tag is not a string tag. */
export function decodeStringNode(buf: Uint8Array, n: DerNode): DecodedString | undefined {
  const kind = n.constructed ? undefined : STRING_TAGS[n.tag];
  if (!kind) return undefined;
  return decodeStringContent(kind, contentOf(buf, n));
}

function latin1(c: Uint8Array): string {
  let s = '';
  for (const b of c) s += String.fromCharCode(b);
  return s;
}

/** Octets as a string of code points 0–255 (for IA5String content already checked to be ASCII). */
export function asciiText(c: Uint8Array): string {
  return latin1(c);
}

// ---------------------------------------------------------------------------------------------
// Times (RFC 5280 §4.1.2.5.1, §4.1.2.5.2)

/** A UTCTime or GeneralizedTime value (X.680 §46, §47) and whether it has RFC 5280's form. */
export interface DerTime {
  kind: 'UTCTime' | 'GeneralizedTime';
  raw: string;
  date?: Date;
  /** Why the value does not follow RFC 5280's form (YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ). */
  invalid?: string;
}

/**
 * Reads a Time (RFC 5280 §4.1.2.5.1 UTCTime YYMMDDHHMMSSZ, years 1950–2049; §4.1.2.5.2
 * GeneralizedTime YYYYMMDDHHMMSSZ without fractional seconds), reporting other forms as invalid.
 */
export function readTime(buf: Uint8Array, n: DerNode | undefined, what: string): DerTime {
  if (!n || (n.tag !== TAG.UTCTime && n.tag !== TAG.GeneralizedTime)) throw new DerError(`${what}: expected UTCTime or GeneralizedTime`, n?.start ?? 0);
  const raw = latin1(contentOf(buf, n));
  if (n.tag === TAG.UTCTime) {
    const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(raw);
    if (!m) return { kind: 'UTCTime', raw, invalid: `UTCTime "${raw}" is not of the form YYMMDDHHMMSSZ` };
    const yy = Number(m[1]);
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return finishTime('UTCTime', raw, year, m);
  }
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(raw);
  if (!m) return { kind: 'GeneralizedTime', raw, invalid: `GeneralizedTime "${raw}" is not of the form YYYYMMDDHHMMSSZ` };
  return finishTime('GeneralizedTime', raw, Number(m[1]), m);
}

function finishTime(kind: DerTime['kind'], raw: string, year: number, m: RegExpExecArray): DerTime {
  const [mo, d, h, mi, s] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, s));
  date.setUTCFullYear(year);
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return { kind, raw, invalid: `${kind} "${raw}" is not a valid calendar date and time` };
  }
  return { kind, raw, date };
}
