/**
 * The citizen-facing summary of a validation report (summary.ts) and the JSON Schema of the report
 * (docs/verification-report.schema.json). Fixtures are hand-made: the schema's own example (a
 * passing two-signature Decree 30 document: the official, then the agency seal) and variants of it —
 * a HASH_FAILURE, an INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND and one with disallowed changes.
 * The schema is checked with a small validator for exactly the keywords the schema uses, written
 * here rather than taken as a dependency; it refuses any other keyword so the schema cannot drift
 * into what it does not check.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REPORT_SCHEMA_VERSION, type DocumentReport, type SubIndication } from './report.ts';
import {
  CHANGE_CATEGORY_TEXT, FINDING_TEXT, SUB_INDICATION_TEXT, changeCategoryText, describeReport, findingText,
  formatReportTime, indicationLabel, subIndicationText, summariseReport, type ReportLang,
} from './summary.ts';

// ---- fixtures -------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const SCHEMA_URL = new URL('../../../../../docs/verification-report.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as { [k: string]: Json } & { examples: Json[] };

/** The schema's example: a valid Decree 30 document signed by the official, then sealed by the agency. */
const passing = (): DocumentReport => structuredClone(schema.examples[0]) as unknown as DocumentReport;

/** The seal signature's signed bytes were altered: HASH_FAILURE. */
function hashFailure(): DocumentReport {
  const r = passing();
  const s = r.signatures[1]!;
  s.indication = 'TOTAL_FAILED';
  s.subIndication = 'HASH_FAILURE';
  s.reasons = ['the digest of the signed bytes does not match the message-digest attribute'];
  s.integrity.digestMatches = false;
  r.indication = 'TOTAL_FAILED';
  r.subIndication = 'HASH_FAILURE';
  r.decree30.complete = false;
  r.decree30.notes = ['signature 2 (ConDauCoQuan) is not valid'];
  return r;
}

/** One official signature from a CA nobody trusts: INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND. */
function noChain(): DocumentReport {
  const r = passing();
  const s = r.signatures[0]!;
  r.signatures = [s];
  s.indication = 'INDETERMINATE';
  s.subIndication = 'NO_CERTIFICATE_CHAIN_FOUND';
  s.reasons = ['no certification path from the signer certificate to a trust anchor'];
  s.signer!.issuer = 'CN=Unknown Private CA,O=Example,C=VN';
  delete s.chain;
  s.revocation = { status: 'not-checked' };
  delete s.time.signatureTimestamp;
  s.time.usedForValidation = r.validationTime;
  s.level = 'B-B';
  s.integrity.coversWholeDocument = true;
  s.modifications = {
    signedRevisionEnd: 205602, laterRevisions: 0, changes: [], categories: [], pagesAdded: 0, pagesRemoved: 0,
    findings: [], verdict: 'none', reasons: [],
  };
  r.document = { ...r.document, size: 205602, revisions: 2 };
  r.indication = 'INDETERMINATE';
  r.subIndication = 'NO_CERTIFICATE_CHAIN_FOUND';
  r.decree30 = {
    hasOfficialSignature: true, hasAgencySignature: false, agencyAfterOfficial: false, complete: false,
    notes: ['no signature of an agency (seal certificate with an agency code)'],
  };
  return r;
}

