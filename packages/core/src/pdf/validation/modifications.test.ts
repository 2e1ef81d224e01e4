/**
 * analyseModifications (modifications.ts) checked two ways:
 *
 * 1. The labelled signed corpus (shared/corpus/pdf/signed/manifest.json): for every file whose
 *    `expected.modified_after_signing` is true or false, the earliest signature (by the end of its
 *    ByteRange; document time-stamps count) is analysed with its own rules, and 'disallowed' must
 *    match "modified". Where kyso disagrees on purpose the file is listed, with the reason, in
 *    modification-known-deviations.json; the test fails when that list is stale either way.
 * 2. Synthetic attacks on files signed in-process by kyso (test keys, frozen clock): updates
 *    appended with core's IncrementalUpdate or written byte by byte — content stream, font and
 *    appearance overrides, DSS, second signatures and time-stamps, document metadata (/Info, XMP,
 *    catalog /Version), annotations, form filling with DocMDP and FieldMDP, the shadow attacks of
 *    Mainka et al. (NDSS 2021: hide, replace,
 *    hide-and-replace), objects listed in no cross-reference section, a chain that skips the
 *    signed revision, bytes after %%EOF, unreadable updates, and xref streams with PNG predictors
 *    and compressed objects.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import pako from 'pako';
import { PDF, PdfArray, PdfDict, PdfName, PdfNumber, PdfRef, PdfStream, PdfString } from '@libpdf/core';
import { OID } from '@kyso/core';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { KeyObjectSigner, signWithKeyObject } from '@kyso/server/keys/key-object-signer.ts';
import { sharedPath } from '@kyso/testkit';
import { completeCadesSignature, prepareCadesSignature } from '../../cms/cades.ts';
import { generateTestKey, issueTestCertificate, type TestIdentity } from '../../cms/test-cms-certs.ts';
import { buildTimeStampToken } from '../../tsp/time-stamp-token.ts';
import { encodeTstInfo } from '../../tsp/tst-info.ts';
import { appendDss } from '../dss.ts';
import { lastStartXref } from '../file-structure.ts';
import { IncrementalUpdate } from '../incremental-update.ts';
import { completePdfSignature, estimateCmsSize, preparePdfSignature } from '../pdf-signature.ts';
import { byteRangeOf, docMdpPermission, fieldMdpLocks, listSignatureFields, type FieldLock } from '../signature-fields.ts';
import { analyseModifications, type ModificationRules } from './modifications.ts';
import type { ModificationAnalysis } from './report.ts';

const SIGNING_TIME = new Date('2026-11-27T03:04:05Z');
const enc = new TextEncoder();
const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
const fromLatin1 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => { const out = new Uint8Array(a.length + b.length); out.set(a); out.set(b, a.length); return out; };

let signer: TestIdentity;
let tsa: TestIdentity;
before(() => {
  signer = issueTestCertificate({ subject: 'CN=Nguyễn Văn Ký,O=Kyso modification test', key: generateTestKey('p256') });
  tsa = issueTestCertificate({ subject: 'CN=Kyso Test TSA,O=Kyso modification test', key: generateTestKey('p256'), eku: [OID.kpTimeStamping], ekuCritical: true });
});

// ---- documents ------------------------------------------------------------------------------------

interface BaseOptions {
  pages?: number;
  /** A text field "name" (merged field/widget with an appearance stream) on page 1. */
  textField?: boolean;
  /** Object 20: a content stream in the xref but referenced by nothing (shadow "hide"). */
  hiddenContent?: boolean;
  /** A second body "4 0 obj" listed in no xref section, before the real one (shadow "hide-and-replace"). */
  shadowBody?: boolean;
  /** A cross-reference stream (PNG Up predictor) instead of a table. */
  xrefStream?: boolean;
}

const PAGE_TEXT = 'BT /F1 24 Tf 72 720 Td (Hello kyso) Tj ET\n';
const HIDDEN_TEXT = 'BT /F1 24 Tf 72 650 Td (Pay 1,000,000,000 VND) Tj ET\n';

function stream(dict: string, data: string): string {
  return `<< ${dict} /Length ${fromLatin1(data).length} >>\nstream\n${data}\nendstream`;
}

