/**
 * Page geometry for placing a visible signature: the effective page boundaries (ISO 32000-2 §14.11.2),
 * the page rotation (§7.7.3.3, Table 31 /Rotate), the mapping from "millimetres from the top-left
 * corner of the page as the reader sees it" to default user space (§8.3.2.3), and the form matrix
 * that keeps a widget appearance upright on a rotated page (§12.5.5, §8.10.1).
 *
 * libpdf's own `getBox()` cannot be used: it returns the upper-right corner as width/height and ignores
 * inheritance of MediaBox, CropBox and /Rotate (see docs/research/libpdf-core-0.4.2.md §5d).
 */
import { PdfArray, PdfNumber, PdfRef, type PDF, type PdfObject } from '@libpdf/core';
import { KysoError } from '../errors.ts';
import type { PageInfo } from './page-tree.ts';

/** A normalised rectangle in default user space (points): lower-left and upper-right corners. */
export interface Box {
  llx: number;
  lly: number;
  urx: number;
  ury: number;
  width: number;
  height: number;
}

export type PageRotation = 0 | 90 | 180 | 270;

export interface PageGeometry {
  /** The effective MediaBox (§14.11.2): inherited, normalised, US Letter only when absent everywhere. */
  mediaBox: Box;
  /** The effective CropBox: inherited, defaulting to and clipped to the MediaBox (§14.11.2). */
  cropBox: Box;
  /** Clockwise rotation of the page when displayed (§7.7.3.3, Table 31), normalised into 0..270. */
  rotate: PageRotation;
  /** Width of the page as displayed: the CropBox after /Rotate (points). */
  displayWidth: number;
  /** Height of the page as displayed (points). */
  displayHeight: number;
  /** Repairs a reader makes silently, e.g. a missing MediaBox replaced by US Letter. */
  notes: string[];
}

/** A rectangle in millimetres measured from the top-left corner of the displayed page. */
export interface RectFromTopLeftMm {
  xMm: number;
  yMm: number;
  wMm: number;
  hMm: number;
}

/** `[x1 y1 x2 y2]` in default user space, x1 < x2 and y1 < y2: the form of an annotation /Rect (§12.5.2). */
export type PdfRect = [number, number, number, number];

/** A transformation matrix `[a b c d e f]` (§8.3.3). */
export type PdfMatrix = [number, number, number, number, number, number];

/** Default user-space unit is 1/72 inch (§8.3.2.3); 1 inch = 25.4 mm. */
export const PT_PER_MM = 72 / 25.4;

/** US Letter, what PDF readers (poppler, pdf.js, Acrobat) assume for a page without any MediaBox. */
export const LETTER_MEDIABOX: Box = Object.freeze({ llx: 0, lly: 0, urx: 612, ury: 792, width: 612, height: 792 });

function numberValue(pdf: PDF, obj: PdfObject | undefined): number | undefined {
  const v = obj instanceof PdfRef ? pdf.getObject(obj) : obj;
  return v instanceof PdfNumber && Number.isFinite(v.value) ? v.value : undefined;
}

function makeBox(x1: number, y1: number, x2: number, y2: number): Box {
  const llx = Math.min(x1, x2), lly = Math.min(y1, y2), urx = Math.max(x1, x2), ury = Math.max(y1, y2);
  return { llx, lly, urx, ury, width: urx - llx, height: ury - lly };
}

/**
 * Reads a rectangle `[x1 y1 x2 y2]` (§7.9.5): any two diagonally opposite corners in any order,
 * elements may be indirect numbers. Returns null when the value is not such an array.
 */
export function readRectangle(pdf: PDF, value: PdfObject | undefined): Box | null {
  const arr = value instanceof PdfRef ? pdf.getObject(value) : value;
  if (!(arr instanceof PdfArray) || arr.length !== 4) return null;
  const n = [0, 1, 2, 3].map((i) => numberValue(pdf, arr.at(i)));
  if (n.some((x) => x === undefined)) return null;
  const [x1, y1, x2, y2] = n as [number, number, number, number];
  return makeBox(x1, y1, x2, y2);
}

function intersect(a: Box, b: Box): Box | null {
  const llx = Math.max(a.llx, b.llx), lly = Math.max(a.lly, b.lly);
  const urx = Math.min(a.urx, b.urx), ury = Math.min(a.ury, b.ury);
  return urx > llx && ury > lly ? makeBox(llx, lly, urx, ury) : null;
}