/** Page 1 rewritten, a font swapped and a page added after both signatures: SIG_CONSTRAINTS_FAILURE. */
function disallowedChanges(): DocumentReport {
  const r = passing();
  for (const s of r.signatures) {
    s.integrity.coversWholeDocument = false;
    s.indication = 'TOTAL_FAILED';
    s.subIndication = 'SIG_CONSTRAINTS_FAILURE';
    s.reasons = ['the document was changed after this signature: the content of page 1 was replaced; a page was added'];
    s.modifications = {
      signedRevisionEnd: s.modifications.signedRevisionEnd,
      laterRevisions: s.modifications.laterRevisions + 1,
      changes: [
        ...s.modifications.changes,
        { object: 7, generation: 0, kind: 'modified', category: 'other', role: 'content stream of page 1', description: 'the content stream of page 1 was replaced' },
        { object: 60, generation: 0, kind: 'added', category: 'other', role: 'font', description: 'a font replacing F1 on page 1' },
        { object: 61, generation: 0, kind: 'added', category: 'annotations', role: 'FreeText annotation of page 1', description: 'a FreeText annotation on page 1' },
        { object: 63, generation: 0, kind: 'modified', category: 'other', role: 'widget of signature field "ChuKyLanhDao"', keys: ['AP'], description: 'appearance replaced' },
        { object: 62, generation: 0, kind: 'added', category: 'other', role: 'page', description: 'page 3' },
        { object: 700, generation: 0, kind: 'added', category: 'validation-data', role: 'DSS', description: 'the DSS dictionary' },
      ],
      categories: [...new Set([...s.modifications.categories, 'other' as const, 'annotations' as const, 'validation-data' as const])],
      pagesAdded: 1,
      pagesRemoved: 0,
      findings: ['page-content-replaced', 'font-replaced', 'shadow-replace', 'pages-changed', 'appended-content'],
      verdict: 'disallowed',
      reasons: ['the content of page 1 was replaced after the signature', 'a page was added after the signature'],
    };
  }
  r.document = { ...r.document, size: 262144, pages: 3, revisions: 4 };
  r.indication = 'TOTAL_FAILED';
  r.subIndication = 'SIG_CONSTRAINTS_FAILURE';
  r.decree30.complete = false;
  r.decree30.notes = ['signature 1 (ChuKyLanhDao) is not valid', 'signature 2 (ConDauCoQuan) is not valid'];
  r.problems = ['812 bytes were added after the last signature'];
  return r;
}

/** The passing document, then validation data and a document time-stamp: PAdES B-LTA. */
function withDocTimestamp(): DocumentReport {
  const r = passing();
  const seal = r.signatures[1]!;
  seal.integrity.coversWholeDocument = false;
  seal.level = 'B-LTA';
  seal.modifications = { ...seal.modifications, laterRevisions: 1, categories: ['validation-data'], verdict: 'allowed' };
  const ts = structuredClone(seal);
  Object.assign(ts, { index: 3, fieldName: 'Timestamp1', kind: 'doc-timestamp', subFilter: 'ETSI.RFC3161', level: 'none' });
  ts.signer = { ...ts.signer!, subject: 'CN=Kyso Test TSA,O=Kyso Test,C=VN', commonName: 'Kyso Test TSA', organization: 'Kyso Test', profile: 'other' };
  delete ts.signer.agencyCode;
  delete ts.docNumber;
  delete ts.docDate;
  ts.integrity.coversWholeDocument = true;
  ts.time = { usedForValidation: '2026-03-10T01:00:00Z' };
  ts.modifications = { ...ts.modifications, laterRevisions: 0, categories: [], verdict: 'none' };
  r.signatures.push(ts);
  r.document = { ...r.document, revisions: 4 };
  return r;
}

/** The passing document, the seal's update also rewriting /Info /ModDate and the XMP metadata (as Acrobat does): allowed. */
function metadataUpdated(): DocumentReport {
  const r = passing();
  const m = r.signatures[0]!.modifications;
  m.changes.push(
    { object: 5, generation: 0, kind: 'modified', category: 'metadata', role: 'XMP metadata', keys: ['(stream data)'], description: 'XMP metadata changed (stream data)' },
    { object: 6, generation: 0, kind: 'modified', category: 'metadata', role: 'document information dictionary (/Info)', keys: ['ModDate'], description: 'document information dictionary (/Info) changed (/ModDate)' },
  );
  m.categories = ['metadata', 'signature-fields'];
  m.findings = ['metadata-changed'];
  return r;
}

/** No signature at all: TOTAL_FAILED / SIGNED_DATA_NOT_FOUND. */
function unsigned(): DocumentReport {
  const r = passing();
  r.signatures = [];
  r.indication = 'TOTAL_FAILED';
  r.subIndication = 'SIGNED_DATA_NOT_FOUND';
  r.decree30 = {
    hasOfficialSignature: false, hasAgencySignature: false, agencyAfterOfficial: false, complete: false,
    notes: ['no signature of an official (personal certificate with a CCCD number)', 'no signature of an agency (seal certificate with an agency code)'],
  };
  r.problems = ['the document has no signature'];
  return r;
}

const FIXTURES: Record<string, () => DocumentReport> = { passing, hashFailure, noChain, disallowedChanges, withDocTimestamp, metadataUpdated, unsigned };
const LANGS: ReportLang[] = ['vi', 'en'];

