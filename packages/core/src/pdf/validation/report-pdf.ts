/**
 * The validation report as a printable A4 PDF: the title, the overall verdict in a coloured box
 * (green passed, red failed, amber indeterminate — ETSI EN 319 102-1 §5.1.3), the document facts,
 * then one section per signature with its verdict first and its details after, the Decree
 * 30/2020/NĐ-CP check and the file's own problems; "Trang N/M" at the foot of every page. The words
 * are those of `describeReport` (summary.ts), so the PDF and the text summary agree.
 *
 * Written with @libpdf/core 0.4.2 (a fresh document; text in the caller's TrueType fonts embedded as
 * subsetted Type0/CIDFontType2 with a ToUnicode map, ISO 32000-2 §9.7, so the text can be copied and
 * searched). Text is NFC-normalised before measuring and drawing (Vietnamese NFD marks would be drawn
 * as separate unpositioned glyphs); a character the font lacks is drawn as "?" rather than
 * failing the whole report. Core is pure: the fonts come in as bytes, and the document dates are
 * the report's validation time, not the clock.
 */
import { PDF, rgb, type EmbeddedFont, type PDFPage } from '@libpdf/core';
import type { DocumentReport } from './report.ts';
import { describeReport, type ReportLang, type ReportRow, type ReportTone, type ReportView } from './summary.ts';

export interface ReportPdfOptions {
  lang: ReportLang;
  /** TrueType fonts covering Vietnamese (the repo ships Liberation Serif in packages/core/assets/fonts). */
  fonts: { regular: Uint8Array; bold: Uint8Array };
  /** Replaces the default title "BÁO CÁO KIỂM TRA CHỮ KÝ SỐ" / "DIGITAL SIGNATURE VERIFICATION REPORT". */
  title?: string;
}

type Color = ReturnType<typeof rgb>;

// A4 (ISO 216) in points, margins 20 mm (the footer sits in the bottom margin).
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const MM = 72 / 25.4;
const MARGIN_X = 20 * MM;
const MARGIN_TOP = 20 * MM;
const MARGIN_BOTTOM = 22 * MM;
const FOOTER_Y = 10 * MM;
const CONTENT_W = PAGE_W - 2 * MARGIN_X;
const LABEL_W = 168;
const GAP = 8;

const SIZE = { title: 15, headline: 13, heading: 12.5, group: 10.5, body: 10, footer: 9 } as const;
const LEADING = 1.3;

const BLACK = rgb(0, 0, 0);
const GREY = rgb(0.35, 0.35, 0.35);
const RULE = rgb(0.6, 0.6, 0.6);

const TONE: Record<ReportTone, { fill: Color; border: Color; text: Color }> = {
  passed: { fill: rgb(0.9, 0.97, 0.9), border: rgb(0.12, 0.52, 0.2), text: rgb(0.05, 0.36, 0.1) },
  failed: { fill: rgb(0.99, 0.91, 0.91), border: rgb(0.75, 0.1, 0.1), text: rgb(0.6, 0.05, 0.05) },
  indeterminate: { fill: rgb(1, 0.95, 0.83), border: rgb(0.8, 0.52, 0), text: rgb(0.5, 0.3, 0) },
  neutral: { fill: rgb(0.95, 0.95, 0.95), border: rgb(0.6, 0.6, 0.6), text: BLACK },
};

/** Row text colour: only what went wrong stands out; passed rows stay black for a calm page. */
const rowColor = (tone: ReportTone | undefined): Color =>
  tone === 'failed' ? TONE.failed.text : tone === 'indeterminate' ? TONE.indeterminate.text : BLACK;

class Layout {
  readonly pages: PDFPage[] = [];
  private page!: PDFPage;
  /** Top of the next line, from the bottom of the page. */
  private y = 0;
  private readonly pdf: PDF;
  readonly regular: EmbeddedFont;
  readonly bold: EmbeddedFont;

  constructor(pdf: PDF, fonts: ReportPdfOptions['fonts']) {
    this.pdf = pdf;
    this.regular = pdf.embedFont(fonts.regular);
    this.bold = pdf.embedFont(fonts.bold);
    this.newPage();
  }