/** A small PDF written byte by byte, so that every object and offset is known. */
function basePdf(o: BaseOptions = {}): { bytes: Uint8Array; shadowOffset?: number; xrefOffset: number } {
  const pages = o.pages ?? 1;
  const extra = Array.from({ length: pages - 1 }, (_, i) => 10 + 2 * i);
  const objs = new Map<number, string>();
  objs.set(1, `<< /Type /Catalog /Pages 2 0 R${o.textField ? ' /AcroForm 7 0 R' : ''} >>`);
  objs.set(2, `<< /Type /Pages /Kids [3 0 R${extra.map((n) => ` ${n} 0 R`).join('')}] /Count ${pages} >>`);
  objs.set(3, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >>${o.textField ? ' /Annots [8 0 R]' : ''} >>`);
  objs.set(4, stream('', PAGE_TEXT));
  objs.set(5, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  objs.set(6, '<< /Producer (kyso modification test) /Title (Synthetic) >>');
  if (o.textField) {
    objs.set(7, '<< /Fields [8 0 R] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 5 0 R >> >> >>');
    objs.set(8, '<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V () /Rect [72 600 300 630] /F 4 /P 3 0 R /DA (/Helv 12 Tf 0 g) /AP << /N 9 0 R >> >>');
    objs.set(9, stream('/Type /XObject /Subtype /Form /BBox [0 0 228 30] /Resources << /Font << /Helv 5 0 R >> >>', '/Tx BMC EMC'));
  }
  extra.forEach((n, i) => {
    objs.set(n, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents ${n + 1} 0 R /Resources << /Font << /F1 5 0 R >> >> >>`);
    objs.set(n + 1, stream('', `BT /F1 24 Tf 72 720 Td (Page ${i + 2}) Tj ET\n`));
  });
  if (o.hiddenContent) objs.set(20, stream('', HIDDEN_TEXT));
  let s = '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n';
  let shadowOffset: number | undefined;
  if (o.shadowBody) { shadowOffset = s.length; s += `4 0 obj\n${stream('', HIDDEN_TEXT)}\nendobj\n`; }
  const offsets = new Map<number, number>();
  const nums = [...objs.keys()].sort((a, b) => a - b);
  for (const n of nums) { offsets.set(n, s.length); s += `${n} 0 obj\n${objs.get(n)}\nendobj\n`; }
  const size = nums[nums.length - 1]! + 1;
  const id = '[<6b79736f2d6d6f64696669636174696f6e> <6b79736f2d6d6f64696669636174696f6e>]';
  const xrefOffset = s.length;
  if (!o.xrefStream) {
    s += `xref\n0 ${size}\n`;
    for (let n = 0; n < size; n++) {
      const off = offsets.get(n);
      s += off !== undefined ? `${String(off).padStart(10, '0')} 00000 n\r\n` : `0000000000 ${n === 0 ? '65535' : '00001'} f\r\n`;
    }
    s += `trailer\n<< /Size ${size} /Root 1 0 R /Info 6 0 R /ID ${id} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
    return { bytes: fromLatin1(s), shadowOffset, xrefOffset };
  }
  offsets.set(size, xrefOffset);
  const rows: number[][] = [];
  for (let n = 0; n <= size; n++) {
    const off = offsets.get(n);
    rows.push(off === undefined ? [0, 0, 0, 0, 0, n === 0 ? 0xff : 0, n === 0 ? 0xff : 1] : [1, (off >>> 24) & 0xff, (off >>> 16) & 0xff, (off >>> 8) & 0xff, off & 0xff, 0, 0]);
  }
  const data = pako.deflate(pngUp(rows));
  s += `${size} 0 obj\n<< /Type /XRef /Size ${size + 1} /W [1 4 2] /Root 1 0 R /Info 6 0 R /ID ${id} /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >> /Length ${data.length} >>\nstream\n`;
  const head = fromLatin1(s);
  const tail = fromLatin1(`\nendstream\nendobj\nstartxref\n${xrefOffset}\n%%EOF\n`);
  return { bytes: concat(concat(head, data), tail), shadowOffset, xrefOffset };
}

/** PNG "Up" rows (predictor 12): each row is the difference from the row above, after a filter byte 2. */
function pngUp(rows: number[][]): Uint8Array {
  const out: number[] = [];
  rows.forEach((row, r) => {
    out.push(2);
    row.forEach((v, k) => out.push((v - (r > 0 ? rows[r - 1]![k]! : 0)) & 0xff));
  });
  return Uint8Array.from(out);
}

// ---- signing in-process -----------------------------------------------------------------------------

interface SignOptions { certify?: 1 | 2 | 3; lock?: FieldLock; fieldName?: string; kind?: 'signature' | 'doc-timestamp'; password?: string }

/** prepare → (CAdES over the ByteRange digest, or an RFC 3161 token) → complete, as in pdf-signature.test.ts. */
async function sign(input: Uint8Array, o: SignOptions = {}): Promise<Uint8Array> {
  const kind = o.kind ?? 'signature';
  const prepared = await preparePdfSignature({
    input, password: o.password, kind, hash: 'SHA-256', crypto: nodeCrypto, signingTime: SIGNING_TIME, fieldName: o.fieldName, certify: o.certify, lock: o.lock,
    reason: 'Phê duyệt', location: 'Hà Nội', signerName: 'Nguyễn Văn Ký',
    contentsCapacity: kind === 'doc-timestamp' ? 6000 : estimateCmsSize({ certificates: [signer.cert.der], signerSpki: signer.cert.spki }),
  });
  if (kind === 'doc-timestamp') {
    const tstInfo = encodeTstInfo({ policy: '1.3.6.1.4.1.99999.1.1', hash: 'SHA-256', messageImprint: prepared.digest, serial: 7n, genTime: SIGNING_TIME, accuracy: { seconds: 1 }, tsaNameDer: tsa.cert.subjectDer });
    const token = await buildTimeStampToken({ tstInfo, signer: new KeyObjectSigner(tsa.key), signatureAlgorithm: tsa.alg, tsaCert: tsa.cert, certReq: true, crypto: nodeCrypto });
    return completePdfSignature(prepared, token);
  }
  const cades = prepareCadesSignature({ contentDigest: prepared.digest, hash: 'SHA-256', signerCert: signer.cert, crypto: nodeCrypto });
  const signature = signWithKeyObject(signer.key, cades.toSign, signer.alg);
  const cms = completeCadesSignature({ prepared: cades, signature, signatureAlgorithm: signer.alg, certificates: [signer.cert.der] });
  return completePdfSignature(prepared, cms);
}

// ---- updates ----------------------------------------------------------------------------------------

/** An incremental update written by core's IncrementalUpdate after `edit` picked the objects. */
async function update(bytes: Uint8Array, edit: (pdf: PDF, u: IncrementalUpdate) => void): Promise<Uint8Array> {
  const pdf = await PDF.load(bytes.slice());
  const u = new IncrementalUpdate(pdf, bytes);
  edit(pdf, u);
  return u.build().bytes;
}

const ref = (n: number): PdfRef => PdfRef.of(n, 0);
const dictOf = (pdf: PDF, n: number): PdfDict => pdf.getObject(ref(n)) as PdfDict;

/** The signature widget kyso wrote last (its field is the widget). */
function sigWidget(pdf: PDF, name = 'Signature1'): { ref: PdfRef; dict: PdfDict } {
  const f = listSignatureFields(pdf).find((x) => x.name === name);
  assert.ok(f?.fieldRef, `signature field ${name}`);
  return { ref: f.fieldRef, dict: f.field };
}

/**
 * An update written byte by byte with a classic table: `objects` are written and listed,
 * `unlisted` written but listed nowhere, `entries` listed without a body (pointing anywhere).
 */
function rawUpdate(bytes: Uint8Array, p: { objects?: Array<[number, string]>; unlisted?: Array<[number, string]>; entries?: Array<[number, number]>; prev?: number | null }): Uint8Array {
  let s = '\n';
  const listed: Array<[number, number]> = [...(p.entries ?? [])];
  for (const [n, body] of p.unlisted ?? []) s += `${n} 0 obj\n${body}\nendobj\n`;
  for (const [n, body] of p.objects ?? []) { listed.push([n, bytes.length + s.length]); s += `${n} 0 obj\n${body}\nendobj\n`; }
  const xrefAt = bytes.length + s.length;
  s += 'xref\n';
  for (const [n, off] of listed.sort((a, b) => a[0] - b[0])) s += `${n} 1\n${String(off).padStart(10, '0')} 00000 n\r\n`;
  const prev = p.prev === undefined ? lastStartXref(bytes) : p.prev;
  s += `trailer\n<< /Size 100 /Root 1 0 R /Info 6 0 R${prev === null ? '' : ` /Prev ${prev}`} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return concat(bytes, fromLatin1(s));
}

/**
 * An update whose cross-reference section is a stream with /Index, Flate and the PNG Up predictor;
 * `compressed` objects go into a new object stream (type 2 entries).
 */
