/**
 * The validation report (report.ts) in words a citizen reads, Vietnamese by default (Circular
 * 15/2025/TT-BKHCN: verification software reports the signer, the time and the integrity in
 * Vietnamese). The verdict comes first, then one block per signature: who signed, when, whether the
 * signed bytes are intact (ISO 32000-2 §12.8.1), the certificate chain (RFC 5280 §6) and revocation
 * status, the PAdES level (ETSI EN 319 142-1 §6), what changed after signing (§7.5.6 incremental
 * updates, §12.8.2 DocMDP/FieldMDP) and the Decree 30/2020/NĐ-CP completeness check (Art. 5: the
 * competent official's signature and the agency's).
 *
 * Indications and sub-indications (ETSI EN 319 102-1 §5.1.3) and modification findings are
 * translated from their codes through the tables below; a code the tables do not know is shown as
 * the code itself. The free-text reasons of the report are English by contract and are shown,
 * labelled as such, under "technical details" — never mixed into the Vietnamese sentences.
 *
 * `describeReport` builds the structured view that both `summariseReport` (plain text) and
 * `renderReportPdf` (report-pdf.ts) lay out, so the two always say the same thing.
 */
import type {
  ChangeCategory, DocumentReport, Indication, ObjectChange, RevocationReport, SignatureReport, SubIndication,
} from './report.ts';

export type ReportLang = 'vi' | 'en';

/** One phrase in both languages. */
export interface Phrase { vi: string; en: string }

/** ETSI EN 319 102-1 §5.1.3 Table 5 sub-indications, in plain words. */
export const SUB_INDICATION_TEXT: Readonly<Record<SubIndication, Phrase>> = {
  FORMAT_FAILURE: {
    vi: 'chữ ký hoặc tệp văn bản bị lỗi định dạng, không đọc được',
    en: 'the signature or the file is malformed and cannot be read',
  },
  HASH_FAILURE: {
    vi: 'nội dung văn bản đã bị thay đổi sau khi ký (mã băm không khớp)',
    en: 'the content of the document was changed after signing (the digest does not match)',
  },
  SIG_CRYPTO_FAILURE: {
    vi: 'giá trị chữ ký không khớp với khóa của người ký',
    en: "the signature value does not verify with the signer's key",
  },
  REVOKED: {
    vi: 'chứng thư số của người ký đã bị thu hồi trước thời điểm ký',
    en: "the signer's certificate was revoked before the signing time",
  },
  SIG_CONSTRAINTS_FAILURE: {
    vi: 'văn bản có thay đổi không được phép sau khi ký',
    en: 'the document was changed after signing in a way the signature does not allow',
  },
  NO_SIGNING_CERTIFICATE_FOUND: {
    vi: 'không tìm thấy chứng thư số của người ký',
    en: "the signer's certificate was not found",
  },
  NO_CERTIFICATE_CHAIN_FOUND: {
    vi: 'không xác lập được chuỗi chứng thư số tới một tổ chức cung cấp dịch vụ chứng thực tin cậy',
    en: 'no certificate chain to a trusted certification authority was found',
  },
  CHAIN_CONSTRAINTS_FAILURE: {
    vi: 'chuỗi chứng thư số không hợp lệ',
    en: 'the certificate chain is not valid',
  },
  OUT_OF_BOUNDS_NO_POE: {
    vi: 'chứng thư số đã hết hạn (hoặc chưa có hiệu lực) và không có dấu thời gian chứng minh chữ ký được tạo trong thời hạn hiệu lực',
    en: 'the certificate is expired (or not yet valid) and no time-stamp proves the signature was made while it was valid',
  },
  OUT_OF_BOUNDS_NOT_REVOKED: {
    vi: 'chứng thư số đã hết hạn tại thời điểm kiểm tra, dù chưa bị thu hồi',
    en: 'the certificate is outside its validity period at the validation time, though it is not revoked',
  },
  REVOKED_NO_POE: {
    vi: 'chứng thư số đã bị thu hồi và không có bằng chứng chữ ký được tạo trước thời điểm thu hồi',
    en: 'the certificate was revoked and nothing proves the signature was made before the revocation',
  },
  TRY_LATER: {
    vi: 'chưa tra cứu được tình trạng thu hồi của chứng thư số; hãy kiểm tra lại sau',
    en: 'the revocation status of the certificate is not available now; check again later',
  },
  SIGNED_DATA_NOT_FOUND: {
    vi: 'không tìm thấy dữ liệu đã được ký',
    en: 'the signed data was not found',
  },
};

/** Named modification findings (report.ts `ModificationAnalysis.findings`), in plain words. */
export const FINDING_TEXT: Readonly<Record<string, Phrase>> = {
  'appended-content': {
    vi: 'có dữ liệu được ghi thêm vào cuối tệp sau khi ký',
    en: 'data was appended to the end of the file after signing',
  },
  'shadow-hide': {
    vi: 'một phần nội dung đã ký bị che đi bằng bản cập nhật sau khi ký (tấn công “shadow – hide”)',
    en: 'part of the signed content was hidden by a later update (“shadow – hide” attack)',
  },
  'shadow-replace': {
    vi: 'một phần nội dung đã ký bị thay thế bằng bản cập nhật sau khi ký (tấn công “shadow – replace”)',
    en: 'part of the signed content was replaced by a later update (“shadow – replace” attack)',
  },
  'shadow-hide-and-replace': {
    vi: 'nội dung đã ký bị che đi và thay thế bằng bản cập nhật sau khi ký (tấn công “shadow – hide and replace”)',
    en: 'signed content was hidden and replaced by a later update (“shadow – hide and replace” attack)',
  },
  'object-overridden': {
    vi: 'một thành phần đã ký bị ghi đè bởi bản cập nhật sau khi ký',
    en: 'a signed object was overridden by a later update',
  },
  'page-content-replaced': {
    vi: 'nội dung hiển thị của trang đã bị thay thế',
    en: 'the content of a page was replaced',
  },
  'xobject-replaced': {
    vi: 'hình ảnh hoặc khối nội dung trên trang đã bị thay thế',
    en: 'an image or content block (XObject) on a page was replaced',
  },
  'font-replaced': {
    vi: 'phông chữ đã bị thay thế (chữ có thể hiển thị khác với lúc ký)',
    en: 'a font was replaced (text may look different from when it was signed)',
  },
  'appearance-replaced': {
    vi: 'hình thức hiển thị của một ô chữ ký, trường biểu mẫu hoặc ghi chú đã bị thay thế',
    en: 'the appearance of a signature, form field or annotation was replaced',
  },
  'form-value-changed': {
    vi: 'giá trị trong biểu mẫu đã bị thay đổi',
    en: 'a form field value was changed',
  },
  'pages-changed': {
    vi: 'trang văn bản đã bị thêm, bớt hoặc sắp xếp lại',
    en: 'pages were added, removed or reordered',
  },
  'signature-dictionary-replaced': {
    vi: 'thông tin của một chữ ký đã bị thay thế',
    en: 'the dictionary of a signature was replaced',
  },
  'hidden-objects': {
    vi: 'tệp chứa các thành phần bị giấu (không nằm trong bảng tham chiếu thông thường)',
    en: 'the file holds hidden objects (outside the ordinary cross-reference entries)',
  },
  'unparseable-update': {
    vi: 'có bản cập nhật sau khi ký không đọc được, nên không phân tích được thay đổi',
    en: 'an update after signing cannot be read, so the changes cannot be analysed',
  },
  'annotation-added': { vi: 'đã thêm ghi chú hoặc đánh dấu trên trang', en: 'an annotation was added to a page' },
  'annotation-changed': { vi: 'một ghi chú hoặc đánh dấu trên trang đã bị sửa', en: 'an annotation was changed' },
  'annotation-removed': { vi: 'một ghi chú hoặc đánh dấu trên trang đã bị xóa', en: 'an annotation was removed' },
  'field-added': { vi: 'đã thêm trường biểu mẫu mới', en: 'a form field was added' },
  'field-changed': { vi: 'thuộc tính của một trường biểu mẫu đã bị thay đổi', en: 'a form field was changed' },
  'field-removed': { vi: 'một trường biểu mẫu đã bị xóa', en: 'a form field was removed' },
  'form-changed': { vi: 'cấu trúc biểu mẫu của văn bản đã bị thay đổi', en: 'the interactive form of the document was changed' },
  'page-changed': { vi: 'thuộc tính của một trang đã bị thay đổi', en: 'a page was changed' },
  'catalog-changed': { vi: 'danh mục gốc của tệp đã bị thay đổi', en: 'the document catalog was changed' },
  'catalog-replaced': { vi: 'danh mục gốc của tệp đã bị thay thế', en: 'the document catalog was replaced' },
  'structure-changed': { vi: 'cấu trúc logic của văn bản đã bị thay đổi', en: 'the logical structure of the document was changed' },
  'metadata-changed': {
    vi: 'thông tin mô tả tệp (metadata: tác giả, ngày sửa, phần mềm tạo) đã được cập nhật',
    en: 'the document metadata (author, modification date, producer) was updated',
  },
  // Reports written before the 'metadata' category named /Info changes so.
  'info-changed': { vi: 'thông tin mô tả của tệp (/Info) đã thay đổi', en: 'the document information (/Info) changed' },
  'encryption-changed': { vi: 'thông tin mã hóa của tệp đã bị thay đổi', en: 'the encryption of the file was changed' },
};

