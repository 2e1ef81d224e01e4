/**
 * Small helpers over @libpdf/core's object model: serialisation of one object (ISO 32000-2 §7.3),
 * encryption of a copy for writing into an encrypted file (§7.6.2: every string and stream of an
 * indirect object, keyed by its number and generation; signature /Contents and cross-reference
 * streams excepted), PDF dates (§7.9.4) and text strings (§7.9.2.2).
 */
import pako from 'pako';
import { PdfArray, PdfDict, PdfStream, PdfString, type PdfObject } from '@libpdf/core';

/**
 * The byte sink libpdf's `toBytes` expects (its own ByteWriter is not exported): one buffer that
 * doubles when full, since an object is written as many tokens of a few bytes each.
 */
export class ByteSink {
  private buf = new Uint8Array(256);
  private length = 0;
  get position(): number { return this.length; }
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  writeByte(b: number): void { this.room(1); this.buf[this.length++] = b; }
  writeBytes(data: Uint8Array): void { this.room(data.length); this.buf.set(data, this.length); this.length += data.length; }
  writeAscii(s: string): void {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i) & 0xff;
  }
  writeUtf8(s: string): void { this.writeBytes(new TextEncoder().encode(s)); }
  toBytes(): Uint8Array { return this.buf.slice(0, this.length); }
}

export function serializePdfObject(obj: PdfObject): Uint8Array {
  const sink = new ByteSink();
  (obj as { toBytes(w: unknown): void }).toBytes(sink);
  return sink.toBytes();
}

/** What the security handler of an encrypted file offers for writing (libpdf's StandardSecurityHandler). */
export interface ObjectEncryptor {
  encryptString(data: Uint8Array, objNum: number, genNum: number): Uint8Array;
  encryptStream(data: Uint8Array, objNum: number, genNum: number): Uint8Array;
  shouldEncryptStream(streamType?: string): boolean;
}

/** A copy of `obj` with its strings and stream data encrypted for object `num gen` (§7.6.2). */
export function encryptObjectCopy(obj: PdfObject, enc: ObjectEncryptor, num: number, gen: number): PdfObject {
  if (obj instanceof PdfString) return new PdfString(enc.encryptString(obj.bytes, num, gen), 'hex');
  if (obj instanceof PdfStream) {
    const type = obj.getName('Type')?.value;
    if (type === 'XRef') return obj;
    const data = enc.shouldEncryptStream(type) ? enc.encryptStream(obj.data, num, gen) : obj.data;
    const copy = new PdfStream(undefined, data);
    for (const [key, value] of obj) copy.set(key.value, encryptObjectCopy(value, enc, num, gen));
    return copy;
  }
  if (obj instanceof PdfArray) {
    const items: PdfObject[] = [];
    for (const item of obj) items.push(encryptObjectCopy(item, enc, num, gen));
    return new PdfArray(items);
  }
  if (obj instanceof PdfDict) {
    const copy = new PdfDict();
    for (const [key, value] of obj) copy.set(key.value, encryptObjectCopy(value, enc, num, gen));
    return copy;
  }
  return obj;
}

function two(n: number): string { return String(n).padStart(2, '0'); }

/**
 * A PDF date (ISO 32000-2 §7.9.4) in a fixed UTC offset, e.g. `D:20261127091530+07'00'`.
 * Vietnam uses +07:00 all year, so the offset is a parameter rather than a time-zone rule.
 */
export function pdfDate(date: Date, offsetMinutes = 420): string {
  const t = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(offsetMinutes);
  return `D:${t.getUTCFullYear()}${two(t.getUTCMonth() + 1)}${two(t.getUTCDate())}${two(t.getUTCHours())}${two(t.getUTCMinutes())}${two(t.getUTCSeconds())}${sign}${two(Math.floor(off / 60))}'${two(off % 60)}'`;
}

/** ISO 8601 with a fixed offset, e.g. `2026-11-27T09:15:30+07:00` (the Decree 30 info line). */
export function isoLocalTime(date: Date, offsetMinutes = 420): string {
  const t = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(offsetMinutes);
  return `${t.getUTCFullYear()}-${two(t.getUTCMonth() + 1)}-${two(t.getUTCDate())}T${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())}${sign}${two(Math.floor(off / 60))}:${two(off % 60)}`;
}

/** A text string (§7.9.2.2): PDFDocEncoding when it fits, else UTF-16BE with BOM; NFC first. */
export function textString(text: string): PdfString {
  return PdfString.fromString(text.normalize('NFC'));
}

const HEX_DIGITS = '0123456789ABCDEF';
const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!);
const HEX_CODES = Uint8Array.from(HEX_DIGITS, (c) => c.charCodeAt(0));

/** Upper-case hex of `bytes`, as in a PDF hexadecimal string (§7.3.4.3). */
export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX_PAIRS[bytes[i]!]!;
  return s;
}

/** Writes the upper-case hex of `bytes` into `out` at `at` as ASCII: a signature /Contents hex string filled in place (§12.8.1, §7.3.4.3). */
export function writeHex(bytes: Uint8Array, out: Uint8Array, at: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out[at + 2 * i] = HEX_CODES[b >> 4]!;
    out[at + 2 * i + 1] = HEX_CODES[b & 15]!;
  }
}

/**
 * zlib data (RFC 1950/1951) for a FlateDecode stream (§7.4.4). A small input gets a window and
 * hash table sized to it: pako's defaults allocate and zero about 256 KB of state per call, most of
 * the cost of deflating a signature's few hundred bytes of appearance or cross-reference rows. A
 * window at least as large as the input plus the compressor's lookahead loses no match, and the
 * window size is recorded in the zlib header (CINFO) for the reader.
 */
export function flate(data: Uint8Array): Uint8Array {
  if (data.length > SMALL_FLATE_INPUT) return pako.deflate(data);
  let bits = 9;
  while ((1 << bits) - FLATE_LOOKAHEAD < data.length) bits++;
  return pako.deflate(data, { windowBits: bits, memLevel: Math.min(8, Math.max(1, bits - 6)) });
}
/** zlib's MIN_LOOKAHEAD: a match reaches back at most the window size minus this. */
const FLATE_LOOKAHEAD = 262;
const SMALL_FLATE_INPUT = (1 << 14) - FLATE_LOOKAHEAD;
