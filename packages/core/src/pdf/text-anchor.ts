/**
 * Text anchors for visible signatures: find where a given text (typically the signer's typed name
 * under the signature line of a Vietnamese administrative document) is printed, in default user space
 * (ISO 32000-2 §8.3.2.3), so that the signature widget can be placed relative to it.
 *
 * Text comes from libpdf's extraction (content stream text operators, §9.4, mapped to Unicode through
 * /ToUnicode or the font encoding, §9.10). libpdf's own `findText` is not used for the match because
 * it compares code units exactly: an NFC query does not find text a producer wrote in NFD (separate
 * combining marks, common for Vietnamese) and vice versa, and "Nguyễn  Văn A" with two spaces is not
 * found by "Nguyễn Văn A". It also searches libpdf's page list, which drops direct page objects.
 */
import { PDFPage, PdfDict, PdfRef, type PDF } from '@libpdf/core';
import { KysoError } from '../errors.ts';
import type { PageInfo } from './page-tree.ts';

/** A rectangle in default user space (points, y up): lower-left corner, width and height. */
export interface UserSpaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface AnchorMatch {
  /** Index of the page in document order (`PageInfo.index`). */
  pageIndex: number;
  /** Union of the glyph boxes of the matched text, in the page's default user space. */
  bbox: UserSpaceBox;
}

type PageText = ReturnType<PDFPage['extractText']>;
type ExtractedChar = PageText['lines'][number]['spans'][number]['chars'][number];

/**
 * The form both sides are compared in: Unicode NFC (so "ễ" as U+1EC5 equals e + U+0302 + U+0303),
 * every run of white space as one space, no leading or trailing space.
 */
export function normaliseSearchText(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

const STARTS_WITH_MARK = /^\p{M}/u;
const ALL_SPACE = /^\s+$/u;

/** One line as searchable text, with the extracted characters behind each code unit. */
interface SearchLine {
  text: string;
  /** For each code unit of `text`, the characters it came from (empty for a collapsed space). */
  sources: ExtractedChar[][];
}

/**
 * Builds the NFC, space-collapsed text of one extracted line. A character whose text starts with a
 * combining mark joins the cluster before it, so that composition (NFC) happens across the separate
 * glyphs a producer may have used for base letter and marks; each cluster keeps its glyph boxes.
 */
function searchLine(chars: ExtractedChar[]): SearchLine {
  const clusters: Array<{ text: string; chars: ExtractedChar[] }> = [];
  for (const c of chars) {
    const last = clusters[clusters.length - 1];
    if (last && STARTS_WITH_MARK.test(c.char) && !ALL_SPACE.test(last.text)) {
      last.text += c.char;
      last.chars.push(c);
    } else {
      clusters.push({ text: c.char, chars: [c] });
    }
  }
  let text = '';
  const sources: ExtractedChar[][] = [];
  for (const cl of clusters) {
    if (cl.text.length === 0) continue;
    if (ALL_SPACE.test(cl.text)) {
      if (text.length > 0 && !text.endsWith(' ')) { text += ' '; sources.push([]); }
      continue;
    }
    const nfc = cl.text.normalize('NFC');
    for (let i = 0; i < nfc.length; i++) sources.push(cl.chars);
    text += nfc;
  }
  return { text, sources };
}

/**
 * Extracted text of one page from `listPages`. libpdf's PDFPage is built over a copy of the page
 * dictionary that carries the /Resources inherited along the page-tree path and no /Parent, because
 * libpdf otherwise looks fonts up by climbing /Parent without a loop check.
 */
function extractPageText(pdf: PDF, page: PageInfo): PageText {
  const dict = page.dict.clone();
  dict.delete('Parent');
  const resources = page.inherited.Resources;
  if (resources instanceof PdfDict) dict.set('Resources', resources);
  else dict.delete('Resources');
  // A direct page object has no reference; extraction never uses it, so a free-entry ref stands in.
  const view = new PDFPage(page.ref ?? PdfRef.of(0, 65535), dict, page.index, pdf.context);
  try {
    return view.extractText();
  } catch (e) {
    throw new KysoError('malformed', `the text of page ${page.index + 1} cannot be read, so the anchor cannot be searched: ${(e as Error).message}`, { cause: e });
  }
}

function unionBox(chars: ExtractedChar[]): UserSpaceBox {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const { bbox: b } of chars) {
    x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.width); y1 = Math.max(y1, b.y + b.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Finds the anchor text, searching from the LAST page backwards and returning the last occurrence
 * on the last page that has it: in an administrative document the signer's typed name under the
 * signature comes after any earlier mention of the same name (in the body or a recipient list).
 *
 * Comparison is after {@link normaliseSearchText} on both sides and case-sensitive; a match never
 * spans two lines. Within a page, "last" is in reading order as libpdf groups it: lines from top to
 * bottom of the page (by baseline), left to right within a line. The box is in default user space,
 * the space of a widget /Rect, so it is unaffected by /Rotate and the CropBox.
 *
 * Only text shown directly by the page's content streams is seen (libpdf does not descend into form
 * XObjects, and text in images needs OCR).
 *
 * @throws KysoError('invalid-argument') for an empty text; KysoError('not-found') when no page has
 * it; KysoError('malformed') when a page's text cannot be extracted before the anchor is found.
 */
export function findAnchor(pdf: PDF, pages: PageInfo[], text: string): AnchorMatch {
  const query = normaliseSearchText(text);
  if (query.length === 0) throw new KysoError('invalid-argument', 'anchor text is empty');

  for (let p = pages.length - 1; p >= 0; p--) {
    const page = pages[p]!;
    const lines = extractPageText(pdf, page).lines;
    for (let l = lines.length - 1; l >= 0; l--) {
      const line = searchLine(lines[l]!.spans.flatMap((s) => s.chars));
      const at = line.text.lastIndexOf(query);
      if (at < 0) continue;
      const chars = new Set<ExtractedChar>();
      for (let i = at; i < at + query.length; i++) for (const c of line.sources[i]!) chars.add(c);
      return { pageIndex: page.index, bbox: unionBox([...chars]) };
    }
  }
  throw new KysoError('not-found', `anchor text "${text}" not found in the document`);
}
