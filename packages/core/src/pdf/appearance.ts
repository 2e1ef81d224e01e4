/**
 * The visible part of a signature: the widget's normal appearance, a form XObject
 * (ISO 32000-2 §12.5.5 appearance streams, §8.10 form XObjects) holding images (§8.9.5, with a soft
 * mask for transparency, §11.6.5.2) and text in an embedded, subsetted TrueType font (§9.7 Type0 /
 * CIDFontType2, Identity-H). Everything is drawn inside the appearance only: page content streams are
 * never touched, so earlier signatures' pages render exactly as signed.
 *
 * Text is normalised to NFC (Vietnamese has a precomposed form for every letter; NFD marks would be
 * placed as separate glyphs without positioning) and every character must exist in the font —
 * a missing glyph is an error, never a silent .notdef.
 */
import { PdfArray, PdfDict, PdfName, PdfNumber, PdfStream, type EmbeddedFont, type PDF, type PdfRef } from '@libpdf/core';
import { KysoError } from '../errors.ts';
import type { IncrementalUpdate } from './incremental-update.ts';
import type { DecodedImage } from './png.ts';
import { flate } from './pdf-objects.ts';

export interface AppearanceImage { image: DecodedImage; x: number; y: number; width: number; height: number }
export interface AppearanceText {
  text: string; x: number; y: number; size: number; bold?: boolean;
  /** DeviceRGB 0..1; black by default. */
  color?: [number, number, number];
}
/** Content in the appearance's own upright space: (0,0) bottom-left, width × height points. */
export interface AppearanceContent { width: number; height: number; images: AppearanceImage[]; texts: AppearanceText[] }
export interface AppearanceFonts { regular: Uint8Array; bold?: Uint8Array }

/** The fonts of one signing, embedded once per loaded document (libpdf finalises fonts once). */
export class AppearanceFontSet {
  private readonly pdf: PDF;
  private readonly files: AppearanceFonts;
  private regularFont?: EmbeddedFont;
  private boldFont?: EmbeddedFont;
  constructor(pdf: PDF, files: AppearanceFonts) { this.pdf = pdf; this.files = files; }

  font(bold = false): EmbeddedFont {
    if (bold && this.files.bold) return (this.boldFont ??= this.pdf.embedFont(this.files.bold));
    return (this.regularFont ??= this.pdf.embedFont(this.files.regular));
  }

  /** Width of `text` at `size` points, after NFC normalisation. */
  width(text: string, size: number, bold = false): number {
    return this.font(bold).widthOfTextAtSize(text.normalize('NFC'), size);
  }

  get used(): boolean { return this.regularFont !== undefined || this.boldFont !== undefined; }
}

const n = (v: number): string => (Math.round(v * 1000) / 1000).toString();

function imageXObject(update: IncrementalUpdate, img: DecodedImage): PdfRef {
  const dict: Record<string, PdfNumber | PdfName> = {
    Type: PdfName.of('XObject'), Subtype: PdfName.of('Image'),
    Width: PdfNumber.of(img.width), Height: PdfNumber.of(img.height), BitsPerComponent: PdfNumber.of(8),
    Filter: PdfName.of('FlateDecode'),
  };
  const rgb = new PdfStream(Object.entries({ ...dict, ColorSpace: PdfName.of('DeviceRGB') }), flate(img.rgb));
  if (img.alpha) {
    const mask = new PdfStream(Object.entries({ ...dict, ColorSpace: PdfName.of('DeviceGray') }), flate(img.alpha));
    rgb.set('SMask', update.add(mask));
  }
  return update.add(rgb);
}

/**
 * Writes the appearance form XObject and returns its reference. `matrix` maps the upright content
 * onto the page's default user space for a rotated page (identity for /Rotate 0).
 */
export function writeAppearance(update: IncrementalUpdate, fonts: AppearanceFontSet | null, content: AppearanceContent,
  matrix: [number, number, number, number, number, number] = [1, 0, 0, 1, 0, 0]): PdfRef {
  const ops: string[] = [];
  const xobjects = new PdfDict();
  content.images.forEach((im, i) => {
    const name = `Im${i + 1}`;
    xobjects.set(name, imageXObject(update, im.image));
    ops.push(`q ${n(im.width)} 0 0 ${n(im.height)} ${n(im.x)} ${n(im.y)} cm /${name} Do Q`);
  });
  const fontDict = new PdfDict();
  for (const t of content.texts) {
    if (!fonts) throw new KysoError('invalid-argument', 'text in a signature appearance needs a font');
    const text = t.text.normalize('NFC');
    const font = fonts.font(t.bold);
    const missing = font.getUnencodableCharacters(text);
    if (missing.length > 0) throw new KysoError('unsupported', `the appearance font has no glyph for ${missing.map((c) => JSON.stringify(c)).join(', ')}`);
    const name = t.bold ? 'F2' : 'F1';
    const ref = update.pdf.getFontRef(font);
    if (!ref) throw new KysoError('internal', 'embedded font has no reference');
    fontDict.set(name, ref);
    const gids = font.encodeTextToGids(text).map((g) => g.toString(16).padStart(4, '0')).join('');
    const [r, g, b] = t.color ?? [0, 0, 0];
    ops.push(`BT /${name} ${n(t.size)} Tf ${n(r)} ${n(g)} ${n(b)} rg ${n(t.x)} ${n(t.y)} Td <${gids}> Tj ET`);
  }
  const resources = new PdfDict();
  if (content.images.length) resources.set('XObject', xobjects);
  if (content.texts.length) resources.set('Font', fontDict);
  // An empty drawing (an invisible signature) is an empty stream: there is nothing to compress.
  const data = ops.length ? flate(new TextEncoder().encode(ops.join('\n'))) : new Uint8Array(0);
  const form = new PdfStream([
    ['Type', PdfName.of('XObject')], ['Subtype', PdfName.of('Form')],
    ['BBox', new PdfArray([0, 0, content.width, content.height].map((v) => PdfNumber.of(v)))],
    ['Matrix', new PdfArray(matrix.map((v) => PdfNumber.of(v)))],
    ['Resources', resources], ...(ops.length ? [['Filter', PdfName.of('FlateDecode')] as [string, PdfName]] : []),
  ], data);
  return update.add(form);
}

/** The empty appearance of an invisible signature (a 0×0 form keeps strict validators quiet). */
export function writeEmptyAppearance(update: IncrementalUpdate): PdfRef {
  return writeAppearance(update, null, { width: 0, height: 0, images: [], texts: [] });
}