/** Modification classes (report.ts `ChangeCategory`), in plain words. */
export const CHANGE_CATEGORY_TEXT: Readonly<Record<ChangeCategory, Phrase>> = {
  'validation-data': {
    vi: 'bổ sung dữ liệu kiểm tra chữ ký (chứng thư, thông tin thu hồi, dấu thời gian) — không làm thay đổi nội dung',
    en: 'validation data added (certificates, revocation data, time-stamps) — the content is not changed',
  },
  metadata: {
    vi: 'thông tin mô tả tệp (metadata: tác giả, ngày sửa, phần mềm tạo)',
    en: 'document metadata (author, modification date, producer)',
  },
  'signature-fields': {
    vi: 'thêm hoặc ký vào ô chữ ký (ví dụ: ký tiếp, đóng dấu)',
    en: 'signature fields added or signed (e.g. a further signature or the seal)',
  },
  'form-fields': { vi: 'thay đổi giá trị trong biểu mẫu', en: 'form field values changed' },
  annotations: {
    vi: 'thêm, sửa hoặc xóa ghi chú, đánh dấu trên trang',
    en: 'annotations (comments, markups) added, changed or removed',
  },
  other: {
    vi: 'thay đổi khác đối với nội dung hoặc cấu trúc văn bản',
    en: 'other changes to the content or the structure of the document',
  },
};

/**
 * The object roles modification analysis writes (English; "page 2", "content stream of page 1",
 * "widget of signature field "X""…) in Vietnamese, by pattern; an unknown role stays as it is.
 */
const ROLE_VI: ReadonlyArray<readonly [RegExp, string]> = [
  [/^page (\d+)$/i, 'trang $1'],
  [/^content stream of page (\d+)$/i, 'nội dung trang $1'],
  [/^content stream$/i, 'nội dung trang'],
  [/^page tree node$/i, 'nút của cây trang'],
  [/^page resources$/i, 'tài nguyên của trang'],
  [/^annotation array of page (\d+)$/i, 'danh sách ghi chú của trang $1'],
  [/^(\w+) annotation of page (\d+)$/i, 'ghi chú $1 của trang $2'],
  [/^(\w+) annotation$/i, 'ghi chú $1'],
  [/^appearance stream of (?:a |an )?(\w+) annotation of page (\d+)$/i, 'hình thức hiển thị của ghi chú $1 trang $2'],
  [/^appearance stream of signature field (.+)$/i, 'hình thức hiển thị của ô chữ ký $1'],
  [/^appearance stream of field (.+)$/i, 'hình thức hiển thị của trường $1'],
  [/^signature dictionary of signature field (.+)$/i, 'thông tin chữ ký của ô $1'],
  [/^signature dictionary$/i, 'thông tin chữ ký'],
  [/^widget of signature field (.+)$/i, 'ô hiển thị của ô chữ ký $1'],
  [/^widget of field (.+)$/i, 'ô hiển thị của trường $1'],
  [/^widget$/i, 'ô hiển thị của trường'],
  [/^value of (?:signature )?field (.+)$/i, 'giá trị của trường $1'],
  [/^signature field (.+)$/i, 'ô chữ ký $1'],
  [/^field (.+)$/i, 'trường $1'],
  [/^font$/i, 'phông chữ'],
  [/^xobject$/i, 'hình ảnh hoặc khối nội dung (XObject)'],
  [/^document catalog$/i, 'danh mục gốc của tệp'],
  [/^catalog \/(\w+)$/i, 'mục /$1 của danh mục gốc'],
  [/^document information dictionary \(\/Info\)$/i, 'thông tin mô tả của tệp (/Info)'],
  [/^xmp metadata$/i, 'siêu dữ liệu XMP'],
  [/^encryption dictionary$/i, 'thông tin mã hóa'],
  [/^permissions \(\/Perms\)$/i, 'quyền hạn (/Perms)'],
  [/^document security store \(\/DSS\)$/i, 'dữ liệu kiểm tra chữ ký (/DSS)'],
  [/^extensions dictionary$/i, 'khai báo phần mở rộng'],
  [/^structure tree$/i, 'cây cấu trúc'],
  [/^interactive form \(\/AcroForm\)$/i, 'biểu mẫu (/AcroForm)'],
  [/^form field array \(\/Fields\)$/i, 'danh sách trường biểu mẫu (/Fields)'],
  [/^form default resources \(\/DR\)$/i, 'tài nguyên mặc định của biểu mẫu (/DR)'],
  [/^unreferenced object$/i, 'đối tượng không được tham chiếu'],
  [/^page$/i, 'trang'],
  [/^annotation$/i, 'ghi chú'],
  [/^signature$/i, 'chữ ký'],
  [/^dss$/i, 'dữ liệu kiểm tra chữ ký (DSS)'],
];

type Tr = (p: Phrase) => string;
const tr = (lang: ReportLang): Tr => (p) => p[lang];

