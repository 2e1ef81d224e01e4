/**
 * A small BER reader / DER writer (ITU-T X.690) for the key containers in this folder: PKCS#8
 * (RFC 5958), PBES2 (RFC 8018), PKCS#12 (RFC 7292). Internal to `server/src/keys`.
 *
 * Reading accepts BER (X.690 §8): indefinite lengths and constructed OCTET STRINGs occur in
 * PKCS#12 files written by NSS, Windows and Java. Writing always produces DER (X.690 §10),
 * including the sorted SET OF of §11.6.
 */
import { concatBytes, derOid, encodeTlv, KysoError } from '@kyso/core';

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

// ---------------------------------------------------------------------------------------------
// Writing (DER)

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  return encodeTlv(tag, content.length === 1 ? content[0]! : concatBytes(content));
}

export function derSequence(...content: Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, ...content);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** SET OF with its elements in ascending order of their encodings (X.690 §11.6). */
export function derSetOf(...elements: Uint8Array[]): Uint8Array {
  return tlv(TAG.SET, ...[...elements].sort(compareBytes));
}

/** `[n] EXPLICIT` (constructed context-specific tag). */
export function derExplicit(n: number, ...content: Uint8Array[]): Uint8Array {
  return tlv(0xa0 | n, ...content);
}

/** A non-negative INTEGER from a number, bigint or unsigned big-endian bytes (X.690 §8.3). */
export function derInteger(value: number | bigint | Uint8Array): Uint8Array {
  let bytes: Uint8Array;
  if (value instanceof Uint8Array) {
    bytes = value;
  } else {
    let v = BigInt(value);
    if (v < 0n) throw new KysoError('internal', 'derInteger: negative values are not written here');
    const out: number[] = [];
    do { out.unshift(Number(v & 0xffn)); v >>= 8n; } while (v > 0n);
    bytes = Uint8Array.from(out);
  }
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  bytes = bytes.subarray(i);
  if (bytes.length === 0) bytes = Uint8Array.of(0);
  return bytes[0]! & 0x80 ? tlv(TAG.INTEGER, Uint8Array.of(0), bytes) : tlv(TAG.INTEGER, bytes);
}

export function derOctetString(b: Uint8Array): Uint8Array {
  return tlv(TAG.OCTET_STRING, b);
}

/** BIT STRING with no unused bits (keys, signatures). */
export function derBitString(b: Uint8Array): Uint8Array {
  return tlv(TAG.BIT_STRING, Uint8Array.of(0), b);
}

export const DER_NULL = Uint8Array.of(TAG.NULL, 0);

/** OBJECT IDENTIFIER from dotted form (X.690 §8.19): core's encoder. */
export { derOid };


/** AlgorithmIdentifier (RFC 5280 §4.1.1.2) with already-encoded parameters, or none. */
export function derAlgorithm(oid: string, parameters?: Uint8Array): Uint8Array {
  return parameters ? derSequence(derOid(oid), parameters) : derSequence(derOid(oid));
}

/** UTF-16BE code units, as BMPString (X.680 §41) and the PKCS#12 password format use. */
export function utf16be(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c >> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return out;
}

export function derBmpString(s: string): Uint8Array {
  return tlv(TAG.BMP_STRING, utf16be(s));
}

// ---------------------------------------------------------------------------------------------
// Reading (BER)

/** One parsed element. `children` is filled for constructed encodings. */
export interface Asn1Node {
  tag: number;
  constructed: boolean;
  /** The whole element as received (header, content and, for indefinite lengths, the EOC). */
  raw: Uint8Array;
  /** The content octets (without an end-of-contents marker). */
  content: Uint8Array;
  children: Asn1Node[];
}

const MAX_DEPTH = 48;

function fail(what: string, reason: string): never {
  throw new KysoError('malformed', `${what}: ${reason}`);
}

