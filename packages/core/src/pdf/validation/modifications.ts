/**
 * What changed in a PDF after one signature or document time-stamp, and whether the signature's
 * rules permit it (ISO 32000-2 §7.5.6 incremental updates, §12.8.2.2 DocMDP, §12.8.2.4 FieldMDP;
 * the change classes of ETSI EN 319 142-1 §5.4 LTV data, and the shadow attacks of Mainka et al.,
 * "Shadow Attacks: Hiding and Replacing Content in Signed PDFs", NDSS 2021).
 *
 * Which objects were written after the signed revision is read from the cross-reference sections
 * themselves (§7.5.4 tables, §7.5.8 streams with /W, /Index and Flate/PNG predictors), parsed here
 * from the bytes after the signed revision only — scanning for "obj" would miss compressed objects
 * and see objects no reader uses. Each such object is compared with its version in the signed
 * revision, both read with @libpdf/core, by value: numbers by value, strings by bytes, streams by
 * their decoded data, so a re-serialisation is no change. What an object *is* comes from walking
 * both documents from the trailer (page tree, pages, annotations, form fields, signature values,
 * DSS…); an object used in two places must be a permitted change in both (an appearance stream also
 * drawn as a page XObject is page content).
 *
 * Document metadata — the document information dictionary (/Info, §14.3.3), the catalog's XMP
 * stream (/Metadata, §14.3.2), a raised catalog /Version (§7.2.2) and iText's private version stamp
 * /ITXT on a page tree node — is rendered by no viewer; signing software rewrites it with every
 * update (/ModDate, /Producer), and DSS, pyHanko and Acrobat accept it. It is its own category,
 * permitted except under a certification with DocMDP P=1.
 *
 * Beyond the objects the update lists: content the update makes visible that existed unreferenced
 * in the signed revision (shadow "hide"), an update that points into the signed bytes for objects it
 * redefines or does not continue at the signed revision's cross-reference section (shadow
 * "hide-and-replace"), objects the final document reads differently although no later section names
 * them, objects written after signing that no cross-reference section lists (a scanning reader would
 * use them), and bytes after the last %%EOF.
 */
import pako from 'pako';
import { PDF, PdfArray, PdfBool, PdfDict, PdfName, PdfNull, PdfNumber, PdfRef, PdfStream, PdfString, type PdfObject } from '@libpdf/core';
import { isKysoError } from '../../errors.ts';
import { lastStartXref } from '../file-structure.ts';
import { listPages } from '../page-tree.ts';
import type { ChangeCategory, ModificationAnalysis, ObjectChange } from './report.ts';

/** A FieldMDP lock (§12.8.2.4 Table 258); `FieldLock` of signature-fields.ts fits. */
export interface ModificationLock { action: 'All' | 'Include' | 'Exclude'; fields?: string[] }

/**
 * The rules that hold after a signature (ISO 32000-2 §12.8.2.2 DocMDP of the certification,
 * §12.8.2.4 FieldMDP of the signature's /Reference or its field's /Lock).
 */
export interface ModificationRules {
  /** DocMDP P of the document's certification signature (§12.8.2.2 Table 257); absent: not certified. */
  docMdp?: 1 | 2 | 3;
  /** FieldMDP locks that apply after this signature. */
  locks: ModificationLock[];
}

/** Input of {@link analyseModifications}: the whole file and where the signed revision ends (§12.8.1 /ByteRange). */
export interface AnalyseModificationsParams {
  bytes: Uint8Array;
  /** End of the signature's ByteRange: where the signed revision ends. */
  signedRevisionEnd: number;
  password?: string;
  rules: ModificationRules;
}

/** Report order, from changes that leave the content as signed to changes of it; an object takes the latest category of its changes. */
const CATEGORY_ORDER: ChangeCategory[] = ['validation-data', 'metadata', 'signature-fields', 'form-fields', 'annotations', 'other'];
const worse = (a: ChangeCategory, b: ChangeCategory): ChangeCategory => (CATEGORY_ORDER.indexOf(a) >= CATEGORY_ORDER.indexOf(b) ? a : b);

// ---- bytes -----------------------------------------------------------------------------------------

const isWs = (c: number | undefined): boolean => c === 0 || c === 9 || c === 10 || c === 12 || c === 13 || c === 32;
const isDelim = (c: number | undefined): boolean => c === 0x28 || c === 0x29 || c === 0x3c || c === 0x3e || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === 0x2f || c === 0x25;
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