function rawXrefStreamUpdate(bytes: Uint8Array, p: { objects?: Array<[number, string]>; compressed?: Array<[number, string]>; streamNum: number }): Uint8Array {
  let s = '\n';
  const rows = new Map<number, number[]>();
  const entry = (type: number, a: number, b: number): number[] => [type, (a >>> 24) & 0xff, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff, (b >>> 8) & 0xff, b & 0xff];
  for (const [n, body] of p.objects ?? []) { rows.set(n, entry(1, bytes.length + s.length, 0)); s += `${n} 0 obj\n${body}\nendobj\n`; }
  if (p.compressed?.length) {
    const objStm = p.streamNum + 1;
    let header = '';
    let content = '';
    p.compressed.forEach(([n, body], i) => { header += `${n} ${content.length} `; content += `${body}\n`; rows.set(n, entry(2, objStm, i)); });
    rows.set(objStm, entry(1, bytes.length + s.length, 0));
    s += `${objStm} 0 obj\n<< /Type /ObjStm /N ${p.compressed.length} /First ${header.length} /Length ${header.length + content.length} >>\nstream\n${header}${content}\nendstream\nendobj\n`;
  }
  const xrefAt = bytes.length + s.length;
  rows.set(p.streamNum, entry(1, xrefAt, 0));
  const nums = [...rows.keys()].sort((a, b) => a - b);
  const data = pako.deflate(pngUp(nums.map((n) => rows.get(n)!)));
  const size = Math.max(...nums) + 1;
  s += `${p.streamNum} 0 obj\n<< /Type /XRef /Size ${size} /W [1 4 2] /Index [${nums.map((n) => `${n} 1`).join(' ')}] /Root 1 0 R /Info 6 0 R /Prev ${lastStartXref(bytes)} /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >> /Length ${data.length} >>\nstream\n`;
  const tail = fromLatin1(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`);
  return concat(concat(concat(bytes, fromLatin1(s)), data), tail);
}

// ---- analysis helpers -------------------------------------------------------------------------------

async function analyse(bytes: Uint8Array, signedRevisionEnd: number, rules: Partial<ModificationRules> = {}): Promise<ModificationAnalysis> {
  return analyseModifications({ bytes, signedRevisionEnd, rules: { locks: [], ...rules } });
}

function explain(r: ModificationAnalysis): string {
  return JSON.stringify({ verdict: r.verdict, categories: r.categories, findings: r.findings, reasons: r.reasons, changes: r.changes }, null, 1);
}

function assertVerdict(r: ModificationAnalysis, verdict: ModificationAnalysis['verdict'], findings: string[] = []): void {
  assert.equal(r.verdict, verdict, explain(r));
  for (const f of findings) assert.ok(r.findings.includes(f), `finding '${f}' expected:\n${explain(r)}`);
  if (verdict === 'disallowed') assert.ok(r.reasons.length > 0, 'a disallowed verdict says why');
  else assert.deepEqual(r.reasons, [], explain(r));
}

// =====================================================================================================
// 1. The labelled corpus
// =====================================================================================================

interface SignedEntry { file: string; password?: string; expected: { modified_after_signing?: boolean | null; notes?: string } | null }
interface Deviation { file: string; expected_modified: boolean; verdict: ModificationAnalysis['verdict']; reason: string }

function corpusPath(file: string): string | undefined {
  try {
    const p = sharedPath('corpus', 'pdf', 'signed', file);
    return existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The earliest signature or document time-stamp (smallest ByteRange end) and the rules that hold
 * after it: the document's DocMDP level and the signature's FieldMDP locks (its /Reference, else
 * its field's /Lock). A file @libpdf/core cannot open falls back to the /ByteRange arrays in its bytes.
 */
async function firstSignature(bytes: Uint8Array, password?: string): Promise<{ end: number; rules: ModificationRules }> {
  try {
    const pdf = await PDF.load(bytes.slice(), password !== undefined ? { credentials: password } : {});
    const signed = listSignatureFields(pdf)
      .map((f) => ({ f, br: f.value ? byteRangeOf(pdf, f.value.dict) : undefined }))
      .filter((x): x is { f: typeof x.f; br: [number, number, number, number] } => x.br !== undefined)
      .sort((a, b) => a.br[2] + a.br[3] - (b.br[2] + b.br[3]));
    const first = signed[0];
    if (first) {
      let locks: FieldLock[] = fieldMdpLocks(pdf, first.f.value!.dict);
      if (locks.length === 0 && first.f.lock) locks = [first.f.lock];
      return { end: first.br[2] + first.br[3], rules: { docMdp: docMdpPermission(pdf), locks } };
    }
  } catch {
    // fall through to the raw byte ranges
  }
  const ends = [...latin1(bytes).matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)].map((m) => Number(m[3]) + Number(m[4]));
  assert.ok(ends.length > 0, 'no /ByteRange in the file');
  return { end: Math.min(...ends), rules: { locks: [] } };
}

describe('signed corpus: verdict against expected.modified_after_signing', () => {
  test('agrees with every labelled file except the known deviations (list checked exactly)', async (t) => {
    const manifestPath = corpusPath('manifest.json');
    if (!manifestPath) { t.skip('shared/corpus/pdf/signed is absent'); return; }
    const entries = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: SignedEntry[] }).files
      .filter((f) => typeof f.expected?.modified_after_signing === 'boolean');
    const known = (JSON.parse(readFileSync(new URL('./modification-known-deviations.json', import.meta.url), 'utf8')) as { deviations: Deviation[] }).deviations;
    for (const d of known) assert.ok(d.reason.length > 20, `deviation ${d.file} needs a reason`);

    const present: string[] = [];
    const disagreements: Array<Omit<Deviation, 'reason'> & { reasons: string[] }> = [];
    let agree = 0;
    for (const f of entries) {
      const p = corpusPath(f.file);
      if (!p) continue;
      present.push(f.file);
      const bytes = new Uint8Array(readFileSync(p));
      const { end, rules } = await firstSignature(bytes, f.password);
      const r = await analyseModifications({ bytes, signedRevisionEnd: end, password: f.password, rules });
      const modified = f.expected!.modified_after_signing!;
      if ((r.verdict === 'disallowed') === modified) agree++;
      else disagreements.push({ file: f.file, expected_modified: modified, verdict: r.verdict, reasons: r.reasons });
    }
    t.diagnostic(`agreement with the manifest: ${agree}/${present.length} labelled files; ${disagreements.length} known deviations`);
    for (const d of disagreements) t.diagnostic(`deviation ${d.file}: expected modified=${d.expected_modified}, kyso ${d.verdict}${d.reasons.length ? ` (${d.reasons.join('; ')})` : ''}`);

    const actual = disagreements.map(({ file, expected_modified, verdict }) => ({ file, expected_modified, verdict })).sort((a, b) => a.file.localeCompare(b.file));
    const expected = known.filter((d) => present.includes(d.file)).map(({ file, expected_modified, verdict }) => ({ file, expected_modified, verdict })).sort((a, b) => a.file.localeCompare(b.file));
    assert.deepEqual(actual, expected, 'modification-known-deviations.json is stale: update it (with a reason) or fix the analysis');
  });

  const one = async (t: { skip(m: string): void }, file: string): Promise<ModificationAnalysis | undefined> => {
    const p = corpusPath(file);
    if (!p) { t.skip(`corpus file ${file} is absent`); return undefined; }
    const bytes = new Uint8Array(readFileSync(p));
    const { end, rules } = await firstSignature(bytes);
    return analyseModifications({ bytes, signedRevisionEnd: end, rules });
  };

  test('dss__pades-spoofing-replaced-reason.pdf: the signature dictionary replaced after signing', async (t) => {
    const r = await one(t, 'dss__pades-spoofing-replaced-reason.pdf');
    if (!r) return;
    assertVerdict(r, 'disallowed', ['signature-dictionary-replaced', 'object-overridden']);
    assert.ok(r.changes.some((c) => c.kind === 'modified' && c.keys?.includes('Reason')), explain(r));
  });

  test('dss__pdf-removed-pages.pdf: pages 2 and 3 removed', async (t) => {
    const r = await one(t, 'dss__pdf-removed-pages.pdf');
    if (!r) return;
    assertVerdict(r, 'disallowed', ['pages-changed']);
    assert.equal(r.pagesRemoved, 2);
    assert.equal(r.pagesAdded, 0);
  });

  test('pyhanko__form-update-override-appearance-stream(-sneaky).pdf: an appearance also drawn elsewhere is not form work', async (t) => {
    const plain = await one(t, 'pyhanko__form-update-override-appearance-stream.pdf');
    const sneaky = await one(t, 'pyhanko__form-update-override-appearance-stream-sneaky.pdf');
    if (!plain || !sneaky) return;
    assertVerdict(plain, 'allowed');
    assertVerdict(sneaky, 'disallowed');
    assert.ok(sneaky.reasons.some((x) => /FooBar/.test(x)), explain(sneaky));
  });

  test('dss__pades-signed-annot-added.pdf: an annotation added after an approval signature', async (t) => {
    const r = await one(t, 'dss__pades-signed-annot-added.pdf');
    if (!r) return;
    assertVerdict(r, 'disallowed', ['annotation-added']);
    assert.ok(r.categories.includes('annotations'));
  });

  test('dss__DSS-3226.pdf: numbers re-serialised (1 vs 1.0) are no change', async (t) => {
    const r = await one(t, 'dss__DSS-3226.pdf');
    if (!r) return;
    assertVerdict(r, 'allowed');
  });

  test('dss__PAdES-LT.pdf: DSS/VRI updates, signatures and a document time-stamp are all permitted', async (t) => {
    const r = await one(t, 'dss__PAdES-LT.pdf');
    if (!r) return;
    assertVerdict(r, 'allowed');
    assert.ok(r.laterRevisions >= 5);
    assert.ok(r.categories.includes('validation-data') && r.categories.includes('signature-fields'));
  });

  test('a signature that covers the whole file: verdict none', async (t) => {
    const r = await one(t, 'dss__pades-bes.pdf');
    if (!r) return;
    assert.equal(r.verdict, 'none');
    assert.equal(r.laterRevisions, 0);
    assert.deepEqual(r.changes, []);
  });
});

// =====================================================================================================
// 2. Synthetic updates after a kyso signature
// =====================================================================================================

describe('permitted updates', () => {
  test('no update after the signature: none', async () => {
    const signed = await sign(basePdf().bytes);
    const r = await analyse(signed, signed.length);
    assert.equal(r.verdict, 'none');
    assert.equal(r.laterRevisions, 0);
  });

  test('a DSS (B-LT validation data) is allowed, twice, also under DocMDP P=1', async () => {
    const signed = await sign(basePdf().bytes);
    const once = await appendDss({ input: signed, data: { certificates: [signer.cert.der], ocspResponses: [fromLatin1('ocsp-1')], crls: [fromLatin1('crl-1')] } });
    const twice = await appendDss({ input: once, data: { certificates: [tsa.cert.der], ocspResponses: [fromLatin1('ocsp-2')], crls: [] } });
    for (const [bytes, revisions] of [[once, 1], [twice, 2]] as const) {
      const r = await analyse(bytes, signed.length);
      assertVerdict(r, 'allowed');
      assert.deepEqual(r.categories, ['validation-data']);
      assert.equal(r.laterRevisions, revisions);
      assert.ok(r.changes.some((c) => c.role === 'document catalog' && c.keys?.includes('DSS')), explain(r));
      assertVerdict(await analyse(bytes, signed.length, { docMdp: 1 }), 'allowed');
    }
  });

  test('a second signature is allowed (not under DocMDP P=1); a document time-stamp is allowed even under P=1', async () => {
    const signed = await sign(basePdf().bytes);
    const second = await sign(signed);
    const r = await analyse(second, signed.length);
    assertVerdict(r, 'allowed');
    assert.deepEqual(r.categories, ['signature-fields']);
    assert.ok(r.changes.some((c) => /signature dictionary/.test(c.role) && c.kind === 'added'), explain(r));
    assertVerdict(await analyse(second, signed.length, { docMdp: 1 }), 'disallowed');

    const stamped = await sign(signed, { kind: 'doc-timestamp' });
    assertVerdict(await analyse(stamped, signed.length), 'allowed');
    assertVerdict(await analyse(stamped, signed.length, { docMdp: 1 }), 'allowed');
    const ltv = await appendDss({ input: stamped, data: { certificates: [tsa.cert.der], ocspResponses: [], crls: [] } });
    assertVerdict(await analyse(ltv, signed.length, { docMdp: 1 }), 'allowed');
  });

  test('an empty signature field added: allowed, except under DocMDP P=1', async () => {
    const signed = await sign(basePdf().bytes);
    const out = await update(signed, (pdf, u) => {
      const widget = u.add(PdfDict.of({
        Type: PdfName.of('Annot'), Subtype: PdfName.of('Widget'), FT: PdfName.of('Sig'), T: PdfString.fromString('Later'),
        Rect: new PdfArray([0, 0, 0, 0].map((v) => PdfNumber.of(v))), F: PdfNumber.of(132), P: ref(3),
      }));
      const field = listSignatureFields(pdf)[0]!;
      const acroRef = dictOf(pdf, 1).get('AcroForm') as PdfRef;
      const acro = pdf.getObject(acroRef) as PdfDict;
      acro.set('Fields', new PdfArray([field.fieldRef!, widget]));
      u.put(acroRef, acro);
      const page = dictOf(pdf, 3);
      page.set('Annots', new PdfArray([...(page.get('Annots') as PdfArray).toArray(), widget]));
      u.put(ref(3), page);
    });
    const r = await analyse(out, signed.length);
    assertVerdict(r, 'allowed');
    assert.deepEqual(r.categories, ['signature-fields']);
    assertVerdict(await analyse(out, signed.length, { docMdp: 1 }), 'disallowed');
  });

  test('signing an existing empty signature field after a certification P=2 is allowed', async () => {
    const input = await update(basePdf().bytes, (pdf, u) => {
      const widget = u.add(PdfDict.of({
        Type: PdfName.of('Annot'), Subtype: PdfName.of('Widget'), FT: PdfName.of('Sig'), T: PdfString.fromString('Approver'),
        Rect: new PdfArray([0, 0, 0, 0].map((v) => PdfNumber.of(v))), F: PdfNumber.of(132), P: ref(3),
      }));
      const page = dictOf(pdf, 3);
      page.set('Annots', new PdfArray([widget]));
      u.put(ref(3), page);
      const catalog = dictOf(pdf, 1);
      catalog.set('AcroForm', PdfDict.of({ Fields: new PdfArray([widget]) }));
      u.put(ref(1), catalog);
    });
    const certified = await sign(input, { certify: 2, fieldName: 'Certifier' });
    const approved = await sign(certified, { fieldName: 'Approver' });
    const r = await analyse(approved, certified.length, { docMdp: 2 });
    assertVerdict(r, 'allowed');
    assert.ok(r.changes.some((c) => c.keys?.includes('V') && c.category === 'signature-fields'), explain(r));
    // A FieldMDP lock on the empty field forbids signing it (kyso's signer refuses; a forged update is caught).
    const locked = await analyse(approved, certified.length, { docMdp: 2, locks: [{ action: 'Include', fields: ['Approver'] }] });
    assertVerdict(locked, 'disallowed');
    assert.ok(locked.reasons.some((x) => /"Approver" is locked/.test(x)), explain(locked));
    assertVerdict(await analyse(approved, certified.length, { docMdp: 2, locks: [{ action: 'Exclude', fields: ['Approver'] }] }), 'allowed');
  });

  test('an update that rewrites objects without changing them is no change', async () => {
    const signed = await sign(basePdf().bytes);
    const rewritten = await update(signed, (pdf, u) => {
      u.put(ref(2), dictOf(pdf, 2));
      u.put(ref(5), dictOf(pdf, 5));
      // The content stream again, re-compressed: same decoded data.
      const content = pdf.getObject(ref(4)) as PdfStream;
      u.put(ref(4), new PdfStream([['Filter', PdfName.of('FlateDecode')]], pako.deflate(content.getDecodedData())));
    });
    const r = await analyse(rewritten, signed.length);
    assertVerdict(r, 'allowed');
    assert.deepEqual(r.changes, []);
    assert.equal(r.laterRevisions, 1);
  });
});

describe('document metadata (/Info, XMP, catalog /Version): allowed, except under DocMDP P=1', () => {
  const MOD_DATE = "D:20261128090000+07'00'";
  /** What Acrobat writes with every save: /ModDate and /Producer of the document information dictionary (object 6). */
  const touchInfo = (bytes: Uint8Array): Promise<Uint8Array> => update(bytes, (pdf, u) => {
    const info = dictOf(pdf, 6);
    info.set('ModDate', PdfString.fromString(MOD_DATE));
    info.set('Producer', PdfString.fromString('Adobe Acrobat Pro 2024'));
    u.put(ref(6), info);
  });
  const xmp = (date: string): PdfStream => new PdfStream([['Type', PdfName.of('Metadata')], ['Subtype', PdfName.of('XML')]], enc.encode(
    '<?xpacket begin="\u00ef\u00bb\u00bf" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    + `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:ModifyDate>${date}</xmp:ModifyDate></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`,
  ));
  /** The base document with a catalog /Metadata XMP stream, before signing. */
  const withXmp = (): Promise<Uint8Array> => update(basePdf().bytes, (pdf, u) => {
    const catalog = dictOf(pdf, 1);
    catalog.set('Metadata', u.add(xmp('2026-11-27T10:00:00+07:00')));
    u.put(ref(1), catalog);
  });
  const metadataRef = async (bytes: Uint8Array): Promise<PdfRef> => {
    const m = dictOf(await PDF.load(bytes.slice()), 1).get('Metadata');
    assert.ok(m instanceof PdfRef);
    return m;
  };

  test('/Info /ModDate and /Producer changed after a signature: allowed as metadata; disallowed under DocMDP P=1', async () => {
    const signed = await sign(basePdf().bytes);
    const out = await touchInfo(signed);
    const r = await analyse(out, signed.length);
    assertVerdict(r, 'allowed', ['metadata-changed']);
    assert.deepEqual(r.categories, ['metadata']);
    assert.deepEqual(r.changes.map((c) => [c.object, c.kind, c.category, c.role, c.keys]), [[6, 'modified', 'metadata', 'document information dictionary (/Info)', ['ModDate', 'Producer']]], explain(r));
    assert.ok(!r.findings.includes('object-overridden'), explain(r));
    for (const rules of [{ docMdp: 2 as const }, { docMdp: 3 as const }, { locks: [{ action: 'All' as const }] }]) assertVerdict(await analyse(out, signed.length, rules), 'allowed');

    for (const p of [1, 2] as const) {
      const certified = await sign(basePdf().bytes, { certify: p });
      const rules = { docMdp: docMdpPermission(await PDF.load(certified.slice())) };
      const rc = await analyse(await touchInfo(certified), certified.length, rules);
      assertVerdict(rc, p === 1 ? 'disallowed' : 'allowed', ['metadata-changed']);
      assert.deepEqual(rc.categories, ['metadata']);
      if (p === 1) assert.ok(rc.reasons.some((x) => /DocMDP P=1/.test(x) && /\/Info/.test(x)), explain(rc));
    }
  });

  test('a new /Info object named by the trailer: metadata, allowed', async () => {
    const signed = await sign(basePdf().bytes);
    const out = await update(signed, (pdf, u) => {
      pdf.context.info.trailer.set('Info', u.add(PdfDict.of({ Producer: PdfString.fromString('DocuSign'), ModDate: PdfString.fromString(MOD_DATE) })));
    });
    const r = await analyse(out, signed.length);
    assertVerdict(r, 'allowed', ['metadata-changed']);
    assert.deepEqual(r.categories, ['metadata']);
    assert.ok(r.changes.some((c) => c.kind === 'added' && c.category === 'metadata' && c.role === 'document information dictionary (/Info)'), explain(r));
    assertVerdict(await analyse(out, signed.length, { docMdp: 1 }), 'disallowed', ['metadata-changed']);
  });

  test('an object unreferenced when signed that becomes /Info: metadata, not shadow "hide"', async () => {
    let spare: PdfRef | undefined;
    const input = await update(basePdf().bytes, (_pdf, u) => { spare = u.add(PdfDict.of({ Title: PdfString.fromString('Spare') })); });
    const signed = await sign(input);
    const out = await update(signed, (pdf) => { pdf.context.info.trailer.set('Info', spare!); });
    const r = await analyse(out, signed.length);
    assertVerdict(r, 'allowed');
    assert.deepEqual(r.categories, ['metadata']);
    assert.ok(!r.findings.includes('shadow-hide'), explain(r));
  });

  test('the XMP metadata stream replaced, or the catalog /Metadata re-pointed: allowed as metadata; disallowed under P=1', async () => {
    const signed = await sign(await withXmp());
    const xmpRef = await metadataRef(signed);
    const replaced = await update(signed, (_pdf, u) => u.put(xmpRef, xmp('2026-11-28T09:00:00+07:00')));
    const r1 = await analyse(replaced, signed.length);
    assertVerdict(r1, 'allowed', ['metadata-changed']);
    assert.deepEqual(r1.categories, ['metadata']);
    assert.deepEqual(r1.changes.map((c) => [c.object, c.category, c.role, c.keys]), [[xmpRef.objectNumber, 'metadata', 'XMP metadata', ['(stream data)']]], explain(r1));
    assertVerdict(await analyse(replaced, signed.length, { docMdp: 1 }), 'disallowed', ['metadata-changed']);

    const repointed = await update(signed, (pdf, u) => {
      const catalog = dictOf(pdf, 1);
      catalog.set('Metadata', u.add(xmp('2026-11-28T09:00:00+07:00')));
      u.put(ref(1), catalog);
    });
    const r2 = await analyse(repointed, signed.length);
    assertVerdict(r2, 'allowed', ['metadata-changed']);
    assert.deepEqual(r2.categories, ['metadata']);
    assert.ok(r2.changes.some((c) => c.object === 1 && c.category === 'metadata' && c.keys?.includes('Metadata')), explain(r2));
    assertVerdict(await analyse(repointed, signed.length, { docMdp: 1 }), 'disallowed');
  });

  test('the catalog /Version raised: metadata; lowered below the header: a catalog change', async () => {
    const signed = await sign(basePdf().bytes); // %PDF-1.7
    const setVersion = (v: string): Promise<Uint8Array> => update(signed, (pdf, u) => {
      const catalog = dictOf(pdf, 1);
      catalog.set('Version', PdfName.of(v));
      u.put(ref(1), catalog);
    });
    const raised = await analyse(await setVersion('2.0'), signed.length);
    assertVerdict(raised, 'allowed', ['metadata-changed']);
    assert.deepEqual(raised.categories, ['metadata']);
    assert.ok(raised.changes.some((c) => c.object === 1 && /\/Version raised to 2\.0/.test(c.description)), explain(raised));
    assertVerdict(await analyse(await setVersion('2.0'), signed.length, { docMdp: 1 }), 'disallowed');
    const lowered = await analyse(await setVersion('1.4'), signed.length);
    assertVerdict(lowered, 'disallowed', ['catalog-changed']);
    assert.deepEqual(lowered.categories, ['other']);
  });

  test("iText's /ITXT stamp on the page tree root is metadata; with another page tree change it is not enough", async () => {
    const signed = await sign(basePdf({ pages: 2 }).bytes);
    const stamp = (count?: number): Promise<Uint8Array> => update(signed, (pdf, u) => {
      const pages = dictOf(pdf, 2);
      pages.set('ITXT', PdfString.fromString('5.0.0'));
      if (count !== undefined) { pages.set('Kids', new PdfArray([ref(3)])); pages.set('Count', PdfNumber.of(count)); }
      u.put(ref(2), pages);
    });
    const ok = await analyse(await stamp(), signed.length);
    assertVerdict(ok, 'allowed', ['metadata-changed']);
    assert.deepEqual(ok.categories, ['metadata']);
    assertVerdict(await analyse(await stamp(1), signed.length), 'disallowed', ['pages-changed']);
  });

  test('an object that is both /Info data and page content stays page content', async () => {
    const input = await update(basePdf().bytes, (pdf, u) => {
      const info = dictOf(pdf, 6);
      info.set('Note', ref(4));
      u.put(ref(6), info);
    });
    const signed = await sign(input);
    const out = await update(signed, (_pdf, u) => u.put(ref(4), new PdfStream([], enc.encode(HIDDEN_TEXT))));
    const r = await analyse(out, signed.length, { docMdp: 3 });
    assertVerdict(r, 'disallowed', ['page-content-replaced', 'shadow-replace']);
    assert.equal(r.changes.find((c) => c.object === 4)?.category, 'other', explain(r));
  });
});

describe('content replaced after signing (shadow "replace")', () => {
  test('a page content stream overridden: disallowed', async () => {
    const signed = await sign(basePdf().bytes);
    const out = await update(signed, (_pdf, u) => u.put(ref(4), new PdfStream([], enc.encode(HIDDEN_TEXT))));
    const r = await analyse(out, signed.length, { docMdp: 3 });
    assertVerdict(r, 'disallowed', ['page-content-replaced', 'object-overridden', 'shadow-replace']);
    const change = r.changes.find((c) => c.object === 4);
    assert.equal(change?.kind, 'modified');
    assert.equal(change?.category, 'other');
    assert.equal(change?.role, 'content stream of page 1');
  });

  test('a font object overridden (written into an object stream of an xref-stream update): disallowed', async () => {
    const signed = await sign(basePdf().bytes);
    const out = rawXrefStreamUpdate(signed, { streamNum: 60, compressed: [[5, '<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>']] });
    const r = await analyse(out, signed.length);
    assertVerdict(r, 'disallowed', ['font-replaced', 'object-overridden']);
    assert.ok(r.changes.some((c) => c.object === 5 && c.role === 'font' && c.keys?.includes('BaseFont')), explain(r));
  });

  test('a new page added or a page removed: disallowed, counted', async () => {
    const signed = await sign(basePdf({ pages: 2 }).bytes);
    const removed = await update(signed, (pdf, u) => {
      const pages = dictOf(pdf, 2);
      pages.set('Kids', new PdfArray([ref(3)]));
      pages.set('Count', PdfNumber.of(1));
      u.put(ref(2), pages);
    });
    const r1 = await analyse(removed, signed.length);
    assertVerdict(r1, 'disallowed', ['pages-changed']);
    assert.equal(r1.pagesRemoved, 1);
    const added = await update(signed, (pdf, u) => {
      const page = u.add(PdfDict.of({ Type: PdfName.of('Page'), Parent: ref(2), MediaBox: new PdfArray([0, 0, 595, 842].map((v) => PdfNumber.of(v))), Contents: ref(4) }));
      const pages = dictOf(pdf, 2);
      pages.set('Kids', new PdfArray([ref(3), ref(10), page]));
      pages.set('Count', PdfNumber.of(3));
      u.put(ref(2), pages);
    });
    const r2 = await analyse(added, signed.length);
    assertVerdict(r2, 'disallowed', ['pages-changed']);
    assert.equal(r2.pagesAdded, 1);
  });

  test('the appearance stream of the signed widget overridden, or its /AP repointed: appearance-replaced', async () => {
    const signed = await sign(basePdf().bytes);
    const pdf = await PDF.load(signed.slice());
    const widget = sigWidget(pdf);
    const apRef = (widget.dict.get('AP') as PdfDict).get('N') as PdfRef;
    const stamp = 'BT /Helv 10 Tf 2 2 Td (Approved: 1,000,000,000 VND) Tj ET';
    const overridden = await update(signed, (_p, u) => u.put(apRef, new PdfStream([['Type', PdfName.of('XObject')], ['Subtype', PdfName.of('Form')], ['BBox', new PdfArray([0, 0, 200, 20].map((v) => PdfNumber.of(v)))]], enc.encode(stamp))));
    const r1 = await analyse(overridden, signed.length, { docMdp: 3 });
    assertVerdict(r1, 'disallowed', ['appearance-replaced', 'shadow-replace']);
    const repointed = await update(signed, (p, u) => {
      const ap = u.add(new PdfStream([['Type', PdfName.of('XObject')], ['Subtype', PdfName.of('Form')], ['BBox', new PdfArray([0, 0, 200, 20].map((v) => PdfNumber.of(v)))]], enc.encode(stamp)));
      const w = sigWidget(p);
      w.dict.set('AP', PdfDict.of({ N: ap }));
      u.put(w.ref, w.dict);
    });
    assertVerdict(await analyse(repointed, signed.length, { docMdp: 3 }), 'disallowed', ['appearance-replaced']);
  });

  test('the signature value of the signed field replaced: signature-dictionary-replaced', async () => {
    const signed = await sign(basePdf().bytes);
    const out = await update(signed, (p, u) => {
      const w = sigWidget(p);
      const forged = u.add(PdfDict.of({ Type: PdfName.of('Sig'), Filter: PdfName.of('Adobe.PPKLite'), SubFilter: PdfName.of('ETSI.CAdES.detached'), Reason: PdfString.fromString('Không đồng ý') }));
      w.dict.set('V', forged);
      u.put(w.ref, w.dict);
    });
    assertVerdict(await analyse(out, signed.length), 'disallowed', ['signature-dictionary-replaced']);
  });
});

describe('annotations and forms', () => {
  const addSquare = (bytes: Uint8Array): Promise<Uint8Array> => update(bytes, (pdf, u) => {
    const annot = u.add(PdfDict.of({
      Type: PdfName.of('Annot'), Subtype: PdfName.of('Square'), Rect: new PdfArray([100, 100, 300, 200].map((v) => PdfNumber.of(v))),
      Contents: PdfString.fromString('Ghi chú'), P: ref(3),
    }));
    const page = dictOf(pdf, 3);
    const annots = page.get('Annots');
    if (annots instanceof PdfRef) {
      const arr = pdf.getObject(annots) as PdfArray;
      arr.push(annot);
      u.put(annots, arr);
    } else {
      page.set('Annots', new PdfArray([...((annots as PdfArray | undefined)?.toArray() ?? []), annot]));
      u.put(ref(3), page);
    }
  });

  test('an annotation added: allowed only under a certification with DocMDP P=3', async () => {
    const approval = await sign(basePdf().bytes);
    const r0 = await analyse(await addSquare(approval), approval.length);
    assertVerdict(r0, 'disallowed', ['annotation-added']);
    assert.ok(r0.categories.includes('annotations'));
    for (const p of [1, 2, 3] as const) {
      const certified = await sign(basePdf().bytes, { certify: p });
      const rules = { docMdp: docMdpPermission(await PDF.load(certified.slice())) };
      assert.equal(rules.docMdp, p);
      const r = await analyse(await addSquare(certified), certified.length, rules);
      assertVerdict(r, p === 3 ? 'allowed' : 'disallowed', ['annotation-added']);
      assert.deepEqual(r.categories, ['annotations'], explain(r));
    }
  });

  /** Fills the text field "name": a new /V and a new appearance stream. */
  const fill = (bytes: Uint8Array, value: string, appearanceOnly = false): Promise<Uint8Array> => update(bytes, (pdf, u) => {
    const field = dictOf(pdf, 8);
    const ap = u.add(new PdfStream([
      ['Type', PdfName.of('XObject')], ['Subtype', PdfName.of('Form')], ['BBox', new PdfArray([0, 0, 228, 30].map((v) => PdfNumber.of(v)))],
      ['Resources', PdfDict.of({ Font: PdfDict.of({ Helv: ref(5) }) })],
    ], enc.encode(`/Tx BMC BT /Helv 12 Tf 2 9 Td (${value}) Tj ET EMC`)));
    if (!appearanceOnly) field.set('V', PdfString.fromString(value));
    field.set('AP', PdfDict.of({ N: ap }));
    u.put(ref(8), field);
  });

  test('filling a text field: allowed under DocMDP P=2 and P=3, not under P=1, not when a FieldMDP lock covers it', async () => {
    const certified = await sign(basePdf({ textField: true }).bytes, { certify: 2 });
    const filled = await fill(certified, 'Nguyen Van A');
    const r = await analyse(filled, certified.length, { docMdp: 2 });
    assertVerdict(r, 'allowed', ['form-value-changed']);
    assert.deepEqual(r.categories, ['form-fields']);
    assert.ok(r.changes.some((c) => c.object === 8 && c.keys?.includes('V') && c.keys.includes('AP')), explain(r));
    assertVerdict(await analyse(filled, certified.length, { docMdp: 3 }), 'allowed');
    assertVerdict(await analyse(filled, certified.length, { docMdp: 1 }), 'disallowed', ['form-value-changed']);
    assertVerdict(await analyse(filled, certified.length, { docMdp: 2, locks: [{ action: 'All' }] }), 'disallowed');
    const included = await analyse(filled, certified.length, { docMdp: 2, locks: [{ action: 'Include', fields: ['name'] }] });
    assertVerdict(included, 'disallowed');
    assert.ok(included.reasons.some((x) => /"name" is locked/.test(x)), explain(included));
    assertVerdict(await analyse(filled, certified.length, { docMdp: 2, locks: [{ action: 'Exclude', fields: ['name'] }] }), 'allowed');
    assertVerdict(await analyse(filled, certified.length, { docMdp: 2, locks: [{ action: 'Include', fields: ['other'] }] }), 'allowed');
  });

  test('a field locked by the signature itself (kyso FieldMDP Include) cannot be filled', async () => {
    const signed = await sign(basePdf({ textField: true }).bytes, { lock: { action: 'Include', fields: ['name'] } });
    const pdf = await PDF.load(signed.slice());
    const locks = fieldMdpLocks(pdf, listSignatureFields(pdf)[0]!.value!.dict);
    assert.deepEqual(locks, [{ action: 'Include', fields: ['name'] }]);
    assertVerdict(await analyse(await fill(signed, 'Tran Thi B'), signed.length, { locks }), 'disallowed', ['form-value-changed']);
  });

  test("a text field's appearance replaced while its value stays: appearance-replaced", async () => {
    const certified = await sign(basePdf({ textField: true }).bytes, { certify: 2 });
    const r = await analyse(await fill(certified, 'Nguyen Van A', true), certified.length, { docMdp: 2 });
    assertVerdict(r, 'disallowed', ['appearance-replaced']);
  });
});

describe('shadow attacks and crafted cross-reference sections', () => {
  test('hide: content unreferenced when signed and shown by a later update', async () => {
    const signed = await sign(basePdf({ hiddenContent: true }).bytes);
    const out = await update(signed, (pdf, u) => {
      const page = dictOf(pdf, 3);
      page.set('Contents', new PdfArray([ref(4), ref(20)]));
      u.put(ref(3), page);
    });
    const r = await analyse(out, signed.length, { docMdp: 3 });
    assertVerdict(r, 'disallowed', ['shadow-hide', 'page-content-replaced']);
    assert.ok(r.changes.some((c) => c.object === 20 && c.kind === 'added' && c.role === 'content stream of page 1'), explain(r));
  });

  test('hide-and-replace: an update made of a cross-reference section only, pointing into the signed bytes', async () => {
    const base = basePdf({ shadowBody: true });
    const signed = await sign(base.bytes);
    const out = rawUpdate(signed, { entries: [[4, base.shadowOffset!]] });
    const r = await analyse(out, signed.length, { docMdp: 3 });
    assertVerdict(r, 'disallowed', ['shadow-hide-and-replace', 'page-content-replaced']);
    assert.equal(r.laterRevisions, 1);
    // What a reader shows now is the hidden body.
    const shown = (await PDF.load(out.slice())).getObject(ref(4)) as PdfStream;
    assert.equal(new TextDecoder().decode(shown.getDecodedData()).trim(), HIDDEN_TEXT.trim());
  });

  test('hide-and-replace: a trailer naming another catalog', async () => {
    const signed = await sign(basePdf().bytes);
    const catalog = '<< /Type /Catalog /Pages 41 0 R >>';
    const pages = '<< /Type /Pages /Kids [42 0 R] /Count 1 >>';
    const page = '<< /Type /Page /Parent 41 0 R /MediaBox [0 0 595 842] /Contents 43 0 R /Resources << /Font << /F1 5 0 R >> >> >>';
    let out = rawUpdate(signed, { objects: [[40, catalog], [41, pages], [42, page], [43, stream('', HIDDEN_TEXT)]] });
    out = fromLatin1(latin1(out).replace(/\/Root 1 0 R(?![\s\S]*\/Root 1 0 R)/, '/Root 40 0 R'));
    const r = await analyse(out, signed.length);
    assertVerdict(r, 'disallowed', ['shadow-hide-and-replace']);
  });

  test('an update whose /Prev skips the signed revision (the signature vanishes)', async () => {
    const base = basePdf();
    const signed = await sign(base.bytes);
    const out = rawUpdate(signed, { objects: [[6, '<< /Producer (x) >>']], prev: base.xrefOffset });
    const r = await analyse(out, signed.length);
    assertVerdict(r, 'disallowed', ['shadow-hide-and-replace', 'hidden-objects']);
  });

  test('an update without /Prev that defines a document of its own', async () => {
    const base = basePdf({ shadowBody: true });
    const signed = await sign(base.bytes);
    const r = await analyse(rawUpdate(signed, { objects: [[6, '<< /Producer (x) >>']], prev: null }), signed.length);
    assert.equal(r.verdict, 'disallowed', explain(r));
    assert.ok(r.findings.includes('shadow-hide-and-replace') || r.findings.includes('unparseable-update'), explain(r));
  });

  test('object bodies written after the signature but listed in no cross-reference section: hidden-objects', async () => {
    const signed = await sign(basePdf().bytes);
    const out = rawUpdate(signed, { unlisted: [[4, stream('', HIDDEN_TEXT)]], objects: [[30, '<< /Note (benign) >>']] });
    const r = await analyse(out, signed.length);
    assertVerdict(r, 'disallowed', ['hidden-objects']);
    assert.ok(r.reasons.some((x) => /\b4 0 at \d+/.test(x)), explain(r));
    // The reader that follows the chain still shows the signed content.
    assert.deepEqual(r.changes, []);
  });

  test('bytes after the last %%EOF: appended-content', async () => {
    const signed = await sign(basePdf().bytes);
    const r = await analyse(concat(signed, fromLatin1(`4 0 obj\n${stream('', HIDDEN_TEXT)}\nendobj\n`)), signed.length);
    assertVerdict(r, 'disallowed', ['appended-content']);
    assert.equal(r.laterRevisions, 0);
    const whitespace = await analyse(concat(signed, fromLatin1('\r\n\n  \n')), signed.length);
    assert.equal(whitespace.verdict, 'none');
  });

  test('an update whose cross-reference section cannot be read: unparseable-update', async () => {
    const signed = await sign(basePdf().bytes);
    const junk = `\nxref\n0 1\nthis is not an entry\ntrailer\n<< /Size 10 /Root 1 0 R >>\nstartxref\n${signed.length + 1}\n%%EOF\n`;
    const r = await analyse(concat(signed, fromLatin1(junk)), signed.length);
    assertVerdict(r, 'disallowed', ['unparseable-update']);
  });
});

describe('encrypted files', () => {
  for (const file of ['pyhanko__minimal-rc4.pdf', 'pyhanko__minimal-aes256.pdf']) {
    test(`${file}: read with the password; DSS allowed, a content change caught, no password: unparseable`, async (t) => {
      let path: string | undefined;
      try { path = sharedPath('corpus', 'pdf', 'inputs', file); } catch { path = undefined; }
      if (!path || !existsSync(path)) { t.skip(`corpus input ${file} is absent`); return; }
      const password = 'usersecret';
      const signed = await sign(new Uint8Array(readFileSync(path)), { password });
      const dss = await appendDss({ input: signed, password, data: { certificates: [signer.cert.der], ocspResponses: [], crls: [] } });
      const ok = await analyseModifications({ bytes: dss, password, signedRevisionEnd: signed.length, rules: { locks: [] } });
      assertVerdict(ok, 'allowed');
      assert.deepEqual(ok.categories, ['validation-data']);
      const changed = await (async () => {
        const pdf = await PDF.load(dss.slice(), { credentials: password });
        const u = new IncrementalUpdate(pdf, dss);
        const contents = firstContentStream(pdf);
        u.put(contents, new PdfStream([], enc.encode(HIDDEN_TEXT)));
        return u.build().bytes;
      })();
      const bad = await analyseModifications({ bytes: changed, password, signedRevisionEnd: signed.length, rules: { locks: [] } });
      assertVerdict(bad, 'disallowed', ['page-content-replaced']);
      assertVerdict(await analyseModifications({ bytes: dss, signedRevisionEnd: signed.length, rules: { locks: [] } }), 'disallowed', ['unparseable-update']);
    });
  }
});

/** The first content stream of page 1. */
function firstContentStream(pdf: PDF): PdfRef {
  const contents = pdf.getPage(0)!.dict.get('Contents');
  const first = contents instanceof PdfArray ? contents.at(0) : contents;
  assert.ok(first instanceof PdfRef);
  return first;
}

describe('cross-reference streams', () => {
  test('a file with xref streams: kyso signs it with an xref-stream update; DSS allowed, content change caught', async () => {
    const base = basePdf({ xrefStream: true });
    const signed = await sign(base.bytes);
    assert.match(latin1(signed.subarray(base.bytes.length)), /\/Type\s*\/XRef/, 'the signature update is an xref stream');
    const dss = await appendDss({ input: signed, data: { certificates: [signer.cert.der], ocspResponses: [], crls: [] } });
    assertVerdict(await analyse(dss, signed.length), 'allowed');
    const changed = await update(signed, (_p, u) => u.put(ref(4), new PdfStream([], enc.encode(HIDDEN_TEXT))));
    assertVerdict(await analyse(changed, signed.length), 'disallowed', ['page-content-replaced']);
  });

  test('an xref-stream update with /Index, Flate and the PNG Up predictor is read exactly', async () => {
    const signed = await sign(basePdf().bytes);
    const out = rawXrefStreamUpdate(signed, { streamNum: 70, objects: [[4, stream('', HIDDEN_TEXT)], [71, '<< /Unused true >>']] });
    const r = await analyse(out, signed.length);
    assertVerdict(r, 'disallowed', ['page-content-replaced']);
    assert.deepEqual(r.changes.map((c) => c.object), [4], explain(r));
  });
});
