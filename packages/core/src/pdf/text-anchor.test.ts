/**
 * findAnchor on PDFs drawn with libpdf and an embedded Liberation Serif (Vietnamese glyphs): last
 * page first, last occurrence on the page, NFC/NFD on either side, collapsed white space, not found.
 * Boxes are cross-checked against poppler's `pdftotext -bbox`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDF } from '@libpdf/core';
import { isKysoError } from '../errors.ts';
import { listPages } from './page-tree.ts';
import { findAnchor, normaliseSearchText } from './text-anchor.ts';

const FONT = '/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf'; // apt-get install fonts-liberation2
const haveFont = existsSync(FONT);
const NAME = 'Nguyễn Văn A'; // NFC as typed
const NAME_NFD = NAME.normalize('NFD');
const A4_HEIGHT = 841.89;

/** Pages of drawText calls: [text, x, y] each, 12 pt Liberation Serif on A4. */
async function makePdf(pages: Array<Array<[string, number, number]>>): Promise<Uint8Array> {
  const doc = PDF.create();
  const font = doc.embedFont(readFileSync(FONT));
  for (const items of pages) {
    const page = doc.addPage({ size: 'a4' });
    for (const [text, x, y] of items) page.drawText(text, { x, y, font, size: 12 });
  }
  return doc.save();
}

async function anchor(bytes: Uint8Array, text: string) {
  const pdf = await PDF.load(bytes);
  return findAnchor(pdf, listPages(pdf), text);
}

const near = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol;

describe('findAnchor', { skip: !haveFont && `${FONT} missing (apt-get install fonts-liberation2)` }, () => {
  let doc: Uint8Array;
  test.before(async () => {
    doc = await makePdf([
      [[NAME, 100, 700], [NAME, 300, 100]],
      [[`Người ký: ${NAME}`, 80, 400], [NAME, 350, 150], ['Chức vụ: Giám đốc', 350, 120]],
      [['Nơi nhận: lưu VT.', 80, 700]],
    ]);
  });

  test('found on the last page that has it, last occurrence there', async () => {
    const m = await anchor(doc, NAME);
    assert.equal(m.pageIndex, 1);
    assert.ok(near(m.bbox.x, 350, 0.01), `x ${m.bbox.x}`);
    assert.ok(m.bbox.y < 150 && m.bbox.y > 145, `y ${m.bbox.y} just below the baseline 150`);
    assert.ok(m.bbox.y + m.bbox.height > 158 && m.bbox.y + m.bbox.height < 162, `top ${m.bbox.y + m.bbox.height}`);
  });

  test('an NFD search string and untidy white space find the same place', async () => {
    assert.notEqual(NAME_NFD, NAME);
    const nfc = await anchor(doc, NAME);
    assert.deepEqual(await anchor(doc, NAME_NFD), nfc);
    assert.deepEqual(await anchor(doc, `  Nguyễn \t Văn\nA `), nfc);
  });

  test('box agrees with pdftotext -bbox', { skip: spawnSync('pdftotext', ['-v']).error !== undefined && 'poppler not installed' }, async () => {
    const m = await anchor(doc, NAME);
    const dir = mkdtempSync(join(tmpdir(), 'kyso-anchor-'));
    try {
      const file = join(dir, 'a.pdf');
      writeFileSync(file, doc);
      const html = spawnSync('pdftotext', ['-f', '2', '-l', '2', '-bbox', file, '-'], { encoding: 'utf8' }).stdout;
      const words = [...html.matchAll(/xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</g)]
        .map((w) => ({ xMin: +w[1]!, yMin: +w[2]!, xMax: +w[3]!, yMax: +w[4]!, text: w[5]! }));
      // The lowest line that reads "Nguyễn Văn A" (poppler's y grows downwards from the top).
      const first = words.filter((w) => w.text === 'Nguyễn').sort((a, b) => b.yMin - a.yMin)[0]!;
      const last = words.find((w) => w.text === 'A' && w.yMin === first.yMin)!;
      assert.ok(near(m.bbox.x, first.xMin, 0.01) && near(m.bbox.x + m.bbox.width, last.xMax, 0.01), 'x range');
      // Vertical extents differ by font metrics (libpdf: descender..ascender, poppler: its own), so ±1.5 pt.
      assert.ok(near(m.bbox.y, A4_HEIGHT - first.yMax, 1.5) && near(m.bbox.y + m.bbox.height, A4_HEIGHT - first.yMin, 1.5), 'y range');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('NFD text in the PDF and repeated spaces are found by an NFC query (libpdf findText does not)', async () => {
    const bytes = await makePdf([
      [[NAME, 100, 700]],
      [[NAME_NFD, 100, 300], ['Nguyễn   Văn   A', 100, 200], ['x', 100, 100]],
    ]);
    const pdf = await PDF.load(bytes);
    // libpdf's own search is code-unit exact: the NFC query misses both lines of page 2.
    assert.deepEqual(pdf.findText(NAME).map((r) => r.pageIndex), [0]);
    assert.deepEqual(pdf.findText(NAME_NFD).map((r) => r.pageIndex), [1]);

    const m = findAnchor(pdf, listPages(pdf), NAME);
    assert.equal(m.pageIndex, 1);
    assert.ok(m.bbox.y < 200 && m.bbox.y > 195, 'the lower line, with the spaces');
    assert.ok(near(m.bbox.x, 100, 0.01));
    const nfd = findAnchor(pdf, listPages(pdf), NAME_NFD);
    assert.deepEqual(nfd, m);
    // Only the NFD line: its box covers base letters and marks, as wide as the same name in NFC.
    const nfdOnly = await anchor(await makePdf([[[NAME_NFD, 100, 300]]]), NAME);
    const nfcOnly = await anchor(await makePdf([[[NAME, 100, 300]]]), NAME);
    assert.ok(near(nfdOnly.bbox.x, nfcOnly.bbox.x, 0.01) && near(nfdOnly.bbox.width, nfcOnly.bbox.width, 0.01), 'same horizontal extent');
  });

  test('not found', async () => {
    await assert.rejects(anchor(doc, 'Trần Thị B'),
      (e: unknown) => isKysoError(e, 'not-found') && e.message === 'anchor text "Trần Thị B" not found in the document');
    // Case-sensitive, and never across two lines.
    await assert.rejects(anchor(doc, 'NGUYỄN VĂN A'), (e: unknown) => isKysoError(e, 'not-found'));
    await assert.rejects(anchor(doc, 'Giám đốc Nơi nhận'), (e: unknown) => isKysoError(e, 'not-found'));
  });

  test('empty anchor text', async () => {
    await assert.rejects(anchor(doc, ' \n '), (e: unknown) => isKysoError(e, 'invalid-argument'));
  });
});

test('normaliseSearchText', () => {
  assert.equal(normaliseSearchText(` ${NAME_NFD}\u00a0\n`), NAME);
  assert.equal(normaliseSearchText('a \t b'), 'a b');
});
