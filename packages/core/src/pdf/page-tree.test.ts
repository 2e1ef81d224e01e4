/**
 * listPages (ISO 32000-2 §7.7.3) over the signing corpus (page counts against the manifest, which
 * took them from qpdf), the circular and direct-kid files, and hand-written trees for inheritance,
 * loops, shared nodes, depth, non-dictionary nodes and empty trees.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PDF, PdfArray, PdfDict, PdfNumber } from '@libpdf/core';
import { sharedPath, pdfFromObjects } from '@kyso/testkit';
import { isKysoError } from '../errors.ts';
import { listPages, MAX_PAGE_TREE_DEPTH } from './page-tree.ts';

interface ManifestEntry { file: string; pages: number | null; features: string[]; expect: 'sign' | 'reject'; password?: string }
const inputs = (...p: string[]) => sharedPath('corpus', 'pdf', 'inputs', ...p);
const manifest = (JSON.parse(readFileSync(inputs('manifest.json'), 'utf8')) as { files: ManifestEntry[] }).files;

async function loadCorpus(e: ManifestEntry): Promise<PDF> {
  return PDF.load(readFileSync(inputs(e.file)), e.password !== undefined ? { credentials: e.password } : {});
}

const buildPdf = pdfFromObjects;

async function loadSynthetic(objs: string[]): Promise<PDF> {
  const pdf = await PDF.load(buildPdf(objs));
  assert.equal(pdf.recoveredViaBruteForce, false, 'synthetic PDF must parse through its xref');
  return pdf;
}

const malformed = (pattern: RegExp) => (e: unknown) => isKysoError(e, 'malformed') && pattern.test(e.message);

describe('listPages on the corpus', () => {
  for (const e of manifest.filter((f) => f.expect === 'sign')) {
    test(`${e.file}: ${e.pages} page(s)`, async (t) => {
      let pdf: PDF;
      try {
        pdf = await loadCorpus(e);
      } catch (err) {
        t.skip(`libpdf 0.4.2 cannot load it: ${(err as Error).message}`);
        return;
      }
      const pages = listPages(pdf);
      assert.equal(pages.length, e.pages);
      pages.forEach((p, i) => assert.equal(p.index, i));
    });
  }

  test('pyhanko__circular-page-tree.pdf: loop error (libpdf itself loads it and reports 1 page)', async () => {
    const pdf = await loadCorpus(manifest.find((f) => f.file === 'pyhanko__circular-page-tree.pdf')!);
    assert.equal(pdf.getPageCount(), 1);
    assert.throws(() => listPages(pdf), malformed(/^page tree contains a loop/));
  });

  const direct = manifest.filter((f) => f.features.includes('direct-page-object'));
  test('direct page object in /Kids (feature direct-page-object)', { skip: direct.length === 0 && 'no such file in the corpus' }, async () => {
    for (const e of direct) {
      const pdf = await loadCorpus(e);
      const pages = listPages(pdf);
      assert.equal(pages.length, e.pages);
      const directPages = pages.filter((p) => p.ref === null);
      assert.ok(directPages.length > 0, `${e.file}: a page has no reference`);
      for (const p of directPages) {
        assert.equal(p.dict.getName('Type')?.value, 'Page');
        assert.ok(p.inherited.MediaBox instanceof PdfArray, 'MediaBox inherited from the /Pages node');
      }
      // libpdf's own list drops the direct kid.
      assert.ok(pdf.getPageCount() < pages.length, `libpdf reports ${pdf.getPageCount()} page(s)`);
    }
  });
});

describe('listPages on synthetic trees', () => {
  test('inheritance: own value first, then the nearest ancestor; /Parent is not followed', async () => {
    const pdf = await loadSynthetic([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 3 /MediaBox [0 0 100 100] /Rotate 90 /Resources << /ProcSet [/PDF] >> >>',
      '<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 5 0 R] /Count 2 /MediaBox [0 0 200 200] /CropBox 7 0 R >>',
      // /Parent deliberately wrong: inheritance follows the path the walk took.
      '<< /Type /Page /Parent 6 0 R /Rotate 180 >>',
      '<< /Type /Page /Parent 3 0 R /MediaBox [0 0 300 300] /Rotate null >>',
      '<< /Type /Page /Parent 2 0 R /Resources << >> >>',
      '[10 10 50 50]',
    ]);
    const pages = listPages(pdf);
    assert.equal(pages.length, 3);
    const nums = (o: unknown) => (o as PdfArray).toArray().map((x) => (x as PdfNumber).value);
    const [a, b, c] = pages as [typeof pages[0], typeof pages[0], typeof pages[0]];
    assert.deepEqual([a.ref?.objectNumber, b.ref?.objectNumber, c.ref?.objectNumber], [4, 5, 6]);
    assert.deepEqual(nums(a.inherited.MediaBox), [0, 0, 200, 200]);
    assert.deepEqual(nums(a.inherited.CropBox), [10, 10, 50, 50], 'indirect CropBox resolved');
    assert.equal((a.inherited.Rotate as PdfNumber).value, 180);
    assert.deepEqual(nums(b.inherited.MediaBox), [0, 0, 300, 300]);
    assert.equal((b.inherited.Rotate as PdfNumber).value, 90, 'a null /Rotate counts as absent');
    assert.deepEqual(nums(c.inherited.MediaBox), [0, 0, 100, 100]);
    assert.equal(c.inherited.CropBox, undefined);
    assert.equal((c.inherited.Resources as PdfDict).size, 0);
    assert.ok((a.inherited.Resources as PdfDict).has('ProcSet'));
  });

  test('a direct page object and a node without /Type', async () => {
    const pdf = await loadSynthetic([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Kids [<< /Type /Page /MediaBox [0 0 10 10] >> 3 0 R] /Count 2 >>',
      '<< /Type /Page >>',
    ]);
    const pages = listPages(pdf);
    assert.equal(pages.length, 2);
    assert.equal(pages[0]!.ref, null);
    assert.equal(pages[1]!.ref?.objectNumber, 3);
  });

  test('a loop through /Kids', async () => {
    const pdf = await loadSynthetic([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Pages /Kids [4 0 R 2 0 R] /Count 1 >>',
      '<< /Type /Page >>',
    ]);
    assert.throws(() => listPages(pdf), malformed(/^page tree contains a loop: .*2 0 R/));
  });

  test('the same page object reached twice', async () => {
    const pdf = await loadSynthetic([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R 3 0 R] /Count 2 >>',
      '<< /Type /Page >>',
    ]);
    assert.throws(() => listPages(pdf), malformed(/^page tree contains a loop: 3 0 R is reached twice/));
  });

  test('a kid that is not a dictionary (and a dangling one)', async () => {
    for (const kid of ['5', '(text)', '9 0 R']) {
      const pdf = await loadSynthetic([
        '<< /Type /Catalog /Pages 2 0 R >>',
        `<< /Type /Pages /Kids [3 0 R ${kid}] /Count 2 >>`,
        '<< /Type /Page >>',
      ]);
      assert.throws(() => listPages(pdf), malformed(/is not a dictionary/), kid);
    }
  });

  test('/Kids that is not an array', async () => {
    const pdf = await loadSynthetic(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids 3 /Count 0 >>']);
    assert.throws(() => listPages(pdf), malformed(/\/Kids entry that is not an array/));
  });

  test('no pages at all', async () => {
    const pdf = await loadSynthetic(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>']);
    assert.throws(() => listPages(pdf), malformed(/contains no pages/));
  });

  test('missing or non-dictionary /Pages', async () => {
    // libpdf refuses to load such a file, so the catalog is edited in memory after loading.
    const objs = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page >>'];
    const pdf = await loadSynthetic(objs);
    pdf.getCatalog().delete('Pages');
    assert.throws(() => listPages(pdf), malformed(/no \/Pages entry/));
    const pdf2 = await loadSynthetic(objs);
    pdf2.getCatalog().set('Pages', PdfNumber.of(3));
    assert.throws(() => listPages(pdf2), malformed(/\/Pages entry is not a dictionary/));
  });

  test(`depth limit ${MAX_PAGE_TREE_DEPTH}`, async () => {
    const chain = (levels: number): string[] => {
      // object 2 .. levels+1 are /Pages nodes, each the only kid of the previous; then one page.
      const objs = ['<< /Type /Catalog /Pages 2 0 R >>'];
      for (let i = 0; i < levels; i++) objs.push(`<< /Type /Pages /Kids [${i + 3} 0 R] /Count 1 >>`);
      objs.push('<< /Type /Page >>');
      return objs;
    };
    assert.equal(listPages(await loadSynthetic(chain(MAX_PAGE_TREE_DEPTH))).length, 1);
    const pdfDeep = await loadSynthetic(chain(MAX_PAGE_TREE_DEPTH + 1));
    assert.throws(() => listPages(pdfDeep), malformed(/nested deeper than 64 levels/));
  });
});