/**
 * Normalises a /Rotate value (§7.7.3.3: "shall be a multiple of 90", default 0) into 0, 90, 180 or 270,
 * e.g. -90 → 270 and 450 → 90.
 *
 * @throws KysoError('malformed') for a non-number or a value that is not a multiple of 90.
 */
export function normaliseRotation(value: number | undefined): PageRotation {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value % 90 !== 0) {
    throw new KysoError('malformed', `page /Rotate is ${value}, but it must be a multiple of 90`);
  }
  return ((((value % 360) + 360) % 360) as PageRotation);
}

/**
 * The effective geometry of one page (ISO 32000-2 §14.11.2, §7.7.3.3), from the inheritable values
 * `listPages` collected.
 *
 * - MediaBox: required (§7.7.3.3); when absent on the page and on every ancestor, US Letter
 *   [0 0 612 792] is assumed as readers do, and a note says so. Present but not a rectangle, or of
 *   zero area → malformed.
 * - CropBox: defaults to the MediaBox and is intersected with it (§14.11.2.1: "the crop box shall
 *   be clipped to the media box"). A CropBox that is not a rectangle or lies wholly outside the
 *   MediaBox is ignored with a note (poppler and pdf.js do the same).
 * - /Rotate: normalised by {@link normaliseRotation}.
 * - Displayed size: the CropBox, with width and height exchanged for 90 and 270.
 */
export function pageGeometry(page: PageInfo, pdf: PDF): PageGeometry {
  const notes: string[] = [];
  const where = `page ${page.index + 1}`;

  let mediaBox: Box;
  const rawMedia = page.inherited.MediaBox;
  if (rawMedia === undefined) {
    mediaBox = { ...LETTER_MEDIABOX };
    notes.push(`${where} has no MediaBox, on the page or inherited; US Letter [0 0 612 792] assumed`);
  } else {
    const box = readRectangle(pdf, rawMedia);
    if (!box) throw new KysoError('malformed', `${where} MediaBox is not an array of four numbers`);
    if (box.width <= 0 || box.height <= 0) throw new KysoError('malformed', `${where} MediaBox has zero area`);
    mediaBox = box;
  }

  let cropBox = mediaBox;
  const rawCrop = page.inherited.CropBox;
  if (rawCrop !== undefined) {
    const box = readRectangle(pdf, rawCrop);
    const clipped = box ? intersect(box, mediaBox) : null;
    if (!box) notes.push(`${where} CropBox is not an array of four numbers; the MediaBox is used instead`);
    else if (!clipped) notes.push(`${where} CropBox lies outside the MediaBox; the MediaBox is used instead`);
    else cropBox = clipped;
  }

  const rawRotate = page.inherited.Rotate;
  let rotateValue: number | undefined;
  if (rawRotate !== undefined) {
    rotateValue = numberValue(pdf, rawRotate);
    if (rotateValue === undefined) throw new KysoError('malformed', `${where} /Rotate is not a number`);
  }
  let rotate: PageRotation;
  try {
    rotate = normaliseRotation(rotateValue);
  } catch (e) {
    throw new KysoError('malformed', `${where} /Rotate is ${rotateValue}, but it must be a multiple of 90`, { cause: e });
  }

  const quarter = rotate === 90 || rotate === 270;
  return {
    mediaBox,
    cropBox,
    rotate,
    displayWidth: quarter ? cropBox.height : cropBox.width,
    displayHeight: quarter ? cropBox.width : cropBox.height,
    notes,
  };
}

/**
 * Maps a point given in displayed-page coordinates (points, origin at the top-left corner of the
 * visible page, X to the right, Y downwards) to default user space (§8.3.2.3, y up).
 *
 * The viewer shows the CropBox `[cx0 cy0 cx1 cy1]` turned clockwise by /Rotate (§7.7.3.3), so:
 *
 * | /Rotate | displayed top-left is user corner | user x      | user y      |
 * |---------|-----------------------------------|-------------|-------------|
 * | 0       | (cx0, cy1)                        | cx0 + X     | cy1 − Y     |
 * | 90      | (cx0, cy0)                        | cx0 + Y     | cy0 + X     |
 * | 180     | (cx1, cy0)                        | cx1 − X     | cy0 + Y     |
 * | 270     | (cx1, cy1)                        | cx1 − Y     | cy1 − X     |
 *
 * (At 90° clockwise the left edge of the page becomes its top edge: moving right on screen climbs
 * the left edge, moving down on screen moves away from it.)
 */