/** The plain words of a sub-indication; an unknown code is returned as it is. */
export function subIndicationText(sub: string, lang: ReportLang): string {
  const p = (SUB_INDICATION_TEXT as Record<string, Phrase | undefined>)[sub];
  return p ? p[lang] : sub;
}

/** The plain words of a modification finding; an unknown code is returned as it is. */
export function findingText(code: string, lang: ReportLang): string {
  const p = Object.hasOwn(FINDING_TEXT, code) ? FINDING_TEXT[code] : undefined;
  return p ? p[lang] : code;
}

/** The plain words of a modification category; an unknown one is returned as it is. */
export function changeCategoryText(category: string, lang: ReportLang): string {
  const p = (CHANGE_CATEGORY_TEXT as Record<string, Phrase | undefined>)[category];
  return p ? p[lang] : category;
}

const INDICATION_TEXT: Readonly<Record<Indication, Phrase>> = {
  TOTAL_PASSED: { vi: 'Hợp lệ', en: 'Valid' },
  TOTAL_FAILED: { vi: 'Không hợp lệ', en: 'Not valid' },
  INDETERMINATE: { vi: 'Chưa xác định được', en: 'Indeterminate' },
};

/**
 * A short label for an ETSI EN 319 102-1 §5.1.3 indication and its sub-indication:
 * "Không hợp lệ — nội dung văn bản đã bị thay đổi sau khi ký (…)". A passed indication has no sub-indication.
 */
export function indicationLabel(ind: Indication, sub: SubIndication | string | undefined, lang: ReportLang): string {
  const base = (INDICATION_TEXT as Record<string, Phrase | undefined>)[ind]?.[lang] ?? ind;
  if (ind === 'TOTAL_PASSED' || !sub) return base;
  return `${base} — ${subIndicationText(sub, lang)}`;
}

// ---- the structured view ----------------------------------------------------------------------------

/** passed green, failed red, indeterminate amber; neutral for plain information. */
export type ReportTone = 'passed' | 'failed' | 'indeterminate' | 'neutral';

/** A labelled value, or a bullet when `label` is empty. */
export interface ReportRow { label: string; value: string; tone?: ReportTone }
export interface ReportGroup { title: string; rows: ReportRow[] }
export interface ReportSection {
  heading: string;
  /** Shown first, in a coloured box. */
  verdict?: { tone: ReportTone; text: string };
  groups: ReportGroup[];
}
export interface ReportView {
  lang: ReportLang;
  title: string;
  /** The overall verdict: `headline` starts with "KẾT LUẬN:" / "CONCLUSION:". */
  verdict: { tone: ReportTone; headline: string; details: string[] };
  /** The document, each signature in file order, the Decree 30 check, the file's own problems. */
  sections: ReportSection[];
}

export const REPORT_TITLE: Phrase = { vi: 'BÁO CÁO KIỂM TRA CHỮ KÝ SỐ', en: 'DIGITAL SIGNATURE VERIFICATION REPORT' };

const toneOf = (ind: Indication): ReportTone =>
  ind === 'TOTAL_PASSED' ? 'passed' : ind === 'TOTAL_FAILED' ? 'failed' : 'indeterminate';

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * An ISO 8601 time as Vietnam time (UTC+07:00, no daylight saving), the zone the documents are
 * issued in, whatever the zone of the string; a string that is not a time is shown as it is.
 */
export function formatReportTime(iso: string, lang: ReportLang): string {
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(ms)) return iso;
  const t = new Date(ms + 7 * 3_600_000);
  const time = `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}:${pad2(t.getUTCSeconds())}`;
  return lang === 'vi'
    ? `${time} ngày ${pad2(t.getUTCDate())}/${pad2(t.getUTCMonth() + 1)}/${t.getUTCFullYear()} (giờ Việt Nam)`
    : `${t.getUTCFullYear()}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())} ${time} (UTC+07:00)`;
}

function formatCount(n: number, lang: ReportLang): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, lang === 'vi' ? '.' : ',');
}

/** The CN of an RFC 4514 string, or the whole string. */
function commonNameOf(dn: string): string {
  const m = /(?:^|,)\s*CN=((?:\\.|[^,\\])*)/.exec(dn);
  return m ? m[1]!.replace(/\\(.)/g, '$1').trim() : dn;
}

function signerName(s: SignatureReport): string | undefined {
  return s.signer ? (s.signer.commonName ?? commonNameOf(s.signer.subject)) : undefined;
}

function signatureHeading(s: SignatureReport, total: number, lang: ReportLang): string {
  const who = signerName(s);
  const ts = s.kind === 'doc-timestamp';
  const head = lang === 'vi'
    ? `${ts ? 'Dấu thời gian văn bản' : 'Chữ ký'} ${s.index}/${total}`
    : `${ts ? 'Document time-stamp' : 'Signature'} ${s.index} of ${total}`;
  return who ? `${head}: ${who}` : `${head} (${lang === 'vi' ? 'ô' : 'field'} “${s.fieldName}”)`;
}

/** "Chữ ký 2 (Nguyễn Văn An)" for the verdict lines. */
function signatureRef(s: SignatureReport, lang: ReportLang): string {
  const who = signerName(s) ?? s.fieldName;
  const ts = s.kind === 'doc-timestamp';
  return lang === 'vi'
    ? `${ts ? 'Dấu thời gian văn bản' : 'Chữ ký'} ${s.index} (${who})`
    : `${ts ? 'Document time-stamp' : 'Signature'} ${s.index} (${who})`;
}

const PROFILE_TEXT: Readonly<Record<'agency' | 'official' | 'other', Phrase>> = {
  official: {
    vi: 'chữ ký của người có thẩm quyền',
    en: 'signature of the competent official',
  },
  agency: {
    vi: 'chữ ký số của cơ quan (con dấu)',
    en: 'digital signature of the agency (seal)',
  },
  other: {
    vi: 'chữ ký số khác (không phải của người có thẩm quyền hay của cơ quan)',
    en: 'other digital signature (neither an official’s nor an agency’s)',
  },
};

const LEVEL_TEXT: Readonly<Record<SignatureReport['level'], Phrase>> = {
  'B-B': { vi: 'PAdES B-B (chữ ký cơ bản)', en: 'PAdES B-B (basic signature)' },
  'B-T': { vi: 'PAdES B-T (có dấu thời gian tin cậy)', en: 'PAdES B-T (with a trusted time-stamp)' },
  'B-LT': {
    vi: 'PAdES B-LT (kèm dữ liệu để kiểm tra lâu dài)',
    en: 'PAdES B-LT (with the data for long-term validation)',
  },
  'B-LTA': {
    vi: 'PAdES B-LTA (lưu trữ lâu dài, có dấu thời gian văn bản)',
    en: 'PAdES B-LTA (long-term archival, with a document time-stamp)',
  },
  none: { vi: 'không đạt mức PAdES cơ bản', en: 'does not reach the basic PAdES level' },
};

