/**
 * Signature fields of a document (ISO 32000-2 §12.7.5.5 signature fields, §12.8.1 signature
 * dictionaries): every terminal field of type /Sig reachable from the AcroForm's /Fields through
 * /Kids (field type inherited, §12.7.4), with its value, its widgets and its lock (§12.7.5.5 /Lock),
 * and the document's certification (catalog /Perms /DocMDP, §12.8.2.2).
 */
import { PdfArray, PdfDict, PdfName, PdfNumber, PdfRef, PdfString, type PDF, type PdfObject } from '@libpdf/core';
import { KysoError } from '../errors.ts';
import type { PageInfo } from './page-tree.ts';

export interface SignatureFieldInfo {
  /** Fully qualified field name (§12.7.4.2: partial names joined by "."). */
  name: string;
  fieldRef: PdfRef | null;
  field: PdfDict;
  /** The signature dictionary, when the field is signed. */
  value?: { ref: PdfRef | null; dict: PdfDict };
  /** Widget annotations: the field itself when merged, else its /Kids. */
  widgets: Array<{ ref: PdfRef | null; dict: PdfDict }>;
  /** FieldMDP lock of this field (§12.7.5.5 Table 236), if any. */
  lock?: FieldLock;
}

export type FieldLock = { action: 'All' } | { action: 'Include' | 'Exclude'; fields: string[] };

export function resolve(pdf: PDF, obj: PdfObject | undefined | null): PdfObject | undefined {
  let o = obj ?? undefined;
  for (let i = 0; i < 32 && o instanceof PdfRef; i++) o = pdf.getObject(o) ?? undefined;
  return o instanceof PdfRef ? undefined : o;
}

export function resolveDict(pdf: PDF, obj: PdfObject | undefined | null): PdfDict | undefined {
  const o = resolve(pdf, obj);
  return o instanceof PdfDict ? o : undefined;
}

export function resolveArray(pdf: PDF, obj: PdfObject | undefined | null): PdfArray | undefined {
  const o = resolve(pdf, obj);
  return o instanceof PdfArray ? o : undefined;
}

function text(pdf: PDF, obj: PdfObject | undefined): string | undefined {
  const o = resolve(pdf, obj);
  return o instanceof PdfString ? o.asString() : undefined;
}

export function readLock(pdf: PDF, dict: PdfDict | undefined): FieldLock | undefined {
  if (!dict) return undefined;
  const action = resolve(pdf, dict.get('Action'));
  if (!(action instanceof PdfName)) return undefined;
  if (action.value === 'All') return { action: 'All' };
  if (action.value !== 'Include' && action.value !== 'Exclude') return undefined;
  const fields = (resolveArray(pdf, dict.get('Fields'))?.toArray() ?? []).map((f) => text(pdf, f)).filter((s): s is string => s !== undefined);
  return { action: action.value, fields };
}

/** All signature fields, in /Fields order, depth-first. Loops and absurd depth are malformed input. */
export function listSignatureFields(pdf: PDF): SignatureFieldInfo[] {
  const acro = resolveDict(pdf, pdf.getCatalog().get('AcroForm'));
  if (!acro) return [];
  const out: SignatureFieldInfo[] = [];
  const seen = new Set<string>();
  const walk = (node: PdfObject | undefined, parentName: string, inheritedFt: string | undefined, depth: number): void => {
    if (depth > 32) throw new KysoError('malformed', 'the form field tree is deeper than 32 levels');
    const ref = node instanceof PdfRef ? node : null;
    if (ref) {
      const key = `${ref.objectNumber} ${ref.generation}`;
      if (seen.has(key)) return; // a loop or a shared node: visit each field once
      seen.add(key);
    }
    const dict = resolveDict(pdf, node);
    if (!dict) return;
    const partial = text(pdf, dict.get('T'));
    const name = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
    const ftObj = resolve(pdf, dict.get('FT'));
    const ft = ftObj instanceof PdfName ? ftObj.value : inheritedFt;
    const kids = resolveArray(pdf, dict.get('Kids'))?.toArray() ?? [];
    const kidDicts = kids.map((k) => ({ ref: k instanceof PdfRef ? k : null, dict: resolveDict(pdf, k) }));
    const childFields = kidDicts.filter((k) => k.dict && k.dict.has('T'));
    if (childFields.length > 0) {
      for (const k of kids) walk(k, name, ft, depth + 1);
      return;
    }
    if (ft !== 'Sig') return;
    const widgets = dict.has('Subtype') || kidDicts.length === 0
      ? [{ ref, dict }]
      : kidDicts.filter((k): k is { ref: PdfRef | null; dict: PdfDict } => k.dict !== undefined);
    const v = dict.get('V');
    const valueDict = resolveDict(pdf, v);
    out.push({
      name, fieldRef: ref, field: dict, widgets,
      value: valueDict ? { ref: v instanceof PdfRef ? v : null, dict: valueDict } : undefined,
      lock: readLock(pdf, resolveDict(pdf, dict.get('Lock'))),
    });
  };
  for (const f of resolveArray(pdf, acro.get('Fields'))?.toArray() ?? []) walk(f, '', undefined, 0);
  return out;
}