/** Every code in a report the summary must translate. */
function codesOf(r: DocumentReport): { subs: string[]; findings: string[]; categories: string[] } {
  const subs = new Set<string>();
  const findings = new Set<string>();
  const categories = new Set<string>();
  if (r.subIndication) subs.add(r.subIndication);
  for (const s of r.signatures) {
    if (s.subIndication) subs.add(s.subIndication);
    for (const f of s.modifications.findings) findings.add(f);
    for (const c of s.modifications.categories) categories.add(c);
  }
  return { subs: [...subs], findings: [...findings], categories: [...categories] };
}

const firstLine = (s: string): string => s.split('\n')[0]!;

// ---- the summary ----------------------------------------------------------------------------------

describe('summariseReport', () => {
  test('a valid Decree 30 document: verdict first, then who, when, what (vi)', () => {
    const text = summariseReport(passing(), 'vi');
    assert.equal(firstLine(text), 'KẾT LUẬN: Văn bản hợp lệ.');
    assert.equal(text, text.normalize('NFC'));
    for (const s of [
      'Cả 2 chữ ký số trên văn bản đều hợp lệ.',
      'Văn bản có đủ chữ ký của người có thẩm quyền và chữ ký số của cơ quan theo Nghị định 30/2020/NĐ-CP.',
      'Chữ ký 1/2: Nguyễn Văn An', 'Chữ ký 2/2: Ủy ban nhân dân tỉnh Nghệ An',
      'Họ và tên: Nguyễn Văn An', 'Chức vụ: Chủ tịch', 'Cơ quan, tổ chức: Ủy ban nhân dân tỉnh Nghệ An',
      'Mã định danh (UID): CCCD:040085000123', 'Mã định danh cơ quan: 000.00.00.H41',
      'Loại chữ ký: chữ ký của người có thẩm quyền', 'Loại chữ ký: chữ ký số của cơ quan (con dấu)',
      'Thời điểm ký do người ký ghi: 08:15:00 ngày 09/03/2026 (giờ Việt Nam)',
      'Dấu thời gian: 08:15:02 ngày 09/03/2026 (giờ Việt Nam), do “Kyso Test TSA” cấp — hợp lệ',
      'Nội dung đã ký: còn nguyên vẹn, không bị sửa đổi',
      'Chuỗi chứng thư số: hợp lệ, tới tổ chức chứng thực tin cậy “Kyso Test Root CA”',
      'Đường dẫn chứng thư: Nguyễn Văn An → Kyso Test Issuing CA → Kyso Test Root CA',
      'Tình trạng: chứng thư số chưa bị thu hồi', 'Nguồn thông tin: dữ liệu kèm theo chữ ký (CMS)',
      'Nguồn thông tin: tra cứu trực tuyến qua OCSP',
      'Mức chữ ký: PAdES B-LT (kèm dữ liệu để kiểm tra lâu dài)', 'Mức chữ ký: PAdES B-T (có dấu thời gian tin cậy)',
      'Đánh giá: có thay đổi sau khi ký, nhưng đều là thay đổi được phép', 'Đánh giá: không có thay đổi nào sau khi ký',
      'Số, ký hiệu văn bản: 15/QĐ-UBND', 'Đối chiếu Nghị định 30/2020/NĐ-CP',
      'Đủ chữ ký theo quy định: có chữ ký của người có thẩm quyền và chữ ký số của cơ quan',
      'Thứ tự ký: đúng — cơ quan ký số sau người có thẩm quyền',
      'Mã băm SHA-256 của tệp: 5f0c6a1e', 'Kích thước: 245.678 byte',
    ]) assert.ok(text.includes(s), `summary contains "${s}":\n${text}`);
    // Allowed changes are told by their kind, not object by object.
    assert.ok(!text.includes('đối tượng 41'), text);
    // Blocks in file order, the verdict before any of them.
    assert.ok(text.indexOf('Chữ ký 1/2') < text.indexOf('Chữ ký 2/2'));
    assert.ok(text.indexOf('Chữ ký 2/2') < text.indexOf('Đối chiếu Nghị định 30'));
  });

  test('the same in English', () => {
    const text = summariseReport(passing(), 'en');
    assert.equal(firstLine(text), 'CONCLUSION: The document is valid.');
    for (const s of [
      'All 2 signatures on the document are valid.', 'Signature 1 of 2: Nguyễn Văn An', 'Kind of signature: signature of the competent official',
      'Kind of signature: digital signature of the agency (seal)', 'Signed content: intact, not altered',
      'Signing time stated by the signer: 2026-03-09 08:15:00 (UTC+07:00)', 'Size: 245,678 bytes',
      'Complete: signed by the competent official and by the agency',
    ]) assert.ok(text.includes(s), `summary contains "${s}":\n${text}`);
    assert.doesNotMatch(text, /KẾT LUẬN|Chữ ký|người có thẩm quyền/);
  });

  test('Vietnamese is the default language', () => {
    assert.equal(summariseReport(passing()), summariseReport(passing(), 'vi'));
  });

  test('HASH_FAILURE: "Chữ ký không hợp lệ", which signature and why', () => {
    const vi = summariseReport(hashFailure(), 'vi');
    assert.equal(firstLine(vi), 'KẾT LUẬN: Chữ ký không hợp lệ.');
    assert.ok(vi.includes(`Chữ ký 2 (Ủy ban nhân dân tỉnh Nghệ An): ${SUB_INDICATION_TEXT.HASH_FAILURE.vi}.`), vi);
    assert.ok(vi.includes('Nội dung đã ký: ĐÃ BỊ THAY ĐỔI sau khi ký'), vi);
    assert.ok(vi.includes('Chưa đủ chữ ký hợp lệ theo quy định — chữ ký số của cơ quan (chữ ký 2) không hợp lệ'), vi);
    assert.ok(vi.includes('Không nên sử dụng văn bản này như văn bản gốc'), vi);
    const en = summariseReport(hashFailure(), 'en');
    assert.equal(firstLine(en), 'CONCLUSION: Invalid signature.');
    assert.ok(en.includes(`Signature 2 (Ủy ban nhân dân tỉnh Nghệ An): ${SUB_INDICATION_TEXT.HASH_FAILURE.en}.`), en);
    assert.ok(en.includes('Signed content: ALTERED after signing'), en);
    assert.ok(en.includes("Incomplete — the agency's signature (signature 2) is not valid"), en);
  });

  test('NO_CERTIFICATE_CHAIN_FOUND: "Chưa xác định được"', () => {
    const vi = summariseReport(noChain(), 'vi');
    assert.equal(firstLine(vi), 'KẾT LUẬN: Chưa xác định được tính hợp lệ của chữ ký.');
    assert.ok(vi.includes(`Kết quả: Chưa xác định được — ${SUB_INDICATION_TEXT.NO_CERTIFICATE_CHAIN_FOUND.vi}`), vi);
    assert.ok(vi.includes('Chuỗi chứng thư số: chưa xác lập được tới tổ chức chứng thực tin cậy'), vi);
    assert.ok(vi.includes('Tình trạng: chưa được kiểm tra'), vi);
    assert.ok(vi.includes('Chữ ký số của cơ quan (con dấu): KHÔNG CÓ'), vi);
    assert.ok(vi.includes('Dấu thời gian: không có'), vi);
    const en = summariseReport(noChain(), 'en');
    assert.equal(firstLine(en), 'CONCLUSION: The validity of the signatures could not be determined.');
    assert.ok(en.includes(`Result: Indeterminate — ${SUB_INDICATION_TEXT.NO_CERTIFICATE_CHAIN_FOUND.en}`), en);
  });

  test('disallowed changes: every category and finding in plain words, pages counted', () => {
    const vi = summariseReport(disallowedChanges(), 'vi');
    assert.equal(firstLine(vi), 'KẾT LUẬN: Chữ ký không hợp lệ.');
    for (const s of [
      'Đánh giá: có thay đổi KHÔNG được phép sau khi ký', 'đã thêm 1 trang', FINDING_TEXT['shadow-replace']!.vi,
      CHANGE_CATEGORY_TEXT.other.vi, CHANGE_CATEGORY_TEXT.annotations.vi, 'sửa nội dung trang 1 (đối tượng 7 0)',
      'thêm ghi chú FreeText của trang 1 (đối tượng 61 0)', 'sửa ô hiển thị của ô chữ ký "ChuKyLanhDao" (đối tượng 63 0)',
      'thêm phông chữ (đối tượng 60 0)', 'Vấn đề của tệp văn bản', '812 bytes were added after the last signature',
      'Lưu ý: phát hiện 1 vấn đề trong tệp văn bản',
    ]) assert.ok(vi.includes(s), `summary contains "${s}":\n${vi}`);
    // Validation data is no change of content: not listed object by object.
    assert.ok(!vi.includes('đối tượng 700'), vi);
    const en = summariseReport(disallowedChanges(), 'en');
    assert.ok(en.includes('Assessment: changed after signing in a way that is NOT allowed'), en);
    assert.ok(en.includes('1 page added'), en);
    assert.ok(en.includes('content stream of page 1 modified (object 7 0)'), en);
  });

  test('a document time-stamp after the signatures (B-LTA)', () => {
    const r = withDocTimestamp();
    const vi = summariseReport(r, 'vi');
    for (const s of [
      'Cả 2 chữ ký số và 1 dấu thời gian văn bản trên văn bản đều hợp lệ.', 'Dấu thời gian văn bản 3/3: Kyso Test TSA',
      'Đơn vị cấp dấu thời gian', 'Thời điểm được xác nhận: 08:00:00 ngày 10/03/2026 (giờ Việt Nam)',
      'Mức chữ ký: PAdES B-LTA (lưu trữ lâu dài, có dấu thời gian văn bản)', 'Số chữ ký: 2 chữ ký, 1 dấu thời gian văn bản',
      CHANGE_CATEGORY_TEXT['validation-data'].vi,
    ]) assert.ok(vi.includes(s), `summary contains "${s}":\n${vi}`);
    const tsBlock = vi.slice(vi.indexOf('Dấu thời gian văn bản 3/3'));
    assert.ok(!tsBlock.includes('Loại chữ ký') && !tsBlock.includes('Thời điểm ký do người ký ghi'), tsBlock);
    assert.ok(summariseReport(r, 'en').includes('All 2 signatures and 1 document time-stamp on the document are valid.'));
  });

  test('document metadata updated after signing: allowed, shown without a warning', () => {
    const r = metadataUpdated();
    const vi = summariseReport(r, 'vi');
    assert.equal(firstLine(vi), 'KẾT LUẬN: Văn bản hợp lệ.');
    for (const s of [
      'Nội dung văn bản không bị thay đổi sau khi ký; các lần cập nhật sau đó chỉ là ký tiếp, bổ sung dữ liệu kiểm tra chữ ký hoặc cập nhật thông tin mô tả tệp.',
      'Đánh giá: có thay đổi sau khi ký, nhưng đều là thay đổi được phép', CHANGE_CATEGORY_TEXT.metadata.vi, FINDING_TEXT['metadata-changed']!.vi,
    ]) assert.ok(vi.includes(s), `summary contains "${s}":\n${vi}`);
    const en = summariseReport(r, 'en');
    assert.ok(en.includes('the later updates only add signatures or validation data, or update the document metadata'), en);
    assert.ok(en.includes(CHANGE_CATEGORY_TEXT.metadata.en), en);
    const rows = describeReport(r, 'vi').sections.flatMap((s) => s.groups.flatMap((g) => g.rows));
    for (const text of [CHANGE_CATEGORY_TEXT.metadata.vi, FINDING_TEXT['metadata-changed']!.vi]) assert.equal(rows.find((x) => x.value === text)?.tone, 'neutral', text);
    // Objects are listed only for disallowed changes.
    assert.ok(!vi.includes('đối tượng 6 0'), vi);
  });

  test('a file without any signature', () => {
    assert.equal(firstLine(summariseReport(unsigned(), 'vi')), 'KẾT LUẬN: Văn bản chưa được ký số.');
    assert.equal(firstLine(summariseReport(unsigned(), 'en')), 'CONCLUSION: The document is not signed.');
  });

  for (const [name, make] of Object.entries(FIXTURES)) {
    for (const lang of LANGS) {
      test(`every code in the "${name}" fixture is translated (${lang})`, () => {
        const r = make();
        const text = summariseReport(r, lang);
        const { subs, findings, categories } = codesOf(r);
        for (const c of subs) {
          assert.ok(Object.hasOwn(SUB_INDICATION_TEXT, c), `${c} has a translation`);
          if (r.signatures.length > 0) assert.ok(text.includes(subIndicationText(c, lang)), `${c} is shown as "${subIndicationText(c, lang)}"`);
          assert.ok(!text.includes(c), `the raw code ${c} is not shown:\n${text}`);
        }
        for (const f of findings) {
          assert.ok(Object.hasOwn(FINDING_TEXT, f), `${f} has a translation`);
          assert.ok(text.includes(findingText(f, lang)), `${f} is shown as "${findingText(f, lang)}"`);
          assert.ok(!text.includes(f), `the raw code ${f} is not shown:\n${text}`);
        }
        for (const c of categories) assert.ok(text.includes(changeCategoryText(c, lang)), `${c} is shown as "${changeCategoryText(c, lang)}"`);
      });
    }
  }

  test('an unknown code is shown as the code itself', () => {
    const r = disallowedChanges();
    r.signatures[0]!.modifications.findings.push('mystery-finding');
    r.signatures[0]!.subIndication = 'SOME_NEW_SUB' as SubIndication;
    for (const lang of LANGS) {
      const text = summariseReport(r, lang);
      assert.ok(text.includes('• mystery-finding'), text);
      assert.ok(text.includes('SOME_NEW_SUB'), text);
    }
    assert.equal(findingText('mystery-finding', 'vi'), 'mystery-finding');
    assert.equal(findingText('toString', 'vi'), 'toString');
    assert.equal(subIndicationText('SOME_NEW_SUB', 'en'), 'SOME_NEW_SUB');
    assert.equal(changeCategoryText('brand-new', 'vi'), 'brand-new');
  });

  test('the view and the text say the same thing', () => {
    const r = hashFailure();
    const v = describeReport(r, 'vi');
    const text = summariseReport(r, 'vi');
    assert.equal(v.verdict.tone, 'failed');
    assert.ok(text.startsWith(v.verdict.headline));
    for (const s of v.sections) {
      assert.ok(text.includes(s.heading), s.heading);
      for (const g of s.groups) for (const row of g.rows) assert.ok(text.includes(row.value), row.value);
    }
    assert.deepEqual(describeReport(passing(), 'vi').sections.slice(1, 3).map((s) => s.verdict?.tone), ['passed', 'passed']);
    assert.equal(describeReport(noChain(), 'vi').verdict.tone, 'indeterminate');
  });
});

