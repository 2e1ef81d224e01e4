/**
 * Decree 30/2020/NĐ-CP signature appearances (Appendix I; see shared/domain/DOMAIN.md §3–4):
 *
 * - `official`: the leader's handwritten-signature image (blue, transparent PNG) between the
 *   position line and the typed name — just above the anchor text (the name) when given;
 * - `agency`: the agency's red seal at exactly its registered size in millimetres
 *   (pt = mm × 72 / 25.4), after trimming the PNG's transparent margins so the ring, not the canvas,
 *   has that size; its right edge one third across the leader's signature image and vertically
 *   centred on it; an info line below with the agency name, the document number and date, and the
 *   signing time in ISO 8601 with +07:00;
 * - `attachment`: a separate attachment, top right of page 1, no image: the main document's number
 *   and symbol and the signing time, Times-metric serif 10 pt black;
 * - `copy`: an electronic copy (SAO Y / SAO LỤC / TRÍCH SAO), top right of page 1, no image: the
 *   copy form, the copying agency and the signing time.
 *
 * Positions are worked out in "displayed page" coordinates (points from the top-left corner of the
 * page as a reader sees it, after /Rotate) and turned into a widget /Rect by `placeOnPage`.
 */
import { KysoError } from '../errors.ts';
import type { AppearanceContent, AppearanceText } from './appearance.ts';
import { PT_PER_MM, placeOnPage, type PageGeometry, type PdfRect } from './page-geometry.ts';
import { alphaBoundingBox, cropImage, hasTransparency, type DecodedImage } from './png.ts';
import { isoLocalTime } from './pdf-objects.ts';
import type { LayoutContext, VisibleSignature } from './pdf-signature.ts';
import { widgetPlacement } from './signature-fields.ts';

export type Decree30Preset = 'official' | 'agency' | 'attachment' | 'copy';
export type CopyForm = 'SY' | 'SL' | 'TrS';
export const COPY_FORM_LABEL: Record<CopyForm, string> = { SY: 'SAO Y', SL: 'SAO LỤC', TrS: 'TRÍCH SAO' };

export interface Decree30Options {
  preset: Decree30Preset;
  signingTime: Date;
  /** official: the signature image. */
  image?: DecodedImage;
  /** agency: the seal image and its registered diameter (width) in mm. */
  seal?: DecodedImage;
  sealMm?: number;
  /** Place above this text (last page that has it). */
  anchor?: string;
  /** 1-based page and a rectangle in mm from the displayed page's top-left corner. */
  page?: number;
  rectMm?: { x: number; y: number; w: number; h: number };
  docNumber?: string;
  docDate?: string;
  agencyName?: string;
  copyForm?: CopyForm;
  /** UTC offset of the displayed time, minutes (Vietnam: +420). */
  utcOffsetMinutes?: number;
}

interface DisplayRect { x: number; y: number; w: number; h: number }

const MM = PT_PER_MM;
const BLACK: [number, number, number] = [0, 0, 0];

/** Inverse of page-geometry's displayToUser: a user-space rectangle as displayed (points from top-left). */
export function userRectToDisplay(geom: PageGeometry, r: PdfRect): DisplayRect {
  const { llx: cx0, lly: cy0, urx: cx1, ury: cy1 } = geom.cropBox;
  const pt = (ux: number, uy: number): [number, number] => {
    switch (geom.rotate) {
      case 0: return [ux - cx0, cy1 - uy];
      case 90: return [uy - cy0, ux - cx0];
      case 180: return [cx1 - ux, uy - cy0];
      case 270: return [cy1 - uy, cx1 - ux];
    }
  };
  const [ax, ay] = pt(r[0], r[1]);
  const [bx, by] = pt(r[2], r[3]);
  return { x: Math.min(ax, bx), y: Math.min(ay, by), w: Math.abs(bx - ax), h: Math.abs(by - ay) };
}

/** The image with its transparent margins cut away (alpha ≤ 16 counts as transparent). */
export function trimImage(img: DecodedImage, what: string): DecodedImage {
  const box = alphaBoundingBox(img);
  if (!box) throw new KysoError('invalid-argument', `the ${what} image is fully transparent`);
  return cropImage(img, box);
}

/**
 * The widget /Rect of a box in displayed-page points. A rectangle the user gave (`strict`) must fit
 * on the page or it is refused; a computed one (anchor, seal over a signature, defaults) is kept on
 * the page by moving it.
 */
function toRect(geom: PageGeometry, d: DisplayRect, strict = false): PdfRect {
  if (strict) return placeOnPage(geom, { xMm: d.x / MM, yMm: d.y / MM, wMm: d.w / MM, hMm: d.h / MM });
  const x = Math.max(0, Math.min(d.x, geom.displayWidth - d.w));
  const y = Math.max(0, Math.min(d.y, geom.displayHeight - d.h));
  if (d.w > geom.displayWidth || d.h > geom.displayHeight) throw new KysoError('invalid-argument', 'the signature appearance is larger than the page');
  return placeOnPage(geom, { xMm: x / MM, yMm: y / MM, wMm: d.w / MM, hMm: d.h / MM });
}