const REVOCATION_SOURCE_TEXT: Readonly<Record<NonNullable<RevocationReport['source']>, Phrase>> = {
  dss: { vi: 'dữ liệu kiểm tra lưu trong văn bản (DSS)', en: 'validation data stored in the document (DSS)' },
  cms: { vi: 'dữ liệu kèm theo chữ ký (CMS)', en: 'data carried in the signature (CMS)' },
  ocsp: { vi: 'phản hồi OCSP kèm theo văn bản', en: 'an OCSP response carried in the document' },
  crl: { vi: 'danh sách chứng thư bị thu hồi (CRL) kèm theo văn bản', en: 'a certificate revocation list (CRL) carried in the document' },
  'online-ocsp': { vi: 'tra cứu trực tuyến qua OCSP', en: 'an online OCSP query' },
  'online-crl': { vi: 'danh sách chứng thư bị thu hồi (CRL) tải trực tuyến', en: 'a certificate revocation list (CRL) fetched online' },
};

const CHANGE_KIND_TEXT: Readonly<Record<ObjectChange['kind'], Phrase>> = {
  added: { vi: 'thêm', en: 'added' },
  modified: { vi: 'sửa', en: 'modified' },
  removed: { vi: 'xóa', en: 'removed' },
};

/** At most this many object changes are listed per signature; the rest are counted. */
const MAX_LISTED_CHANGES = 12;

function roleText(role: string, lang: ReportLang): string {
  if (lang === 'en') return role;
  const r = role.trim();
  for (const [re, vi] of ROLE_VI) if (re.test(r)) return r.replace(re, vi);
  return role;
}

const capitalise = (s: string): string => s.charAt(0).toLocaleUpperCase('vi') + s.slice(1);

const yesNo = (b: boolean, lang: ReportLang): string => (b ? (lang === 'vi' ? 'có' : 'yes') : (lang === 'vi' ? 'không' : 'no'));

function signerGroup(s: SignatureReport, t: Tr, lang: ReportLang): ReportGroup {
  const ts = s.kind === 'doc-timestamp';
  const rows: ReportRow[] = [];
  const sg = s.signer;
  if (sg) {
    const name = sg.commonName ?? commonNameOf(sg.subject);
    rows.push({ label: sg.profile === 'official' && !ts ? t({ vi: 'Họ và tên', en: 'Name' }) : t({ vi: 'Tên', en: 'Name' }), value: name });
    if (sg.title) rows.push({ label: t({ vi: 'Chức vụ', en: 'Title' }), value: sg.title });
    if (sg.organization) rows.push({ label: t({ vi: 'Cơ quan, tổ chức', en: 'Organisation' }), value: sg.organization });
    if (sg.agencyCode) rows.push({ label: t({ vi: 'Mã định danh cơ quan', en: 'Agency code' }), value: sg.agencyCode });
    if (sg.uid) rows.push({ label: t({ vi: 'Mã định danh (UID)', en: 'Identifier (UID)' }), value: sg.uid });
    if (!ts) rows.push({ label: t({ vi: 'Loại chữ ký', en: 'Kind of signature' }), value: t(PROFILE_TEXT[sg.profile] ?? PROFILE_TEXT.other) });
  } else {
    rows.push({
      label: t({ vi: 'Người ký', en: 'Signer' }),
      value: t({ vi: 'không xác định được (không tìm thấy chứng thư số của người ký)', en: "unknown (the signer's certificate was not found)" }),
      tone: 'failed',
    });
  }
  rows.push({ label: t({ vi: 'Ô chữ ký', en: 'Signature field' }), value: s.fieldName });
  if (s.reason) rows.push({ label: t({ vi: 'Lý do ký', en: 'Reason' }), value: s.reason });
  if (s.location) rows.push({ label: t({ vi: 'Nơi ký', en: 'Location' }), value: s.location });
  if (s.docNumber) rows.push({ label: t({ vi: 'Số, ký hiệu văn bản', en: 'Document number' }), value: s.docNumber });
  if (s.docDate) rows.push({ label: t({ vi: 'Ngày văn bản', en: 'Document date' }), value: s.docDate });
  return { title: ts ? t({ vi: 'Đơn vị cấp dấu thời gian', en: 'Time-stamp authority' }) : t({ vi: 'Người ký', en: 'Signer' }), rows };
}

function timeGroup(s: SignatureReport, t: Tr, lang: ReportLang): ReportGroup {
  const rows: ReportRow[] = [];
  if (s.kind === 'signature') {
    rows.push({
      label: t({ vi: 'Thời điểm ký do người ký ghi', en: 'Signing time stated by the signer' }),
      value: s.time.claimed
        ? `${formatReportTime(s.time.claimed, lang)}${t({ vi: ' — theo đồng hồ máy của người ký, chưa được xác thực', en: ' — from the signer’s own clock, not proven' })}`
        : t({ vi: 'không ghi', en: 'not stated' }),
    });
  }
  const st = s.time.signatureTimestamp;
  if (st) {
    const tsa = st.tsa ? commonNameOf(st.tsa) : undefined;
    const by = tsa ? t({ vi: `, do “${tsa}” cấp`, en: `, issued by “${tsa}”` }) : '';
    rows.push({
      label: t({ vi: 'Dấu thời gian', en: 'Time-stamp' }),
      value: `${formatReportTime(st.time, lang)}${by} — ${st.valid ? t({ vi: 'hợp lệ', en: 'valid' }) : t({ vi: 'KHÔNG hợp lệ', en: 'NOT valid' })}`,
      tone: st.valid ? 'passed' : 'failed',
    });
  } else if (s.kind === 'signature') {
    rows.push({
      label: t({ vi: 'Dấu thời gian', en: 'Time-stamp' }),
      value: t({ vi: 'không có (thời điểm ký không được bên thứ ba xác nhận)', en: 'none (no third party confirms the signing time)' }),
    });
  }
  rows.push({
    label: s.kind === 'doc-timestamp'
      ? t({ vi: 'Thời điểm được xác nhận', en: 'Time certified' })
      : t({ vi: 'Thời điểm dùng để kiểm tra', en: 'Time the checks apply to' }),
    value: formatReportTime(s.time.usedForValidation, lang),
  });
  return { title: t({ vi: 'Thời gian', en: 'Time' }), rows };
}