/** The ByteRange of a signature dictionary as four non-negative integers, or undefined. */
export function byteRangeOf(pdf: PDF, sig: PdfDict): [number, number, number, number] | undefined {
  const arr = resolveArray(pdf, sig.get('ByteRange'))?.toArray();
  if (!arr || arr.length !== 4) return undefined;
  const nums = arr.map((x) => resolve(pdf, x)).map((x) => (x instanceof PdfNumber ? x.value : NaN));
  if (nums.some((v) => !Number.isInteger(v) || v < 0)) return undefined;
  return nums as [number, number, number, number];
}

/** The DocMDP permission level of a certified document (§12.8.2.2 Table 257), if certified. */
export function docMdpPermission(pdf: PDF): 1 | 2 | 3 | undefined {
  const perms = resolveDict(pdf, pdf.getCatalog().get('Perms'));
  const sig = resolveDict(pdf, perms?.get('DocMDP'));
  if (!sig) return undefined;
  for (const r of resolveArray(pdf, sig.get('Reference'))?.toArray() ?? []) {
    const ref = resolveDict(pdf, r);
    const method = resolve(pdf, ref?.get('TransformMethod'));
    if (method instanceof PdfName && method.value === 'DocMDP') {
      const p = resolve(pdf, resolveDict(pdf, ref?.get('TransformParams'))?.get('P'));
      const v = p instanceof PdfNumber ? p.value : 2;
      return v === 1 || v === 3 ? v : 2;
    }
  }
  return 2;
}

/** Whether a FieldMDP lock covers the field `name` (§12.8.2.4 Table 258). */
export function lockCovers(lock: FieldLock, name: string): boolean {
  if (lock.action === 'All') return true;
  return lock.action === 'Include' ? lock.fields.includes(name) : !lock.fields.includes(name);
}

/** The signatures' FieldMDP locks, from their /Reference entries (§12.8.1 Table 255, §12.8.2.4). */
export function fieldMdpLocks(pdf: PDF, sig: PdfDict): FieldLock[] {
  const locks: FieldLock[] = [];
  for (const r of resolveArray(pdf, sig.get('Reference'))?.toArray() ?? []) {
    const ref = resolveDict(pdf, r);
    const method = resolve(pdf, ref?.get('TransformMethod'));
    if (method instanceof PdfName && method.value === 'FieldMDP') {
      const lock = readLock(pdf, resolveDict(pdf, ref?.get('TransformParams')));
      if (lock) locks.push(lock);
    }
  }
  return locks;
}

/**
 * Where a widget is drawn: its page (by /P, else the page whose /Annots lists it) and its /Rect
 * normalised to [x1 y1 x2 y2] (§12.5.2), when the rectangle has a visible size (at least 1 pt).
 */
export function widgetPlacement(pdf: PDF, pages: PageInfo[], widget: { ref: PdfRef | null; dict: PdfDict }): { pageIndex: number; rect: [number, number, number, number] } | undefined {
  const r = resolveArray(pdf, widget.dict.get('Rect'))?.toArray().map((v) => resolve(pdf, v)).map((v) => (v instanceof PdfNumber ? v.value : NaN));
  if (!r || r.length !== 4 || r.some((v) => !Number.isFinite(v))) return undefined;
  const rect: [number, number, number, number] = [Math.min(r[0]!, r[2]!), Math.min(r[1]!, r[3]!), Math.max(r[0]!, r[2]!), Math.max(r[1]!, r[3]!)];
  if (rect[2] - rect[0] < 1 || rect[3] - rect[1] < 1) return undefined;
  const pageRef = widget.dict.getRef('P');
  let pageIndex = pageRef ? pages.findIndex((pg) => pg.ref?.objectNumber === pageRef.objectNumber) : -1;
  if (pageIndex < 0 && widget.ref) {
    pageIndex = pages.findIndex((pg) => (resolveArray(pdf, pg.dict.get('Annots'))?.toArray() ?? []).some((a) => a instanceof PdfRef && a.objectNumber === widget.ref!.objectNumber));
  }
  return pageIndex < 0 ? undefined : { pageIndex, rect };
}