function textBlock(ctx: LayoutContext, lines: Array<{ text: string; bold?: boolean }>, size: number, pad: number): { w: number; h: number; texts: AppearanceText[] } {
  const lead = size * 1.25;
  const w = Math.max(...lines.map((l) => ctx.fonts.width(l.text, size, l.bold))) + 2 * pad;
  const h = lines.length * lead + 2 * pad;
  const descent = size * 0.22;
  const texts = lines.map((l, i) => ({ text: l.text, bold: l.bold, size, color: BLACK, x: pad, y: h - pad - (i + 1) * lead + descent + (lead - size) / 2 }));
  return { w, h, texts };
}

function explicitPlacement(ctx: LayoutContext, o: Decree30Options, w: number, h: number): { pageIndex: number; box: DisplayRect; userRect?: boolean } | undefined {
  if (o.rectMm) {
    const pageIndex = (o.page ?? ctx.pages.length) - 1;
    ctx.geometry(pageIndex);
    return { pageIndex, box: { x: o.rectMm.x * MM, y: o.rectMm.y * MM, w: o.rectMm.w * MM, h: o.rectMm.h * MM }, userRect: true };
  }
  if (o.anchor) {
    const m = ctx.findAnchor(o.anchor);
    const geom = ctx.geometry(m.pageIndex);
    const a = userRectToDisplay(geom, [m.bbox.x, m.bbox.y, m.bbox.x + m.bbox.width, m.bbox.y + m.bbox.height]);
    // Just above the typed name, centred on it.
    return { pageIndex: m.pageIndex, box: { x: a.x + a.w / 2 - w / 2, y: a.y - 1 * MM - h, w, h } };
  }
  if (o.page !== undefined) {
    const geom = ctx.geometry(o.page - 1);
    return { pageIndex: o.page - 1, box: { x: geom.displayWidth - 20 * MM - w, y: geom.displayHeight - 45 * MM - h, w, h } };
  }
  return undefined;
}

/** The leader's signature: the trimmed image, 45 mm wide (at most 22 mm tall) unless a rectangle is given. */
function official(ctx: LayoutContext, o: Decree30Options): VisibleSignature {
  if (!o.image) throw new KysoError('invalid-argument', 'the official preset needs a signature image (--image SIG.png)');
  const img = trimImage(o.image, 'signature');
  const aspect = img.height / img.width;
  let w = 45 * MM, h = w * aspect;
  if (h > 22 * MM) { h = 22 * MM; w = h / aspect; }
  const placed: { pageIndex: number; box: DisplayRect; userRect?: boolean } = explicitPlacement(ctx, o, w, h) ?? (() => {
    const pageIndex = ctx.pages.length - 1;
    const geom = ctx.geometry(pageIndex);
    return { pageIndex, box: { x: geom.displayWidth - 20 * MM - w, y: geom.displayHeight - 45 * MM - h, w, h } };
  })();
  const geom = ctx.geometry(placed.pageIndex);
  const rect = toRect(geom, placed.box, placed.userRect);
  // Fit the image into the box, keeping its aspect ratio, centred.
  const bw = placed.box.w, bh = placed.box.h;
  const s = Math.min(bw / img.width, bh / img.height);
  const iw = img.width * s, ih = img.height * s;
  const content: AppearanceContent = { width: bw, height: bh, texts: [], images: [{ image: img, x: (bw - iw) / 2, y: (bh - ih) / 2, width: iw, height: ih }] };
  return { pageIndex: placed.pageIndex, rect, content };
}

/** The widget of the latest visible signature: the leader's, which the seal overlaps. */
function latestSignatureWidget(ctx: LayoutContext): { pageIndex: number; box: DisplayRect } | undefined {
  for (const f of [...ctx.signatureFields].reverse()) {
    if (!f.value) continue;
    for (const w of f.widgets) {
      const placed = widgetPlacement(ctx.pdf, ctx.pages, w);
      if (placed) return { pageIndex: placed.pageIndex, box: userRectToDisplay(ctx.geometry(placed.pageIndex), placed.rect) };
    }
  }
  return undefined;
}

