/**
 * The two-phase PDF signature engine (pdf-signature.ts), its incremental writer
 * (incremental-update.ts), the DSS update (dss.ts) and document time-stamps, checked from the
 * outside: the bytes written, the trailer of the new section, and what poppler `pdfsig` and
 * `qpdf --check` say about the result. Every signature is made in-process: prepare → CAdES signed
 * attributes over the ByteRange digest (no signing-time: PAdES puts the time in /M) → a test key
 * signs → CMS → complete.
 *
 * Corpus files are read from shared/corpus/pdf (never copied); a test that needs one is skipped only
 * when it is absent. The signing time is frozen; ECDSA/PSS signatures are random, so assertions
 * never depend on signature bytes.
 */
import { test, describe, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDF, PdfArray, PdfDict, PdfName, PdfNumber, PdfRef, PdfStream, type PdfObject } from '@libpdf/core';
import { OID, type HashName, type SignatureAlgorithm } from '@kyso/core';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { KeyObjectSigner, signWithKeyObject } from '@kyso/server/keys/key-object-signer.ts';
import { makeSignaturePng, sharedPath } from '@kyso/testkit';
import { KysoError, type ErrorKind } from '../errors.ts';
import { completeCadesSignature, prepareCadesSignature } from '../cms/cades.ts';
import { generateTestKey, issueTestCertificate, type TestIdentity } from '../cms/test-cms-certs.ts';
import { buildTimeStampToken } from '../tsp/time-stamp-token.ts';
import { encodeTstInfo, parseTstInfo } from '../tsp/tst-info.ts';
import { parseSignedData } from '../cms/signed-data.ts';
import { appendDss } from './dss.ts';
import { decodePng } from './png.ts';
import type { FieldLock } from './signature-fields.ts';
import {
  completePdfSignature, estimateCmsSize, existingSignatureDigestMatches, openPdfForUpdate, preparePdfSignature,
  type LayoutContext, type PdfSignatureKind, type PreparedPdfSignature, type VisibleSignature,
} from './pdf-signature.ts';

// ---- fixtures -------------------------------------------------------------------------------------

const SIGNING_TIME = new Date('2026-11-27T03:04:05Z');
const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
const fromLatin1 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const sha256 = (...parts: Uint8Array[]): Buffer => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };

let ec: TestIdentity;
let rsaKeyIdentity: TestIdentity | undefined;
/** One RSA-2048 identity, made on first use (key generation costs ~100 ms). */
function rsa(): TestIdentity {
  rsaKeyIdentity ??= issueTestCertificate({ subject: 'CN=Trần Thị RSA,O=Kyso PDF test', key: generateTestKey('rsa2048') });
  return rsaKeyIdentity;
}
let dir: string;

