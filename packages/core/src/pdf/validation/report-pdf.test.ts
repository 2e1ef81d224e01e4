/**
 * The printable PDF report (report-pdf.ts), checked from the outside: poppler `pdftotext` reads the
 * verdict and the signers' names back with their Vietnamese diacritics, `qpdf --check` finds no
 * error, `pdfinfo` counts the pages and every page says "Trang N/M". The fixtures are hand-made:
 * the schema's example report (a valid two-signature Decree 30 document) and variants of it.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentReport, SignatureReport } from './report.ts';
import { renderReportPdf } from './report-pdf.ts';
import { SUB_INDICATION_TEXT, type ReportLang } from './summary.ts';

const FONTS = {
  regular: new Uint8Array(readFileSync(new URL('../../../assets/fonts/LiberationSerif-Regular.ttf', import.meta.url))),
  bold: new Uint8Array(readFileSync(new URL('../../../assets/fonts/LiberationSerif-Bold.ttf', import.meta.url))),
};
const schema = JSON.parse(readFileSync(new URL('../../../../../docs/verification-report.schema.json', import.meta.url), 'utf8')) as { examples: unknown[] };

// ---- fixtures -------------------------------------------------------------------------------------

/** A valid Decree 30 document: Nguyễn Văn An (the official), then the agency seal. */
const passing = (): DocumentReport => structuredClone(schema.examples[0]) as DocumentReport;