function agency(ctx: LayoutContext, o: Decree30Options): VisibleSignature {
  if (!o.seal) throw new KysoError('invalid-argument', 'the agency preset needs the seal image (--seal SEAL.png)');
  if (!o.sealMm || !Number.isFinite(o.sealMm) || o.sealMm < 10 || o.sealMm > 80) throw new KysoError('invalid-argument', 'the agency preset needs the registered seal diameter in mm (--seal-mm, 10–80)');
  if (!o.agencyName) throw new KysoError('invalid-argument', 'the agency preset needs the agency name (--agency-name)');
  if (!hasTransparency(o.seal)) throw new KysoError('invalid-argument', 'the seal PNG has no transparency: it would hide the signature and the text under it');
  const seal = trimImage(o.seal, 'seal');
  const sw = o.sealMm * MM;
  const sh = sw * (seal.height / seal.width);
  const time = isoLocalTime(o.signingTime, o.utcOffsetMinutes ?? 420);
  const lines: Array<{ text: string; bold?: boolean }> = [{ text: o.agencyName, bold: true }];
  if (o.docNumber) lines.push({ text: `Số: ${o.docNumber}${o.docDate ? `, ngày ${o.docDate}` : ''}` });
  lines.push({ text: `Thời gian ký: ${time}` });
  const info = textBlock(ctx, lines, 6.5, 1);
  const w = Math.max(sw, info.w);
  const h = sh + info.h;

  let pageIndex: number;
  let sealBox: DisplayRect;
  let strict = false;
  const explicit = explicitPlacement(ctx, o, sw, sh);
  const leader = explicit ? undefined : latestSignatureWidget(ctx);
  if (explicit) {
    pageIndex = explicit.pageIndex;
    sealBox = { x: explicit.box.x, y: explicit.box.y, w: sw, h: sh };
    strict = explicit.userRect === true;
  } else if (leader) {
    pageIndex = leader.pageIndex;
    const b = leader.box;
    sealBox = { x: b.x + b.w / 3 - sw, y: b.y + b.h / 2 - sh / 2, w: sw, h: sh };
  } else {
    throw new KysoError('invalid-argument', 'the agency seal goes over the leader\'s signature, and the document has no visible signature: sign with the official preset first, or give --anchor or --page/--rect');
  }
  const geom = ctx.geometry(pageIndex);
  const box: DisplayRect = { x: sealBox.x, y: sealBox.y, w, h };
  const rect = toRect(geom, box, strict);
  const content: AppearanceContent = {
    width: w, height: h,
    images: [{ image: seal, x: 0, y: info.h, width: sw, height: sh }],
    texts: info.texts,
  };
  return { pageIndex, rect, content };
}

function topRightText(ctx: LayoutContext, o: Decree30Options, lines: Array<{ text: string; bold?: boolean }>): VisibleSignature {
  const block = textBlock(ctx, lines, 10, 2);
  const pageIndex = (o.page ?? 1) - 1;
  const geom = ctx.geometry(pageIndex);
  const box = o.rectMm
    ? { x: o.rectMm.x * MM, y: o.rectMm.y * MM, w: block.w, h: block.h }
    : { x: geom.displayWidth - 15 * MM - block.w, y: 10 * MM, w: block.w, h: block.h };
  return { pageIndex, rect: toRect(geom, box, o.rectMm !== undefined), content: { width: block.w, height: block.h, images: [], texts: block.texts } };
}

function attachment(ctx: LayoutContext, o: Decree30Options): VisibleSignature {
  if (!o.docNumber) throw new KysoError('invalid-argument', 'the attachment preset needs the main document\'s number and symbol (--doc-number)');
  const lines = [{ text: `Kèm theo văn bản số ${o.docNumber}${o.docDate ? ` ngày ${o.docDate}` : ''}` }];
  if (o.agencyName) lines.push({ text: o.agencyName });
  lines.push({ text: isoLocalTime(o.signingTime, o.utcOffsetMinutes ?? 420) });
  return topRightText(ctx, o, lines);
}

function copy(ctx: LayoutContext, o: Decree30Options): VisibleSignature {
  if (!o.copyForm) throw new KysoError('invalid-argument', 'the copy preset needs the copy form (--copy-form SY|SL|TrS)');
  if (!o.agencyName) throw new KysoError('invalid-argument', 'the copy preset needs the copying agency (--agency-name)');
  return topRightText(ctx, o, [
    { text: COPY_FORM_LABEL[o.copyForm], bold: true },
    { text: o.agencyName },
    { text: isoLocalTime(o.signingTime, o.utcOffsetMinutes ?? 420) },
  ]);
}

/** The layout function for `preparePdfSignature` of a Decree 30 preset. */
export function decree30Layout(o: Decree30Options): (ctx: LayoutContext) => VisibleSignature {
  return (ctx) => {
    switch (o.preset) {
      case 'official': return official(ctx, o);
      case 'agency': return agency(ctx, o);
      case 'attachment': return attachment(ctx, o);
      case 'copy': return copy(ctx, o);
    }
  };
}

/** A plain visible signature at a chosen place with an optional image (no preset). */
export function rectLayout(o: { page: number; rectMm: { x: number; y: number; w: number; h: number }; image?: DecodedImage }): (ctx: LayoutContext) => VisibleSignature {
  return (ctx) => {
    const geom = ctx.geometry(o.page - 1);
    const box = { x: o.rectMm.x * MM, y: o.rectMm.y * MM, w: o.rectMm.w * MM, h: o.rectMm.h * MM };
    const rect = toRect(geom, box, true);
    const images = o.image ? [{ image: trimImage(o.image, 'signature'), x: 0, y: 0, width: box.w, height: box.h }] : [];
    return { pageIndex: o.page - 1, rect, content: { width: box.w, height: box.h, images, texts: [] } };
  };
}