  newPage(): void {
    this.page = this.pdf.addPage({ width: PAGE_W, height: PAGE_H });
    this.pages.push(this.page);
    this.y = PAGE_H - MARGIN_TOP;
  }

  /** Starts a new page unless `height` points still fit above the bottom margin. */
  ensure(height: number): void {
    if (this.y - height < MARGIN_BOTTOM && this.y < PAGE_H - MARGIN_TOP) this.newPage();
  }

  space(h: number): void { this.y -= h; }

  /** NFC, no control characters, and "?" for what the font cannot draw. */
  clean(text: string, font: EmbeddedFont): string {
    const s = text.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
    const missing = new Set(font.getUnencodableCharacters(s));
    return missing.size === 0 ? s : Array.from(s, (ch) => (missing.has(ch) ? '?' : ch)).join('');
  }

  /** Greedy word wrap at `width`; a word wider than a line is cut between characters. */
  wrap(text: string, font: EmbeddedFont, size: number, width: number): string[] {
    const s = this.clean(text, font);
    const fits = (t: string): boolean => font.widthOfTextAtSize(t, size) <= width;
    const lines: string[] = [];
    let line = '';
    for (const word of s.split(' ')) {
      const candidate = line ? `${line} ${word}` : word;
      if (fits(candidate)) { line = candidate; continue; }
      if (line) lines.push(line);
      line = '';
      let rest = word;
      while (!fits(rest) && Array.from(rest).length > 1) {
        const chars = Array.from(rest);
        let n = chars.length - 1;
        while (n > 1 && !fits(chars.slice(0, n).join(''))) n--;
        lines.push(chars.slice(0, n).join(''));
        rest = chars.slice(n).join('');
      }
      line = rest;
    }
    lines.push(line);
    return lines;
  }

  /** One line of text whose top is at the cursor; the cursor moves down one line. */
  line(text: string, o: { font: EmbeddedFont; size: number; x?: number; color?: Color; align?: 'left' | 'center' }): void {
    const h = o.size * LEADING;
    this.ensure(h);
    const x = o.align === 'center' ? (PAGE_W - o.font.widthOfTextAtSize(text, o.size)) / 2 : (o.x ?? MARGIN_X);
    if (text) this.page.drawText(text, { x, y: this.y - o.size, font: o.font, size: o.size, color: o.color ?? BLACK });
    this.y -= h;
  }

  paragraph(text: string, o: { font: EmbeddedFont; size: number; x?: number; width?: number; color?: Color; align?: 'left' | 'center' }): void {
    for (const l of this.wrap(text, o.font, o.size, o.width ?? CONTENT_W)) this.line(l, o);
  }

  /** A filled, bordered box holding a bold first line and regular lines after, kept on one page. */
  box(tone: ReportTone, first: string, rest: string[], sizes: { first: number; rest: number }): void {
    const pad = 7;
    const inner = CONTENT_W - 2 * pad;
    const head = this.wrap(first, this.bold, sizes.first, inner);
    const body = rest.flatMap((r) => this.wrap(r, this.regular, sizes.rest, inner));
    const height = 2 * pad + head.length * sizes.first * LEADING + body.length * sizes.rest * LEADING;
    this.ensure(height + 4);
    const c = TONE[tone];
    this.page.drawRectangle({
      x: MARGIN_X, y: this.y - height, width: CONTENT_W, height,
      color: c.fill, borderColor: c.border, borderWidth: 1.2, cornerRadius: 3,
    });
    this.y -= pad;
    for (const l of head) this.line(l, { font: this.bold, size: sizes.first, x: MARGIN_X + pad, color: c.text });
    for (const l of body) this.line(l, { font: this.regular, size: sizes.rest, x: MARGIN_X + pad, color: BLACK });
    this.y -= pad;
  }

  /** A section heading with a rule under it, kept with the first lines that follow. */
  heading(text: string): void {
    const lines = this.wrap(text, this.bold, SIZE.heading, CONTENT_W);
    this.ensure(lines.length * SIZE.heading * LEADING + 4 * SIZE.body * LEADING);
    for (const l of lines) this.line(l, { font: this.bold, size: SIZE.heading });
    this.page.drawLine({ start: { x: MARGIN_X, y: this.y + 2 }, end: { x: PAGE_W - MARGIN_X, y: this.y + 2 }, color: RULE, thickness: 0.6 });
    this.y -= 4;
  }