function hashFailure(): DocumentReport {
  const r = passing();
  const s = r.signatures[1]!;
  Object.assign(s, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE', reasons: ['the digest of the signed bytes does not match'] });
  s.integrity.digestMatches = false;
  Object.assign(r, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' });
  r.decree30.complete = false;
  return r;
}

function noChain(): DocumentReport {
  const r = passing();
  const s = r.signatures[0]!;
  r.signatures = [s];
  Object.assign(s, { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND', revocation: { status: 'not-checked' } });
  delete s.chain;
  Object.assign(r, { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' });
  r.decree30 = { hasOfficialSignature: true, hasAgencySignature: false, agencyAfterOfficial: false, complete: false, notes: ['no signature of an agency'] };
  return r;
}

function disallowedChanges(): DocumentReport {
  const r = passing();
  const s = r.signatures[1]!;
  Object.assign(s, { indication: 'TOTAL_FAILED', subIndication: 'SIG_CONSTRAINTS_FAILURE' });
  s.modifications = {
    signedRevisionEnd: 245678, laterRevisions: 1, pagesAdded: 1, pagesRemoved: 0, verdict: 'disallowed',
    changes: [{ object: 7, generation: 0, kind: 'modified', category: 'other', role: 'content stream', description: 'the content stream of page 1 was replaced' }],
    categories: ['other'], findings: ['page-content-replaced', 'shadow-replace'], reasons: ['the content of page 1 was replaced'],
  };
  Object.assign(r, { indication: 'TOTAL_FAILED', subIndication: 'SIG_CONSTRAINTS_FAILURE' });
  r.decree30.complete = false;
  return r;
}

/** Eight signatures, each with many disallowed changes: several pages. */
function longReport(): DocumentReport {
  const r = disallowedChanges();
  const template = r.signatures[1]!;
  r.signatures = Array.from({ length: 8 }, (_, i): SignatureReport => {
    const s = structuredClone(template);
    s.index = i + 1;
    s.fieldName = `ChuKy${i + 1}`;
    s.signer!.commonName = `Trần Thị Bích Ngọc ${i + 1}`;
    s.modifications.changes = Array.from({ length: 10 }, (_, k) => ({
      object: 100 + k, generation: 0, kind: 'modified' as const, category: 'other' as const, role: 'page',
      description: `page ${k + 1} was rewritten with content that was not signed by anyone listed in this report`,
    }));
    return s;
  });
  return r;
}

// ---- tools ----------------------------------------------------------------------------------------

const have = (cmd: string): boolean => spawnSync(cmd, ['-v']).error === undefined;
const missingTools = ['pdftotext', 'pdfinfo', 'pdffonts', 'qpdf'].some((c) => !have(c)) ? 'poppler-utils or qpdf not installed' : false;

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'kyso-report-pdf-')); });
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

let n = 0;
async function render(report: DocumentReport, lang: ReportLang, title?: string): Promise<{ file: string; bytes: Uint8Array }> {
  const bytes = await renderReportPdf(report, { lang, fonts: FONTS, ...(title !== undefined ? { title } : {}) });
  const file = join(dir, `report-${++n}.pdf`);
  writeFileSync(file, bytes);
  return { file, bytes };
}

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The text of a page (or all pages), as poppler extracts it — not normalised, so NFC is tested. */
const textOf = (file: string, page?: number): string =>
  run('pdftotext', [...(page ? ['-f', String(page), '-l', String(page)] : []), '-enc', 'UTF-8', file, '-']).out;
const pagesOf = (file: string): number => Number(/^Pages:\s+(\d+)/m.exec(run('pdfinfo', [file]).out)?.[1]);

function assertQpdfClean(file: string): void {
  const q = run('qpdf', ['--check', file]);
  assert.equal(q.status, 0, q.out);
  assert.match(q.out, /No syntax or stream encoding errors found/);
}

// ---- tests ----------------------------------------------------------------------------------------

describe('renderReportPdf', { skip: missingTools }, () => {
  test('a valid Decree 30 document: the verdict, then the signers with their diacritics (vi)', async () => {
    const { file, bytes } = await render(passing(), 'vi');
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 5)), '%PDF-');
    assertQpdfClean(file);
    const text = textOf(file);
    for (const s of [
      'BÁO CÁO KIỂM TRA CHỮ KÝ SỐ', 'KẾT LUẬN: Văn bản hợp lệ.', 'Nguyễn Văn An', 'Ủy ban nhân dân tỉnh Nghệ An',
      'chữ ký của người có thẩm quyền', 'chữ ký số của cơ quan (con dấu)', '15/QĐ-UBND', 'Đối chiếu Nghị định 30/2020/NĐ-CP',
      '5f0c6a1e9b7d2c4a8e3f1b6d9a0c2e4f7b1d3a5c8e0f2a4c6e8b0d2f4a6c8e0b', '245.678 byte',
    ]) assert.ok(text.includes(s), `pdftotext finds "${s}":\n${text}`);
    // The verdict first, then the document facts, then the signatures in file order.
    const at = (s: string): number => text.indexOf(s);
    assert.ok(at('KẾT LUẬN') < at('Thông tin văn bản') && at('Thông tin văn bản') < at('Chữ ký 1/2') && at('Chữ ký 1/2') < at('Chữ ký 2/2'), text);
    const pages = pagesOf(file);
    assert.ok(text.includes(`Trang 1/${pages}`), text);
    // Both fonts embedded as subsets with a ToUnicode map (that is what lets pdftotext read the words back).
    const fonts = run('pdffonts', [file]).out;
    assert.match(fonts, /\+LiberationSerif\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    assert.match(fonts, /\+LiberationSerif-Bold\s+CID TrueType\s+Identity-H\s+yes yes yes/);
  });

  test('English with lang "en"', async () => {
    const { file } = await render(passing(), 'en');
    assertQpdfClean(file);
    const text = textOf(file);
    for (const s of ['DIGITAL SIGNATURE VERIFICATION REPORT', 'CONCLUSION: The document is valid.', 'Nguyễn Văn An', 'Signature 1 of 2', 'Page 1/']) {
      assert.ok(text.includes(s), `pdftotext finds "${s}":\n${text}`);
    }
    assert.ok(!text.includes('KẾT LUẬN') && !text.includes('Trang '), text);
  });

  const verdicts: Array<[string, () => DocumentReport, string, string, [number, number, number]]> = [
    ['HASH_FAILURE', hashFailure, 'KẾT LUẬN: Chữ ký không hợp lệ.', SUB_INDICATION_TEXT.HASH_FAILURE.vi, [0.99, 0.91, 0.91]],
    ['NO_CERTIFICATE_CHAIN_FOUND', noChain, 'KẾT LUẬN: Chưa xác định được tính hợp lệ của chữ ký.', SUB_INDICATION_TEXT.NO_CERTIFICATE_CHAIN_FOUND.vi, [1, 0.95, 0.83]],
    ['disallowed changes', disallowedChanges, 'KẾT LUẬN: Chữ ký không hợp lệ.', SUB_INDICATION_TEXT.SIG_CONSTRAINTS_FAILURE.vi, [0.99, 0.91, 0.91]],
    ['passed', passing, 'KẾT LUẬN: Văn bản hợp lệ.', 'Cả 2 chữ ký số trên văn bản đều hợp lệ.', [0.9, 0.97, 0.9]],
  ];
  for (const [name, make, headline, why, fill] of verdicts) {
    test(`${name}: the verdict and its reason, in a box of the verdict's colour`, async () => {
      const { file } = await render(make(), 'vi');
      assertQpdfClean(file);
      const text = textOf(file).replace(/\s+/g, ' ');
      assert.ok(text.includes(headline), `pdftotext finds "${headline}":\n${text}`);
      assert.ok(text.includes(why), `pdftotext finds "${why}":\n${text}`);
      // The first filled path of page 1 is the verdict box (a rounded rectangle): its fill colour.
      const qdf = join(dir, `qdf-${++n}.pdf`);
      assert.equal(run('qpdf', ['--qdf', '--object-streams=disable', file, qdf]).status, 0);
      const content = readFileSync(qdf, 'latin1');
      const firstFill = /([\d.]+) ([\d.]+) ([\d.]+) rg\s+[\d.]+ [\d.]+ m\b/.exec(content);
      assert.ok(firstFill, 'a filled rectangle');
      assert.deepEqual(firstFill.slice(1, 4).map(Number), fill);
    });
  }

  test('a long report spans several pages, each numbered "Trang N/M"', async () => {
    const { file } = await render(longReport(), 'vi');
    assertQpdfClean(file);
    const pages = pagesOf(file);
    assert.ok(pages > 1, `${pages} pages`);
    for (let p = 1; p <= pages; p++) {
      const text = textOf(file, p);
      assert.ok(text.includes(`Trang ${p}/${pages}`), `page ${p} says "Trang ${p}/${pages}":\n${text}`);
      assert.ok(!new RegExp(`Trang (?!${p}/${pages}\\b)\\d+/\\d+`).test(text), `page ${p} has no other page number`);
    }
    const all = textOf(file);
    for (let i = 1; i <= 8; i++) assert.ok(all.includes(`Trần Thị Bích Ngọc ${i}`), `signer ${i} is in the report`);
    // Long lines wrap inside the page: every word of a long description survives.
    assert.ok(all.replace(/\s+/g, ' ').includes('page 10 was rewritten with content that was not signed by anyone listed in this report'));
  });

  test('NFD input is drawn as NFC; a character the font lacks becomes "?"; the title can be replaced', async () => {
    const r = passing();
    r.signatures[0]!.signer!.commonName = 'Nguyễn Văn An'.normalize('NFD');
    r.signatures[0]!.reason = 'Ký duyệt ✓ 中文';
    const { file } = await render(r, 'vi', 'BÁO CÁO KIỂM TRA — BẢN SAO');
    assertQpdfClean(file);
    const text = textOf(file);
    assert.ok(text.includes('Họ và tên'), text);
    assert.ok(text.includes('Nguyễn Văn An'), 'the name extracts as NFC');
    assert.ok(!text.includes('Nguyễn Văn An'.normalize('NFD')), 'no NFD left');
    assert.ok(text.includes('Ký duyệt ? ??'), text);
    assert.ok(text.includes('BÁO CÁO KIỂM TRA — BẢN SAO'), text);
    assert.match(run('pdfinfo', [file]).out, /^Title:\s+BÁO CÁO KIỂM TRA — BẢN SAO$/m);
  });

  test('the document dates are the validation time, not the clock', async () => {
    const { file } = await render(passing(), 'vi');
    const info = run('pdfinfo', ['-isodates', file]).out;
    assert.match(info, /^CreationDate:\s+2026-03-10T02:00:00(Z|\+00)/m);
    assert.match(info, /^ModDate:\s+2026-03-10T02:00:00(Z|\+00)/m);
  });
});