function startsAt(bytes: Uint8Array, at: number, s: string): boolean {
  if (at < 0 || at + s.length > bytes.length) return false;
  for (let i = 0; i < s.length; i++) if (bytes[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

function indexOfBytes(bytes: Uint8Array, s: string, from: number, to = bytes.length): number {
  const first = s.charCodeAt(0);
  for (let i = Math.max(0, from); i + s.length <= to; i++) {
    if (bytes[i] === first && startsAt(bytes, i, s)) return i;
  }
  return -1;
}

function skipWs(bytes: Uint8Array, at: number): number {
  let i = at;
  for (;;) {
    while (i < bytes.length && isWs(bytes[i])) i++;
    if (bytes[i] !== 0x25) return i; // % comment to end of line
    while (i < bytes.length && bytes[i] !== 10 && bytes[i] !== 13) i++;
  }
}

/** A value of the small object syntax needed for trailers and cross-reference stream dictionaries (§7.3). */
type Raw =
  | { t: 'num'; v: number; int: boolean }
  | { t: 'name'; v: string }
  | { t: 'str'; v: Uint8Array }
  | { t: 'arr'; v: Raw[] }
  | { t: 'dict'; v: Map<string, Raw> }
  | { t: 'ref'; num: number; gen: number }
  | { t: 'kw'; v: string };

class RawSyntaxError extends Error {}

/** Parses one direct object at `at` (after whitespace); returns it and the offset after it. */
function parseRaw(bytes: Uint8Array, at: number, depth = 0): [Raw, number] {
  if (depth > 64) throw new RawSyntaxError('nested too deeply');
  let i = skipWs(bytes, at);
  const c = bytes[i];
  if (c === undefined) throw new RawSyntaxError('unexpected end of file');
  if (c === 0x3c && bytes[i + 1] === 0x3c) {
    const map = new Map<string, Raw>();
    i += 2;
    for (;;) {
      i = skipWs(bytes, i);
      if (bytes[i] === 0x3e && bytes[i + 1] === 0x3e) return [{ t: 'dict', v: map }, i + 2];
      const [key, afterKey] = parseRaw(bytes, i, depth + 1);
      if (key.t !== 'name') throw new RawSyntaxError('dictionary key is not a name');
      const [value, afterValue] = parseRaw(bytes, afterKey, depth + 1);
      map.set(key.v, value);
      i = afterValue;
    }
  }
  if (c === 0x3c) {
    const end = bytes.indexOf(0x3e, i);
    if (end < 0) throw new RawSyntaxError('unterminated hex string');
    let hexText = '';
    for (let k = i + 1; k < end; k++) if (!isWs(bytes[k])) hexText += String.fromCharCode(bytes[k]!);
    if (hexText.length % 2) hexText += '0';
    const out = new Uint8Array(hexText.length / 2);
    for (let k = 0; k < out.length; k++) out[k] = parseInt(hexText.substr(k * 2, 2), 16) || 0;
    return [{ t: 'str', v: out }, end + 1];
  }
  if (c === 0x28) {
    const out: number[] = [];
    let level = 1;
    let k = i + 1;
    for (; k < bytes.length && level > 0; k++) {
      const b = bytes[k]!;
      if (b === 0x5c) { k++; out.push(bytes[k] ?? 0); continue; }
      if (b === 0x28) level++;
      if (b === 0x29) level--;
      if (level > 0) out.push(b);
    }
    if (level > 0) throw new RawSyntaxError('unterminated string');
    return [{ t: 'str', v: Uint8Array.from(out) }, k];
  }
  if (c === 0x5b) {
    const items: Raw[] = [];
    i++;
    for (;;) {
      i = skipWs(bytes, i);
      if (bytes[i] === 0x5d) return [{ t: 'arr', v: items }, i + 1];
      const [item, after] = parseRaw(bytes, i, depth + 1);
      items.push(item);
      i = after;
    }
  }
  if (c === 0x2f) {
    let k = i + 1;
    let name = '';
    while (k < bytes.length && !isWs(bytes[k]) && !isDelim(bytes[k])) {
      if (bytes[k] === 0x23 && k + 2 < bytes.length) {
        const code = parseInt(String.fromCharCode(bytes[k + 1]!, bytes[k + 2]!), 16);
        if (!Number.isNaN(code)) { name += String.fromCharCode(code); k += 3; continue; }
      }
      name += String.fromCharCode(bytes[k]!);
      k++;
    }
    return [{ t: 'name', v: name }, k];
  }
  if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) {
    let k = i;
    let text = '';
    while (k < bytes.length && (isDigit(bytes[k]) || bytes[k] === 0x2b || bytes[k] === 0x2d || bytes[k] === 0x2e)) text += String.fromCharCode(bytes[k++]!);
    const v = Number(text);
    if (!Number.isFinite(v)) throw new RawSyntaxError(`bad number ${text}`);
    const int = /^\d+$/.test(text);
    if (int) {
      // "N G R" is a reference.
      const j = skipWs(bytes, k);
      let m = j;
      while (isDigit(bytes[m])) m++;
      if (m > j) {
        const r = skipWs(bytes, m);
        if (bytes[r] === 0x52 && (r + 1 >= bytes.length || isWs(bytes[r + 1]) || isDelim(bytes[r + 1]))) {
          let gen = 0;
          for (let q = j; q < m; q++) gen = gen * 10 + (bytes[q]! - 48);
          return [{ t: 'ref', num: v, gen }, r + 1];
        }
      }
    }
    return [{ t: 'num', v, int }, k];
  }
  let k = i;
  let word = '';
  while (k < bytes.length && !isWs(bytes[k]) && !isDelim(bytes[k])) word += String.fromCharCode(bytes[k++]!);
  if (!word) throw new RawSyntaxError(`unexpected byte 0x${c.toString(16)}`);
  return [{ t: 'kw', v: word }, k];
}

const rawInt = (r: Raw | undefined): number | undefined => (r?.t === 'num' && r.int ? r.v : undefined);

// ---- cross-reference sections -------------------------------------------------------------------

/** One entry of a cross-reference section: free (f / type 0), in use (n / type 1), or compressed (type 2). */
type XrefEntry =
  | { type: 'free'; num: number; gen: number }
  | { type: 'used'; num: number; gen: number; offset: number }
  | { type: 'compressed'; num: number; stream: number; index: number };

interface XrefSection {
  offset: number;
  kind: 'table' | 'stream';
  entries: XrefEntry[];
  trailer: Map<string, Raw>;
  /** Object number of the cross-reference stream itself. */
  streamObject?: number;
}

function decodeXrefStreamData(data: Uint8Array, dict: Map<string, Raw>): Uint8Array {
  const filter = dict.get('Filter');
  const filters = filter?.t === 'arr' ? filter.v : filter ? [filter] : [];
  const parmsRaw = dict.get('DecodeParms');
  const parms = parmsRaw?.t === 'arr' ? parmsRaw.v[0] : parmsRaw;
  if (filters.length > 1) throw new RawSyntaxError('a cross-reference stream with more than one filter');
  let out = data;
  if (filters.length === 1) {
    const f = filters[0]!;
    if (f.t !== 'name' || (f.v !== 'FlateDecode' && f.v !== 'Fl')) throw new RawSyntaxError(`cross-reference stream filter ${f.t === 'name' ? f.v : '?'} is not supported`);
    out = inflateLenient(data);
  }
  const p = parms?.t === 'dict' ? parms.v : undefined;
  const predictor = rawInt(p?.get('Predictor')) ?? 1;
  if (predictor === 1) return out;
  const columns = rawInt(p?.get('Columns')) ?? 1;
  const colors = rawInt(p?.get('Colors')) ?? 1;
  const bpc = rawInt(p?.get('BitsPerComponent')) ?? 8;
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((columns * colors * bpc) / 8);
  if (predictor === 2) {
    const res = out.slice();
    for (let r = 0; r + rowLen <= res.length; r += rowLen) for (let k = bpp; k < rowLen; k++) res[r + k] = (res[r + k]! + res[r + k - bpp]!) & 0xff;
    return res;
  }
  if (predictor < 10) throw new RawSyntaxError(`predictor ${predictor} is not supported`);
  // PNG predictors (§7.4.4.4): each row starts with its filter type.
  const rows = Math.floor(out.length / (rowLen + 1));
  const res = new Uint8Array(rows * rowLen);
  for (let r = 0; r < rows; r++) {
    const type = out[r * (rowLen + 1)]!;
    const src = r * (rowLen + 1) + 1;
    const dst = r * rowLen;
    for (let k = 0; k < rowLen; k++) {
      const x = out[src + k]!;
      const a = k >= bpp ? res[dst + k - bpp]! : 0;
      const b = r > 0 ? res[dst - rowLen + k]! : 0;
      const c = r > 0 && k >= bpp ? res[dst - rowLen + k - bpp]! : 0;
      let v: number;
      switch (type) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: {
          const pa = Math.abs(b - c); const pb = Math.abs(a - c); const pc = Math.abs(a + b - 2 * c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: throw new RawSyntaxError(`PNG predictor row type ${type}`);
      }
      res[dst + k] = v & 0xff;
    }
  }
  return res;
}

/** Inflate, keeping what decodes when the stream is truncated (as lenient readers do). */
function inflateLenient(data: Uint8Array): Uint8Array {
  try {
    return pako.inflate(data);
  } catch {
    const chunks: Uint8Array[] = [];
    const inf = new pako.Inflate();
    inf.onData = (chunk: Uint8Array): void => { chunks.push(chunk); };
    inf.push(data, true);
    if (chunks.length === 0) throw new RawSyntaxError('the cross-reference stream data cannot be inflated');
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  }
}

/** Where the data of the stream object whose dictionary ends at `afterDict` lies, and where the object ends. */
function streamExtent(bytes: Uint8Array, afterDict: number, length: number | undefined): { start: number; end: number; objectEnd: number } | undefined {
  const kw = skipWs(bytes, afterDict);
  if (!startsAt(bytes, kw, 'stream')) return undefined;
  let start = kw + 6;
  if (bytes[start] === 13) start++;
  if (bytes[start] === 10) start++;
  let end: number;
  if (length !== undefined && start + length <= bytes.length && startsAt(bytes, skipWs(bytes, start + length), 'endstream')) {
    end = start + length;
  } else {
    const es = indexOfBytes(bytes, 'endstream', start);
    if (es < 0) throw new RawSyntaxError('stream without endstream');
    end = es;
    if (bytes[end - 1] === 10) end--;
    if (bytes[end - 1] === 13) end--;
  }
  const es = indexOfBytes(bytes, 'endstream', end);
  const eo = es < 0 ? -1 : indexOfBytes(bytes, 'endobj', es);
  return { start, end, objectEnd: eo < 0 ? (es < 0 ? end : es + 9) : eo + 6 };
}

/** "N G obj" at `at`: the numbers and the offset after the keyword. */
function objectHeader(bytes: Uint8Array, at: number): { num: number; gen: number; after: number } | undefined {
  const m = /^(\d+)\s+(\d+)\s+obj/.exec(latin1(bytes, at, at + 40));
  return m ? { num: Number(m[1]), gen: Number(m[2]), after: at + m[0].length } : undefined;
}

function latin1(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

const MAX_XREF_ENTRIES = 5_000_000;

/** Reads the cross-reference section (table with its trailer, or stream) at `offset`. */
function readXrefSection(bytes: Uint8Array, offset: number): XrefSection {
  const at = skipWs(bytes, offset);
  if (startsAt(bytes, at, 'xref')) {
    const entries: XrefEntry[] = [];
    let i = at + 4;
    const readInt = (): number | undefined => {
      i = skipWs(bytes, i);
      let v = 0;
      const from = i;
      while (isDigit(bytes[i])) v = v * 10 + (bytes[i++]! - 48);
      return i > from ? v : undefined;
    };
    for (;;) {
      i = skipWs(bytes, i);
      if (startsAt(bytes, i, 'trailer')) break;
      const first = readInt();
      const count = readInt();
      if (first === undefined || count === undefined) throw new RawSyntaxError(`cross-reference table at ${offset}: bad subsection header`);
      if (entries.length + count > MAX_XREF_ENTRIES) throw new RawSyntaxError(`cross-reference table at ${offset} is too large`);
      for (let k = 0; k < count; k++) {
        i = skipWs(bytes, i);
        if (startsAt(bytes, i, 'trailer')) break;
        const off = readInt();
        const gen = readInt();
        i = skipWs(bytes, i);
        const type = bytes[i++];
        if (off === undefined || gen === undefined || (type !== 0x6e && type !== 0x66)) throw new RawSyntaxError(`cross-reference table at ${offset}: bad entry for object ${first + k}`);
        entries.push(type === 0x6e ? { type: 'used', num: first + k, gen, offset: off } : { type: 'free', num: first + k, gen });
      }
    }
    const [trailer] = parseRaw(bytes, i + 7);
    if (trailer.t !== 'dict') throw new RawSyntaxError(`cross-reference table at ${offset}: the trailer is not a dictionary`);
    return { offset: at, kind: 'table', entries, trailer: trailer.v };
  }
  const head = objectHeader(bytes, at);
  if (!head) throw new RawSyntaxError(`no cross-reference section at offset ${offset}`);
  const [dictRaw, afterDict] = parseRaw(bytes, head.after);
  if (dictRaw.t !== 'dict') throw new RawSyntaxError(`the object at ${offset} is not a cross-reference stream`);
  const dict = dictRaw.v;
  const type = dict.get('Type');
  if (type?.t !== 'name' || type.v !== 'XRef') throw new RawSyntaxError(`the object at ${offset} is not a cross-reference stream (no /Type /XRef)`);
  const ext = streamExtent(bytes, afterDict, rawInt(dict.get('Length')));
  if (!ext) throw new RawSyntaxError(`the cross-reference stream at ${offset} has no stream data`);
  const data = decodeXrefStreamData(bytes.subarray(ext.start, ext.end), dict);
  const wRaw = dict.get('W');
  const w = wRaw?.t === 'arr' ? wRaw.v.map(rawInt) : [];
  if (w.length !== 3 || w.some((x) => x === undefined || x < 0 || x > 8)) throw new RawSyntaxError(`the cross-reference stream at ${offset} has a bad /W`);
  const [w1, w2, w3] = w as [number, number, number];
  const size = rawInt(dict.get('Size')) ?? 0;
  const indexRaw = dict.get('Index');
  const index = indexRaw?.t === 'arr' ? indexRaw.v.map(rawInt) : [0, size];
  if (index.length % 2 || index.some((x) => x === undefined)) throw new RawSyntaxError(`the cross-reference stream at ${offset} has a bad /Index`);
  const rowLen = w1 + w2 + w3;
  const entries: XrefEntry[] = [];
  let pos = 0;
  const field = (width: number, dflt: number): number => {
    if (width === 0) return dflt;
    let v = 0;
    for (let k = 0; k < width; k++) v = v * 256 + (data[pos++] ?? 0);
    return v;
  };
  for (let p = 0; p < index.length; p += 2) {
    const first = index[p]!;
    const count = index[p + 1]!;
    if (entries.length + count > MAX_XREF_ENTRIES) throw new RawSyntaxError(`the cross-reference stream at ${offset} is too large`);
    for (let k = 0; k < count; k++) {
      if (rowLen === 0 || pos + rowLen > data.length) break;
      const t = field(w1, 1);
      const f2 = field(w2, 0);
      const f3 = field(w3, 0);
      const num = first + k;
      if (t === 0) entries.push({ type: 'free', num, gen: f3 });
      else if (t === 1) entries.push({ type: 'used', num, gen: f3, offset: f2 });
      else if (t === 2) entries.push({ type: 'compressed', num, stream: f2, index: f3 });
      // Other types are reserved and read as null references (§7.5.8.3).
    }
  }
  return { offset: at, kind: 'stream', entries, trailer: dict, streamObject: head.num };
}

interface UpdateStructure {
  /** Sections after the signed revision, newest first (a hybrid section's /XRefStm stream follows its table). */
  sections: XrefSection[];
  /** Number of revisions (sections reached through /Prev) after the signed revision. */
  revisions: number;
  /** The newest definition of every object number the later sections name. */
  entries: Map<number, XrefEntry>;
  /** Where the chain continues below the signed revision end (the /Prev of the oldest later section). */
  continuesAt?: number;
  problems: string[];
}

function readUpdateStructure(bytes: Uint8Array, signedEnd: number): UpdateStructure {
  const out: UpdateStructure = { sections: [], revisions: 0, entries: new Map(), problems: [] };
  let next: number | undefined;
  try {
    next = lastStartXref(bytes);
  } catch (e) {
    out.problems.push(isKysoError(e) ? e.message : String(e));
    return out;
  }
  const seen = new Set<number>();
  const setIfAbsent = (e: XrefEntry): void => { if (!out.entries.has(e.num)) out.entries.set(e.num, e); };
  while (next !== undefined && skipWs(bytes, next) >= signedEnd) {
    const at = skipWs(bytes, next);
    if (seen.has(at)) { out.problems.push(`the cross-reference chain loops at offset ${at}`); break; }
    seen.add(at);
    let section: XrefSection;
    try {
      section = readXrefSection(bytes, at);
    } catch (e) {
      const message = (e as Error).message;
      out.problems.push(message.includes(String(at)) ? message : `the cross-reference section at offset ${at}: ${message}`);
      return out;
    }
    out.sections.push(section);
    out.revisions++;
    // Table entries in use, then the hybrid /XRefStm entries, then the table's free entries (ISO 32000-1 §7.5.8.4).
    for (const e of section.entries) if (e.type !== 'free') setIfAbsent(e);
    const stm = rawInt(section.trailer.get('XRefStm'));
    if (stm !== undefined && skipWs(bytes, stm) >= signedEnd && !seen.has(skipWs(bytes, stm))) {
      seen.add(skipWs(bytes, stm));
      try {
        const s = readXrefSection(bytes, stm);
        out.sections.push(s);
        for (const e of s.entries) setIfAbsent(e);
      } catch (e) {
        out.problems.push(`the /XRefStm section at offset ${stm} cannot be read: ${(e as Error).message}`);
      }
    }
    for (const e of section.entries) if (e.type === 'free') setIfAbsent(e);
    const prev = section.trailer.get('Prev');
    next = rawInt(prev);
    if (prev !== undefined && next === undefined) out.problems.push(`the /Prev of the section at ${at} is not an offset`);
  }
  out.continuesAt = next === undefined ? undefined : skipWs(bytes, next);
  return out;
}

/**
 * Object headers in the bytes after the signed revision that no section of the chain lists (nor the
 * stream sections themselves): bodies a reader that rebuilds the cross-reference table by scanning
 * would use, while one that follows the chain does not.
 */
function unlistedObjects(bytes: Uint8Array, signedEnd: number, structure: UpdateStructure): Array<{ num: number; gen: number; offset: number }> {
  const listed = new Map<number, number>(); // offset -> object number
  for (const s of structure.sections) {
    if (s.kind === 'stream' && s.streamObject !== undefined) listed.set(s.offset, s.streamObject);
    // An offset may name the whitespace before "N G obj" (readers skip it, as for startxref).
    for (const e of s.entries) if (e.type === 'used' && e.offset >= signedEnd) listed.set(skipWs(bytes, e.offset), e.num);
  }
  // Extents of the listed bodies: stream data is not scanned (it may hold any bytes).
  const extents: Array<[number, number]> = [];
  for (const off of listed.keys()) {
    const head = objectHeader(bytes, off);
    if (!head) continue;
    let end = -1;
    try {
      const [value, after] = parseRaw(bytes, head.after);
      const length = value.t === 'dict' ? rawInt(value.v.get('Length')) : undefined;
      const ext = value.t === 'dict' ? streamExtent(bytes, after, length) : undefined;
      if (ext) end = ext.objectEnd;
      else { const eo = indexOfBytes(bytes, 'endobj', after); end = eo < 0 ? after : eo + 6; }
    } catch {
      const eo = indexOfBytes(bytes, 'endobj', head.after);
      end = eo < 0 ? head.after : eo + 6;
    }
    extents.push([off, end]);
  }
  extents.sort((a, b) => a[0] - b[0]);
  const found: Array<{ num: number; gen: number; offset: number }> = [];
  const decoder = new TextDecoder('latin1'); // one character per byte: indices are offsets
  const scan = (from: number, to: number): void => {
    if (to <= from) return;
    const text = decoder.decode(bytes.subarray(from, to));
    for (const m of text.matchAll(/(?<![0-9])(\d+)[\0\t\n\f\r ]+(\d+)[\0\t\n\f\r ]+obj\b/g)) {
      const offset = from + m.index!;
      if (!listed.has(offset)) found.push({ num: Number(m[1]), gen: Number(m[2]), offset });
    }
  };
  let cursor = signedEnd;
  for (const [start, end] of extents) {
    scan(cursor, start);
    cursor = Math.max(cursor, end);
  }
  scan(cursor, bytes.length);
  return found;
}

// ---- libpdf documents -----------------------------------------------------------------------------

async function loadRevision(bytes: Uint8Array, password: string | undefined): Promise<{ pdf: PDF } | { problem: string }> {
  let pdf: PDF;
  try {
    pdf = await PDF.load(bytes, password !== undefined ? { credentials: password } : {});
  } catch (e) {
    return { problem: `it cannot be read (${(e as Error).message})` };
  }
  if (pdf.recoveredViaBruteForce) return { problem: 'its cross-reference table could only be rebuilt by scanning the file' };
  if (pdf.isEncrypted && !pdf.isAuthenticated) return { problem: 'it is encrypted and the password is missing or wrong' };
  return { pdf };
}

function get(pdf: PDF, ref: PdfRef): PdfObject | undefined {
  try {
    const o = pdf.getObject(ref);
    return o === null || o instanceof PdfNull ? undefined : o;
  } catch {
    return undefined;
  }
}

function deref(pdf: PDF, obj: PdfObject | undefined): PdfObject | undefined {
  let o = obj;
  for (let i = 0; i < 16 && o instanceof PdfRef; i++) o = get(pdf, o);
  return o instanceof PdfRef || o instanceof PdfNull ? undefined : o;
}

const asDict = (pdf: PDF, o: PdfObject | undefined): PdfDict | undefined => { const d = deref(pdf, o); return d instanceof PdfDict ? d : undefined; };
const asArray = (pdf: PDF, o: PdfObject | undefined): PdfArray | undefined => { const a = deref(pdf, o); return a instanceof PdfArray ? a : undefined; };
const nameOf = (pdf: PDF, o: PdfObject | undefined): string | undefined => { const n = deref(pdf, o); return n instanceof PdfName ? n.value : undefined; };
const textOf = (pdf: PDF, o: PdfObject | undefined): string | undefined => { const s = deref(pdf, o); return s instanceof PdfString ? s.asString() : undefined; };

function isDocTimeStamp(pdf: PDF, sig: PdfDict | undefined): boolean {
  if (!sig) return false;
  return nameOf(pdf, sig.get('Type')) === 'DocTimeStamp' || nameOf(pdf, sig.get('SubFilter')) === 'ETSI.RFC3161';
}

// ---- comparing objects ----------------------------------------------------------------------------

const STREAM_ENCODING_KEYS = new Set(['Length', 'Filter', 'DecodeParms', 'DL']);
const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

function present(o: PdfObject | undefined): PdfObject | undefined {
  return o === undefined || o instanceof PdfNull ? undefined : o;
}

function decoded(s: PdfStream): Uint8Array | undefined {
  try { return s.getDecodedData(); } catch { return undefined; }
}

interface CompareOptions {
  /** Compare stream data as stored (for objects read from the same bytes). */
  raw?: boolean;
  /** Follow references with different numbers (signed revision on the left, final file on the right). */
  cmp?: Comparer;
}

/**
 * Equality by value (§7.3): numbers by value (1 and 1.0), strings by bytes (literal or hex), a null
 * entry as an absent one, streams by their dictionary without the encoding keys and their decoded
 * data. References with the same number and generation are equal (what they point to is compared
 * as its own object); with a `Comparer`, references that differ are followed, so an object copied
 * to a new number (a page's /Resources moved into a new object) is no change.
 */
function sameValue(a: PdfObject | undefined, b: PdfObject | undefined, opt: CompareOptions = {}): boolean {
  const x = present(a);
  const y = present(b);
  if (x === undefined || y === undefined) return x === y;
  if (x instanceof PdfRef && y instanceof PdfRef && x.objectNumber === y.objectNumber && x.generation === y.generation) return true;
  if (x instanceof PdfRef || y instanceof PdfRef) return opt.cmp ? opt.cmp.follow(x, y, opt) : false;
  if (x instanceof PdfNumber) return y instanceof PdfNumber && Math.abs(x.value - y.value) <= 1e-9 * Math.max(1, Math.abs(x.value));
  if (x instanceof PdfName) return y instanceof PdfName && x.value === y.value;
  if (x instanceof PdfString) return y instanceof PdfString && bytesEqual(x.bytes, y.bytes);
  if (x instanceof PdfBool) return y instanceof PdfBool && x.value === y.value;
  if (x instanceof PdfArray) {
    if (!(y instanceof PdfArray) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameValue(x.at(i), y.at(i), opt)) return false;
    return true;
  }
  if (x instanceof PdfStream) {
    if (!(y instanceof PdfStream)) return false;
    if (!sameEntries(x, y, (k) => !STREAM_ENCODING_KEYS.has(k), opt)) return false;
    const sameEncoding = sameEntries(x, y, (k) => k === 'Filter' || k === 'DecodeParms', opt);
    if (sameEncoding && bytesEqual(x.data, y.data)) return true;
    if (opt.raw) return false;
    const dx = decoded(x);
    const dy = decoded(y);
    return dx !== undefined && dy !== undefined && bytesEqual(dx, dy);
  }
  if (x instanceof PdfDict) {
    if (!(y instanceof PdfDict) || y instanceof PdfStream) return false;
    return sameEntries(x, y, () => true, opt);
  }
  return false;
}

/**
 * Follows references that differ between the signed revision and the final file and compares what
 * they point to, as a bisimulation: a pair under comparison is assumed equal when met again, and
 * "equal" results are kept only once the outermost comparison succeeded.
 */
class Comparer {
  /** Objects of the final file that are value copies of an object of the signed revision (new number -> old number, -1 for a direct one). */
  readonly equivalent = new Map<number, number>();
  private readonly memo = new Map<string, boolean>();
  private depth = 0;
  private pending: Array<[string | undefined, number | undefined, number]> = [];
  private budget = 200_000;

  constructor(readonly oldPdf: PDF, readonly newPdf: PDF) {}

  follow(x: PdfObject, y: PdfObject, opt: CompareOptions): boolean {
    const key = x instanceof PdfRef && y instanceof PdfRef ? `${x.objectNumber} ${x.generation}|${y.objectNumber} ${y.generation}` : undefined;
    if (key !== undefined) {
      const known = this.memo.get(key);
      if (known !== undefined) return known;
    }
    if (--this.budget < 0) return false;
    if (key !== undefined) this.memo.set(key, true);
    this.depth++;
    const dx = x instanceof PdfRef ? get(this.oldPdf, x) : x;
    const dy = y instanceof PdfRef ? get(this.newPdf, y) : y;
    let eq = false;
    try {
      eq = dx !== undefined && dy !== undefined && !(dx instanceof PdfRef) && !(dy instanceof PdfRef) && sameValue(dx, dy, opt);
    } finally {
      this.depth--;
    }
    const newNum = y instanceof PdfRef ? y.objectNumber : undefined;
    const oldNum = x instanceof PdfRef ? x.objectNumber : -1;
    if (!eq) {
      if (key !== undefined) this.memo.set(key, false);
    } else {
      this.pending.push([key, newNum, oldNum]);
      if (key !== undefined) this.memo.delete(key);
    }
    if (this.depth === 0) {
      // Results that assumed a pair still under comparison hold only if the outermost one holds.
      for (const [k, n, o] of this.pending) {
        if (eq) {
          if (k !== undefined) this.memo.set(k, true);
          if (n !== undefined) this.equivalent.set(n, o);
        } else if (k !== undefined && this.memo.get(k) === true) this.memo.delete(k);
      }
      this.pending = [];
    } else if (key !== undefined && eq) {
      this.memo.set(key, true); // provisional, within this outermost comparison
    }
    return eq;
  }
}

function keysOf(d: PdfDict, filter: (k: string) => boolean): Set<string> {
  const out = new Set<string>();
  for (const [k, v] of d) if (filter(k.value) && present(v) !== undefined) out.add(k.value);
  return out;
}

function sameEntries(x: PdfDict, y: PdfDict, filter: (k: string) => boolean, opt: CompareOptions): boolean {
  const kx = keysOf(x, filter);
  const ky = keysOf(y, filter);
  if (kx.size !== ky.size) return false;
  for (const k of kx) if (!ky.has(k) || !sameValue(x.get(k), y.get(k), opt)) return false;
  return true;
}

/** The dictionary keys whose values differ (by value; differing references followed). */
function changedKeys(a: PdfObject | undefined, b: PdfObject | undefined, cmp: Comparer): string[] {
  if (!(a instanceof PdfDict) || !(b instanceof PdfDict)) return [];
  const keys = new Set([...keysOf(a, () => true), ...keysOf(b, () => true)]);
  const out: string[] = [];
  for (const k of keys) {
    if (a instanceof PdfStream && STREAM_ENCODING_KEYS.has(k)) continue;
    if (!sameValue(a.get(k), b.get(k), { cmp })) out.push(k);
  }
  if (a instanceof PdfStream && b instanceof PdfStream && out.length === 0 && !sameValue(a, b, { cmp })) out.push('(stream data)');
  return out.sort();
}

// ---- what every object is -------------------------------------------------------------------------

type UsageKind =
  | 'catalog' | 'info' | 'metadata' | 'encrypt' | 'perms' | 'dss' | 'extensions' | 'catalog-entry' | 'structure'
  | 'page-tree' | 'page' | 'page-content' | 'resources' | 'font' | 'xobject' | 'annots' | 'annotation'
  | 'acroform' | 'fields' | 'form-resources' | 'field' | 'kids' | 'widget' | 'field-value' | 'signature' | 'appearance';

interface FieldNode {
  num: number | null;
  name: string;
  isSig: boolean;
  terminal: boolean;
  dict: PdfDict;
  /** Widget annotations of a terminal field (the field itself when merged). */
  widgets: Array<{ num: number | null; dict: PdfDict }>;
}

interface Usage {
  kind: UsageKind;
  /** The field (by fully qualified name) the object belongs to. */
  field?: FieldNode;
  /** 0-based page index, for pages and their content. */
  page?: number;
  /** Object number of the page, for its annotation array. */
  pageNum?: number;
  /** Annotation subtype, or the catalog key for 'catalog-entry'. */
  detail?: string;
}

const usageKey = (u: Usage): string => `${u.kind}|${u.field?.name ?? ''}|${u.page ?? ''}|${u.detail ?? ''}`;

/** The usages of every indirect object reachable from the trailer of one revision. */
class ObjectGraph {
  readonly usages = new Map<number, Map<string, Usage>>();
  /** Objects walked by their own structure (catalog, page tree, pages, annotations, fields, signature values): a generic walk that meets them stops. */
  readonly primary = new Set<number>();
  readonly fields: FieldNode[] = [];
  readonly fieldByNum = new Map<number, FieldNode>();
  readonly widgetField = new Map<number, FieldNode>();
  readonly pageNums: number[] = [];
  readonly catalogNum?: number;
  readonly infoNum?: number;
  private readonly queue: Array<{ obj: PdfObject; usage: Usage }> = [];

  constructor(readonly pdf: PDF) {
    const trailer = pdf.context.info.trailer;
    const rootRef = trailer.get('Root');
    const catalog = asDict(pdf, rootRef);
    if (rootRef instanceof PdfRef) this.catalogNum = rootRef.objectNumber;
    const infoRef = trailer.get('Info');
    if (infoRef instanceof PdfRef) this.infoNum = infoRef.objectNumber;
    if (this.catalogNum !== undefined) this.primary.add(this.catalogNum);
    if (catalog) this.collectPrimaries(catalog);

    if (this.catalogNum !== undefined) this.tag(this.catalogNum, { kind: 'catalog' });
    this.walk(trailer.get('Info'), { kind: 'info' });
    this.walk(trailer.get('Encrypt'), { kind: 'encrypt' });
    if (!catalog) return;
    for (const [k, v] of catalog) {
      const key = k.value;
      if (key === 'Pages') continue;
      if (key === 'AcroForm') this.walkAcroForm(v);
      else if (key === 'DSS') this.walk(v, { kind: 'dss' });
      else if (key === 'Extensions') this.walk(v, { kind: 'extensions' });
      else if (key === 'Metadata') this.walk(v, { kind: 'metadata' });
      else if (key === 'Perms') this.walk(v, { kind: 'perms' });
      else if (key === 'StructTreeRoot') this.walk(v, { kind: 'structure' });
      else this.walk(v, { kind: 'catalog-entry', detail: key });
    }
    this.walkPageTree(catalog.get('Pages'));
    this.drain();
  }

  private addUsage(num: number, u: Usage): boolean {
    let m = this.usages.get(num);
    if (!m) { m = new Map(); this.usages.set(num, m); }
    const key = usageKey(u);
    if (m.has(key)) return false;
    m.set(key, u);
    return true;
  }

  /** Tags an object walked by its own structure; its entries are walked by the caller. */
  private tag(num: number, u: Usage): void { this.addUsage(num, u); }

  /** Queues a generic walk: everything reachable inherits the usage, primaries excepted. */
  private walk(obj: PdfObject | undefined, u: Usage): void {
    if (obj !== undefined) this.queue.push({ obj, usage: u });
    if (this.queue.length > 10_000) this.drain();
  }

  private drain(): void {
    while (this.queue.length) {
      const { obj, usage } = this.queue.pop()!;
      if (obj instanceof PdfRef) {
        if (this.primary.has(obj.objectNumber)) continue;
        if (!this.addUsage(obj.objectNumber, usage)) continue;
        const target = get(this.pdf, obj);
        if (target !== undefined) this.queue.push({ obj: target, usage });
      } else if (obj instanceof PdfDict) {
        for (const [, v] of obj) if (v instanceof PdfRef || v instanceof PdfDict || v instanceof PdfArray) this.queue.push({ obj: v, usage });
      } else if (obj instanceof PdfArray) {
        for (const v of obj) if (v instanceof PdfRef || v instanceof PdfDict || v instanceof PdfArray) this.queue.push({ obj: v, usage });
      }
    }
  }

  private collectPrimaries(catalog: PdfDict): void {
    // The page tree and every page's annotations.
    const seen = new Set<number>();
    const visit = (node: PdfObject | undefined, depth: number): void => {
      if (depth > 64) return;
      if (node instanceof PdfRef) {
        if (seen.has(node.objectNumber)) return;
        seen.add(node.objectNumber);
        this.primary.add(node.objectNumber);
      }
      const dict = asDict(this.pdf, node);
      if (!dict) return;
      const kids = asArray(this.pdf, dict.get('Kids'));
      if (kids) { for (const k of kids) visit(k, depth + 1); return; }
      if (node instanceof PdfRef) this.pageNums.push(node.objectNumber);
      for (const a of asArray(this.pdf, dict.get('Annots')) ?? []) if (a instanceof PdfRef) this.primary.add(a.objectNumber);
    };
    visit(catalog.get('Pages'), 0);
    // The form field tree (§12.7.4): names, field type inheritance, widgets, signature values.
    const acro = asDict(this.pdf, catalog.get('AcroForm'));
    const fieldSeen = new Set<number>();
    const walkField = (node: PdfObject | undefined, parentName: string, ft: string | undefined, depth: number): void => {
      if (depth > 32) return;
      const num = node instanceof PdfRef ? node.objectNumber : null;
      if (num !== null) { if (fieldSeen.has(num)) return; fieldSeen.add(num); this.primary.add(num); }
      const dict = asDict(this.pdf, node);
      if (!dict) return;
      const partial = textOf(this.pdf, dict.get('T'));
      const name = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
      const type = nameOf(this.pdf, dict.get('FT')) ?? ft;
      const kids = asArray(this.pdf, dict.get('Kids'))?.toArray() ?? [];
      const kidDicts = kids.map((k) => ({ num: k instanceof PdfRef ? k.objectNumber : null, dict: asDict(this.pdf, k) }));
      const childFields = kidDicts.some((k) => k.dict?.has('T'));
      const field: FieldNode = { num, name, isSig: type === 'Sig', terminal: !childFields, dict, widgets: [] };
      this.fields.push(field);
      if (num !== null) this.fieldByNum.set(num, field);
      if (childFields) { for (const k of kids) walkField(k, name, type, depth + 1); return; }
      field.widgets = kidDicts.length === 0 ? [{ num, dict }] : kidDicts.filter((k): k is { num: number | null; dict: PdfDict } => k.dict !== undefined);
      for (const w of field.widgets) if (w.num !== null) { this.primary.add(w.num); this.widgetField.set(w.num, field); }
      const v = dict.get('V');
      if (field.isSig && v instanceof PdfRef) this.primary.add(v.objectNumber);
    };
    for (const f of asArray(this.pdf, acro?.get('Fields')) ?? []) walkField(f, '', undefined, 0);
  }

  private walkAcroForm(value: PdfObject): void {
    if (value instanceof PdfRef) this.addUsage(value.objectNumber, { kind: 'acroform' });
    const acro = asDict(this.pdf, value);
    if (!acro) return;
    for (const [k, v] of acro) {
      if (k.value === 'Fields') {
        if (v instanceof PdfRef) this.addUsage(v.objectNumber, { kind: 'fields' });
      } else if (k.value === 'DR') {
        if (v instanceof PdfRef) this.addUsage(v.objectNumber, { kind: 'form-resources', detail: 'DR' });
        for (const [, sub] of asDict(this.pdf, v) ?? new PdfDict()) this.walk(sub, { kind: 'form-resources' });
      }
      else this.walk(v, { kind: 'acroform', detail: k.value });
    }
    for (const field of this.fields) this.walkField(field);
  }

  private walkField(field: FieldNode): void {
    const u: Usage = { kind: 'field', field };
    if (field.num !== null) this.tag(field.num, u);
    for (const [k, v] of field.dict) {
      const key = k.value;
      if (key === 'Kids' || key === 'Parent' || key === 'P') {
        if (key === 'Kids' && v instanceof PdfRef) this.addUsage(v.objectNumber, { kind: 'kids', field });
        continue;
      }
      if (key === 'V') {
        if (field.isSig) {
          if (v instanceof PdfRef) this.addUsage(v.objectNumber, { kind: 'signature', field });
          const sig = asDict(this.pdf, v);
          if (sig) for (const [sk, sv] of sig) if (sk.value !== 'Contents') this.walk(sv, { kind: 'signature', field });
        } else this.walk(v, { kind: 'field-value', field });
        continue;
      }
      if (key === 'AP' && field.terminal && field.widgets.some((w) => w.dict === field.dict)) { this.walk(v, { kind: 'appearance', field }); continue; }
      this.walk(v, u);
    }
    for (const w of field.widgets) {
      if (w.dict === field.dict) continue;
      const wu: Usage = { kind: 'widget', field };
      if (w.num !== null) this.tag(w.num, wu);
      for (const [k, v] of w.dict) {
        if (k.value === 'Parent' || k.value === 'P') continue;
        this.walk(v, k.value === 'AP' ? { kind: 'appearance', field } : wu);
      }
    }
  }

  private walkPageTree(root: PdfObject | undefined): void {
    const seen = new Set<number>();
    let index = 0;
    const visit = (node: PdfObject | undefined, depth: number): void => {
      if (depth > 64) return;
      if (node instanceof PdfRef) {
        if (seen.has(node.objectNumber)) return;
        seen.add(node.objectNumber);
      }
      const dict = asDict(this.pdf, node);
      if (!dict) return;
      const kids = asArray(this.pdf, dict.get('Kids'));
      if (kids) {
        if (node instanceof PdfRef) this.tag(node.objectNumber, { kind: 'page-tree' });
        const kidsValue = dict.get('Kids');
        if (kidsValue instanceof PdfRef) this.tag(kidsValue.objectNumber, { kind: 'page-tree' });
        for (const [k, v] of dict) {
          if (k.value === 'Kids' || k.value === 'Parent') continue;
          if (k.value === 'Resources') this.walkResources(v);
          else this.walk(v, { kind: 'page-tree' });
        }
        for (const kid of kids) visit(kid, depth + 1);
        return;
      }
      const page = index++;
      if (node instanceof PdfRef) this.tag(node.objectNumber, { kind: 'page', page });
      for (const [k, v] of dict) {
        const key = k.value;
        if (key === 'Parent') continue;
        if (key === 'Contents') this.walk(v, { kind: 'page-content', page });
        else if (key === 'Resources') this.walkResources(v);
        else if (key === 'Annots') this.walkAnnots(v, page, node instanceof PdfRef ? node.objectNumber : undefined);
        else this.walk(v, { kind: 'page', page });
      }
    };
    visit(root, 0);
  }

  private walkResources(value: PdfObject | undefined, depth = 0): void {
    if (depth > 16) return;
    const res = asDict(this.pdf, value);
    if (value instanceof PdfRef) { if (!this.addUsage(value.objectNumber, { kind: 'resources' })) return; }
    if (!res) return;
    for (const [k, v] of res) {
      if (k.value === 'Font' || k.value === 'XObject') {
        if (v instanceof PdfRef) this.addUsage(v.objectNumber, { kind: 'resources' });
        const sub = asDict(this.pdf, v);
        if (!sub) continue;
        for (const [, item] of sub) {
          if (k.value === 'Font') { this.walk(item, { kind: 'font' }); continue; }
          if (item instanceof PdfRef && !this.addUsage(item.objectNumber, { kind: 'xobject' })) continue;
          const xo = deref(this.pdf, item);
          if (!(xo instanceof PdfDict)) continue;
          for (const [xk, xv] of xo) {
            if (xk.value === 'Resources') this.walkResources(xv, depth + 1);
            else this.walk(xv, { kind: 'xobject' });
          }
        }
      } else this.walk(v, { kind: 'resources' });
    }
  }

  private walkAnnots(value: PdfObject | undefined, page: number, pageNum: number | undefined): void {
    if (value instanceof PdfRef) this.tag(value.objectNumber, { kind: 'annots', page, pageNum });
    for (const a of asArray(this.pdf, value) ?? []) {
      if (a instanceof PdfRef && (this.widgetField.has(a.objectNumber) || this.fieldByNum.has(a.objectNumber))) continue;
      const dict = asDict(this.pdf, a);
      if (!dict) continue;
      const detail = nameOf(this.pdf, dict.get('Subtype')) ?? 'annotation';
      const u: Usage = { kind: 'annotation', page, detail };
      if (a instanceof PdfRef) { if (!this.addUsage(a.objectNumber, u)) continue; }
      for (const [k, v] of dict) {
        if (k.value === 'P' || k.value === 'Parent' || k.value === 'IRT' || k.value === 'Popup') continue;
        this.walk(v, k.value === 'AP' ? { kind: 'appearance', page, detail } : u);
      }
    }
  }
}

// ---- classification -------------------------------------------------------------------------------

interface Fact {
  category: ChangeCategory;
  finding?: string;
  /** The existing field a form-fields change (or the signing of an empty signature field) belongs to: FieldMDP locks name fields. */
  field?: string;
  text: string;
}

interface Context {
  oldPdf: PDF;
  newPdf: PDF;
  oldGraph: ObjectGraph;
  newGraph: ObjectGraph;
  /** Non-signature fields whose value (/V, or a widget's /AS) changed. */
  valueChanged: Set<string>;
  cmp: Comparer;
  /** The version in the file header (%PDF-1.7), which the catalog /Version may raise (§7.2.2). */
  headerVersion?: string;
}

const quote = (s: string): string => `"${s}"`;

function oldFieldOf(ctx: Context, field: FieldNode): FieldNode | undefined {
  if (field.num !== null) {
    const f = ctx.oldGraph.fieldByNum.get(field.num);
    if (f) return f;
  }
  return ctx.oldGraph.fields.find((f) => f.terminal && f.name === field.name && f.isSig === field.isSig);
}

/** Whether the signature field already held a signature in the signed revision. */
function signedBefore(ctx: Context, field: FieldNode): boolean {
  const old = oldFieldOf(ctx, field);
  return old !== undefined && asDict(ctx.oldPdf, old.dict.get('V')) !== undefined;
}

/**
 * Whether a signature field may take a new appearance and value now: it is new, or it was empty
 * when signed and holds a signature now (signing an empty field, §12.7.5.5).
 */
function signingNow(ctx: Context, field: FieldNode): boolean {
  if (oldFieldOf(ctx, field) === undefined) return true;
  const now = (field.num !== null ? ctx.newGraph.fieldByNum.get(field.num) : undefined)
    ?? ctx.newGraph.fields.find((f) => f.terminal && f.name === field.name && f.isSig === field.isSig);
  return !signedBefore(ctx, field) && now !== undefined && asDict(ctx.newPdf, now.dict.get('V')) !== undefined;
}

function describeUsage(u: Usage): string {
  const f = u.field ? ` of ${u.field.isSig ? 'signature field' : 'field'} ${quote(u.field.name)}` : '';
  const p = u.page !== undefined ? ` of page ${u.page + 1}` : '';
  switch (u.kind) {
    case 'catalog': return 'document catalog';
    case 'info': return 'document information dictionary (/Info)';
    case 'metadata': return 'XMP metadata';
    case 'encrypt': return 'encryption dictionary';
    case 'perms': return 'permissions (/Perms)';
    case 'dss': return 'document security store (/DSS)';
    case 'extensions': return 'extensions dictionary';
    case 'catalog-entry': return `catalog /${u.detail}`;
    case 'structure': return 'structure tree';
    case 'page-tree': return 'page tree node';
    case 'page': return `page ${u.page! + 1}`;
    case 'page-content': return `content stream${p}`;
    case 'resources': return 'page resources';
    case 'font': return 'font';
    case 'xobject': return 'XObject';
    case 'annots': return `annotation array${p}`;
    case 'annotation': return `${u.detail} annotation${p}`;
    case 'acroform': return 'interactive form (/AcroForm)';
    case 'fields': return 'form field array (/Fields)';
    case 'form-resources': return 'form default resources (/DR)';
    case 'field': return u.field!.isSig ? `signature field ${quote(u.field!.name)}` : `field ${quote(u.field!.name)}`;
    case 'kids': return `kids array${f}`;
    case 'widget': return `widget${f}`;
    case 'field-value': return `value${f}`;
    case 'signature': return `signature dictionary${f}`;
    case 'appearance': return u.field ? `appearance stream${f}` : `appearance stream of a ${u.detail} annotation${p}`;
  }
}

/** The category of a newly added field or widget (by object number, in the final document). */
function addedFieldFacts(ctx: Context, num: number | null, dict: PdfDict | undefined, where: string): Fact[] {
  const field = num !== null ? (ctx.newGraph.widgetField.get(num) ?? ctx.newGraph.fieldByNum.get(num)) : undefined;
  if (field && !field.terminal) {
    const leaves = ctx.newGraph.fields.filter((f) => f.terminal && (f.name === field.name || f.name.startsWith(`${field.name}.`)));
    if (leaves.length > 0 && leaves.every((f) => f.isSig && !signedBefore(ctx, f))) return [{ category: 'signature-fields', text: `signature field ${quote(field.name)} added to ${where}` }];
    return [{ category: 'other', finding: 'field-added', text: `form field ${quote(field.name)} added to ${where}` }];
  }
  if (field) {
    if (field.isSig && !signedBefore(ctx, field)) return [{ category: 'signature-fields', text: `signature field ${quote(field.name)} added to ${where}` }];
    if (field.isSig) return [{ category: 'other', finding: 'appearance-replaced', text: `a further widget of the already signed field ${quote(field.name)} added to ${where}` }];
    return [{ category: 'other', finding: 'field-added', text: `widget of form field ${quote(field.name)} added to ${where}` }];
  }
  const subtype = dict ? nameOf(ctx.newPdf, dict.get('Subtype')) : undefined;
  if (subtype === 'Widget') return [{ category: 'annotations', finding: 'annotation-added', text: `a widget annotation that belongs to no form field added to ${where}` }];
  return [{ category: 'annotations', finding: 'annotation-added', text: `${subtype ?? 'an'} annotation added to ${where}` }];
}

function refNums(pdf: PDF, arr: PdfArray | undefined): Array<{ num: number | null; obj: PdfObject }> {
  return (arr?.toArray() ?? []).map((o) => ({ num: o instanceof PdfRef ? o.objectNumber : null, obj: o }));
}

/** /Annots of a page, or /Fields, /Kids of the form: items kept, added, removed. */
function listFacts(ctx: Context, oldArr: PdfArray | undefined, newArr: PdfArray | undefined, where: string, list: 'annots' | 'fields'): Fact[] {
  const facts: Fact[] = [];
  const oldItems = refNums(ctx.oldPdf, oldArr);
  const newItems = refNums(ctx.newPdf, newArr);
  const oldNums = new Set(oldItems.map((i) => i.num).filter((n): n is number => n !== null));
  const newNums = new Set(newItems.map((i) => i.num).filter((n): n is number => n !== null));
  for (const item of newItems) {
    if (item.num !== null && oldNums.has(item.num)) continue;
    if (item.num === null && oldItems.some((o) => o.num === null && sameValue(o.obj, item.obj, { cmp: ctx.cmp }))) continue;
    facts.push(...addedFieldFacts(ctx, item.num, asDict(ctx.newPdf, item.obj), where));
  }
  for (const item of oldItems) {
    if (item.num !== null && newNums.has(item.num)) continue;
    if (item.num === null && newItems.some((n) => n.num === null && sameValue(item.obj, n.obj, { cmp: ctx.cmp }))) continue;
    const isField = item.num !== null && (ctx.oldGraph.widgetField.has(item.num) || ctx.oldGraph.fieldByNum.has(item.num));
    if (list === 'annots' && !isField) facts.push({ category: 'annotations', finding: 'annotation-removed', text: `an annotation removed from ${where}` });
    else facts.push({ category: 'other', finding: 'field-removed', text: `a form field or widget removed from ${where}` });
  }
  if (facts.length === 0 && !sameValue(oldArr, newArr, { cmp: ctx.cmp })) {
    facts.push({ category: list === 'annots' ? 'annotations' : 'other', finding: list === 'annots' ? 'annotation-changed' : undefined, text: `${where} reordered` });
  }
  return facts;
}

/** 'added', 'removed' or 'changed', for one entry of two versions of a dictionary. */
function entryVerb(oldObj: PdfObject | undefined, newObj: PdfObject | undefined, key: string): string {
  const had = oldObj instanceof PdfDict && present(oldObj.get(key)) !== undefined;
  const has = newObj instanceof PdfDict && present(newObj.get(key)) !== undefined;
  return had && has ? 'changed' : has ? 'added' : 'removed';
}

function oldAcroForm(ctx: Context): PdfDict | undefined {
  return asDict(ctx.oldPdf, asDict(ctx.oldPdf, ctx.oldPdf.context.info.trailer.get('Root'))?.get('AcroForm'));
}

/**
 * The form's default resources (/DR, §12.7.3): they are used only to build new appearances (the
 * font named by /DA), so adding resources is form work; replacing a font that exists would change
 * the appearances a viewer regenerates. Other entries (iText keeps signature XObjects there) are
 * never drawn from /DR.
 */
function resourceDictFacts(ctx: Context, oldValue: PdfObject | undefined, newValue: PdfObject | undefined): Fact[] {
  const o = asDict(ctx.oldPdf, oldValue) ?? new PdfDict();
  const n = asDict(ctx.newPdf, newValue) ?? new PdfDict();
  for (const [k, ov] of o) {
    if (k.value !== 'Font' && k.value !== 'Encoding') continue;
    const oldSub = asDict(ctx.oldPdf, ov);
    const newSub = asDict(ctx.newPdf, n.get(k.value));
    if (oldSub && newSub) {
      for (const [name, item] of oldSub) {
        if (!sameValue(item, newSub.get(name.value), { cmp: ctx.cmp })) return [{ category: 'other', finding: 'font-replaced', text: `form default resource /${k.value}/${name.value} replaced` }];
      }
    } else if (!sameValue(ov, n.get(k.value), { cmp: ctx.cmp })) {
      return [{ category: 'other', finding: 'font-replaced', text: `form default resources /${k.value} replaced` }];
    }
  }
  return [{ category: 'form-fields', text: 'resources added to the form default resources (/DR)' }];
}

function acroFormFacts(ctx: Context, oldAcro: PdfDict | undefined, newAcro: PdfDict | undefined): Fact[] {
  const facts: Fact[] = [];
  const keys = oldAcro && newAcro ? changedKeys(oldAcro, newAcro, ctx.cmp) : [...keysOf(newAcro ?? oldAcro ?? new PdfDict(), () => true)];
  for (const key of keys) {
    const o = oldAcro?.get(key);
    const n = newAcro?.get(key);
    if (present(n) === undefined && key !== 'Fields') facts.push({ category: 'other', finding: 'form-changed', text: `form /${key} removed` });
    else if (key === 'Fields') facts.push(...listFacts(ctx, asArray(ctx.oldPdf, o), asArray(ctx.newPdf, n), 'the form field array (/Fields)', 'fields'));
    else if (key === 'SigFlags') facts.push({ category: 'signature-fields', text: 'form /SigFlags set' });
    else if (key === 'DR') facts.push(...resourceDictFacts(ctx, o, n));
    else if (key === 'DA' || key === 'NeedAppearances' || key === 'Q') facts.push({ category: 'form-fields', text: `form /${key} changed` });
    else facts.push({ category: 'other', finding: 'form-changed', text: `form /${key} changed` });
  }
  return facts;
}

/** Facts for one object in one of its usages. */
function usageFacts(ctx: Context, u: Usage, kind: ObjectChange['kind'], oldObj: PdfObject | undefined, newObj: PdfObject | undefined, keys: string[]): Fact[] {
  const what = describeUsage(u);
  const verb = kind === 'added' ? 'added' : kind === 'removed' ? 'removed' : keys.length ? `changed (${keys.map((k) => (k.startsWith('(') ? k.slice(1, -1) : `/${k}`)).join(', ')})` : 'changed';
  switch (u.kind) {
    case 'dss':
    case 'extensions':
      return [{ category: 'validation-data', text: `${what} ${verb}` }];
    case 'catalog': {
      if (kind !== 'modified') return [{ category: 'other', finding: 'catalog-replaced', text: `document catalog ${verb}` }];
      const facts: Fact[] = [];
      for (const key of keys) {
        if (key === 'DSS' || key === 'Extensions') facts.push({ category: 'validation-data', text: `catalog /${key} ${entryVerb(oldObj, newObj, key)}` });
        else if (key === 'AcroForm') facts.push(...acroFormFacts(ctx, asDict(ctx.oldPdf, (oldObj as PdfDict).get('AcroForm')), asDict(ctx.newPdf, (newObj as PdfDict).get('AcroForm'))));
        else if (key === 'Metadata') {
          const verb = entryVerb(oldObj, newObj, key);
          facts.push({ category: 'metadata', finding: 'metadata-changed', text: `catalog /Metadata (XMP) ${verb === 'changed' ? 'replaced' : verb}` });
        }
        else if (key === 'Version') facts.push(versionFact(ctx, oldObj as PdfDict, newObj as PdfDict));
        else if (key === 'Pages') facts.push({ category: 'other', finding: 'pages-changed', text: 'catalog /Pages replaced' });
        else facts.push({ category: 'other', finding: 'catalog-changed', text: `catalog /${key} ${entryVerb(oldObj, newObj, key)}` });
      }
      return facts;
    }
    case 'acroform':
      if (u.detail === undefined) return acroFormFacts(ctx, kind === 'added' ? oldAcroForm(ctx) : oldObj instanceof PdfDict ? oldObj : undefined, newObj instanceof PdfDict ? newObj : undefined);
      return [{ category: 'other', finding: 'form-changed', text: `an object under form /${u.detail} ${verb}` }];
    case 'fields':
      // A new /Fields array replaces the one the signed revision had (or none).
      return listFacts(ctx, asArray(ctx.oldPdf, kind === 'added' ? oldAcroForm(ctx)?.get('Fields') : oldObj), asArray(ctx.newPdf, newObj), 'the form field array (/Fields)', 'fields');
    case 'form-resources':
      if (u.detail === 'DR') return resourceDictFacts(ctx, kind === 'added' ? oldAcroForm(ctx)?.get('DR') : oldObj, newObj);
      return kind === 'added'
        ? [{ category: 'form-fields', text: `form default resource ${verb}` }]
        : [{ category: 'other', finding: 'font-replaced', text: `form default resource (/DR) ${verb}` }];
    case 'field':
    case 'widget': {
      const field = u.field!;
      if (kind === 'added') {
        return field.isSig && !signedBefore(ctx, field)
          ? [{ category: 'signature-fields', text: `${what} added` }]
          : [{ category: 'other', finding: field.isSig ? 'signature-dictionary-replaced' : 'field-added', text: `${what} added` }];
      }
      if (kind === 'removed') return [{ category: 'other', finding: 'field-removed', text: `${what} removed` }];
      const facts: Fact[] = [];
      const wasSigned = field.isSig && signedBefore(ctx, field);
      const signing = field.isSig && signingNow(ctx, field);
      for (const key of keys) {
        if (key === 'Kids') {
          facts.push(...listFacts(ctx, asArray(ctx.oldPdf, (oldObj as PdfDict).get('Kids')), asArray(ctx.newPdf, (newObj as PdfDict).get('Kids')), `the kids of ${what}`, 'fields'));
        } else if (field.isSig) {
          if (key === 'V') facts.push(wasSigned
            ? { category: 'other', finding: 'signature-dictionary-replaced', text: `the signature value (/V) of ${quote(field.name)} replaced` }
            : { category: 'signature-fields', field: field.name, text: `signature field ${quote(field.name)} signed` });
          else if (signing && ['AP', 'AS', 'MK', 'F', 'DA', 'Lock', 'SV'].includes(key)) facts.push({ category: 'signature-fields', text: `${what}: /${key} set when signed` });
          else facts.push({ category: 'other', finding: key === 'AP' ? 'appearance-replaced' : key === 'Lock' ? 'signature-dictionary-replaced' : 'field-changed', text: `${what}: /${key} changed` });
        } else if (key === 'V') {
          facts.push({ category: 'form-fields', finding: 'form-value-changed', field: field.name, text: `value of field ${quote(field.name)} changed` });
        } else if (key === 'AS' || key === 'AP' || key === 'DA' || key === 'MK') {
          facts.push(ctx.valueChanged.has(field.name)
            ? { category: 'form-fields', finding: 'form-value-changed', field: field.name, text: `${what}: /${key} updated with the value` }
            : { category: 'other', finding: 'appearance-replaced', text: `${what}: /${key} replaced while the value did not change` });
        } else {
          facts.push({ category: 'other', finding: 'field-changed', text: `${what}: /${key} changed` });
        }
      }
      return facts;
    }
    case 'kids': {
      const oldField = kind === 'added' ? oldFieldOf(ctx, u.field!) ?? ctx.oldGraph.fields.find((f) => f.name === u.field!.name) : undefined;
      return listFacts(ctx, asArray(ctx.oldPdf, kind === 'added' ? oldField?.dict.get('Kids') : oldObj), asArray(ctx.newPdf, newObj), `the kids of ${describeUsage({ kind: 'field', field: u.field })}`, 'fields');
    }
    case 'field-value':
      return [{ category: 'form-fields', finding: 'form-value-changed', field: u.field!.name, text: `${what} ${verb}` }];
    case 'signature':
      if (kind === 'added' && !signedBefore(ctx, u.field!)) return [{ category: 'signature-fields', text: `${what} added` }];
      return [{ category: 'other', finding: 'signature-dictionary-replaced', text: `${what} ${verb}${kind === 'added' ? ' for a field that was already signed' : ''}` }];
    case 'appearance': {
      if (!u.field) return [{ category: 'annotations', finding: 'annotation-changed', text: `${what} ${verb}` }];
      const field = u.field;
      if (field.isSig) {
        if (signingNow(ctx, field)) return [{ category: 'signature-fields', text: `${what} ${verb}` }];
        return [{ category: 'other', finding: 'appearance-replaced', text: `${what} ${verb} ${signedBefore(ctx, field) ? 'after the field was signed' : 'while the field stays unsigned'}` }];
      }
      return ctx.valueChanged.has(field.name)
        ? [{ category: 'form-fields', finding: 'form-value-changed', field: field.name, text: `${what} ${verb} with the value` }]
        : [{ category: 'other', finding: 'appearance-replaced', text: `${what} ${verb} while the value did not change` }];
    }
    case 'annots': {
      // A new annotation array replaces the one the page had when signed (or none).
      const oldPage = kind === 'added' && u.pageNum !== undefined ? asDict(ctx.oldPdf, PdfRef.of(u.pageNum, 0)) : undefined;
      return listFacts(ctx, asArray(ctx.oldPdf, kind === 'added' ? oldPage?.get('Annots') : oldObj), asArray(ctx.newPdf, newObj), `the annotations of page ${u.page! + 1}`, 'annots');
    }
    case 'annotation':
      return [{ category: 'annotations', finding: kind === 'added' ? 'annotation-added' : kind === 'removed' ? 'annotation-removed' : 'annotation-changed', text: `${what} ${verb}` }];
    case 'page': {
      if (kind !== 'modified') return [{ category: 'other', finding: 'pages-changed', text: `${what} ${verb}` }];
      const facts: Fact[] = [];
      for (const key of keys) {
        if (key === 'Annots') facts.push(...listFacts(ctx, asArray(ctx.oldPdf, (oldObj as PdfDict).get('Annots')), asArray(ctx.newPdf, (newObj as PdfDict).get('Annots')), `the annotations of ${what}`, 'annots'));
        else if (key === 'Contents' || key === 'Resources') facts.push({ category: 'other', finding: 'page-content-replaced', text: `${what}: /${key} replaced` });
        else facts.push({ category: 'other', finding: 'page-changed', text: `${what}: /${key} ${entryVerb(oldObj, newObj, key)}` });
      }
      return facts;
    }
    case 'page-tree': {
      const facts: Fact[] = [];
      let rest = keys;
      // iText's version stamp (/ITXT (5.0.0)) on the page tree root: a private string no reader uses.
      if (kind === 'modified' && keys.includes('ITXT')) {
        const value = (newObj as PdfDict).get('ITXT');
        if (present(value) === undefined || value instanceof PdfString) {
          facts.push({ category: 'metadata', finding: 'metadata-changed', text: `${what}: iText version stamp /ITXT ${entryVerb(oldObj, newObj, 'ITXT')}` });
          rest = keys.filter((k) => k !== 'ITXT');
          if (rest.length === 0) return facts;
        }
      }
      const restVerb = rest === keys ? verb : `changed (${rest.map((k) => `/${k}`).join(', ')})`;
      facts.push({ category: 'other', finding: kind === 'modified' && !rest.includes('Kids') && !rest.includes('Count') ? 'page-changed' : 'pages-changed', text: `${what} ${restVerb}` });
      return facts;
    }
    case 'page-content':
    case 'resources':
      return [{ category: 'other', finding: 'page-content-replaced', text: `${what} ${verb}` }];
    case 'font':
      return [{ category: 'other', finding: 'font-replaced', text: `${what} ${verb}` }];
    case 'xobject':
      return [{ category: 'other', finding: 'xobject-replaced', text: `${what} ${verb}` }];
    case 'info':
    case 'metadata':
      return [{ category: 'metadata', finding: 'metadata-changed', text: `${what} ${verb}` }];
    case 'structure':
      return [{ category: 'other', finding: 'structure-changed', text: `${what} ${verb}` }];
    case 'encrypt':
    case 'perms':
    case 'catalog-entry':
      return [{ category: 'other', finding: 'catalog-changed', text: `${what} ${verb}` }];
  }
}

/** "1.7" → 1007; undefined for anything that is not a version number. */
function versionNumber(v: string | undefined): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})$/.exec(v ?? '');
  return m ? Number(m[1]) * 1000 + Number(m[2]) : undefined;
}

/**
 * The catalog /Version (§7.2.2: it overrides the header when later) changed: raising it (or setting
 * it to the version the document already had) is metadata; lowering or removing it, or a value that
 * is no version, is a change of the catalog.
 */
function versionFact(ctx: Context, oldCatalog: PdfDict, newCatalog: PdfDict): Fact {
  const oldName = nameOf(ctx.oldPdf, oldCatalog.get('Version'));
  const newName = nameOf(ctx.newPdf, newCatalog.get('Version'));
  const before = [versionNumber(ctx.headerVersion), versionNumber(oldName)].filter((v): v is number => v !== undefined);
  const was = before.length ? Math.max(...before) : undefined;
  const now = versionNumber(newName);
  if (now !== undefined && was !== undefined && now >= was) {
    const from = oldName !== undefined ? `was ${oldName}` : `the header says ${ctx.headerVersion}`;
    return { category: 'metadata', finding: 'metadata-changed', text: `catalog /Version ${now > was ? 'raised' : 'set'} to ${newName} (${from})` };
  }
  return { category: 'other', finding: 'catalog-changed', text: `catalog /Version ${entryVerb(oldCatalog, newCatalog, 'Version')}${newName !== undefined ? ` to ${newName}` : ''}` };
}

/** The version of the %PDF-x.y header (§7.5.2), looked for in the first 1024 bytes as readers do. */
function headerVersionOf(bytes: Uint8Array): string | undefined {
  return /%PDF-(\d{1,3}\.\d{1,3})/.exec(latin1(bytes, 0, 1024))?.[1];
}

const USAGE_PRIORITY: UsageKind[] = [
  'catalog', 'page-tree', 'page', 'page-content', 'xobject', 'font', 'resources', 'acroform', 'fields', 'field', 'kids', 'widget',
  'signature', 'appearance', 'field-value', 'form-resources', 'annots', 'annotation', 'dss', 'extensions', 'info', 'metadata',
  'perms', 'encrypt', 'structure', 'catalog-entry',
];

const VISIBLE_CONTENT = new Set<string>(['page-content-replaced', 'xobject-replaced', 'font-replaced', 'appearance-replaced']);

// ---- the analysis ---------------------------------------------------------------------------------

/**
 * Compares the revision a signature covers with the whole file and judges the difference by the
 * signature's rules: validation data (DSS, extensions), document metadata (/Info, XMP, a raised
 * /Version) and new signatures are always permitted — under DocMDP P=1 only validation data and
 * document time-stamps; filling form fields only under P=2 or 3 (a document without certification
 * is judged as P=2, the permissions approval signatures leave, as Acrobat and pyHanko do) and not
 * for a field a FieldMDP lock covers; annotations only under P=3; anything else never (ISO 32000-2
 * §12.8.2.2 Table 257, §12.8.2.4).
 *
 * Never throws for a damaged file: what cannot be read is an 'unparseable-update' finding and a
 * 'disallowed' verdict.
 */
export async function analyseModifications(p: AnalyseModificationsParams): Promise<ModificationAnalysis> {
  const { bytes, password, rules } = p;
  const signedEnd = Math.max(0, Math.min(p.signedRevisionEnd, bytes.length));
  const result: ModificationAnalysis = {
    signedRevisionEnd: p.signedRevisionEnd, laterRevisions: 0, changes: [], categories: [],
    pagesAdded: 0, pagesRemoved: 0, findings: [], verdict: 'none', reasons: [],
  };
  const findings = new Set<string>();
  const reasons: string[] = [];
  const finish = (): ModificationAnalysis => {
    result.findings = [...findings];
    result.reasons = [...new Set(reasons)];
    result.categories = CATEGORY_ORDER.filter((c) => result.changes.some((ch) => ch.category === c));
    if (result.reasons.length > 0) result.verdict = 'disallowed';
    else result.verdict = result.laterRevisions === 0 && result.changes.length === 0 ? 'none' : 'allowed';
    return result;
  };
  const fail = (finding: string, reason: string): void => { findings.add(finding); reasons.push(reason); };

  let tail = signedEnd;
  while (tail < bytes.length && isWs(bytes[tail])) tail++;
  if (tail >= bytes.length) return finish();

  // 1. The cross-reference sections written after the signed revision.
  const structure = readUpdateStructure(bytes, signedEnd);
  result.laterRevisions = structure.revisions;
  for (const problem of structure.problems) fail('unparseable-update', `an update after the signature cannot be read: ${problem}`);
  const eofs = revisionEndsAfter(bytes, signedEnd);
  const lastEof = eofs.length ? eofs[eofs.length - 1]! : signedEnd;
  const sectionAfterLastEof = structure.sections.some((s) => s.offset >= lastEof);
  let junk = lastEof;
  while (junk < bytes.length && isWs(bytes[junk])) junk++;
  if (junk < bytes.length && !sectionAfterLastEof) {
    fail('appended-content', `${bytes.length - junk} bytes after the last %%EOF belong to no revision`);
  }
  if (structure.sections.length === 0) {
    if (structure.problems.length === 0 && !findings.has('appended-content')) fail('appended-content', `${bytes.length - signedEnd} bytes after the signed revision hold no cross-reference section`);
    return finish();
  }

  // 2. Both revisions, as a reader sees them.
  const oldLoad = await loadRevision(bytes.subarray(0, signedEnd), password);
  const newLoad = await loadRevision(bytes, password);
  if ('problem' in oldLoad) fail('unparseable-update', `the signed revision cannot be read normally: ${oldLoad.problem}`);
  if ('problem' in newLoad) fail('unparseable-update', `the document with its later updates cannot be read normally: ${newLoad.problem}`);
  if ('problem' in oldLoad || 'problem' in newLoad) return finish();
  const oldPdf = oldLoad.pdf;
  const newPdf = newLoad.pdf;

  // The chain must continue at the signed revision's own cross-reference section.
  let signedStart: number | undefined;
  try { signedStart = skipWs(bytes, lastStartXref(bytes.subarray(0, signedEnd))); } catch { signedStart = undefined; }
  if (structure.problems.length === 0 && (structure.continuesAt === undefined || structure.continuesAt !== signedStart)) {
    fail('shadow-hide-and-replace', structure.continuesAt === undefined
      ? 'the update after the signature does not link back to the signed revision (/Prev missing): it defines a document of its own'
      : `the update after the signature continues at offset ${structure.continuesAt}, not at the signed revision's cross-reference section${signedStart === undefined ? '' : ` (${signedStart})`}`);
  }
  const oldTrailer = oldPdf.context.info.trailer;
  const newTrailer = newPdf.context.info.trailer;
  if (!sameValue(oldTrailer.get('Root'), newTrailer.get('Root'))) {
    fail('shadow-hide-and-replace', 'the trailer of a later update names a different document catalog (/Root)');
  }
  if (!sameValue(oldTrailer.get('Encrypt'), newTrailer.get('Encrypt'))) {
    fail('encryption-changed', 'a later update changed the encryption dictionary (/Encrypt)');
  }

  const oldGraph = new ObjectGraph(oldPdf);
  const newGraph = new ObjectGraph(newPdf);
  const cmp = new Comparer(oldPdf, newPdf);

  // Fields whose value changed (form filling), so that their new appearances count as form filling.
  const valueChanged = new Set<string>();
  for (const f of newGraph.fields) {
    if (!f.terminal || f.isSig) continue;
    const old = f.num !== null ? oldGraph.fieldByNum.get(f.num) : oldGraph.fields.find((o) => o.name === f.name);
    if (!old) continue;
    const vOld = deref(oldPdf, old.dict.get('V'));
    const vNew = deref(newPdf, f.dict.get('V'));
    const asChanged = f.widgets.some((w) => {
      const ow = old.widgets.find((x) => x.num !== null && x.num === w.num);
      return ow !== undefined && !sameValue(ow.dict.get('AS'), w.dict.get('AS'), { cmp });
    });
    if (!sameValue(vOld, vNew, { cmp }) || asChanged) valueChanged.add(f.name);
  }
  const ctx: Context = { oldPdf, newPdf, oldGraph, newGraph, valueChanged, cmp, headerVersion: headerVersionOf(bytes) };

  // 3. Every object a later section names, compared with the signed revision.
  const candidates = [...structure.entries.values()].filter((e) => e.num !== 0).sort((a, b) => a.num - b.num);
  const candidateNums = new Set(candidates.map((e) => e.num));
  const diffs: Array<{ num: number; gen: number; kind: ObjectChange['kind']; oldObj?: PdfObject; newObj?: PdfObject; keys: string[]; extra: Fact[] }> = [];
  const facts: Fact[] = [];
  const record = (num: number, gen: number, kind: ObjectChange['kind'], oldObj: PdfObject | undefined, newObj: PdfObject | undefined, keys: string[], extra: Fact[] = []): void => {
    const usages = new Map<string, Usage>();
    if (kind !== 'removed') for (const [k, u] of newGraph.usages.get(num) ?? []) usages.set(k, u);
    if (kind !== 'added') for (const [k, u] of oldGraph.usages.get(num) ?? []) usages.set(k, u);
    if (usages.size === 0 && extra.length === 0) return; // referenced from nowhere, before or after: no effect
    const objFacts = [...extra];
    const seen = new Set<string>();
    for (const u of usages.values()) {
      for (const f of usageFacts(ctx, u, kind, oldObj, newObj, keys)) {
        const key = `${f.category}|${f.text}`;
        if (!seen.has(key)) { seen.add(key); objFacts.push(f); }
      }
    }
    if (objFacts.length === 0) objFacts.push({ category: 'other', text: `object ${num} ${kind}` });
    const main = [...usages.values()].sort((a, b) => USAGE_PRIORITY.indexOf(a.kind) - USAGE_PRIORITY.indexOf(b.kind))[0];
    let category: ChangeCategory = 'validation-data';
    for (const f of objFacts) category = worse(category, f.category);
    for (const f of objFacts) if (f.finding) findings.add(f.finding);
    if (kind === 'modified' && category === 'other') {
      findings.add('object-overridden');
      if (objFacts.some((f) => f.finding && VISIBLE_CONTENT.has(f.finding))) findings.add('shadow-replace');
    }
    facts.push(...objFacts);
    result.changes.push({
      object: num, generation: gen, kind, category,
      role: main ? describeUsage(main) : 'unreferenced object',
      ...(keys.length ? { keys } : {}),
      description: [...new Set(objFacts.map((f) => f.text))].join('; '),
    });
  };

  for (const entry of candidates) {
    const gen = entry.type === 'compressed' ? 0 : entry.gen;
    const ref = PdfRef.of(entry.num, gen);
    const newObj = entry.type === 'free' ? undefined : get(newPdf, ref);
    const oldObj = get(oldPdf, ref);
    if (entry.type !== 'free' && newObj === undefined && newGraph.usages.has(entry.num)) {
      fail('unparseable-update', `object ${entry.num} written after the signature cannot be read`);
      continue;
    }
    const structural = (o: PdfObject | undefined): boolean => o instanceof PdfStream && ['XRef', 'ObjStm'].includes(nameOf(newPdf, o.get('Type')) ?? '');
    if (structural(newObj) && (oldObj === undefined || structural(oldObj))) continue;
    if (oldObj === undefined && newObj === undefined) continue;
    if (oldObj !== undefined && newObj !== undefined && sameValue(oldObj, newObj, { cmp })) continue;
    const kind: ObjectChange['kind'] = oldObj === undefined ? 'added' : newObj === undefined ? 'removed' : 'modified';
    const keys = kind === 'modified' ? changedKeys(oldObj, newObj, cmp) : [];
    const extra: Fact[] = [];
    // Shadow hide-and-replace: the new version lies inside the signed bytes, where it was not in use.
    if (entry.type === 'used' && entry.offset < signedEnd) {
      extra.push({ category: 'other', finding: 'shadow-hide-and-replace', text: `object ${entry.num} now points to a different body inside the signed bytes (offset ${entry.offset})` });
    } else if (entry.type === 'compressed' && !candidateNums.has(entry.stream)) {
      extra.push({ category: 'other', finding: 'shadow-hide-and-replace', text: `object ${entry.num} now points into object stream ${entry.stream} of the signed revision` });
    }
    diffs.push({ num: entry.num, gen, kind, oldObj, newObj, keys, extra });
  }
  // A new object that is a value copy of one the signed revision had in the same place is no change.
  for (const d of diffs) if (d.kind !== 'added' || d.extra.length > 0 || !cmp.equivalent.has(d.num)) record(d.num, d.gen, d.kind, d.oldObj, d.newObj, d.keys, d.extra);

  // 4. Objects read differently although no later section names them, and content that was
  // unreferenced when signed and is shown now (shadow "hide").
  for (const num of newGraph.usages.keys()) {
    if (candidateNums.has(num)) continue;
    const ref = PdfRef.of(num, 0);
    const newObj = get(newPdf, ref);
    const oldObj = get(oldPdf, ref);
    if (!sameValue(oldObj, newObj, { raw: true })) {
      record(num, 0, oldObj === undefined ? 'added' : 'modified', oldObj, newObj, oldObj === undefined ? [] : changedKeys(oldObj, newObj, cmp), [{ category: 'other', finding: 'hidden-objects', text: `object ${num} reads differently but no cross-reference section after the signature lists it` }]);
      continue;
    }
    if (oldObj !== undefined && !oldGraph.usages.has(num)) {
      const usages = [...newGraph.usages.get(num)!.values()];
      if (usages.every((u) => u.kind === 'dss' || u.kind === 'extensions')) continue;
      // Document metadata is drawn nowhere: an unreferenced object that becomes /Info or XMP is a metadata change.
      if (usages.every((u) => u.kind === 'info' || u.kind === 'metadata')) { record(num, 0, 'added', undefined, newObj, []); continue; }
      record(num, 0, 'added', undefined, newObj, [], [{ category: 'other', finding: 'shadow-hide', text: `object ${num} was in the signed revision but referenced nowhere; a later update shows it as ${describeUsage(usages[0]!)}` }]);
    }
  }
  const unlisted = unlistedObjects(bytes, signedEnd, structure);
  if (unlisted.length) {
    fail('hidden-objects', `${unlisted.length === 1 ? 'an object body' : `${unlisted.length} object bodies`} written after the signature (${unlisted.slice(0, 10).map((o) => `${o.num} ${o.gen} at ${o.offset}`).join(', ')}${unlisted.length > 10 ? '…' : ''}) ${unlisted.length === 1 ? 'is' : 'are'} listed in no cross-reference section`);
  }

  // 5. Pages.
  const pageNums = (pdf: PDF, graph: ObjectGraph): number[] | undefined => {
    try { return listPages(pdf).map((pg) => pg.ref?.objectNumber ?? -1); } catch { return graph.pageNums.length ? graph.pageNums : undefined; }
  };
  const oldPages = pageNums(oldPdf, oldGraph);
  const newPages = pageNums(newPdf, newGraph);
  if (oldPages && newPages) {
    const o = new Set(oldPages);
    const n = new Set(newPages);
    result.pagesAdded = newPages.filter((x) => x === -1 || !o.has(x)).length;
    result.pagesRemoved = oldPages.filter((x) => x === -1 || !n.has(x)).length;
    if (oldPages.length !== newPages.length && result.pagesAdded === result.pagesRemoved) result.pagesAdded = Math.max(0, newPages.length - oldPages.length);
  } else if (!newPages) {
    fail('pages-changed', 'the page tree of the final document cannot be read');
  }
  if (result.pagesAdded || result.pagesRemoved) {
    const counts = [result.pagesAdded ? `${result.pagesAdded} page${result.pagesAdded > 1 ? 's' : ''} added` : '', result.pagesRemoved ? `${result.pagesRemoved} page${result.pagesRemoved > 1 ? 's' : ''} removed` : ''].filter(Boolean);
    fail('pages-changed', `${counts.join(' and ')} after the signature`);
  }

  // 6. The rules.
  const docMdp = rules.docMdp ?? 2;
  // Signature fields created or signed after the signed revision: under P=1 they must all be document time-stamps.
  const newSignatureFields = newGraph.fields.filter((f) => f.isSig && f.terminal && (oldFieldOf(ctx, f) === undefined || (!signedBefore(ctx, f) && asDict(newPdf, f.dict.get('V')) !== undefined)));
  const onlyTimeStamps = newSignatureFields.length > 0 && newSignatureFields.every((f) => isDocTimeStamp(newPdf, asDict(newPdf, f.dict.get('V'))));
  const lockedBy = (name: string): boolean => rules.locks.some((l) => {
    if (l.action === 'All') return true;
    const listed = (l.fields ?? []).some((f) => name === f || name.startsWith(`${f}.`));
    return l.action === 'Include' ? listed : !listed;
  });
  for (const f of facts) {
    switch (f.category) {
      case 'validation-data': break;
      case 'metadata':
        if (docMdp === 1) reasons.push(`the certification (DocMDP P=1) permits no change but validation data and document time-stamps: ${f.text}`);
        break;
      case 'signature-fields':
        if (docMdp === 1 && !onlyTimeStamps) reasons.push(`the certification (DocMDP P=1) permits no change but validation data and document time-stamps: ${f.text}`);
        // Signing an existing empty signature field changes that field (§12.8.2.4).
        else if (f.field !== undefined && lockedBy(f.field)) reasons.push(`field ${quote(f.field)} is locked by a FieldMDP lock: ${f.text}`);
        break;
      case 'form-fields':
        if (docMdp === 1) reasons.push(`the certification (DocMDP P=1) permits no form filling: ${f.text}`);
        else if (f.field !== undefined && lockedBy(f.field)) reasons.push(`field ${quote(f.field)} is locked by a FieldMDP lock: ${f.text}`);
        break;
      case 'annotations':
        if (docMdp !== 3) reasons.push(`annotations may change only under a certification with DocMDP P=3: ${f.text}`);
        break;
      case 'other':
        reasons.push(f.text);
        break;
    }
  }
  return finish();
}

/** Ends of the revisions (after %%EOF and its end-of-line) that lie after `from`. */
function revisionEndsAfter(bytes: Uint8Array, from: number): number[] {
  const out: number[] = [];
  for (let i = indexOfBytes(bytes, '%%EOF', from); i >= 0; i = indexOfBytes(bytes, '%%EOF', i + 5)) {
    let end = i + 5;
    if (bytes[end] === 13) end++;
    if (bytes[end] === 10) end++;
    out.push(end);
  }
  return out;
}