before(() => {
  ec = issueTestCertificate({ subject: 'CN=Nguyễn Văn Ký,O=Kyso PDF test', key: generateTestKey('p256') });
  dir = mkdtempSync(join(tmpdir(), 'kyso-pdfsig-'));
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

type Folder = 'inputs' | 'signed';
interface InputEntry { file: string; size: number; features: string[]; expect: 'sign' | 'reject'; password?: string; pdf_header_version: string | null }
interface SignedEntry { file: string; size: number; signatures: number; doc_timestamps: number; features: string[]; expected: { integrity?: string | null } | null }

function corpusPath(folder: Folder, file: string): string | undefined {
  try {
    const p = sharedPath('corpus', 'pdf', folder, file);
    return existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

function manifest<T>(folder: Folder): T[] {
  const p = corpusPath(folder, 'manifest.json');
  return p ? (JSON.parse(readFileSync(p, 'utf8')) as { files: T[] }).files : [];
}

function corpusBytes(t: TestContext, folder: Folder, file: string): Uint8Array | undefined {
  const p = corpusPath(folder, file);
  if (!p) { t.skip(`corpus file ${folder}/${file} is absent`); return undefined; }
  return new Uint8Array(readFileSync(p));
}

// ---- the two-phase flow ---------------------------------------------------------------------------

interface SignOptions {
  id?: TestIdentity;
  alg?: SignatureAlgorithm;
  hash?: HashName;
  password?: string;
  fieldName?: string;
  certify?: 1 | 2 | 3;
  lock?: FieldLock;
  layout?: (ctx: LayoutContext) => VisibleSignature;
  contentsCapacity?: number;
}

interface Signed {
  prepared: PreparedPdfSignature;
  /** A copy of the prepared file, taken before completion (completion fills the buffer in place). */
  placeholder: Uint8Array;
  cms: Uint8Array;
  bytes: Uint8Array;
}

/** prepare → CAdES over prepared.digest (no signingTime) → sign with the test key → CMS → complete. */
async function signPdf(input: Uint8Array, o: SignOptions = {}): Promise<Signed> {
  const id = o.id ?? ec;
  const hash = o.hash ?? 'SHA-256';
  const alg = o.alg ?? id.alg;
  const prepared = await preparePdfSignature({
    input, password: o.password, hash, crypto: nodeCrypto, signingTime: SIGNING_TIME,
    fieldName: o.fieldName, certify: o.certify, lock: o.lock, layout: o.layout,
    reason: 'Phê duyệt', location: 'Hà Nội', signerName: 'Nguyễn Văn Ký',
    contentsCapacity: o.contentsCapacity ?? estimateCmsSize({ certificates: [id.cert.der], signerSpki: id.cert.spki }),
  });
  const placeholder = prepared.bytes.slice();
  const cades = prepareCadesSignature({ contentDigest: prepared.digest, hash, signerCert: id.cert, crypto: nodeCrypto });
  const signature = signWithKeyObject(id.key, cades.toSign, alg);
  const cms = completeCadesSignature({ prepared: cades, signature, signatureAlgorithm: alg, certificates: [id.cert.der] });
  return { prepared, placeholder, cms, bytes: completePdfSignature(prepared, cms) };
}

async function rejects(p: Promise<unknown>, kind: ErrorKind, message?: RegExp): Promise<KysoError> {
  let caught: unknown;
  try { await p; } catch (e) { caught = e; }
  assert.ok(caught !== undefined, `expected a KysoError '${kind}', but the call succeeded`);
  assert.ok(caught instanceof KysoError, `expected a KysoError '${kind}', got ${String(caught)}`);
  assert.equal(caught.kind, kind, `expected kind '${kind}', got '${caught.kind}': ${caught.message}`);
  if (message) assert.match(caught.message, message);
  return caught;
}

// ---- external tools -------------------------------------------------------------------------------

let fileCounter = 0;
function toFile(bytes: Uint8Array, name = 'doc'): string {
  const p = join(dir, `${name}-${++fileCounter}.pdf`);
  writeFileSync(p, bytes);
  return p;
}

interface PdfsigSignature { field: string; validation: string; total: boolean; ranges: string; type: string; end: number }

/**
 * pdfsig's report, signed fields only, in its order (the AcroForm /Fields order, so not
 * necessarily the signing order); `end` is where the signature's last signed range ends.
 */
function pdfsig(bytes: Uint8Array, password?: string): { status: number | null; out: string; sigs: PdfsigSignature[] } {
  // The same password as owner and as user: poppler tries the owner password first.
  const args = ['-nocert', ...(password !== undefined ? ['-opw', password, '-upw', password] : []), toFile(bytes, 'pdfsig')];
  const r = spawnSync('pdfsig', args, { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  const sigs = r.stdout.split(/^Signature #\d+:$/m).slice(1)
    .filter((block) => !/The signature form field is not signed/.test(block))
    .map((block) => {
      const ranges = /- Signed Ranges: (.*)$/m.exec(block)?.[1] ?? '';
      const ends = [...ranges.matchAll(/- (\d+)\]/g)].map((m) => Number(m[1]));
      return {
        field: /- Signature Field Name: (.*)$/m.exec(block)?.[1] ?? '',
        validation: /- Signature Validation: (.*)$/m.exec(block)?.[1] ?? '',
        total: /^\s*- Total document signed$/m.test(block),
        ranges,
        type: /- Signature Type: (.*)$/m.exec(block)?.[1] ?? '',
        end: ends.length ? Math.max(...ends) : -1,
      };
    });
  return { status: r.status, out, sigs };
}

/** The newest signature (the one whose ByteRange reaches the end of the file) verifies with poppler and covers the whole file. */
function assertPdfsigNewest(bytes: Uint8Array, password?: string): PdfsigSignature[] {
  const r = pdfsig(bytes, password);
  assert.equal(r.status, 0, `pdfsig failed:\n${r.out}`);
  const newest = r.sigs.filter((s) => s.end === bytes.length);
  assert.equal(newest.length, 1, `pdfsig: exactly one signature should reach the end of the file (${bytes.length}):\n${r.out}`);
  assert.equal(newest[0]!.validation, 'Signature is Valid.', `pdfsig:\n${r.out}`);
  assert.ok(newest[0]!.total, `pdfsig does not say "Total document signed":\n${r.out}`);
  return r.sigs;
}

function qpdfCheck(bytes: Uint8Array, password?: string): { status: number | null; out: string } {
  const args = ['--check', ...(password !== undefined ? [`--password=${password}`] : []), toFile(bytes, 'qpdf')];
  const r = spawnSync('qpdf', args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** qpdf exit status 0 = clean, 3 = warnings only, 2 = errors. */
function assertQpdfNoErrors(bytes: Uint8Array, password?: string): void {
  const r = qpdfCheck(bytes, password);
  assert.ok(r.status === 0 || r.status === 3, `qpdf --check exit ${r.status}:\n${r.out}`);
  assert.doesNotMatch(r.out, /^ERROR:/m, `qpdf --check reports an error:\n${r.out}`);
}

// ---- byte-level reading (independent of the engine) -----------------------------------------------

function lastStartXrefOf(bytes: Uint8Array): number {
  const text = latin1(bytes.subarray(Math.max(0, bytes.length - 2048)));
  const all = [...text.matchAll(/startxref\s+(\d+)/g)];
  const m = all[all.length - 1];
  assert.ok(m, 'no startxref');
  return Number(m[1]);
}

interface Section { kind: 'table' | 'stream'; trailer: string; at: number }

/** The cross-reference section a startxref offset names, with its trailer dictionary text. */
function sectionAt(bytes: Uint8Array, offset: number): Section {
  const text = latin1(bytes.subarray(offset, Math.min(bytes.length, offset + 200_000)));
  const lead = /^\s*/.exec(text)![0].length;
  if (text.startsWith('xref', lead)) {
    const t = text.indexOf('trailer');
    const s = text.indexOf('startxref', t);
    assert.ok(t > 0 && s > t, 'xref table without trailer');
    return { kind: 'table', trailer: text.slice(t + 'trailer'.length, s), at: offset };
  }
  assert.match(text.slice(lead, lead + 30), /^\d+\s+\d+\s+obj/, `no xref section at ${offset}`);
  const s = text.indexOf('stream');
  return { kind: 'stream', trailer: text.slice(0, s), at: offset };
}

const num = (dict: string, key: string): number | undefined => {
  const m = new RegExp(`/${key}\\s+(\\d+)(?![\\d.])(?!\\s+\\d+\\s+R)`).exec(dict);
  return m ? Number(m[1]) : undefined;
};
const ref = (dict: string, key: string): string | undefined => {
  const m = new RegExp(`/${key}\\s+(\\d+\\s+\\d+)\\s+R`).exec(dict);
  return m ? m[1]!.replace(/\s+/, ' ') : undefined;
};

/** Object numbers ("N G obj") written after `from`. */
function objectsWritten(bytes: Uint8Array, from: number): number[] {
  const text = latin1(bytes.subarray(from));
  return [...text.matchAll(/(?:^|[\r\n])(\d+)\s+(\d+)\s+obj\b/g)].map((m) => Number(m[1]));
}

/** Object numbers in use in a file, as qpdf reads its cross-reference data. */
function qpdfObjectsInUse(bytes: Uint8Array, password?: string): Set<number> {
  const r = spawnSync('qpdf', ['--show-xref', ...(password !== undefined ? [`--password=${password}`] : []), toFile(bytes, 'xref')], { encoding: 'utf8' });
  return new Set([...r.stdout.matchAll(/^(\d+)\/\d+: (?:uncompressed|compressed)/gm)].map((m) => Number(m[1])));
}

function qpdfTrailer(bytes: Uint8Array, password?: string): string {
  const r = spawnSync('qpdf', ['--show-object=trailer', ...(password !== undefined ? [`--password=${password}`] : []), toFile(bytes, 'trailer')], { encoding: 'utf8' });
  return r.stdout;
}

/** The ByteRange of the newest signature dictionary in the file, and where its /Contents string is. */
function newestByteRange(bytes: Uint8Array): [number, number, number, number] {
  const text = latin1(bytes);
  const all = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  const m = all[all.length - 1];
  assert.ok(m, 'no /ByteRange');
  return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
}

function assertByteRangeCoversAllButContents(bytes: Uint8Array, br: readonly number[]): void {
  const [a, b, c, d] = br as [number, number, number, number];
  assert.equal(a, 0, 'ByteRange starts at 0');
  assert.equal(c + d, bytes.length, 'ByteRange ends at the end of the file');
  assert.ok(b < c, 'ByteRange has a gap');
  assert.equal(bytes[b], 0x3c, 'the gap starts with "<"');
  assert.equal(bytes[c - 1], 0x3e, 'the gap ends with ">"');
  assert.match(latin1(bytes.subarray(b + 1, c - 1)), /^[0-9A-Fa-f]*$/, 'the gap holds only hex digits');
  assert.match(latin1(bytes.subarray(Math.max(0, b - 20), b)), /\/Contents\s*$/, 'the gap is the /Contents value');
}

const byteRangeDigest = (bytes: Uint8Array, br: readonly number[]): Buffer =>
  sha256(bytes.subarray(br[0]!, br[0]! + br[1]!), bytes.subarray(br[2]!, br[2]! + br[3]!));

/** The text of indirect object `n` at the highest offset (its newest version). */
function newestObjectText(bytes: Uint8Array, n: number): string {
  const text = latin1(bytes);
  const all = [...text.matchAll(new RegExp(`(?:^|[\\r\\n])${n}\\s+\\d+\\s+obj\\b`, 'g'))];
  const m = all[all.length - 1];
  assert.ok(m, `object ${n} not found`);
  const start = m.index!;
  return text.slice(start, text.indexOf('endobj', start));
}

function sigDictNumberOf(bytes: Uint8Array): number {
  const br = newestByteRange(bytes);
  const text = latin1(bytes.subarray(0, br[1]));
  const all = [...text.matchAll(/(?:^|[\r\n])(\d+)\s+\d+\s+obj\b/g)];
  return Number(all[all.length - 1]![1]);
}

// ---- synthetic PDFs ---------------------------------------------------------------------------------

/**
 * A one-page PDF with a classic xref table, written byte by byte: Helvetica text in an uncompressed
 * content stream (so a test can alter one letter), an /Info dictionary and an /ID, optional empty
 * signature fields, and a trailer /Size that may exceed the highest object number + 1 (the extra
 * numbers are free entries).
 */
function syntheticPdf(o: { emptySigFields?: string[]; size?: number; version?: string } = {}): Uint8Array {
  const content = '% kyso synthetic page\nBT /F1 24 Tf 72 720 Td (Hello kyso) Tj ET\n';
  const fields = o.emptySigFields ?? [];
  const fieldNums = fields.map((_, i) => 8 + i);
  const objs: Record<number, string> = {
    1: `<< /Type /Catalog /Pages 2 0 R${fields.length ? ' /AcroForm 7 0 R' : ''} >>`,
    2: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    3: `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >>${fields.length ? ` /Annots [${fieldNums.map((n) => `${n} 0 R`).join(' ')}]` : ''} >>`,
    4: `<< /Length ${content.length} >>\nstream\n${content}endstream`,
    5: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    6: '<< /Producer (kyso pdf-signature test) /Title (Synthetic) >>',
  };
  if (fields.length) {
    objs[7] = `<< /Fields [${fieldNums.map((n) => `${n} 0 R`).join(' ')}] >>`;
    fields.forEach((name, i) => {
      objs[fieldNums[i]!] = `<< /Type /Annot /Subtype /Widget /FT /Sig /T (${name}) /Rect [${300} ${100 + 80 * i} ${500} ${160 + 80 * i}] /F 4 /P 3 0 R >>`;
    });
  }
  let s = `%PDF-${o.version ?? '1.7'}\n%\u00e2\u00e3\u00cf\u00d3\n`;
  const offsets = new Map<number, number>();
  const nums = Object.keys(objs).map(Number).sort((a, b) => a - b);
  for (const n of nums) { offsets.set(n, s.length); s += `${n} 0 obj\n${objs[n]}\nendobj\n`; }
  const size = o.size ?? nums[nums.length - 1]! + 1;
  assert.ok(size > nums[nums.length - 1]!);
  const free = [0];
  for (let n = 1; n < size; n++) if (!offsets.has(n)) free.push(n);
  const xrefAt = s.length;
  s += `xref\n0 ${size}\n`;
  for (let n = 0; n < size; n++) {
    const off = offsets.get(n);
    if (off !== undefined) s += `${String(off).padStart(10, '0')} 00000 n\r\n`;
    else s += `${String(free[free.indexOf(n) + 1] ?? 0).padStart(10, '0')} ${n === 0 ? '65535' : '00001'} f\r\n`;
  }
  s += `trailer\n<< /Size ${size} /Root 1 0 R /Info 6 0 R /ID [<6b79736f2d73796e7468657469632d31> <6b79736f2d73796e7468657469632d31>] >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return fromLatin1(s);
}

// ---- helpers over @libpdf/core ------------------------------------------------------------------------

function resolveObj(pdf: PDF, o: PdfObject | undefined): PdfObject | undefined {
  let v = o;
  for (let i = 0; i < 16 && v instanceof PdfRef; i++) v = pdf.getObject(v) ?? undefined;
  return v;
}

function dictOf(pdf: PDF, o: PdfObject | undefined): PdfDict {
  const d = resolveObj(pdf, o);
  assert.ok(d instanceof PdfDict, 'expected a dictionary');
  return d;
}

function streamDataOf(pdf: PDF, arr: PdfObject | undefined): Uint8Array[] {
  const a = resolveObj(pdf, arr);
  assert.ok(a instanceof PdfArray, 'expected an array');
  return a.toArray().map((x) => {
    const s = resolveObj(pdf, x);
    assert.ok(s instanceof PdfStream, 'expected a stream');
    return new Uint8Array(s.getDecodedData());
  });
}

/** The signature field dictionary named `name` (flat /Fields only, enough for the synthetic files). */
function fieldNamed(pdf: PDF, name: string): PdfDict {
  const acro = dictOf(pdf, pdf.getCatalog().get('AcroForm'));
  const fields = resolveObj(pdf, acro.get('Fields'));
  assert.ok(fields instanceof PdfArray);
  for (const f of fields.toArray()) {
    const d = dictOf(pdf, f);
    const t = d.get('T');
    if (t && 'asString' in t && (t as { asString(): string }).asString() === name) return d;
  }
  assert.fail(`no field ${name}`);
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

// =====================================================================================================
// 1. Two-phase signing
// =====================================================================================================

describe('two-phase signing', () => {
  test('prepare digest = hash of the final ByteRange; complete touches only /Contents; whole file covered; pdfsig + qpdf accept', async (t) => {
    const input = corpusBytes(t, 'inputs', 'dss__sample.pdf');
    if (!input) return;
    const { prepared, placeholder, bytes } = await signPdf(input);

    // The digest handed out in phase 1 is the SHA-256 of the final file's ByteRange.
    const br = newestByteRange(bytes);
    assert.deepEqual(br, prepared.byteRange);
    assert.ok(sameBytes(prepared.digest, byteRangeDigest(bytes, br)), 'prepared.digest = SHA-256(ByteRange of the final file)');

    // Completing changes nothing outside the hex string.
    assert.equal(bytes.length, placeholder.length);
    assert.ok(sameBytes(bytes.subarray(0, br[1] + 1), placeholder.subarray(0, br[1] + 1)), 'bytes before /Contents unchanged');
    assert.ok(sameBytes(bytes.subarray(br[2] - 1), placeholder.subarray(br[2] - 1)), 'bytes after /Contents unchanged');
    assert.match(latin1(placeholder.subarray(br[1] + 1, br[2] - 1)), /^0+$/, 'the placeholder is zero-filled');
    assert.ok(sameBytes(placeholder.subarray(0, input.length), input), 'the prepared file starts with the input bytes');

    assertByteRangeCoversAllButContents(bytes, br);
    assert.equal((br[2] - br[1] - 2) / 2, prepared.capacity, 'the gap holds exactly the capacity in hex');
    assert.ok(sameBytes(bytes.subarray(0, input.length), input), 'output starts with the input bytes');

    assertPdfsigNewest(bytes);
    assertQpdfNoErrors(bytes);
  });

  test('a CMS larger than the reserved capacity is refused with both sizes; one that fits exactly is written', async (t) => {
    const input = corpusBytes(t, 'inputs', 'pyhanko__minimal.pdf');
    if (!input) return;
    const prepared = await preparePdfSignature({ input, hash: 'SHA-256', crypto: nodeCrypto, signingTime: SIGNING_TIME, contentsCapacity: 600 });
    const tooBig = new Uint8Array(601).fill(0x30);
    assert.throws(() => completePdfSignature(prepared, tooBig), (e: unknown) => {
      assert.ok(e instanceof KysoError, String(e));
      assert.match(e.message, /\b601\b/, 'names the CMS size');
      assert.match(e.message, /\b600\b/, 'names the capacity');
      return true;
    });
    const length = prepared.bytes.length;
    const exact = completePdfSignature(prepared, new Uint8Array(600).fill(0xab));
    assert.equal(exact.length, length);
    assert.equal(latin1(exact.subarray(prepared.byteRange[1] + 1, prepared.byteRange[2] - 1)).toLowerCase(), 'ab'.repeat(600));
  });

  test('RSA-2048 PKCS#1 v1.5 and RSA-PSS signatures verify with pdfsig', async (t) => {
    const input = corpusBytes(t, 'inputs', 'dss__testdoc.pdf');
    if (!input) return;
    const pkcs1 = await signPdf(input, { id: rsa(), alg: { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } });
    assertPdfsigNewest(pkcs1.bytes);
    assertQpdfNoErrors(pkcs1.bytes);
    const pss = await signPdf(input, { id: rsa(), alg: { scheme: 'RSASSA-PSS', hash: 'SHA-256', saltLength: 32 } });
    assertPdfsigNewest(pss.bytes);
  });
});

// =====================================================================================================
// 2. Incremental writer
// =====================================================================================================

/** Everything the incremental update must preserve about the input's cross-reference structure. */
function assertIncrementalUpdate(input: Uint8Array, output: Uint8Array, password?: string): void {
  assert.ok(sameBytes(output.subarray(0, input.length), input), 'output starts with the input bytes');
  const oldStart = lastStartXrefOf(input);
  const oldSection = sectionAt(input, oldStart);
  const newStart = lastStartXrefOf(output);
  assert.ok(newStart >= input.length, 'the new cross-reference section is in the appended part');
  const newSection = sectionAt(output, newStart);

  // Same kind as the input's newest section (a hybrid file's newest section is a table).
  assert.equal(newSection.kind, oldSection.kind, `xref kind of the update (${newSection.kind}) = kind at the input's last startxref (${oldSection.kind})`);
  if (newSection.kind === 'stream') assert.match(newSection.trailer, /\/Type\s*\/XRef\b/, 'the xref stream has /Type /XRef');
  else assert.doesNotMatch(newSection.trailer, /\/XRefStm\b/, 'no /XRefStm in the update trailer');

  // /Prev = the old startxref.
  assert.equal(num(newSection.trailer, 'Prev'), oldStart, '/Prev points at the old startxref');

  // /Root, /Info, /Encrypt kept by reference; /ID kept (compared as qpdf reads both trailers).
  for (const key of ['Root', 'Info', 'Encrypt']) {
    assert.equal(ref(newSection.trailer, key), ref(oldSection.trailer, key), `/${key} carried over`);
  }
  if (/\/ID\b/.test(oldSection.trailer)) {
    assert.match(newSection.trailer, /\/ID\b/, '/ID carried over');
    const idOf = (s: string): string | undefined => /\/ID \[ [^\]]*\]/.exec(s)?.[0];
    assert.equal(idOf(qpdfTrailer(output, password)), idOf(qpdfTrailer(input, password)), '/ID values unchanged');
  }

  // New objects get numbers ≥ the input's /Size; changed objects keep theirs.
  const oldSize = num(oldSection.trailer, 'Size');
  assert.ok(oldSize !== undefined, 'input trailer /Size');
  const inUse = qpdfObjectsInUse(input, password);
  const written = objectsWritten(output, input.length);
  const fresh = written.filter((n) => !inUse.has(n));
  assert.ok(fresh.length > 0, 'the update adds objects');
  for (const n of fresh) assert.ok(n >= oldSize, `new object ${n} is numbered below the input's /Size ${oldSize}`);
  const newSize = num(newSection.trailer, 'Size');
  assert.ok(newSize !== undefined && newSize > Math.max(...written), `/Size ${newSize} exceeds every object number written`);
}

describe('incremental writer', () => {
  test('new object numbers start at the trailer /Size when it exceeds the highest object number + 1', async () => {
    const input = syntheticPdf({ size: 40 });
    assertQpdfNoErrors(input);
    assert.deepEqual([...qpdfObjectsInUse(input)].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6], 'fixture premise: objects 1-6 in use, /Size 40');
    const { bytes } = await signPdf(input);
    const fresh = objectsWritten(bytes, input.length).filter((n) => n > 6);
    assert.equal(Math.min(...fresh), 40, `new objects: ${fresh.join(', ')}`);
    assertIncrementalUpdate(input, bytes);
    const trailer = sectionAt(bytes, lastStartXrefOf(bytes)).trailer;
    assert.equal(num(trailer, 'Size'), Math.max(...fresh) + 1, 'new /Size');
    assert.equal(ref(trailer, 'Info'), '6 0', '/Info carried over');
    assert.match(trailer, /\/ID\s*\[\s*<6b79736f2d73796e7468657469632d31>\s*<6b79736f2d73796e7468657469632d31>\s*\]/i, '/ID carried over');
    assertPdfsigNewest(bytes);
    assertQpdfNoErrors(bytes);
  });

  test('an input that fills a resizable buffer with room is extended in place; without room it is copied', async () => {
    const plain = syntheticPdf();
    const Growable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    const roomy = new Uint8Array(new Growable(plain.length, { maxByteLength: plain.length + (1 << 20) }), 0, plain.length);
    roomy.set(plain);
    const inPlace = await signPdf(roomy);
    assert.equal(inPlace.bytes.buffer, roomy.buffer, 'the output shares the input buffer');
    assert.deepEqual(roomy, plain, 'the input view still shows exactly the input bytes');
    assertIncrementalUpdate(plain, inPlace.bytes);
    assertPdfsigNewest(inPlace.bytes);

    const tight = new Uint8Array(new Growable(plain.length, { maxByteLength: plain.length + 10 }), 0, plain.length);
    tight.set(plain);
    const copied = await signPdf(tight);
    assert.notEqual(copied.bytes.buffer, tight.buffer, 'no room: a new buffer');
    assert.deepEqual(copied.bytes.subarray(0, plain.length), plain);
    assertPdfsigNewest(copied.bytes);
  });

  test('a table file gets an xref table, an xref-stream file a /Type /XRef stream', async (t) => {
    for (const [file, kind] of [['pyhanko__minimal.pdf', 'table'], ['pyhanko__minimal-xref.pdf', 'stream']] as const) {
      const input = corpusBytes(t, 'inputs', file);
      if (!input) return;
      assert.equal(sectionAt(input, lastStartXrefOf(input)).kind, kind, `fixture premise: ${file} ends with an xref ${kind}`);
      const { bytes } = await signPdf(input);
      assert.equal(sectionAt(bytes, lastStartXrefOf(bytes)).kind, kind, file);
      assertIncrementalUpdate(input, bytes);
    }
  });

  // One corpus file per structure, the smallest that has the feature (and nothing malformed or encrypted).
  const inputs = manifest<InputEntry>('inputs').filter((f) => f.expect === 'sign' && !f.features.includes('malformed') && !f.features.some((x) => x.startsWith('encrypted')));
  const pick = (what: string, pred: (f: InputEntry) => boolean): [string, string | undefined] =>
    [what, inputs.filter(pred).sort((a, b) => a.size - b.size)[0]?.file];
  const cases = [
    pick('xref stream + object streams', (f) => f.features.includes('xref-stream') && f.features.includes('object-streams') && !f.features.includes('linearized')),
    pick('hybrid xref', (f) => f.features.includes('hybrid-xref')),
    pick('linearized, xref table', (f) => f.features.includes('linearized') && f.features.includes('xref-table')),
    pick('linearized, xref stream', (f) => f.features.includes('linearized') && f.features.includes('xref-stream')),
    pick('incrementally updated', (f) => f.features.some((x) => x.startsWith('incremental-updates:')) && !f.features.includes('hybrid-xref')),
    pick('PDF 1.3', (f) => f.pdf_header_version === '1.3'),
    pick('PDF 2.0', (f) => f.pdf_header_version === '2.0'),
  ];
  for (const [what, file] of cases) {
    test(`corpus ${what}: ${file ?? '(none in the manifest)'} signs, verifies with pdfsig and passes qpdf --check`, async (t) => {
      if (!file) { t.skip('no such file in the manifest'); return; }
      const input = corpusBytes(t, 'inputs', file);
      if (!input) return;
      const { bytes } = await signPdf(input);
      assertIncrementalUpdate(input, bytes);
      assertByteRangeCoversAllButContents(bytes, newestByteRange(bytes));
      assertPdfsigNewest(bytes);
      assertQpdfNoErrors(bytes);
    });
  }
});


// =====================================================================================================
// 3. Guards
// =====================================================================================================

/** An image-only visible appearance (no font needed) at `rect` on page 1. */
function imageLayout(rect: [number, number, number, number]): (ctx: LayoutContext) => VisibleSignature {
  const width = rect[2] - rect[0];
  const height = rect[3] - rect[1];
  const image = decodePng(makeSignaturePng({ width: 120, height: 50 }));
  return () => ({ pageIndex: 0, rect, content: { width, height, images: [{ image, x: 0, y: 0, width, height }], texts: [] } });
}

/** The signature dictionary text of the newest signature. */
const newestSigDict = (bytes: Uint8Array): string => newestObjectText(bytes, sigDictNumberOf(bytes));

describe('guards', () => {
  test('(a) a file readable only by brute-force xref reconstruction is refused as damaged', async (t) => {
    const input = corpusBytes(t, 'inputs', 'pyhanko__minimal-startxref-obo2.pdf');
    if (!input) return;
    const pdf = await PDF.load(input);
    assert.equal(pdf.recoveredViaBruteForce, true, 'fixture premise: @libpdf/core can read it only by scanning the file');
    await rejects(signPdf(input), 'malformed', /damage/i);
    await rejects(openPdfForUpdate(input), 'malformed', /damage/i);
  });

  for (const [file, password] of [['pyhanko__minimal-aes256.pdf', 'usersecret'], ['pyhanko__minimal-rc4.pdf', 'usersecret']] as const) {
    test(`(b) encrypted ${file}: no password → auth, wrong password → auth, right password → signed, qpdf and pdfsig accept`, async (t) => {
      const input = corpusBytes(t, 'inputs', file);
      if (!input) return;
      const entry = manifest<InputEntry>('inputs').find((f) => f.file === file);
      assert.equal(entry?.password, password, 'fixture premise: the manifest password');
      await rejects(signPdf(input), 'auth', /password/);
      await rejects(signPdf(input, { password: 'not-the-password' }), 'auth', /password/);
      const { bytes } = await signPdf(input, { password });
      assertIncrementalUpdate(input, bytes, password);
      assert.match(sectionAt(bytes, lastStartXrefOf(bytes)).trailer, /\/Encrypt\s+\d+\s+\d+\s+R/, '/Encrypt in the new trailer');
      assertByteRangeCoversAllButContents(bytes, newestByteRange(bytes));
      assertQpdfNoErrors(bytes, password);
      assertPdfsigNewest(bytes, password);
      // The /Contents stays in clear: the CMS we made is in the file as hex.
      const br = newestByteRange(bytes);
      assert.match(latin1(bytes.subarray(br[1] + 1, br[1] + 9)), /^30(8[0-4]|[0-7])/i, 'the CMS DER is not encrypted');
    });
  }

  test('(b) permission-restricted encrypted file: signs with the owner password from the manifest', async (t) => {
    const file = 'dss__protected__edition_protected_none.pdf';
    const input = corpusBytes(t, 'inputs', file);
    if (!input) return;
    const password = manifest<InputEntry>('inputs').find((f) => f.file === file)?.password;
    assert.equal(password, ' ', 'fixture premise: owner password " "');
    const refused = await rejects(signPdf(input), 'policy');
    assert.match(refused.message, /permission/);
    const { bytes } = await signPdf(input, { password });
    assertIncrementalUpdate(input, bytes, password);
    assertQpdfNoErrors(bytes, password);
    assertPdfsigNewest(bytes, password);
  });

  test('(c) certification P=1 forbids any further signature or document time-stamp', async () => {
    const certified = await signPdf(syntheticPdf(), { certify: 1 });
    const sig = newestSigDict(certified.bytes);
    assert.match(sig, /\/TransformMethod\s*\/DocMDP/);
    assert.match(sig, /\/P\s+1\b/);
    assert.match(newestObjectText(certified.bytes, 1), /\/Perms\s*<<\s*\/DocMDP\s+\d+\s+0\s+R/, 'catalog /Perms /DocMDP');
    assertPdfsigNewest(certified.bytes);
    await rejects(signPdf(certified.bytes), 'policy', /P=1/);
    await rejects(preparePdfSignature({ input: certified.bytes, kind: 'doc-timestamp', hash: 'SHA-256', crypto: nodeCrypto, contentsCapacity: 4000 }), 'policy');
  });

  test('(c) certification P=2 allows a second signature, and the certification still verifies', async () => {
    const certified = await signPdf(syntheticPdf(), { certify: 2 });
    const second = await signPdf(certified.bytes);
    const sigs = assertPdfsigNewest(second.bytes);
    assert.equal(sigs.length, 2);
    assert.equal(sigs[0]!.validation, 'Signature is Valid.', 'the certification signature still verifies');
    assert.equal(sigs[0]!.total, false);
    assertQpdfNoErrors(second.bytes);
  });

  test('(c) a certification signature after an existing signature is refused', async () => {
    const signed = await signPdf(syntheticPdf());
    await rejects(signPdf(signed.bytes, { certify: 2 }), 'policy', /first/);
  });

  test('(d) FieldMDP Include [Sig2] locks the empty field Sig2; the unlocked Sig3 can be signed and gets the appearance', async () => {
    const input = syntheticPdf({ emptySigFields: ['Sig2', 'Sig3'] });
    assertQpdfNoErrors(input);
    const first = await signPdf(input, { lock: { action: 'Include', fields: ['Sig2'] } });
    assert.equal(first.prepared.fieldName, 'Signature1');
    const sig = newestSigDict(first.bytes);
    assert.match(sig, /\/TransformMethod\s*\/FieldMDP/);
    assert.match(sig, /\/Action\s*\/Include/);

    await rejects(signPdf(first.bytes, { fieldName: 'Sig2' }), 'policy', /"Sig2".*"Signature1"/);

    const rect: [number, number, number, number] = [300, 180, 500, 260];
    const second = await signPdf(first.bytes, { fieldName: 'Sig3', layout: imageLayout(rect) });
    assert.equal(second.prepared.fieldName, 'Sig3');
    const sigs = assertPdfsigNewest(second.bytes);
    assert.deepEqual(sigs.map((s) => [s.field, s.validation, s.total]).sort(), [['Sig3', 'Signature is Valid.', true], ['Signature1', 'Signature is Valid.', false]]);
    assertQpdfNoErrors(second.bytes);

    // The existing widget (object 9, merged with its field) now has /V and an /AP /N form; it keeps the
    // /Rect the document's author gave it ([300 180 500 240]), the layout's drawing fitted into it.
    const widgetText = newestObjectText(second.bytes, 9);
    assert.ok(objectsWritten(second.bytes, first.bytes.length).includes(9), 'Sig3 rewritten in the update');
    assert.match(widgetText, new RegExp(`/V\\s+${sigDictNumberOf(second.bytes)}\\s+0\\s+R`));
    const pdf = await PDF.load(second.bytes);
    const field = fieldNamed(pdf, 'Sig3');
    const r = resolveObj(pdf, field.get('Rect'));
    assert.ok(r instanceof PdfArray);
    assert.deepEqual(r.toArray().map((v) => (v as PdfNumber).value), [300, 180, 500, 240]);
    const n = resolveObj(pdf, dictOf(pdf, field.get('AP')).get('N'));
    assert.ok(n instanceof PdfStream, '/AP /N is a stream');
    assert.equal((n.get('Subtype') as PdfName).value, 'Form');
    assert.deepEqual((resolveObj(pdf, n.get('BBox')) as PdfArray).toArray().map((v) => (v as PdfNumber).value), [0, 0, 200, 60]);
    assert.match(new TextDecoder().decode(n.getDecodedData()), /\/Im1 Do/, 'the appearance draws the image');
    // Sig2 stays empty.
    assert.equal(fieldNamed(pdf, 'Sig2').get('V'), undefined);
  });

  test('(e) an earlier signature that no longer verifies makes signing fail with conflict naming its field', async () => {
    const signed = await signPdf(syntheticPdf());
    const tampered = signed.bytes.slice();
    const at = latin1(tampered).indexOf('(Hello kyso)');
    assert.ok(at > 0 && at < signed.prepared.byteRange[1], 'fixture premise: the text is inside the signed range');
    tampered[at + 1] = 'J'.charCodeAt(0); // (Jello kyso): same length, still a valid content stream
    assertQpdfNoErrors(tampered);
    const before = pdfsig(tampered);
    assert.equal(before.sigs.length, 1);
    assert.notEqual(before.sigs[0]!.validation, 'Signature is Valid.', `fixture premise: pdfsig sees the damage:\n${before.out}`);
    await rejects(signPdf(tampered), 'conflict', /"Signature1"/);
  });

  const multiSigned = ['dss__PAdES-LT.pdf', 'dss__hello_signed_INCSAVE_signed.pdf', 'pyhanko__minimal-two-fields-signed-twice.pdf'];
  for (const file of multiSigned) {
    test(`(f) ${file}: one more signature, every earlier one still verifies`, async (t) => {
      const input = corpusBytes(t, 'signed', file);
      if (!input) return;
      const entry = manifest<SignedEntry>('signed').find((f) => f.file === file);
      assert.equal(entry?.expected?.integrity, 'intact', 'fixture premise: manifest says integrity intact');
      assert.ok((entry?.signatures ?? 0) >= 2, 'fixture premise: several signatures');
      const before = pdfsig(input).sigs;
      assert.equal(before.filter((s) => s.validation === 'Signature is Valid.').length, entry!.signatures, 'fixture premise: pdfsig verifies every signature');
      const { bytes } = await signPdf(input);
      const after = assertPdfsigNewest(bytes);
      assert.equal(after.length, before.length + 1);
      for (const b of before) {
        const a = after.find((x) => x.field === b.field && x.ranges === b.ranges);
        assert.ok(a, `earlier signature ${b.field} ${b.ranges} still listed`);
        assert.equal(a.validation, b.validation, `earlier signature ${b.field} unchanged`);
      }
      assertIncrementalUpdate(input, bytes);
      assertQpdfNoErrors(bytes);
    });
  }

  test('(g) signing an already signed field name is a conflict', async (t) => {
    const signed = await signPdf(syntheticPdf());
    await rejects(signPdf(signed.bytes, { fieldName: 'Signature1' }), 'conflict', /"Signature1"/);
    const corpus = corpusBytes(t, 'signed', 'dss__hello_signed_INCSAVE_signed.pdf');
    if (!corpus) return;
    await rejects(signPdf(corpus, { fieldName: 'Signature2' }), 'conflict', /"Signature2"/);
  });
});

// =====================================================================================================
// 4. DSS
// =====================================================================================================

function dssContents(pdf: PDF): { certs: Uint8Array[]; ocsps: Uint8Array[]; crls: Uint8Array[] } {
  const dss = dictOf(pdf, pdf.getCatalog().get('DSS'));
  const get = (k: string): Uint8Array[] => (dss.get(k) === undefined ? [] : streamDataOf(pdf, dss.get(k)));
  return { certs: get('Certs'), ocsps: get('OCSPs'), crls: get('CRLs') };
}

const hexList = (l: Uint8Array[]): string[] => l.map((b) => Buffer.from(b).toString('hex'));
const blob = (tag: string, length = 300): Uint8Array => {
  const out = new Uint8Array(length);
  const t = new TextEncoder().encode(tag);
  for (let i = 0; i < length; i++) out[i] = t[i % t.length]! ^ (i & 0x7f);
  return out;
};

describe('DSS', () => {
  test('appendDss adds /Certs /OCSPs /CRLs holding exactly the given bytes, keeps the signature valid, merges without duplicates', async () => {
    const signed = await signPdf(syntheticPdf());
    const other = issueTestCertificate({ subject: 'CN=Kyso DSS extra,O=Kyso PDF test', key: generateTestKey('p256') });
    const ocsp1 = blob('ocsp-response-1'), ocsp2 = blob('ocsp-response-2', 280), crl1 = blob('crl-1', 500);
    const first = await appendDss({ input: signed.bytes, data: { certificates: [ec.cert.der], ocspResponses: [ocsp1], crls: [crl1] } });
    assert.ok(sameBytes(first.subarray(0, signed.bytes.length), signed.bytes), 'starts with the signed file');
    assertIncrementalUpdate(signed.bytes, first);
    let dss = dssContents(await PDF.load(first));
    assert.deepEqual(hexList(dss.certs), hexList([ec.cert.der]));
    assert.deepEqual(hexList(dss.ocsps), hexList([ocsp1]));
    assert.deepEqual(hexList(dss.crls), hexList([crl1]));
    let sigs = pdfsig(first).sigs;
    assert.equal(sigs.length, 1);
    assert.equal(sigs[0]!.validation, 'Signature is Valid.');
    assertQpdfNoErrors(first);

    const second = await appendDss({ input: first, data: { certificates: [ec.cert.der, other.cert.der], ocspResponses: [ocsp2, ocsp1], crls: [crl1] } });
    assertIncrementalUpdate(first, second);
    dss = dssContents(await PDF.load(second));
    assert.deepEqual(hexList(dss.certs), hexList([ec.cert.der, other.cert.der]));
    assert.deepEqual(hexList(dss.ocsps), hexList([ocsp1, ocsp2]));
    assert.deepEqual(hexList(dss.crls), hexList([crl1]));
    sigs = pdfsig(second).sigs;
    assert.equal(sigs[0]!.validation, 'Signature is Valid.');
    assertQpdfNoErrors(second);

    // A signature after the DSS update still sees a valid earlier one.
    const again = await signPdf(second);
    assert.deepEqual(assertPdfsigNewest(again.bytes).map((s) => s.validation), ['Signature is Valid.', 'Signature is Valid.']);
  });

  test('appendDss keeps two different responses that share their length and first and last 48 bytes', async () => {
    // E.g. two OCSP responses from one responder for one certificate, produced at different times:
    // same length, same header, same responder certificate at the end.
    const a = blob('same-responder', 400);
    const b = a.slice();
    b[200] = a[200]! ^ 0xff;
    const signed = await signPdf(syntheticPdf());
    const first = await appendDss({ input: signed.bytes, data: { certificates: [], ocspResponses: [a], crls: [] } });
    const second = await appendDss({ input: first, data: { certificates: [], ocspResponses: [b], crls: [] } });
    assert.deepEqual(hexList(dssContents(await PDF.load(second)).ocsps), hexList([a, b]), 'the second, different response is kept');
    const both = await appendDss({ input: signed.bytes, data: { certificates: [], ocspResponses: [a, b], crls: [] } });
    assert.deepEqual(hexList(dssContents(await PDF.load(both)).ocsps), hexList([a, b]), 'two different responses in one call are both kept');
  });
});

// =====================================================================================================
// 5. Document time-stamp
// =====================================================================================================

describe('document time-stamp', () => {
  test("kind 'doc-timestamp': /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161, no /M, invisible; a real RFC 3161 token completes it", async () => {
    const signed = await signPdf(syntheticPdf());
    const input = signed.bytes;
    const prepared = await preparePdfSignature({
      input, kind: 'doc-timestamp' as PdfSignatureKind, hash: 'SHA-256', crypto: nodeCrypto, signingTime: SIGNING_TIME, contentsCapacity: 6000,
    });
    assert.equal(prepared.kind, 'doc-timestamp');
    const sigNum = sigDictNumberOf(prepared.bytes);
    const sig = newestObjectText(prepared.bytes, sigNum);
    assert.match(sig, /\/Type\s*\/DocTimeStamp\b/);
    assert.match(sig, /\/SubFilter\s*\/ETSI\.RFC3161\b/);
    assert.doesNotMatch(sig, /\/M\s*[(<]/, 'no /M in a document time-stamp');
    assert.doesNotMatch(sig, /\/(Reason|Location|Name|Reference)\b/);

    // The field's widget is invisible: zero-area /Rect, and no drawing in whatever /AP it has.
    const pdf = await PDF.load(prepared.bytes.slice());
    const widget = fieldNamed(pdf, prepared.fieldName);
    assert.equal((widget.get('V') as PdfRef).objectNumber, sigNum);
    const rect = (resolveObj(pdf, widget.get('Rect')) as PdfArray).toArray().map((v) => (v as PdfNumber).value);
    assert.equal((rect[2]! - rect[0]!) * (rect[3]! - rect[1]!), 0, `zero-area /Rect, got [${rect.join(' ')}]`);
    const ap = widget.get('AP');
    if (ap !== undefined) {
      const n = resolveObj(pdf, dictOf(pdf, ap).get('N'));
      assert.ok(n instanceof PdfStream);
      assert.equal(new TextDecoder().decode(n.getDecodedData()).trim(), '', 'the appearance draws nothing');
    }

    // A real token from an in-process TSA over prepared.digest.
    const tsa = issueTestCertificate({ subject: 'CN=Kyso Test TSA,O=Kyso PDF test', key: generateTestKey('p256'), eku: [OID.kpTimeStamping], ekuCritical: true });
    const tstInfo = encodeTstInfo({ policy: '1.3.6.1.4.1.99999.1.1', hash: 'SHA-256', messageImprint: prepared.digest, serial: 7n, genTime: SIGNING_TIME, accuracy: { seconds: 1 }, tsaNameDer: tsa.cert.subjectDer });
    const token = await buildTimeStampToken({ tstInfo, signer: new KeyObjectSigner(tsa.key), signatureAlgorithm: tsa.alg, tsaCert: tsa.cert, certReq: true, crypto: nodeCrypto });
    const out = completePdfSignature(prepared, token);

    const br = newestByteRange(out);
    assert.deepEqual(br, prepared.byteRange);
    assertByteRangeCoversAllButContents(out, br);
    assert.ok(sameBytes(out.subarray(0, input.length), input));
    const imprint = parseTstInfo(parseSignedData(token).eContent!).messageImprint;
    assert.ok(sameBytes(imprint, byteRangeDigest(out, br)), 'the token imprint is the SHA-256 of the final ByteRange');
    assertIncrementalUpdate(input, out);
    assertQpdfNoErrors(out);

    // Engine's own check and poppler's listing agree; the earlier signature still verifies.
    const loaded = await PDF.load(out.slice());
    const tsSig = dictOf(loaded, fieldNamed(loaded, prepared.fieldName).get('V'));
    assert.deepEqual(existingSignatureDigestMatches(loaded, tsSig, out, nodeCrypto), { ok: true });
    const sigs = pdfsig(out).sigs;
    assert.equal(sigs.length, 2);
    assert.equal(sigs[0]!.validation, 'Signature is Valid.');
    assert.equal(sigs[1]!.ranges, `[0 - ${br[1]}], [${br[2]} - ${br[2] + br[3]}]`);
    assert.ok(sigs[1]!.total, 'the time-stamp covers the whole file');

    // A signature after the time-stamp: the engine accepts the time-stamp's imprint and signs.
    const after = await signPdf(out);
    assert.equal(assertPdfsigNewest(after.bytes).length, 3);
  });

  test('a document time-stamp takes no appearance, certification or lock', async () => {
    const input = syntheticPdf();
    const base = { input, kind: 'doc-timestamp' as const, hash: 'SHA-256' as const, crypto: nodeCrypto, contentsCapacity: 4000 };
    await rejects(preparePdfSignature({ ...base, layout: imageLayout([10, 10, 110, 60]) }), 'invalid-argument');
    await rejects(preparePdfSignature({ ...base, certify: 2 }), 'invalid-argument');
    await rejects(preparePdfSignature({ ...base, lock: { action: 'All' } }), 'invalid-argument');
  });
});