function integrityGroup(s: SignatureReport, t: Tr): ReportGroup {
  const i = s.integrity;
  const rows: ReportRow[] = [];
  const content: ReportRow = i.digestMatches === false
    ? { label: '', value: t({ vi: 'ĐÃ BỊ THAY ĐỔI sau khi ký', en: 'ALTERED after signing' }), tone: 'failed' }
    : i.digestMatches === true
      ? { label: '', value: t({ vi: 'còn nguyên vẹn, không bị sửa đổi', en: 'intact, not altered' }), tone: 'passed' }
      : { label: '', value: t({ vi: 'chưa kiểm tra được', en: 'could not be checked' }), tone: 'indeterminate' };
  rows.push({ ...content, label: t({ vi: 'Nội dung đã ký', en: 'Signed content' }) });
  rows.push({
    label: t({ vi: 'Giá trị chữ ký', en: 'Signature value' }),
    ...(i.signatureValid === true
      ? { value: t({ vi: 'đúng (khớp với khóa công khai trong chứng thư số)', en: "correct (verifies with the certificate's public key)" }), tone: 'passed' as const }
      : i.signatureValid === false
        ? { value: t({ vi: 'SAI', en: 'WRONG' }), tone: 'failed' as const }
        : { value: t({ vi: 'chưa kiểm tra được', en: 'could not be checked' }), tone: 'indeterminate' as const }),
  });
  const later = s.modifications.laterRevisions;
  rows.push({
    label: t({ vi: 'Phạm vi chữ ký', en: 'What the signature covers' }),
    value: i.coversWholeDocument
      ? t({ vi: 'toàn bộ tệp hiện tại', en: 'the whole file as it is now' })
      : later > 0
        ? t({
          vi: `phiên bản của tệp tại thời điểm ký; sau đó tệp có thêm ${later} lần cập nhật (xem mục “Thay đổi sau khi ký”)`,
          en: `the file as it was when signed; the file has ${later} later update${later === 1 ? '' : 's'} (see “Changes after signing”)`,
        })
        : t({ vi: 'phiên bản của tệp tại thời điểm ký; có dữ liệu được ghi thêm sau đó', en: 'the file as it was when signed; data was added after it' }),
  });
  if (!i.byteRangeValid) {
    rows.push({
      label: t({ vi: 'Vùng dữ liệu được ký (ByteRange)', en: 'Signed byte range (ByteRange)' }),
      value: i.byteRange === null
        ? t({ vi: 'KHÔNG CÓ — không xác định được phần nào của tệp đã được ký', en: 'MISSING — which part of the file is signed is unknown' })
        : t({ vi: 'KHÔNG HỢP LỆ — phần được ký không khớp với cấu trúc tệp', en: 'NOT VALID — the signed part does not match the file structure' }),
      tone: 'failed',
    });
  }
  if (!i.dictionaryConsistent) {
    rows.push({
      label: t({ vi: 'Thông tin chữ ký trong tệp', en: 'Signature dictionary' }),
      value: t({ vi: 'KHÔNG khớp với phần đã ký (có thể đã bị thay thế)', en: 'does NOT match the signed bytes (it may have been replaced)' }),
      tone: 'failed',
    });
  }
  const a = i.signedAttributes;
  const missing = [
    !a.contentType && 'content-type', !a.messageDigest && 'message-digest', !a.signingCertificateV2 && 'signing-certificate-v2',
  ].filter((x): x is string => typeof x === 'string');
  if (missing.length > 0) {
    rows.push({
      label: t({ vi: 'Thuộc tính ký bắt buộc', en: 'Required signed attributes' }),
      value: t({ vi: `thiếu ${missing.join(', ')}`, en: `missing ${missing.join(', ')}` }),
      tone: 'indeterminate',
    });
  }
  if (a.signingTime && s.kind === 'signature') {
    rows.push({
      label: t({ vi: 'Thuộc tính signing-time', en: 'signing-time attribute' }),
      value: t({
        vi: 'có trong chữ ký CMS, trái với chuẩn PAdES (thời điểm ký phải ghi ở /M)',
        en: 'present in the CMS signature, which PAdES forbids (the time belongs in /M)',
      }),
      tone: 'indeterminate',
    });
  }
  return { title: t({ vi: 'Tính toàn vẹn', en: 'Integrity' }), rows };
}

function certificateGroup(s: SignatureReport, t: Tr, lang: ReportLang): ReportGroup | undefined {
  const rows: ReportRow[] = [];
  const sg = s.signer;
  if (sg) {
    rows.push({ label: t({ vi: 'Đơn vị cấp', en: 'Issued by' }), value: commonNameOf(sg.issuer) });
    rows.push({ label: t({ vi: 'Số hiệu', en: 'Serial number' }), value: sg.serialHex });
    rows.push({
      label: t({ vi: 'Thời hạn hiệu lực', en: 'Valid' }),
      value: t({
        vi: `từ ${formatReportTime(sg.notBefore, lang)} đến ${formatReportTime(sg.notAfter, lang)}`,
        en: `from ${formatReportTime(sg.notBefore, lang)} to ${formatReportTime(sg.notAfter, lang)}`,
      }),
    });
    rows.push({ label: t({ vi: 'Dấu vân tay SHA-256', en: 'SHA-256 fingerprint' }), value: sg.sha256 });
  }
  const c = s.chain;
  if (!c) {
    rows.push({
      label: t({ vi: 'Chuỗi chứng thư số', en: 'Certificate chain' }),
      value: t({ vi: 'chưa xác lập được tới tổ chức chứng thực tin cậy', en: 'no chain to a trusted certification authority was found' }),
      tone: 'indeterminate',
    });
  } else {
    rows.push({
      label: t({ vi: 'Chuỗi chứng thư số', en: 'Certificate chain' }),
      value: c.valid
        ? c.trustAnchor
          ? t({ vi: `hợp lệ, tới tổ chức chứng thực tin cậy “${commonNameOf(c.trustAnchor)}”`, en: `valid, up to the trusted certification authority “${commonNameOf(c.trustAnchor)}”` })
          : t({ vi: 'hợp lệ', en: 'valid' })
        : t({ vi: 'KHÔNG HỢP LỆ', en: 'NOT VALID' }),
      tone: c.valid ? 'passed' : 'failed',
    });
    if (c.certificates.length > 0) {
      rows.push({ label: t({ vi: 'Đường dẫn chứng thư', en: 'Certification path' }), value: c.certificates.map((x) => commonNameOf(x.subject)).join(' → ') });
    }
  }
  return rows.length > 0 ? { title: t({ vi: 'Chứng thư số', en: 'Certificate' }), rows } : undefined;
}

function revocationGroup(s: SignatureReport, t: Tr, lang: ReportLang): ReportGroup {
  const r = s.revocation;
  const rows: ReportRow[] = [];
  const label = t({ vi: 'Tình trạng', en: 'Status' });
  if (!r || r.status === 'not-checked') {
    rows.push({ label, value: t({ vi: 'chưa được kiểm tra', en: 'not checked' }), tone: 'indeterminate' });
  } else if (r.status === 'good') {
    rows.push({ label, value: t({ vi: 'chứng thư số chưa bị thu hồi', en: 'the certificate is not revoked' }), tone: 'passed' });
  } else if (r.status === 'revoked') {
    const at = r.revokedAt ? t({ vi: ` lúc ${formatReportTime(r.revokedAt, lang)}`, en: ` at ${formatReportTime(r.revokedAt, lang)}` }) : '';
    const why = r.reason ? t({ vi: ` (lý do: ${r.reason})`, en: ` (reason: ${r.reason})` }) : '';
    rows.push({ label, value: `${t({ vi: 'chứng thư số ĐÃ BỊ THU HỒI', en: 'the certificate was REVOKED' })}${at}${why}`, tone: 'failed' });
  } else {
    rows.push({ label, value: t({ vi: 'không xác định được', en: 'unknown' }), tone: 'indeterminate' });
  }
  if (r?.source) {
    const p = (REVOCATION_SOURCE_TEXT as Record<string, Phrase | undefined>)[r.source];
    rows.push({ label: t({ vi: 'Nguồn thông tin', en: 'Source' }), value: p ? t(p) : r.source });
  }
  if (r?.evidenceTime) rows.push({ label: t({ vi: 'Thông tin phát hành lúc', en: 'Evidence issued at' }), value: formatReportTime(r.evidenceTime, lang) });
  return { title: t({ vi: 'Tình trạng thu hồi chứng thư số', en: 'Revocation status' }), rows };
}