function parseAt(bytes: Uint8Array, offset: number, limit: number, depth: number, what: string): Asn1Node {
  if (depth > MAX_DEPTH) fail(what, 'nesting too deep');
  if (offset + 2 > limit) fail(what, 'truncated ASN.1 header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) fail(what, 'multi-byte ASN.1 tags are not supported');
  const constructed = (tag & 0x20) !== 0;
  let pos = offset + 1;
  const first = bytes[pos++]!;
  if (first === 0x80) {
    // Indefinite length (X.690 §8.1.3.6): constructed only, children until 00 00.
    if (!constructed) fail(what, 'indefinite length on a primitive encoding');
    const children: Asn1Node[] = [];
    for (;;) {
      if (pos + 2 > limit) fail(what, 'missing end-of-contents');
      if (bytes[pos] === 0 && bytes[pos + 1] === 0) break;
      const child = parseAt(bytes, pos, limit, depth + 1, what);
      children.push(child);
      pos += child.raw.length;
    }
    const contentStart = offset + 2;
    return { tag, constructed, raw: bytes.subarray(offset, pos + 2), content: bytes.subarray(contentStart, pos), children };
  }
  let length: number;
  if (first < 0x80) length = first;
  else {
    const n = first & 0x7f;
    if (n > 4 || pos + n > limit) fail(what, 'bad ASN.1 length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[pos++]!;
  }
  const end = pos + length;
  if (end > limit) fail(what, 'ASN.1 content runs past its container');
  const content = bytes.subarray(pos, end);
  const children: Asn1Node[] = [];
  if (constructed) {
    let p = pos;
    while (p < end) {
      const child = parseAt(bytes, p, end, depth + 1, what);
      children.push(child);
      p += child.raw.length;
    }
  }
  return { tag, constructed, raw: bytes.subarray(offset, end), content, children };
}

/** Parses one element that must span all of `bytes`; KysoError('malformed') otherwise. */
export function parseAsn1(bytes: Uint8Array, what: string): Asn1Node {
  const node = parseAt(bytes, 0, bytes.length, 0, what);
  if (node.raw.length !== bytes.length) fail(what, 'trailing data after the ASN.1 structure');
  return node;
}

export function expectTag(node: Asn1Node | undefined, tag: number, what: string): Asn1Node {
  if (!node) fail(what, 'missing element');
  if (node.tag !== tag) {
    fail(what, `expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  }
  return node;
}

export function expectSequence(node: Asn1Node | undefined, what: string, minChildren = 0): Asn1Node {
  const n = expectTag(node, TAG.SEQUENCE, what);
  if (n.children.length < minChildren) fail(what, `expected at least ${minChildren} elements`);
  return n;
}

/** OCTET STRING value (primitive, or BER constructed: concatenated segments, X.690 §8.7). */
export function readOctets(node: Asn1Node | undefined, what: string, tag: number = TAG.OCTET_STRING): Uint8Array {
  if (!node) fail(what, 'missing OCTET STRING');
  if (node.tag === tag && !node.constructed) return node.content;
  if (node.tag === (tag | 0x20)) return concatBytes(node.children.map((c) => readOctets(c, what, TAG.OCTET_STRING)));
  return fail(what, `expected an OCTET STRING, found tag 0x${node.tag.toString(16)}`);
}

export function readOid(node: Asn1Node | undefined, what: string): string {
  const n = expectTag(node, TAG.OID, what);
  const b = n.content;
  if (b.length === 0) fail(what, 'empty OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let v = 0n;
  for (let i = 0; i < b.length; i++) {
    v = (v << 7n) | BigInt(b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) { arcs.push(v); v = 0n; } else if (i === b.length - 1) fail(what, 'truncated OBJECT IDENTIFIER');
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** A non-negative INTEGER that fits in a JS safe integer. */
export function readSmallInteger(node: Asn1Node | undefined, what: string): number {
  const n = expectTag(node, TAG.INTEGER, what);
  const b = n.content;
  if (b.length === 0) fail(what, 'empty INTEGER');
  if (b[0]! & 0x80) fail(what, 'negative INTEGER');
  let v = 0;
  for (const x of b) {
    v = v * 256 + x;
    if (v > Number.MAX_SAFE_INTEGER) fail(what, 'INTEGER too large');
  }
  return v;
}

/** Unsigned big-endian magnitude of an INTEGER (leading zero octets removed). */
export function readUnsignedInteger(node: Asn1Node | undefined, what: string): Uint8Array {
  const b = expectTag(node, TAG.INTEGER, what).content;
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** BMPString (UTF-16BE) or UTF8String text. */
export function readText(node: Asn1Node | undefined, what: string): string {
  if (!node) fail(what, 'missing string');
  if ((node.tag & 0x1f) === TAG.BMP_STRING) {
    const b = readOctets(node, what, TAG.BMP_STRING);
    if (b.length % 2) fail(what, 'odd-length BMPString');
    let s = '';
    for (let i = 0; i < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
    return s;
  }
  if ((node.tag & 0x1f) === TAG.UTF8_STRING) return Buffer.from(readOctets(node, what, TAG.UTF8_STRING)).toString('utf8');
  return fail(what, `unexpected string tag 0x${node.tag.toString(16)}`);
}

/** The content of a `[n] EXPLICIT` wrapper: its single child. */
export function readExplicit(node: Asn1Node | undefined, n: number, what: string): Asn1Node {
  if (!node || node.tag !== (0xa0 | n)) fail(what, `expected [${n}] EXPLICIT`);
  if (node.children.length !== 1) fail(what, `[${n}] EXPLICIT must hold exactly one element`);
  return node.children[0]!;
}

/** Parses a DER SubjectPublicKeyInfo just enough to get the subjectPublicKey bits (RFC 5280 §4.1.2.7). */
export function spkiPublicKeyBits(spki: Uint8Array): Uint8Array {
  const seq = expectSequence(parseAsn1(spki, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo', 2);
  const bits = expectTag(seq.children[1], TAG.BIT_STRING, 'SubjectPublicKeyInfo').content;
  if (bits.length < 1 || bits[0] !== 0) fail('SubjectPublicKeyInfo', 'subjectPublicKey has unused bits');
  return bits.subarray(1);
}
