/**
 * Page geometry (ISO 32000-2 §14.11.2, §7.7.3.3) against poppler: a hand-written PDF with an inherited
 * MediaBox and /Rotate, the corpus files with a negative MediaBox, a rotated page and no MediaBox,
 * and every page of every loadable signing input, each compared with `pdfinfo -box`. The
 * displayed-to-user mapping is checked against `pdftotext -bbox` on rotated pages, and placeOnPage +
 * appearanceMatrix by following the §12.5.5 appearance algorithm to the displayed page.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDF } from '@libpdf/core';
import { sharedPath, pdfFromObjects } from '@kyso/testkit';
import { isKysoError } from '../errors.ts';
import { listPages } from './page-tree.ts';
import {
  appearanceMatrix, displayToUser, normaliseRotation, pageGeometry, placeOnPage, PT_PER_MM,
  type Box, type PageGeometry, type PageRotation, type PdfMatrix,
} from './page-geometry.ts';

interface ManifestEntry { file: string; pages: number | null; features: string[]; expect: 'sign' | 'reject'; password?: string }
const inputs = (...p: string[]) => sharedPath('corpus', 'pdf', 'inputs', ...p);
const manifest = (JSON.parse(readFileSync(inputs('manifest.json'), 'utf8')) as { files: ManifestEntry[] }).files;
const ROTATIONS: PageRotation[] = [0, 90, 180, 270];

const buildPdf = pdfFromObjects;

/** The synthetic case of the libpdf report (§5d), optionally with text "ABC" at user (160, 260). */
function syntheticObjects(opts: { pagesRotate?: string; cropBox?: string; mediaBox?: string; withText?: boolean } = {}): string[] {
  const content = 'BT /F1 12 Tf 1 0 0 1 160 260 Tm (ABC) Tj ET';
  return [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox ${opts.mediaBox ?? '[100 200 712 992]'} /Rotate ${opts.pagesRotate ?? '90'} >>`,
    `<< /Type /Page /Parent 2 0 R /CropBox ${opts.cropBox ?? '[150 250 662 942]'} /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>`,
    `<< /Length ${opts.withText === false ? 0 : content.length} >>\nstream\n${opts.withText === false ? '' : content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    '200',
  ];
}

async function geometryOf(bytes: Uint8Array, password?: string): Promise<PageGeometry[]> {
  const pdf = await PDF.load(bytes, password !== undefined ? { credentials: password } : {});
  return listPages(pdf).map((p) => pageGeometry(p, pdf));
}

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.error ? null : r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
const havePoppler = run('pdfinfo', ['-v']).status !== null;

interface PopplerPage { media: number[]; crop: number[]; rot: number }
/** `pdfinfo -box` for all pages: MediaBox, CropBox (poppler clips it to the MediaBox) and rot. */
function pdfinfoBoxes(file: string, pages: number, password?: string): PopplerPage[] | null {
  const attempts = password === undefined ? [[]] : [['-upw', password], ['-opw', password]];
  for (const pw of attempts) {
    const r = run('pdfinfo', ['-box', ...pw, '-f', '1', '-l', String(pages), file]);
    if (r.status !== 0) continue;
    const out: PopplerPage[] = Array.from({ length: pages }, () => ({ media: [], crop: [], rot: NaN }));
    for (const m of r.out.matchAll(/^Page\s+(\d+) (MediaBox|CropBox|rot):\s+(.*)$/gm)) {
      const page = out[Number(m[1]) - 1]!;
      const nums = m[3]!.trim().split(/\s+/).map(Number);
      if (m[2] === 'MediaBox') page.media = nums;
      else if (m[2] === 'CropBox') page.crop = nums;
      else page.rot = nums[0]!;
    }
    return out;
  }
  return null;
}

const corners = (b: Box) => [b.llx, b.lly, b.urx, b.ury];
function assertClose(actual: number[], expected: number[], tol: number, msg?: string): void {
  assert.equal(actual.length, expected.length, msg);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol, `${msg ?? ''} [${actual.join(' ')}] ≠ [${expected.join(' ')}]`));
}