function formatGroup(s: SignatureReport, t: Tr): ReportGroup {
  const rows: ReportRow[] = [
    { label: t({ vi: 'Mức chữ ký', en: 'Signature level' }), value: t(LEVEL_TEXT[s.level] ?? { vi: s.level, en: s.level }) },
  ];
  if (s.docMdp !== undefined) {
    const text: Record<number, Phrase> = {
      1: { vi: 'không cho phép bất kỳ thay đổi nào sau khi ký', en: 'no change allowed after signing' },
      2: { vi: 'chỉ cho phép điền biểu mẫu và ký thêm', en: 'only filling in forms and signing allowed' },
      3: { vi: 'cho phép điền biểu mẫu, ký thêm và ghi chú', en: 'filling in forms, signing and annotations allowed' },
    };
    rows.push({ label: t({ vi: 'Chữ ký chứng nhận (DocMDP)', en: 'Certification (DocMDP)' }), value: text[s.docMdp] ? t(text[s.docMdp]!) : String(s.docMdp) });
  }
  if (s.fieldMdp) {
    const f = (s.fieldMdp.fields ?? []).join(', ');
    rows.push({
      label: t({ vi: 'Khóa trường biểu mẫu (FieldMDP)', en: 'Locked form fields (FieldMDP)' }),
      value: s.fieldMdp.action === 'All'
        ? t({ vi: 'tất cả các trường', en: 'all fields' })
        : s.fieldMdp.action === 'Include'
          ? t({ vi: `các trường: ${f}`, en: `fields: ${f}` })
          : t({ vi: `tất cả các trường trừ: ${f}`, en: `all fields except: ${f}` }),
    });
  }
  return { title: t({ vi: 'Định dạng chữ ký', en: 'Signature format' }), rows };
}

/** Categories that leave the signed content as it was: shown without a warning tone. */
const CONTENT_KEPT: ReadonlySet<ChangeCategory> = new Set(['validation-data', 'metadata', 'signature-fields']);

/**
 * The objects worth naming: only for disallowed changes (allowed ones are described by their
 * categories) and never the validation data, which changes no content.
 */
function listedChanges(s: SignatureReport): ObjectChange[] {
  return s.modifications.verdict === 'disallowed' ? s.modifications.changes.filter((c) => c.category !== 'validation-data') : [];
}

function changesGroup(s: SignatureReport, t: Tr, lang: ReportLang): ReportGroup {
  const m = s.modifications;
  const rows: ReportRow[] = [];
  const label = t({ vi: 'Đánh giá', en: 'Assessment' });
  if (m.verdict === 'none') {
    rows.push({ label, value: t({ vi: 'không có thay đổi nào sau khi ký', en: 'nothing changed after signing' }), tone: 'passed' });
  } else if (m.verdict === 'allowed') {
    rows.push({ label, value: t({ vi: 'có thay đổi sau khi ký, nhưng đều là thay đổi được phép', en: 'changed after signing, but only in allowed ways' }), tone: 'passed' });
  } else {
    rows.push({ label, value: t({ vi: 'có thay đổi KHÔNG được phép sau khi ký', en: 'changed after signing in a way that is NOT allowed' }), tone: 'failed' });
  }
  if (m.laterRevisions > 0) rows.push({ label: t({ vi: 'Số lần cập nhật sau khi ký', en: 'Updates after signing' }), value: String(m.laterRevisions) });
  for (const c of m.categories) rows.push({ label: '', value: changeCategoryText(c, lang), tone: CONTENT_KEPT.has(c) ? 'neutral' : 'indeterminate' });
  if (m.pagesAdded > 0) rows.push({ label: '', value: t({ vi: `đã thêm ${m.pagesAdded} trang`, en: `${m.pagesAdded} page${m.pagesAdded === 1 ? '' : 's'} added` }), tone: 'failed' });
  if (m.pagesRemoved > 0) rows.push({ label: '', value: t({ vi: `đã xóa ${m.pagesRemoved} trang`, en: `${m.pagesRemoved} page${m.pagesRemoved === 1 ? '' : 's'} removed` }), tone: 'failed' });
  for (const f of m.findings) rows.push({ label: '', value: findingText(f, lang), tone: m.verdict === 'disallowed' ? 'failed' : f === 'metadata-changed' ? 'neutral' : 'indeterminate' });
  const listed = listedChanges(s);
  for (const c of listed.slice(0, MAX_LISTED_CHANGES)) {
    rows.push({
      label: '',
      value: t({
        vi: `${CHANGE_KIND_TEXT[c.kind]?.vi ?? c.kind} ${roleText(c.role, 'vi')} (đối tượng ${c.object} ${c.generation})`,
        en: `${roleText(c.role, 'en')} ${CHANGE_KIND_TEXT[c.kind]?.en ?? c.kind} (object ${c.object} ${c.generation})`,
      }),
    });
  }
  if (listed.length > MAX_LISTED_CHANGES) {
    const more = listed.length - MAX_LISTED_CHANGES;
    rows.push({ label: '', value: t({ vi: `… và ${more} thay đổi khác`, en: `… and ${more} more change${more === 1 ? '' : 's'}` }) });
  }
  return { title: t({ vi: 'Thay đổi sau khi ký', en: 'Changes after signing' }), rows };
}

/** The report's English free text, labelled, for the reader who wants the detail. */
function technicalGroup(s: SignatureReport, t: Tr): ReportGroup | undefined {
  const rows: ReportRow[] = [];
  const add = (label: Phrase, value: string | undefined): void => { if (value) rows.push({ label: t(label), value }); };
  for (const r of s.reasons) add({ vi: 'Lý do kết luận', en: 'Reason' }, r);
  for (const p of s.integrity.byteRangeProblems) add({ vi: 'ByteRange', en: 'ByteRange' }, p);
  if (s.integrity.byteRange) add({ vi: 'ByteRange', en: 'ByteRange' }, `[${s.integrity.byteRange.join(' ')}]`);
  add({ vi: 'Chuỗi chứng thư', en: 'Certificate chain' }, s.chain?.problem);
  add({ vi: 'Thu hồi', en: 'Revocation' }, s.revocation?.problem);
  add({ vi: 'Dấu thời gian', en: 'Time-stamp' }, s.time.signatureTimestamp?.problem);
  for (const r of s.modifications.reasons) add({ vi: 'Thay đổi', en: 'Changes' }, r);
  for (const c of listedChanges(s).slice(0, MAX_LISTED_CHANGES)) add({ vi: `Đối tượng ${c.object} ${c.generation}`, en: `Object ${c.object} ${c.generation}` }, c.keys?.length ? `${c.description} (/${c.keys.join(' /')})` : c.description);
  add({ vi: 'SubFilter', en: 'SubFilter' }, s.subFilter);
  return rows.length > 0 ? { title: t({ vi: 'Chi tiết kỹ thuật (tiếng Anh)', en: 'Technical details' }), rows } : undefined;
}

