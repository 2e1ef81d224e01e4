/**
 * Our own incremental update writer (ISO 32000-2 §7.5.6): appends new and changed objects, a
 * cross-reference section of the same kind as the newest one (table §7.5.4 or stream §7.5.8) and
 * a trailer with /Prev, after the input's exact bytes. Only the objects handed to it are written —
 * never an object merely because it was read (libpdf's own incremental save rewrites read objects in
 * encrypted files and silently falls back to a full rewrite; see docs/research/libpdf-core-0.4.2.md).
 *
 * New object numbers start at max(trailer /Size, highest number in use + 1). In an encrypted file
 * every string and stream written is encrypted for its object (§7.6.2), except the raw bodies
 * added with `putRaw` (the signature dictionary writes its own, to keep /Contents in clear).
 */
import { PdfArray, PdfDict, PdfName, PdfNumber, type PDF, type PdfObject, type PdfRef } from '@libpdf/core';
import { KysoError } from '../errors.ts';
import { lastStartXref, xrefKindAt } from './file-structure.ts';
import { encryptObjectCopy, flate, serializePdfObject, type ObjectEncryptor } from './pdf-objects.ts';

interface PendingObject { ref: PdfRef; obj?: PdfObject; raw?: Uint8Array }

export interface BuiltUpdate {
  /** The whole new file: input bytes followed by the update. */
  bytes: Uint8Array;
  /** Byte offset in `bytes` of each object written ("N G obj"). */
  offsets: Map<number, number>;
  /** Where the raw body of each `putRaw` object starts in `bytes` (after "N G obj\n"). */
  rawBodyOffsets: Map<number, number>;
}

const enc = new TextEncoder();

export class IncrementalUpdate {
  readonly pdf: PDF;
  readonly input: Uint8Array;
  private readonly objects = new Map<number, PendingObject>();
  private readonly prevXref: number;
  readonly xrefKind: 'table' | 'stream';
  private readonly encryptor: ObjectEncryptor | null;

  constructor(pdf: PDF, input: Uint8Array) {
    this.pdf = pdf;
    this.input = input;
    // /Prev names where the section really starts: a startxref pointing at whitespace before
    // `xref` is read leniently, but qpdf flags the same offset repeated in our trailer.
    let prev = lastStartXref(input);
    while (prev < input.length && [0, 9, 10, 12, 13, 32].includes(input[prev]!)) prev++;
    this.prevXref = prev;
    this.xrefKind = xrefKindAt(input, this.prevXref);
    const info = pdf.context.info;
    this.encryptor = info.isEncrypted ? (info.securityHandler as unknown as ObjectEncryptor) : null;
    // New numbers must not reuse anything the trailer's /Size already covers (§7.5.6).
    const size = info.trailer.getNumber('Size')?.value ?? 0;
    const registry = pdf.context.registry as unknown as { _nextObjNum?: number };
    if (typeof registry._nextObjNum !== 'number') throw new KysoError('internal', 'unexpected @libpdf/core registry layout (is the pinned version installed?)');
    registry._nextObjNum = Math.max(registry._nextObjNum, size);
  }

  get encrypted(): boolean { return this.encryptor !== null; }

  /** Write (a new version of) an existing or new indirect object. */
  put(ref: PdfRef, obj: PdfObject): void { this.objects.set(ref.objectNumber, { ref, obj }); }

  /** Register a new object with libpdf (so its number is allocated) and write it. */
  add(obj: PdfObject): PdfRef {
    const ref = this.pdf.context.registry.register(obj);
    this.put(ref, obj);
    return ref;
  }

  /**
   * A new object whose body the caller serialises itself, given its number (to encrypt its own
   * strings); written exactly as returned.
   */
  addRaw(body: (num: number, gen: number) => Uint8Array): PdfRef {
    const ref = this.pdf.context.registry.allocateRef();
    this.objects.set(ref.objectNumber, { ref, raw: body(ref.objectNumber, ref.generation) });
    return ref;
  }

  /** Take over the objects libpdf itself created (e.g. fonts at `pdf.fonts.finalize()`). */
  importRegistryNewObjects(): void {
    for (const [ref, obj] of this.pdf.context.registry.getNewObjects()) {
      if (!this.objects.has(ref.objectNumber)) this.put(ref, obj);
    }
  }