export function displayToUser(geom: PageGeometry, X: number, Y: number): [number, number] {
  const { llx: cx0, lly: cy0, urx: cx1, ury: cy1 } = geom.cropBox;
  switch (geom.rotate) {
    case 0: return [cx0 + X, cy1 - Y];
    case 90: return [cx0 + Y, cy0 + X];
    case 180: return [cx1 - X, cy0 + Y];
    case 270: return [cx1 - Y, cy1 - X];
  }
}

/**
 * The widget annotation /Rect (§12.5.2, default user space, points) for a rectangle given in
 * millimetres from the top-left corner of the page as displayed, i.e. after /Rotate and relative
 * to the CropBox (what a user sees and measures in a viewer).
 *
 * With pt = mm × 72 / 25.4, the displayed rectangle spans X ∈ [x, x + w], Y ∈ [y, y + h]; both
 * opposite corners are mapped by {@link displayToUser} and re-ordered into `[x1 y1 x2 y2]` with
 * x1 < x2, y1 < y2. For /Rotate 90 or 270 the user-space /Rect is therefore h wide and w tall.
 *
 * @throws KysoError('invalid-argument') for non-finite or negative values, an empty rectangle, or
 * one that does not fit on the displayed page.
 */
export function placeOnPage(geom: PageGeometry, rect: RectFromTopLeftMm): PdfRect {
  const { xMm, yMm, wMm, hMm } = rect;
  if (![xMm, yMm, wMm, hMm].every(Number.isFinite)) {
    throw new KysoError('invalid-argument', 'signature rectangle values must be finite numbers of millimetres');
  }
  if (xMm < 0 || yMm < 0 || wMm <= 0 || hMm <= 0) {
    throw new KysoError('invalid-argument', 'signature rectangle needs x, y ≥ 0 and a positive width and height (mm)');
  }
  const x = xMm * PT_PER_MM, y = yMm * PT_PER_MM, w = wMm * PT_PER_MM, h = hMm * PT_PER_MM;
  const eps = 1e-6;
  if (x + w > geom.displayWidth + eps || y + h > geom.displayHeight + eps) {
    const mm = (pt: number) => (pt / PT_PER_MM).toFixed(1);
    throw new KysoError('invalid-argument',
      `signature rectangle (${xMm}, ${yMm}, ${wMm} × ${hMm} mm) does not fit on the page, which is ${mm(geom.displayWidth)} × ${mm(geom.displayHeight)} mm as displayed`);
  }
  const [ax, ay] = displayToUser(geom, x, y);
  const [bx, by] = displayToUser(geom, x + w, y + h);
  return [Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by)];
}

/**
 * The /Matrix of a widget's appearance form XObject (§8.10.1, Table 95) so that content drawn
 * upright in the form's own space appears upright on a page displayed with /Rotate `rotate`.
 *
 * The viewer turns the whole page `rotate` degrees clockwise; the form is therefore turned the same
 * angle counter-clockwise in user space, R(θ) = [cos θ  sin θ  −sin θ  cos θ  0 0] (§8.3.3):
 * 0 → [1 0 0 1], 90 → [0 1 −1 0], 180 → [−1 0 0 −1], 270 → [0 −1 1 0].
 *
 * Draw the content in a /BBox [0 0 W H] where W × H is the size *as displayed* (for 90/270 that is
 * the /Rect's height × width). §12.5.5 then transforms the BBox by the Matrix, takes the bounding box
 * of the result and maps it onto /Rect with a scale and translation only, so the translation part
 * does not matter to a conforming reader. When `bbox` is given, a translation is added anyway that
 * brings the rotated BBox back to the origin (e.g. 90 → [0 1 −1 0 H 0]), so that readers which
 * skip the §12.5.5 fitting still place it at /Rect.
 */
export function appearanceMatrix(rotate: PageRotation, bbox?: { width: number; height: number }): PdfMatrix {
  const W = bbox?.width ?? 0, H = bbox?.height ?? 0;
  switch (rotate) {
    case 0: return [1, 0, 0, 1, 0, 0];
    case 90: return [0, 1, -1, 0, H, 0];
    case 180: return [-1, 0, 0, -1, W, H];
    case 270: return [0, -1, 1, 0, 0, W];
  }
}