describe('indicationLabel and the tables', () => {
  test('labels', () => {
    assert.equal(indicationLabel('TOTAL_PASSED', undefined, 'vi'), 'Hợp lệ');
    assert.equal(indicationLabel('TOTAL_PASSED', undefined, 'en'), 'Valid');
    assert.equal(indicationLabel('TOTAL_FAILED', 'HASH_FAILURE', 'vi'), `Không hợp lệ — ${SUB_INDICATION_TEXT.HASH_FAILURE.vi}`);
    assert.equal(indicationLabel('TOTAL_FAILED', 'REVOKED', 'en'), `Not valid — ${SUB_INDICATION_TEXT.REVOKED.en}`);
    assert.equal(indicationLabel('INDETERMINATE', 'TRY_LATER', 'vi'), `Chưa xác định được — ${SUB_INDICATION_TEXT.TRY_LATER.vi}`);
    assert.equal(indicationLabel('INDETERMINATE', undefined, 'en'), 'Indeterminate');
    assert.equal(indicationLabel('INDETERMINATE', 'SOME_NEW_SUB', 'vi'), 'Chưa xác định được — SOME_NEW_SUB');
  });

  const VI_LETTER = /[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]/iu;
  test('every sub-indication of the schema and every finding named in report.ts has vi and en words', () => {
    const subs = ((schema.$defs as { [k: string]: { enum: string[] } }).SubIndication!).enum;
    assert.deepEqual([...subs].sort(), Object.keys(SUB_INDICATION_TEXT).sort());
    const reportTs = readFileSync(new URL('./report.ts', import.meta.url), 'utf8');
    const named = /Named findings:([\s\S]*?)\*\//.exec(reportTs)?.[1] ?? '';
    const findings = [...named.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
    assert.ok(findings.length >= 14, `report.ts names its findings: ${findings.join(', ')}`);
    for (const [code, p] of [...Object.entries(SUB_INDICATION_TEXT), ...findings.map((f) => [f, FINDING_TEXT[f]] as const), ...Object.entries(CHANGE_CATEGORY_TEXT)]) {
      assert.ok(p, `${code} has a translation`);
      assert.match(p.vi, VI_LETTER, `${code}: Vietnamese with diacritics`);
      assert.equal(p.vi, p.vi.normalize('NFC'), `${code}: NFC`);
      assert.doesNotMatch(p.en, VI_LETTER, `${code}: English`);
    }
  });

  test('every finding the modification analysis can report has vi and en words', (t) => {
    const url = new URL('./modifications.ts', import.meta.url);
    let src: string;
    try { src = readFileSync(url, 'utf8'); } catch { t.skip('modifications.ts not present'); return; }
    const codes = new Set([...src.matchAll(/finding: '([a-z-]+)'|fail\('([a-z-]+)'|findings\.add\('([a-z-]+)'/g)].map((m) => (m[1] ?? m[2] ?? m[3])!));
    assert.ok(codes.size >= 10, [...codes].join(', '));
    const untranslated = [...codes].filter((c) => !Object.hasOwn(FINDING_TEXT, c));
    assert.deepEqual(untranslated, []);
  });

  test('times are shown in Vietnam time whatever their zone; other strings as they are', () => {
    assert.equal(formatReportTime('2026-03-09T17:30:00Z', 'vi'), '00:30:00 ngày 10/03/2026 (giờ Việt Nam)');
    assert.equal(formatReportTime('2026-03-10T00:30:00+07:00', 'en'), '2026-03-10 00:30:00 (UTC+07:00)');
    assert.equal(formatReportTime('D:20260309', 'vi'), 'D:20260309');
  });
});

// ---- the JSON Schema ------------------------------------------------------------------------------

type Schema = { [k: string]: Json };
const KEYWORDS = new Set([
  '$schema', '$id', '$defs', 'title', 'description', 'examples', // identification and annotations
  '$ref', 'type', 'const', 'enum', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems',
  'minimum', 'pattern', 'format',
]);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * JSON Schema 2020-12, the subset the report schema uses: $ref to #/$defs, type, const, enum,
 * properties, required, additionalProperties false, items, minItems, maxItems, minimum, pattern and
 * the date-time format (asserted). Returns the errors as "path: message".
 */
function validate(root: Schema, s: Schema, v: unknown, path = '$', errors: string[] = []): string[] {
  for (const k of Object.keys(s)) if (!KEYWORDS.has(k)) throw new Error(`${path}: keyword "${k}" is not supported by this validator`);
  if (typeof s.$ref === 'string') {
    const m = /^#\/\$defs\/([A-Za-z0-9]+)$/.exec(s.$ref);
    const target = m ? (root.$defs as { [k: string]: Schema } | undefined)?.[m[1]!] : undefined;
    if (!target) throw new Error(`${path}: unresolvable $ref ${s.$ref}`);
    validate(root, target, v, path, errors);
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type as string[] : [s.type as string];
    const t = typeOf(v);
    const ok = types.some((x) => x === t || (x === 'integer' && t === 'number' && Number.isInteger(v)));
    if (!ok) { errors.push(`${path}: expected ${types.join(' or ')}, got ${t}`); return errors; }
  }
  if ('const' in s && !sameJson(v, s.const)) errors.push(`${path}: must be ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.some((e) => sameJson(e, v))) errors.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
  if (typeof v === 'string') {
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) errors.push(`${path}: does not match ${s.pattern}`);
    if (s.format === 'date-time' && (!RFC3339.test(v) || Number.isNaN(Date.parse(v)))) errors.push(`${path}: not an RFC 3339 date-time`);
  }
  if (typeof v === 'number' && typeof s.minimum === 'number' && v < s.minimum) errors.push(`${path}: below ${s.minimum}`);
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems} items`);
    if (s.items && typeof s.items === 'object') v.forEach((x, i) => validate(root, s.items as Schema, x, `${path}[${i}]`, errors));
  }
  if (typeOf(v) === 'object') {
    const o = v as { [k: string]: unknown };
    const props = (s.properties ?? {}) as { [k: string]: Schema };
    for (const r of (s.required ?? []) as string[]) if (!(r in o)) errors.push(`${path}: missing ${r}`);
    for (const [k, x] of Object.entries(o)) {
      if (Object.hasOwn(props, k)) validate(root, props[k]!, x, `${path}.${k}`, errors);
      else if (s.additionalProperties === false) errors.push(`${path}: unexpected property ${k}`);
    }
  }
  return errors;
}

describe('docs/verification-report.schema.json', () => {
  test('draft 2020-12, schemaVersion const "1.0" (report.ts REPORT_SCHEMA_VERSION)', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual((schema.properties as Schema).schemaVersion, { description: (((schema.properties as Schema).schemaVersion) as Schema).description, const: REPORT_SCHEMA_VERSION });
  });

  for (const [name, make] of Object.entries(FIXTURES)) {
    test(`the "${name}" fixture validates`, () => {
      assert.deepEqual(validate(schema, schema, JSON.parse(JSON.stringify(make()))), []);
    });
  }

  test('the validator catches what the schema forbids', () => {
    const bad = (edit: (r: Record<string, any>) => void): string[] => {
      const r = JSON.parse(JSON.stringify(passing())) as Record<string, any>;
      edit(r);
      return validate(schema, schema, r);
    };
    assert.match(bad((r) => { r.schemaVersion = '2.0'; }).join(), /\$\.schemaVersion: must be "1.0"/);
    assert.match(bad((r) => { delete r.decree30; }).join(), /\$: missing decree30/);
    assert.match(bad((r) => { r.extra = 1; }).join(), /unexpected property extra/);
    assert.match(bad((r) => { r.signatures[0].indication = 'PASSED'; }).join(), /signatures\[0\]\.indication: "PASSED" is not one of/);
    assert.match(bad((r) => { r.signatures[0].integrity.byteRange = [0, 1, 2]; }).join(), /byteRange: fewer than 4 items/);
    assert.match(bad((r) => { r.signatures[0].integrity.digestMatches = 'yes'; }).join(), /digestMatches: expected boolean or null/);
    assert.match(bad((r) => { r.signatures[1].signer.notAfter = '31/12/2029'; }).join(), /notAfter: not an RFC 3339 date-time/);
    assert.match(bad((r) => { r.document.sha256 = 'xyz'; }).join(), /document\.sha256: does not match/);
    assert.match(bad((r) => { r.signatures[0].modifications.categories.push('pages'); }).join(), /categories\[1\]: "pages" is not one of/);
    assert.match(bad((r) => { r.document.size = 1.5; }).join(), /document\.size: expected integer/);
    assert.match(bad((r) => { r.signatures[0].index = 0; }).join(), /signatures\[0\]\.index: below 1/);
    assert.deepEqual(bad((r) => { r.signatures[0].integrity.byteRange = null; }), []);
  });

  test('every property and every definition is described', () => {
    const defs = schema.$defs as { [k: string]: Schema };
    const described = (p: Schema): boolean =>
      typeof p.description === 'string' || (typeof p.$ref === 'string' && typeof defs[p.$ref.replace('#/$defs/', '')]?.description === 'string');
    const missing: string[] = [];
    const walk = (s: Schema, at: string): void => {
      for (const [k, p] of Object.entries((s.properties ?? {}) as { [k: string]: Schema })) {
        if (!described(p)) missing.push(`${at}.${k}`);
        walk(p, `${at}.${k}`);
      }
      if (s.items && typeof s.items === 'object' && !(s.items as Schema).$ref && !described(s.items as Schema)) missing.push(`${at}[]`);
    };
    walk(schema, '$');
    for (const [name, d] of Object.entries(defs)) {
      if (typeof d.description !== 'string') missing.push(`$defs.${name}`);
      walk(d, `$defs.${name}`);
    }
    assert.deepEqual(missing, []);
  });

  test('the schema has exactly the fields of report.ts, with the same optionality', () => {
    const src = readFileSync(new URL('./report.ts', import.meta.url), 'utf8');
    const fieldsOf = (name: string): Map<string, boolean> => {
      const m = new RegExp(`export interface ${name}(?: extends (\\w+))? \\{\\n([\\s\\S]*?)\\n\\}`).exec(src);
      assert.ok(m, `report.ts declares ${name}`);
      const out = m[1] ? fieldsOf(m[1]) : new Map<string, boolean>();
      for (const f of m[2]!.matchAll(/^ {2}(\w+)(\??):/gm)) out.set(f[1]!, f[2] !== '?');
      return out;
    };
    const defs = schema.$defs as { [k: string]: Schema };
    const pairs: Array<[string, Schema]> = [
      ['DocumentReport', schema], ['ObjectChange', defs.ObjectChange!], ['ModificationAnalysis', defs.ModificationAnalysis!],
      ['CertificateSummary', defs.CertificateSummary!], ['SignerSummary', defs.SignerSummary!], ['ChainReport', defs.ChainReport!],
      ['RevocationReport', defs.RevocationReport!], ['TimestampReport', defs.TimestampReport!], ['IntegrityReport', defs.IntegrityReport!],
      ['SignatureReport', defs.SignatureReport!], ['Decree30Check', defs.Decree30Check!],
    ];
    for (const [name, s] of pairs) {
      const ts = fieldsOf(name);
      const props = Object.keys(s.properties as Schema).sort();
      assert.deepEqual(props, [...ts.keys()].sort(), `${name}: same fields`);
      assert.deepEqual([...(s.required as string[])].sort(), [...ts].filter(([, req]) => req).map(([k]) => k).sort(), `${name}: same required fields`);
    }
  });
});
