/**
 * The page tree (ISO 32000-2 §7.7.3), walked by kyso itself from the catalog's /Pages along /Kids.
 *
 * libpdf's own page list is not used: it silently skips a loop (it reported one page for a tree
 * that qpdf rejects as circular), drops direct page objects in /Kids and nodes without /Type, and its
 * box and /Rotate getters ignore inheritance. Here a loop, a non-dictionary node or an empty tree is
 * an error, and the inheritable attributes (§7.7.3.4) are taken from the /Pages nodes the walk came
 * through, never from a page's /Parent entry (which a damaged or hostile file may point anywhere).
 */
import { PdfArray, PdfDict, PdfNull, PdfRef, type PDF, type PdfObject } from '@libpdf/core';
import { KysoError } from '../errors.ts';

/** Deepest nesting of /Pages nodes accepted; real producers use a handful of levels. */
export const MAX_PAGE_TREE_DEPTH = 64;

/** The inheritable page attributes of ISO 32000-2 §7.7.3.4, Table 30. */
export const INHERITABLE_PAGE_KEYS = ['MediaBox', 'CropBox', 'Rotate', 'Resources'] as const;
export type InheritableKey = (typeof INHERITABLE_PAGE_KEYS)[number];

/**
 * One leaf of the page tree (§7.7.3.3), in document order.
 *
 * `inherited` holds the effective value of each inheritable attribute (§7.7.3.4): the page's own
 * entry when it has one, otherwise that of the nearest /Pages ancestor on the path the walk took.
 * Values are resolved (never a `PdfRef`) but not type-checked; an entry whose value is `null` or a
 * dangling reference counts as absent (§7.3.9). Page geometry checks the box and /Rotate values.
 */
export interface PageInfo {
  /** 0-based position in document order. */
  index: number;
  /** The page object's reference, or `null` for a page written directly inside a /Kids array. */
  ref: PdfRef | null;
  /** The page dictionary itself. */
  dict: PdfDict;
  inherited: Partial<Record<InheritableKey, PdfObject>>;
  /**
   * The indirect object to write again when the page dictionary changes: the page itself, or — for
   * a direct page — the nearest indirect object that contains it (its /Pages node or /Kids array).
   */
  holder: { ref: PdfRef; obj: PdfObject } | null;
}

const refKey = (ref: PdfRef): string => `${ref.objectNumber} ${ref.generation} R`;

function resolve(pdf: PDF, value: PdfObject | undefined): PdfObject | undefined {
  const v = value instanceof PdfRef ? pdf.getObject(value) ?? undefined : value;
  return v instanceof PdfNull ? undefined : v;
}

/**
 * Lists the pages of the document by walking the page tree from the catalog's /Pages entry
 * (ISO 32000-2 §7.7.2, §7.7.3).
 *
 * A node with a /Kids array is an intermediate /Pages node, anything else a page (§7.7.3.2, §7.7.3.3;
 * /Type is not required to decide, as some producers omit it). /Count is not trusted.
 *
 * @throws KysoError('malformed') when /Pages is missing, a node is not a dictionary, an object is
 * reached twice (a loop, or a node shared by two parents), the tree is deeper than
 * {@link MAX_PAGE_TREE_DEPTH}, or it holds no page at all.
 */
export function listPages(pdf: PDF): PageInfo[] {
  const catalog = pdf.getCatalog();
  const rootValue = catalog.get('Pages');
  if (rootValue === undefined) throw new KysoError('malformed', 'PDF catalog has no /Pages entry, so the document has no pages');
  const root = resolve(pdf, rootValue);
  if (!(root instanceof PdfDict)) throw new KysoError('malformed', 'PDF catalog /Pages entry is not a dictionary');

  const pages: PageInfo[] = [];
  const visited = new Set<string>();
  const onPath = new Set<string>();
  // Attribute values from the /Pages nodes above the current one, nearest last.
  const ancestors: Array<Partial<Record<InheritableKey, PdfObject>>> = [];

  const ownAttributes = (node: PdfDict): Partial<Record<InheritableKey, PdfObject>> => {
    const own: Partial<Record<InheritableKey, PdfObject>> = {};
    for (const key of INHERITABLE_PAGE_KEYS) {
      const v = resolve(pdf, node.get(key));
      if (v !== undefined) own[key] = v;
    }
    return own;
  };

  const visit = (value: PdfObject | undefined, depth: number, where: string, holder: PageInfo['holder']): void => {
    const ref = value instanceof PdfRef ? value : null;
    if (ref) {
      const key = refKey(ref);
      if (onPath.has(key)) {
        throw new KysoError('malformed', `page tree contains a loop: ${where} points back to its ancestor ${key}`);
      }
      if (visited.has(key)) {
        throw new KysoError('malformed', `page tree contains a loop: ${key} is reached twice (${where})`);
      }
      visited.add(key);
    }
    const node = resolve(pdf, value);
    if (!(node instanceof PdfDict)) {
      throw new KysoError('malformed', `page tree node ${ref ? refKey(ref) : where} is not a dictionary`);
    }

    const kids = resolve(pdf, node.get('Kids'));
    if (kids === undefined) {
      const own = ownAttributes(node);
      const inherited: Partial<Record<InheritableKey, PdfObject>> = {};
      for (const key of INHERITABLE_PAGE_KEYS) {
        let v = own[key];
        for (let i = ancestors.length - 1; v === undefined && i >= 0; i--) v = ancestors[i]![key];
        if (v !== undefined) inherited[key] = v;
      }
      pages.push({ index: pages.length, ref, dict: node, inherited, holder: ref ? { ref, obj: node } : holder });
      return;
    }

    if (!(kids instanceof PdfArray)) {
      throw new KysoError('malformed', `page tree node ${ref ? refKey(ref) : where} has a /Kids entry that is not an array`);
    }
    if (depth >= MAX_PAGE_TREE_DEPTH) {
      throw new KysoError('malformed', `page tree is nested deeper than ${MAX_PAGE_TREE_DEPTH} levels`);
    }
    const self = ref ? refKey(ref) : where;
    if (ref) onPath.add(refKey(ref));
    ancestors.push(ownAttributes(node));
    const kidsValue = node.get('Kids');
    const kidsHolder: PageInfo['holder'] = kidsValue instanceof PdfRef ? { ref: kidsValue, obj: kids } : ref ? { ref, obj: node } : holder;
    for (let i = 0; i < kids.length; i++) visit(kids.at(i), depth + 1, `/Kids[${i}] of ${self}`, kidsHolder);
    ancestors.pop();
    if (ref) onPath.delete(refKey(ref));
  };

  const catalogRef = pdf.context.info.trailer.getRef('Root');
  visit(rootValue, 0, 'catalog /Pages', catalogRef ? { ref: catalogRef, obj: catalog } : null);
  if (pages.length === 0) throw new KysoError('malformed', 'PDF page tree contains no pages');
  return pages;
}