  groupTitle(text: string): void {
    this.ensure(SIZE.group * LEADING + 2 * SIZE.body * LEADING);
    this.space(2);
    this.line(this.clean(text, this.bold), { font: this.bold, size: SIZE.group });
  }

  /** "label   value" in two columns, or a bullet when there is no label; may run over a page break. */
  row(r: ReportRow): void {
    const lh = SIZE.body * LEADING;
    const valueColor = rowColor(r.tone);
    if (!r.label) {
      const bulletX = MARGIN_X + 8;
      const lines = this.wrap(r.value, this.regular, SIZE.body, CONTENT_W - 20);
      lines.forEach((l, i) => {
        this.ensure(lh);
        if (i === 0) this.page.drawText('•', { x: bulletX, y: this.y - SIZE.body, font: this.regular, size: SIZE.body, color: valueColor });
        this.line(l, { font: this.regular, size: SIZE.body, x: MARGIN_X + 20, color: valueColor });
      });
      return;
    }
    const labels = this.wrap(r.label, this.regular, SIZE.body, LABEL_W - GAP);
    const values = this.wrap(r.value, this.regular, SIZE.body, CONTENT_W - LABEL_W);
    const n = Math.max(labels.length, values.length);
    this.ensure(Math.min(n, 3) * lh);
    for (let i = 0; i < n; i++) {
      this.ensure(lh);
      const top = this.y;
      const label = labels[i];
      if (label) this.page.drawText(label, { x: MARGIN_X, y: top - SIZE.body, font: this.regular, size: SIZE.body, color: GREY });
      this.line(values[i] ?? '', { font: this.regular, size: SIZE.body, x: MARGIN_X + LABEL_W, color: valueColor });
    }
  }

  /** "Trang N/M" centred in the bottom margin of every page (drawn once the page count is known). */
  footers(lang: ReportLang): void {
    const total = this.pages.length;
    this.pages.forEach((page, i) => {
      const text = lang === 'vi' ? `Trang ${i + 1}/${total}` : `Page ${i + 1}/${total}`;
      const w = this.regular.widthOfTextAtSize(text, SIZE.footer);
      page.drawText(text, { x: (PAGE_W - w) / 2, y: FOOTER_Y, font: this.regular, size: SIZE.footer, color: GREY });
    });
  }
}

function layOut(view: ReportView, layout: Layout): void {
  layout.paragraph(view.title, { font: layout.bold, size: SIZE.title, align: 'center' });
  layout.space(8);
  layout.box(view.verdict.tone, view.verdict.headline, view.verdict.details, { first: SIZE.headline, rest: SIZE.body + 0.5 });
  for (const section of view.sections) {
    layout.space(10);
    layout.heading(section.heading);
    if (section.verdict) {
      layout.box(section.verdict.tone, section.verdict.text, [], { first: SIZE.body + 0.5, rest: SIZE.body });
      layout.space(2);
    }
    for (const group of section.groups) {
      if (group.title) layout.groupTitle(group.title);
      for (const r of group.rows) layout.row(r);
    }
  }
}

/** ISO 8601 → Date for the document information dictionary, or undefined when it is not a time. */
function parseTime(iso: string): Date | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * Renders a validation report as an A4 PDF in Vietnamese or English. The same report and fonts give
 * the same pages; only the file identifier and the font subset tag (random, libpdf) differ.
 */
export async function renderReportPdf(report: DocumentReport, opts: ReportPdfOptions): Promise<Uint8Array> {
  const view = describeReport(report, opts.lang);
  if (opts.title !== undefined) view.title = opts.title;
  const pdf = PDF.create();
  const layout = new Layout(pdf, opts.fonts);
  layOut(view, layout);
  layout.footers(opts.lang);

  pdf.setTitle(view.title.normalize('NFC'));
  pdf.setAuthor('kyso');
  pdf.setCreator('kyso');
  pdf.setProducer('kyso (@libpdf/core 0.4.2)');
  pdf.setLanguage(opts.lang === 'vi' ? 'vi-VN' : 'en');
  const at = parseTime(report.validationTime);
  if (at) { pdf.setCreationDate(at); pdf.setModificationDate(at); }
  return pdf.save({ subsetFonts: true });
}
