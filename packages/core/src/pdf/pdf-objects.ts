/**
 * Small helpers over @libpdf/core's object model: serialisation of one object (ISO 32000-2 §7.3),
 * encryption of a copy for writing into an encrypted file (§7.6.2: every string and stream of an
 * indirect object, keyed by its number and generation; signature /Contents and cross-reference
 * streams excepted), PDF dates (§7.9.4) and text strings (§7.9.2.2).
 */
import { PdfArray, PdfDict, PdfStream, PdfString, type PdfObject } from '@libpdf/core';
import { concatBytes } from '../asn1/der.ts';

/** The byte sink libpdf's `toBytes` expects (its own ByteWriter is not exported). */
export class ByteSink {
  private chunks: Uint8Array[] = [];
  private length = 0;
  get position(): number { return this.length; }
  writeByte(b: number): void { this.writeBytes(Uint8Array.of(b)); }
  writeBytes(data: Uint8Array): void { this.chunks.push(data); this.length += data.length; }
  writeAscii(s: string): void {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
    this.writeBytes(out);
  }
  writeUtf8(s: string): void { this.writeBytes(new TextEncoder().encode(s)); }
  toBytes(): Uint8Array { return concatBytes(this.chunks); }
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

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s.toUpperCase();
}