  build(): BuiltUpdate {
    const parts: Uint8Array[] = [];
    let position = this.input.length;
    const push = (b: Uint8Array): void => { parts.push(b); position += b.length; };
    const last = this.input[this.input.length - 1];
    if (last !== 10 && last !== 13) push(enc.encode('\n'));

    const offsets = new Map<number, number>();
    const rawBodyOffsets = new Map<number, number>();
    const numbers = [...this.objects.keys()].sort((a, b) => a - b);
    for (const num of numbers) {
      const p = this.objects.get(num)!;
      const gen = p.ref.generation;
      offsets.set(num, position);
      const head = enc.encode(`${num} ${gen} obj\n`);
      push(head);
      if (p.raw) {
        rawBodyOffsets.set(num, position);
        push(p.raw);
      } else {
        const obj = this.encryptor ? encryptObjectCopy(p.obj!, this.encryptor, num, gen) : p.obj!;
        push(serializePdfObject(obj));
      }
      push(enc.encode('\nendobj\n'));
    }

    const trailer = this.pdf.context.info.trailer;
    const maxNum = Math.max(0, ...numbers);
    const xrefOffset = position;
    if (this.xrefKind === 'table') {
      const size = Math.max(trailer.getNumber('Size')?.value ?? 0, maxNum + 1);
      push(enc.encode(xrefTable(numbers, offsets, this.objects)));
      const t = this.trailerDict(size);
      push(enc.encode('trailer\n'));
      push(serializePdfObject(t));
      push(enc.encode(`\nstartxref\n${xrefOffset}\n%%EOF\n`));
    } else {
      const streamNum = Math.max(trailer.getNumber('Size')?.value ?? 0, maxNum + 1, this.pdf.context.registry.nextObjectNumber);
      offsets.set(streamNum, xrefOffset);
      const all = [...numbers, streamNum];
      const maxOffset = Math.max(...all.map((n) => offsets.get(n)!));
      const w = Math.max(1, Math.ceil(Math.log2(maxOffset + 1) / 8));
      const rows = new Uint8Array(all.length * (1 + w + 2));
      all.forEach((n, i) => {
        const at = i * (3 + w);
        rows[at] = 1;
        let v = offsets.get(n)!;
        for (let k = w; k >= 1; k--) { rows[at + k] = v % 256; v = Math.floor(v / 256); }
        const gen = n === streamNum ? 0 : this.objects.get(n)!.ref.generation;
        rows[at + w + 1] = gen >> 8; rows[at + w + 2] = gen & 0xff;
      });
      const data = flate(rows);
      const dict = this.trailerDict(streamNum + 1);
      dict.set('Type', PdfName.of('XRef'));
      dict.set('W', new PdfArray([PdfNumber.of(1), PdfNumber.of(w), PdfNumber.of(2)]));
      dict.set('Index', new PdfArray(subsections(all).flatMap(([s, c]) => [PdfNumber.of(s), PdfNumber.of(c)])));
      dict.set('Filter', PdfName.of('FlateDecode'));
      dict.set('Length', PdfNumber.of(data.length));
      push(enc.encode(`${streamNum} 0 obj\n`));
      push(serializePdfObject(dict));
      push(enc.encode('\nstream\n'));
      push(data);
      push(enc.encode(`\nendstream\nendobj\nstartxref\n${xrefOffset}\n%%EOF\n`));
    }

    const bytes = outputBuffer(this.input, position);
    let at = this.input.length;
    for (const part of parts) { bytes.set(part, at); at += part.length; }
    return { bytes, offsets, rawBodyOffsets };
  }

  /** The new trailer: /Size, /Prev and the original /Root, /Info, /ID and /Encrypt (by reference). */
  private trailerDict(size: number): PdfDict {
    const old = this.pdf.context.info.trailer;
    const t = new PdfDict();
    t.set('Size', PdfNumber.of(size));
    for (const key of ['Root', 'Info', 'Encrypt', 'ID']) {
      const v = old.get(key);
      if (v !== undefined && v !== null) t.set(key, v);
    }
    t.set('Prev', PdfNumber.of(this.prevXref));
    return t;
  }
}

interface GrowableBuffer { resizable?: boolean; maxByteLength?: number; resize?(n: number): void }

/**
 * The buffer for input + update. When the input is the whole of a resizable ArrayBuffer with room
 * (the CLI reads PDFs that way), the update is appended in place — no second copy of a large file,
 * and the input's buffer becomes the output. Otherwise a new buffer with a copy of the input.
 */
function outputBuffer(input: Uint8Array, total: number): Uint8Array {
  const ab = input.buffer as ArrayBuffer & GrowableBuffer;
  if (ab.resizable && ab.resize && input.byteOffset === 0 && ab.byteLength === input.length && (ab.maxByteLength ?? 0) >= total) {
    ab.resize(total);
    return new Uint8Array(ab, 0, total);
  }
  const bytes = new Uint8Array(total);
  bytes.set(input, 0);
  return bytes;
}

function subsections(sorted: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const n of sorted) {
    const lastRun = out[out.length - 1];
    if (lastRun && lastRun[0] + lastRun[1] === n) lastRun[1]++;
    else out.push([n, 1]);
  }
  return out;
}

function xrefTable(numbers: number[], offsets: Map<number, number>, objects: Map<number, PendingObject>): string {
  let s = 'xref\n';
  for (const [start, count] of subsections(numbers)) {
    s += `${start} ${count}\n`;
    for (let n = start; n < start + count; n++) {
      s += `${String(offsets.get(n)!).padStart(10, '0')} ${String(objects.get(n)!.ref.generation).padStart(5, '0')} n\r\n`;
    }
  }
  return s;
}