describe('pageGeometry', () => {
  test('synthetic: inherited MediaBox [100 200 712 992] and /Rotate 90, page CropBox [150 250 662 942]', async () => {
    const bytes = buildPdf(syntheticObjects());
    const [g] = await geometryOf(bytes);
    assert.ok(g);
    assert.deepEqual(g.mediaBox, { llx: 100, lly: 200, urx: 712, ury: 992, width: 612, height: 792 });
    assert.deepEqual(g.cropBox, { llx: 150, lly: 250, urx: 662, ury: 942, width: 512, height: 692 });
    assert.equal(g.rotate, 90);
    assert.equal(g.displayWidth, 692);
    assert.equal(g.displayHeight, 512);
    assert.deepEqual(g.notes, []);

    if (havePoppler) {
      const dir = mkdtempSync(join(tmpdir(), 'kyso-geom-'));
      try {
        const file = join(dir, 'synthetic.pdf');
        writeFileSync(file, bytes);
        const info = run('pdfinfo', ['-box', file]).out;
        assert.match(info, /Page size:\s+512 x 692 pts/);
        assert.match(info, /Page rot:\s+90/);
        assert.match(info, /CropBox:\s+150\.00\s+250\.00\s+662\.00\s+942\.00/);
        assert.equal(run('qpdf', ['--check', file]).status, 0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  test('corner order and indirect numbers are normalised; the CropBox is clipped to the MediaBox', async () => {
    const [g] = await geometryOf(buildPdf(syntheticObjects({ mediaBox: '[712 992 100 6 0 R]', cropBox: '[300 1000 0 0]' })));
    assert.deepEqual(corners(g!.mediaBox), [100, 200, 712, 992]);
    assert.deepEqual(corners(g!.cropBox), [100, 200, 300, 992]);
  });

  test('a CropBox outside the MediaBox is ignored with a note', async () => {
    const [g] = await geometryOf(buildPdf(syntheticObjects({ cropBox: '[0 0 50 50]' })));
    assert.deepEqual(corners(g!.cropBox), [100, 200, 712, 992]);
    assert.match(g!.notes.join(), /CropBox lies outside the MediaBox/);
  });

  test('/Rotate normalisation', async () => {
    for (const [raw, expected] of [['-90', 270], ['450', 90], ['-540', 180], ['360', 0], ['6 0 R', 0]] as const) {
      const objs = syntheticObjects({ pagesRotate: raw });
      if (raw === '6 0 R') objs[5] = '720';
      const [g] = await geometryOf(buildPdf(objs));
      assert.equal(g!.rotate, expected, raw);
    }
    for (const raw of ['45', '90.5', '/R90', '(90)']) {
      await assert.rejects(geometryOf(buildPdf(syntheticObjects({ pagesRotate: raw }))),
        (e: unknown) => isKysoError(e, 'malformed') && /\/Rotate/.test(e.message), raw);
    }
    assert.equal(normaliseRotation(undefined), 0);
    assert.equal(normaliseRotation(-270), 90);
  });

  test('a MediaBox that is not a rectangle is malformed', async () => {
    for (const raw of ['[0 0 612]', '[0 0 612 /A]', '(x)', '[0 0 0 792]']) {
      await assert.rejects(geometryOf(buildPdf(syntheticObjects({ mediaBox: raw }))),
        (e: unknown) => isKysoError(e, 'malformed') && /MediaBox/.test(e.message), raw);
    }
  });

  const byFeature = (feature: string) => manifest.filter((f) => f.features.includes(feature) && f.expect === 'sign');
  const cases: Array<[string, (g: PageGeometry) => void]> = [
    ['negative-mediabox', (g) => {
      assert.deepEqual(corners(g.mediaBox), [-100, -300, 512, 492]);
      assert.equal(g.displayWidth, 612);
      assert.equal(g.displayHeight, 792);
    }],
    ['rotated-page', (g) => {
      assert.notEqual(g.rotate, 0);
      assert.equal(g.displayWidth, g.rotate % 180 ? g.cropBox.height : g.cropBox.width);
    }],
    ['missing-mediabox', (g) => {
      assert.deepEqual(corners(g.mediaBox), [0, 0, 612, 792]);
      assert.match(g.notes.join(), /no MediaBox.*US Letter/);
    }],
  ];
  for (const [feature, check] of cases) {
    test(`corpus feature ${feature}`, async () => {
      const files = byFeature(feature);
      assert.ok(files.length > 0, `no corpus file with feature ${feature}`);
      for (const e of files) {
        const [g] = await geometryOf(readFileSync(inputs(e.file)), e.password);
        check(g!);
      }
    });
  }

  describe('every page of every signing input agrees with pdfinfo -box', { skip: !havePoppler && 'poppler pdfinfo not installed' }, () => {
    for (const e of manifest.filter((f) => f.expect === 'sign')) {
      test(e.file, async (t) => {
        let geoms: PageGeometry[];
        try {
          geoms = await geometryOf(readFileSync(inputs(e.file)), e.password);
        } catch (err) {
          if (isKysoError(err)) throw err;
          t.skip(`libpdf 0.4.2 cannot load it: ${(err as Error).message}`);
          return;
        }
        const poppler = pdfinfoBoxes(inputs(e.file), geoms.length, e.password);
        if (!poppler) { t.skip('pdfinfo cannot open it'); return; }
        geoms.forEach((g, i) => {
          const p = poppler[i]!;
          if (p.media.length === 0) {
            // poppler cannot print boxes for a direct page object in /Kids (pyhanko__page-tree-direct-kid).
            t.diagnostic(`page ${i + 1}: pdfinfo prints no boxes, not compared`);
            return;
          }
          assertClose(corners(g.mediaBox), p.media, 0.006, `page ${i + 1} MediaBox`);
          assertClose(corners(g.cropBox), p.crop, 0.006, `page ${i + 1} CropBox`);
          assert.equal(g.rotate, p.rot, `page ${i + 1} rot`);
        });
      });
    }
  });
});

describe('displayToUser agrees with pdftotext -bbox on rotated pages', { skip: !havePoppler && 'poppler not installed' }, () => {
  // pdftotext reports word boxes in the displayed page (rotated, y down) measured from the MediaBox,
  // so the comparison uses a geometry whose CropBox is the MediaBox.
  for (const rot of ROTATIONS) {
    test(`/Rotate ${rot}`, async () => {
      const bytes = buildPdf(syntheticObjects({ pagesRotate: String(rot), withText: true }));
      const [g] = await geometryOf(bytes);
      const dir = mkdtempSync(join(tmpdir(), 'kyso-geom-'));
      try {
        const file = join(dir, 'r.pdf');
        writeFileSync(file, bytes);
        const html = run('pdftotext', ['-bbox', file, '-']).out;
        const m = /xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">ABC</.exec(html);
        assert.ok(m, html);
        const [xMin, yMin, xMax, yMax] = m.slice(1).map(Number) as [number, number, number, number];
        const onMedia = { ...g!, cropBox: g!.mediaBox };
        const [ax, ay] = displayToUser(onMedia, xMin, yMin);
        const [bx, by] = displayToUser(onMedia, xMax, yMax);
        // Helvetica 12 pt "ABC" at (160, 260): advance 24.672, descent 2.484, ascent 8.616 (poppler's font box).
        assertClose([Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by)], [160, 257.516, 184.672, 268.616], 0.01);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('placeOnPage and appearanceMatrix', () => {
  const crop: Box = { llx: 150, lly: 250, urx: 662, ury: 942, width: 512, height: 692 };
  const geomFor = (rotate: PageRotation): PageGeometry => ({
    mediaBox: crop, cropBox: crop, rotate, notes: [],
    displayWidth: rotate % 180 ? crop.height : crop.width,
    displayHeight: rotate % 180 ? crop.width : crop.height,
  });
  const d = 10 * PT_PER_MM; // 28.3465 pt

  test('a 10 × 10 mm box at the displayed top-left corner', () => {
    const expected: Record<PageRotation, number[]> = {
      0: [150, 942 - d, 150 + d, 942], //    top-left of the unrotated CropBox
      90: [150, 250, 150 + d, 250 + d], //   lower-left corner turns to the top-left
      180: [662 - d, 250, 662, 250 + d], //  lower-right
      270: [662 - d, 942 - d, 662, 942], //  upper-right
    };
    for (const rot of ROTATIONS) {
      assertClose(placeOnPage(geomFor(rot), { xMm: 0, yMm: 0, wMm: 10, hMm: 10 }), expected[rot], 1e-9, `rotate ${rot}`);
    }
  });

  test('an offset 20 × 10 mm box swaps width and height in user space at 90 and 270', () => {
    const r = { xMm: 5, yMm: 7, wMm: 20, hMm: 10 };
    const mm = (v: number) => v * PT_PER_MM;
    assertClose(placeOnPage(geomFor(0), r), [150 + mm(5), 942 - mm(17), 150 + mm(25), 942 - mm(7)], 1e-9);
    assertClose(placeOnPage(geomFor(90), r), [150 + mm(7), 250 + mm(5), 150 + mm(17), 250 + mm(25)], 1e-9);
    assertClose(placeOnPage(geomFor(180), r), [662 - mm(25), 250 + mm(7), 662 - mm(5), 250 + mm(17)], 1e-9);
    assertClose(placeOnPage(geomFor(270), r), [662 - mm(17), 942 - mm(25), 662 - mm(7), 942 - mm(5)], 1e-9);
  });

  test('rejects rectangles off the page or without area', () => {
    const g = geomFor(90); // 692 × 512 pt displayed = 244.1 × 180.6 mm
    for (const r of [{ xMm: 240, yMm: 0, wMm: 10, hMm: 10 }, { xMm: 0, yMm: 175, wMm: 10, hMm: 10 }, { xMm: -1, yMm: 0, wMm: 10, hMm: 10 },
      { xMm: 0, yMm: 0, wMm: 0, hMm: 10 }, { xMm: Number.NaN, yMm: 0, wMm: 10, hMm: 10 }]) {
      assert.throws(() => placeOnPage(g, r), (e: unknown) => isKysoError(e, 'invalid-argument'), JSON.stringify(r));
    }
    assert.doesNotThrow(() => placeOnPage(g, { xMm: 0, yMm: 0, wMm: 692 / PT_PER_MM, hMm: 512 / PT_PER_MM }));
  });

  /** Where the viewer shows a user-space point: CropBox → y down → turned clockwise by /Rotate. */
  function userToDisplay(g: PageGeometry, u: number, v: number): [number, number] {
    let [x, y] = [u - g.cropBox.llx, g.cropBox.ury - v];
    let [w, h] = [g.cropBox.width, g.cropBox.height];
    for (let r = 0; r < g.rotate; r += 90) { [x, y] = [h - y, x]; [w, h] = [h, w]; } // 90° clockwise
    return [x, y];
  }
  const apply = (m: PdfMatrix, x: number, y: number): [number, number] => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];

  test('appearance content drawn upright in its BBox appears upright at the rectangle (§12.5.5)', () => {
    const r = { xMm: 12, yMm: 30, wMm: 60, hMm: 25 };
    const W = r.wMm * PT_PER_MM, H = r.hMm * PT_PER_MM; // the form BBox [0 0 W H], size as displayed
    for (const rot of ROTATIONS) {
      const g = geomFor(rot);
      const rect = placeOnPage(g, r);
      for (const m of [appearanceMatrix(rot), appearanceMatrix(rot, { width: W, height: H })]) {
        // §12.5.5: transform the BBox by Matrix, take its bounding box, fit that onto /Rect (matrix A).
        const pts = [[0, 0], [W, 0], [0, H], [W, H]].map(([x, y]) => apply(m, x!, y!));
        const tx0 = Math.min(...pts.map((p) => p[0])), ty0 = Math.min(...pts.map((p) => p[1]));
        const tx1 = Math.max(...pts.map((p) => p[0])), ty1 = Math.max(...pts.map((p) => p[1]));
        const sx = (rect[2] - rect[0]) / (tx1 - tx0), sy = (rect[3] - rect[1]) / (ty1 - ty0);
        assert.ok(Math.abs(sx - 1) < 1e-9 && Math.abs(sy - 1) < 1e-9, `rotate ${rot}: no scaling needed`);
        const toDisplay = (x: number, y: number) => {
          const [px, py] = apply(m, x, y);
          return userToDisplay(g, rect[0] + (px - tx0) * sx, rect[1] + (py - ty0) * sy);
        };
        const X = r.xMm * PT_PER_MM, Y = r.yMm * PT_PER_MM;
        // form top-left → displayed top-left of the box, form x axis → displayed rightwards.
        assertClose(toDisplay(0, H), [X, Y], 1e-9, `rotate ${rot} top-left`);
        assertClose(toDisplay(W, H), [X + W, Y], 1e-9, `rotate ${rot} top-right`);
        assertClose(toDisplay(0, 0), [X, Y + H], 1e-9, `rotate ${rot} bottom-left`);
        assertClose(toDisplay(W, 0), [X + W, Y + H], 1e-9, `rotate ${rot} bottom-right`);
      }
      if (rot !== 0) {
        const t = appearanceMatrix(rot, { width: W, height: H });
        const pts = [[0, 0], [W, H]].map(([x, y]) => apply(t, x!, y!));
        assert.ok(pts.every(([x, y]) => x >= -1e-9 && y >= -1e-9), `rotate ${rot}: translated BBox starts at the origin`);
      }
    }
    assert.deepEqual(appearanceMatrix(90), [0, 1, -1, 0, 0, 0]);
    assert.deepEqual(appearanceMatrix(180), [-1, 0, 0, -1, 0, 0]);
    assert.deepEqual(appearanceMatrix(270), [0, -1, 1, 0, 0, 0]);
  });
});