function signatureSection(s: SignatureReport, total: number, lang: ReportLang): ReportSection {
  const t = tr(lang);
  const groups = [
    signerGroup(s, t, lang), timeGroup(s, t, lang), integrityGroup(s, t), certificateGroup(s, t, lang),
    revocationGroup(s, t, lang), formatGroup(s, t), changesGroup(s, t, lang), technicalGroup(s, t),
  ].filter((g): g is ReportGroup => g !== undefined);
  return {
    heading: signatureHeading(s, total, lang),
    verdict: { tone: toneOf(s.indication), text: `${t({ vi: 'Kết quả', en: 'Result' })}: ${indicationLabel(s.indication, s.subIndication, lang)}` },
    groups,
  };
}

function documentSection(report: DocumentReport, lang: ReportLang): ReportSection {
  const t = tr(lang);
  const d = report.document;
  const sigs = report.signatures.filter((s) => s.kind === 'signature').length;
  const stamps = report.signatures.length - sigs;
  const count = t({ vi: `${sigs} chữ ký`, en: `${sigs} signature${sigs === 1 ? '' : 's'}` })
    + (stamps > 0 ? t({ vi: `, ${stamps} dấu thời gian văn bản`, en: `, ${stamps} document time-stamp${stamps === 1 ? '' : 's'}` }) : '');
  return {
    heading: t({ vi: 'Thông tin văn bản', en: 'Document' }),
    groups: [{
      title: '',
      rows: [
        { label: t({ vi: 'Mã băm SHA-256 của tệp', en: 'SHA-256 of the file' }), value: d.sha256 },
        { label: t({ vi: 'Kích thước', en: 'Size' }), value: t({ vi: `${formatCount(d.size, 'vi')} byte`, en: `${formatCount(d.size, 'en')} bytes` }) },
        { label: t({ vi: 'Số trang', en: 'Pages' }), value: String(d.pages) },
        { label: t({ vi: 'Số phiên bản (lần lưu)', en: 'Revisions' }), value: String(d.revisions) },
        { label: t({ vi: 'Mã hóa', en: 'Encrypted' }), value: yesNo(d.encrypted, lang) },
        { label: t({ vi: 'Số chữ ký', en: 'Signatures' }), value: count },
        { label: t({ vi: 'Thời điểm kiểm tra', en: 'Checked at' }), value: formatReportTime(report.validationTime, lang) },
      ],
    }],
  };
}

function firstOf(report: DocumentReport, profile: 'official' | 'agency'): SignatureReport | undefined {
  return report.signatures.find((s) => s.kind === 'signature' && s.signer?.profile === profile);
}

function decree30Section(report: DocumentReport, lang: ReportLang): ReportSection {
  const t = tr(lang);
  const d = report.decree30;
  const official = firstOf(report, 'official');
  const agency = firstOf(report, 'agency');
  const present = (has: boolean, s: SignatureReport | undefined): string =>
    has ? (s ? t({ vi: `có (chữ ký ${s.index})`, en: `yes (signature ${s.index})` }) : yesNo(true, lang)) : t({ vi: 'KHÔNG CÓ', en: 'NONE' });
  const rows: ReportRow[] = [
    { label: capitalise(t(PROFILE_TEXT.official)), value: present(d.hasOfficialSignature, official), tone: d.hasOfficialSignature ? 'passed' : 'failed' },
    { label: capitalise(t(PROFILE_TEXT.agency)), value: present(d.hasAgencySignature, agency), tone: d.hasAgencySignature ? 'passed' : 'failed' },
  ];
  if (d.hasOfficialSignature && d.hasAgencySignature) {
    rows.push({
      label: t({ vi: 'Thứ tự ký', en: 'Order' }),
      value: d.agencyAfterOfficial
        ? t({ vi: 'đúng — cơ quan ký số sau người có thẩm quyền', en: 'correct — the agency signed after the official' })
        : t({ vi: 'KHÔNG đúng — cơ quan ký số trước người có thẩm quyền', en: 'WRONG — the agency signed before the official' }),
      tone: d.agencyAfterOfficial ? 'passed' : 'failed',
    });
  }
  const groups: ReportGroup[] = [{ title: '', rows }];
  if (d.notes.length > 0) groups.push({ title: t({ vi: 'Ghi chú (tiếng Anh)', en: 'Notes' }), rows: d.notes.map((n) => ({ label: '', value: n })) });
  return {
    heading: t({ vi: 'Đối chiếu Nghị định 30/2020/NĐ-CP', en: 'Decree 30/2020/NĐ-CP check' }),
    verdict: d.complete
      ? {
        tone: 'passed',
        text: t({
          vi: 'Đủ chữ ký theo quy định: có chữ ký của người có thẩm quyền và chữ ký số của cơ quan',
          en: 'Complete: signed by the competent official and by the agency',
        }),
      }
      : {
        tone: 'indeterminate',
        text: `${t({ vi: 'Chưa đủ chữ ký hợp lệ theo quy định', en: 'Incomplete' })}${missingDecree30(report, t) ? ` — ${missingDecree30(report, t)}` : ''}`,
      },
    groups,
  };
}

const notValid = {
  vi: (s: SignatureReport): string => (s.indication === 'TOTAL_FAILED' ? 'không hợp lệ' : 'chưa xác định được là hợp lệ'),
  en: (s: SignatureReport): string => (s.indication === 'TOTAL_FAILED' ? 'is not valid' : 'could not be confirmed valid'),
};

function missingDecree30(report: DocumentReport, t: Tr): string {
  const d = report.decree30;
  const missing: string[] = [];
  if (!d.hasOfficialSignature) missing.push(t({ vi: 'thiếu chữ ký của người có thẩm quyền', en: "the competent official's signature is missing" }));
  if (!d.hasAgencySignature) missing.push(t({ vi: 'thiếu chữ ký số của cơ quan (con dấu)', en: "the agency's signature (seal) is missing" }));
  if (d.hasOfficialSignature && d.hasAgencySignature && !d.agencyAfterOfficial) {
    missing.push(t({ vi: 'cơ quan ký số trước người có thẩm quyền', en: 'the agency signed before the official' }));
  }
  const official = firstOf(report, 'official');
  const agency = firstOf(report, 'agency');
  if (d.hasOfficialSignature && official && official.indication !== 'TOTAL_PASSED') {
    missing.push(t({ vi: `chữ ký của người có thẩm quyền (chữ ký ${official.index}) ${notValid.vi(official)}`, en: `the official's signature (signature ${official.index}) ${notValid.en(official)}` }));
  }
  if (d.hasAgencySignature && agency && agency.indication !== 'TOTAL_PASSED') {
    missing.push(t({ vi: `chữ ký số của cơ quan (chữ ký ${agency.index}) ${notValid.vi(agency)}`, en: `the agency's signature (signature ${agency.index}) ${notValid.en(agency)}` }));
  }
  return missing.join('; ');
}

function overallVerdict(report: DocumentReport, lang: ReportLang): ReportView['verdict'] {
  const t = tr(lang);
  const prefix = t({ vi: 'KẾT LUẬN:', en: 'CONCLUSION:' });
  const sigs = report.signatures;
  const details: string[] = [];
  const problemsNote = (): void => {
    const n = report.problems.length;
    if (n > 0) details.push(t({ vi: `Lưu ý: phát hiện ${n} vấn đề trong tệp văn bản (xem mục “Vấn đề của tệp văn bản”).`, en: `Note: ${n} problem${n === 1 ? '' : 's'} found in the file (see “Problems with the file”).` }));
  };
  if (sigs.length === 0) {
    details.push(t({ vi: 'Văn bản không có chữ ký số nào nên không thể xác thực.', en: 'There is no digital signature in the document, so it cannot be authenticated.' }));
    problemsNote();
    return { tone: 'failed', headline: `${prefix} ${t({ vi: 'Văn bản chưa được ký số.', en: 'The document is not signed.' })}`, details };
  }
  if (report.indication === 'TOTAL_PASSED') {
    const n = sigs.filter((s) => s.kind === 'signature').length;
    const m = sigs.length - n;
    const stamps = m === 0 ? '' : t({ vi: ` và ${m} dấu thời gian văn bản`, en: ` and ${m} document time-stamp${m === 1 ? '' : 's'}` });
    details.push(n + m === 1
      ? (n === 1
        ? t({ vi: 'Chữ ký số trên văn bản hợp lệ.', en: 'The signature on the document is valid.' })
        : t({ vi: 'Dấu thời gian trên văn bản hợp lệ.', en: 'The document time-stamp is valid.' }))
      : t({ vi: `Cả ${n} chữ ký số${stamps} trên văn bản đều hợp lệ.`, en: `All ${n} signature${n === 1 ? '' : 's'}${stamps} on the document are valid.` }));
    const later = sigs.flatMap((s) => s.modifications.categories);
    if (sigs.every((s) => s.modifications.verdict === 'none') && later.length === 0) {
      details.push(t({ vi: 'Văn bản không bị thay đổi sau khi ký.', en: 'The document was not altered after it was signed.' }));
    } else if (later.every((c) => CONTENT_KEPT.has(c))) {
      details.push(later.includes('metadata')
        ? t({
          vi: 'Nội dung văn bản không bị thay đổi sau khi ký; các lần cập nhật sau đó chỉ là ký tiếp, bổ sung dữ liệu kiểm tra chữ ký hoặc cập nhật thông tin mô tả tệp.',
          en: 'The content was not altered after signing; the later updates only add signatures or validation data, or update the document metadata.',
        })
        : t({
          vi: 'Nội dung văn bản không bị thay đổi sau khi ký; các lần cập nhật sau đó chỉ là ký tiếp hoặc bổ sung dữ liệu kiểm tra chữ ký.',
          en: 'The content was not altered after signing; the later updates only add signatures or validation data.',
        }));
    } else {
      details.push(t({ vi: 'Các thay đổi sau khi ký đều là thay đổi được phép.', en: 'The changes made after signing are all allowed ones.' }));
    }
    if (report.decree30.complete) {
      details.push(t({
        vi: 'Văn bản có đủ chữ ký của người có thẩm quyền và chữ ký số của cơ quan theo Nghị định 30/2020/NĐ-CP.',
        en: 'The document carries both the competent official’s signature and the agency’s signature required by Decree 30/2020/NĐ-CP.',
      }));
    } else {
      details.push(t({
        vi: `Lưu ý: văn bản chưa đủ chữ ký theo Nghị định 30/2020/NĐ-CP (${missingDecree30(report, t)}).`,
        en: `Note: the document does not carry all the signatures Decree 30/2020/NĐ-CP requires (${missingDecree30(report, t)}).`,
      }));
    }
    problemsNote();
    return { tone: 'passed', headline: `${prefix} ${t({ vi: 'Văn bản hợp lệ.', en: 'The document is valid.' })}`, details };
  }
  const failed = report.indication === 'TOTAL_FAILED';
  for (const s of sigs) {
    if (s.indication === 'TOTAL_PASSED') continue;
    const what = s.subIndication ? subIndicationText(s.subIndication, lang) : (INDICATION_TEXT[s.indication]?.[lang] ?? s.indication).toLowerCase();
    details.push(`${signatureRef(s, lang)}: ${what}.`);
  }
  if (failed) {
    details.push(t({
      vi: 'Không nên sử dụng văn bản này như văn bản gốc; hãy liên hệ cơ quan ban hành để xác minh.',
      en: 'Do not rely on this document as an original; contact the issuing agency to confirm it.',
    }));
  } else {
    details.push(t({
      vi: 'Chưa thể khẳng định văn bản hợp lệ. Hãy kiểm tra lại sau hoặc liên hệ cơ quan ban hành văn bản.',
      en: 'The document cannot be confirmed as valid yet. Check again later or contact the issuing agency.',
    }));
  }
  problemsNote();
  return {
    tone: failed ? 'failed' : 'indeterminate',
    headline: `${prefix} ${failed
      ? t({ vi: 'Chữ ký không hợp lệ.', en: 'Invalid signature.' })
      : t({ vi: 'Chưa xác định được tính hợp lệ của chữ ký.', en: 'The validity of the signatures could not be determined.' })}`,
    details,
  };
}

/**
 * The report as a structured view (verdict, then sections of labelled rows) in one language; the
 * text summary and the PDF report are both laid out from it.
 */
export function describeReport(report: DocumentReport, lang: ReportLang = 'vi'): ReportView {
  const t = tr(lang);
  const sections: ReportSection[] = [documentSection(report, lang)];
  for (const s of report.signatures) sections.push(signatureSection(s, report.signatures.length, lang));
  if (report.signatures.length > 0) sections.push(decree30Section(report, lang));
  if (report.problems.length > 0) {
    sections.push({
      heading: t({ vi: 'Vấn đề của tệp văn bản', en: 'Problems with the file' }),
      verdict: {
        tone: 'indeterminate',
        text: t({ vi: `Phát hiện ${report.problems.length} vấn đề (chi tiết bằng tiếng Anh bên dưới)`, en: `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} found` }),
      },
      groups: [{ title: '', rows: report.problems.map((p) => ({ label: '', value: p })) }],
    });
  }
  return { lang, title: t(REPORT_TITLE), verdict: overallVerdict(report, lang), sections };
}

/**
 * A plain-text summary of a validation report for a citizen: the verdict first ("KẾT LUẬN: …"),
 * then the document, one block per signature and the Decree 30 check. Vietnamese unless `lang` is 'en'.
 */
export function summariseReport(report: DocumentReport, lang: ReportLang = 'vi'): string {
  const v = describeReport(report, lang);
  const out: string[] = [v.verdict.headline, ...v.verdict.details, ''];
  for (const s of v.sections) {
    out.push(s.heading, '-'.repeat(Math.min(s.heading.normalize('NFC').length, 72)));
    if (s.verdict) out.push(`  ${s.verdict.text}`);
    for (const g of s.groups) {
      const indent = g.title ? '    ' : '  ';
      if (g.title) out.push(`  ${g.title}`);
      for (const r of g.rows) out.push(r.label ? `${indent}${r.label}: ${r.value}` : `${indent}• ${r.value}`);
    }
    out.push('');
  }
  return `${out.join('\n').normalize('NFC').trimEnd()}\n`;
}
