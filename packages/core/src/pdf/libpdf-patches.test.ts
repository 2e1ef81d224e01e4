/**
 * Regression tests for the patches scripts/patch-libpdf.mjs applies to @libpdf/core 0.4.2 at install
 * time (docs/adr/0005-libpdf-patches.md). Each test fails on the unpatched package. Corpus files are
 * read from shared/corpus/pdf (never copied); a test is skipped only when its file is absent.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDF, PdfDict, PdfRef, PdfString, type PdfObject } from '@libpdf/core';
import { repoRoot, sharedPath } from '../../../testkit/src/shared.ts';

type Folder = 'inputs' | 'signed';
interface ManifestEntry { file: string; pages: number; password?: string }

function corpusPath(folder: Folder, file: string): string | undefined {
  let path: string;
  try {
    path = sharedPath('corpus', 'pdf', folder, file);
  } catch {
    return undefined; // no shared/ folder at all
  }
  return existsSync(path) ? path : undefined;
}

function manifestEntry(folder: Folder, file: string): ManifestEntry {
  const manifest = JSON.parse(readFileSync(sharedPath('corpus', 'pdf', folder, 'manifest.json'), 'utf8')) as { files: ManifestEntry[] };
  const entry = manifest.files.find((f) => f.file === file);
  assert.ok(entry, `${folder}/${file} is not in the corpus manifest`);
  return entry;
}

/** Reads a corpus file, or skips the test when it is absent. */
function corpusBytes(t: TestContext, folder: Folder, file: string): Uint8Array | undefined {
  const path = corpusPath(folder, file);
  if (path === undefined) {
    t.skip(`corpus file ${folder}/${file} is absent`);
    return undefined;
  }
  return readFileSync(path);
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function resolveDict(pdf: PDF, value: PdfObject | undefined): PdfDict {
  const obj = value instanceof PdfRef ? pdf.getObject(value) : value;
  assert.ok(obj instanceof PdfDict, 'expected a dictionary');
  return obj;
}

// --- xref-w8: /W [1 8 2] xref streams -------------------------------------------------------

for (const file of ['pyhanko__minimal-xref.pdf', 'pyhanko__minimal-aes256.pdf']) {
  test(`xref-w8: ${file} (/W [1 8 2]) loads from its xref stream, not by brute force`, async (t) => {
    const bytes = corpusBytes(t, 'inputs', file);
    if (!bytes) return;
    assert.match(latin1(bytes), /\/W\s*\[\s*1\s+8\s+2\s*\]/, 'fixture premise: 8-byte offset field');
    const entry = manifestEntry('inputs', file);
    const pdf = await PDF.load(bytes, entry.password === undefined ? {} : { credentials: entry.password });
    assert.equal(pdf.recoveredViaBruteForce, false);
    assert.equal(pdf.getPageCount(), entry.pages);
    if (entry.password !== undefined) {
      // Brute-force recovery drops /Encrypt from the trailer: the file would read as unencrypted.
      assert.equal(pdf.isEncrypted, true);
      assert.equal(pdf.isAuthenticated, true);
    }
  });
}

/** Three-object file with a /W [1 8 2] xref stream; `extraOffset` adds object 4 at that offset. */
function xrefStreamW8(extraOffset?: bigint): Uint8Array {
  const head = '%PDF-1.7\n';
  const objs = [
    '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
    '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n',
    '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nendobj\n',
  ];
  const offsets: bigint[] = [];
  let pos = head.length;
  for (const o of objs) {
    offsets.push(BigInt(pos));
    pos += o.length;
  }
  if (extraOffset !== undefined) offsets.push(extraOffset);
  const xrefNum = offsets.length + 1;
  offsets.push(BigInt(pos)); // the xref stream itself
  const entry = (type: number, field2: bigint, gen: number) => {
    const b = Buffer.alloc(11);
    b[0] = type;
    b.writeBigUInt64BE(field2, 1);
    b.writeUInt16BE(gen, 9);
    return b;
  };
  const data = Buffer.concat([entry(0, 0n, 65535), ...offsets.map((o) => entry(1, o, 0))]);
  const xref = Buffer.concat([
    Buffer.from(`${xrefNum} 0 obj\n<< /Type /XRef /Size ${xrefNum + 1} /W [1 8 2] /Root 1 0 R /Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from(`\nendstream\nendobj\nstartxref\n${pos}\n%%EOF\n`, 'latin1'),
  ]);
  return Buffer.concat([Buffer.from(head + objs.join(''), 'latin1'), xref]);
}

test('xref-w8: 8-byte fields are exact below 2^53 and refused above it (synthetic)', async () => {
  const ok = await PDF.load(xrefStreamW8(2n ** 53n - 1n));
  assert.equal(ok.recoveredViaBruteForce, false);
  assert.equal(ok.getPageCount(), 1);
  // An offset of 2^53 + 1 cannot be represented: the stream is treated as damaged (and our
  // signer refuses brute-force-recovered files) instead of following a rounded offset.
  const bad = await PDF.load(xrefStreamW8(2n ** 53n + 1n));
  assert.equal(bad.recoveredViaBruteForce, true);
});

// --- xrefstm-order: hybrid file whose later trailer keeps an old /XRefStm ---------------------

test('xrefstm-order: a section\'s own table wins over its /XRefStm (dss__pades-enveloping-empty-bytes-cms.pdf)', async (t) => {
  const bytes = corpusBytes(t, 'signed', 'dss__pades-enveloping-empty-bytes-cms.pdf');
  if (!bytes) return;
  // Revision 3's table updates page object 3 0 (adds the first signature's widget 80 0 R) while its
  // trailer still carries /XRefStm of revision 1's stream, which lists the old page 3 0.
  assert.match(latin1(bytes), /\/XRefStm\s+92738/, 'fixture premise: hybrid trailer');
  const pdf = await PDF.load(bytes);
  assert.equal(pdf.recoveredViaBruteForce, false);
  const page = pdf.getPage(0);
  assert.ok(page);
  assert.equal(page.ref.objectNumber, 3);
  const annots = page.dict.getArray('Annots', (r) => pdf.getObject(r));
  assert.ok(annots, 'page 3 0 R has /Annots');
  const refs = Array.from({ length: annots.length }, (_, i) => annots.at(i)).filter((x): x is PdfRef => x instanceof PdfRef);
  assert.ok(refs.some((r) => r.objectNumber === 80 && r.generation === 0), `expected 80 0 R in /Annots, got ${refs.join(' ')}`);
  const widget = resolveDict(pdf, PdfRef.of(80, 0));
  assert.equal(widget.getName('FT')?.value, 'Sig');
});

/**
 * One-revision hybrid file whose table marks the page object free while the section's own
 * /XRefStm lists it as compressed (object stream 4): the "hidden object" layout of §7.5.8.4, here
 * inside one section. Returns the bytes; qpdf reads it without warnings.
 */
function hybridWithHiddenPage(): Uint8Array {
  const parts: Buffer[] = [];
  let length = 0;
  const put = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    parts.push(buf);
    length += buf.length;
  };
  const offsets: Record<number, number> = {};
  put('%PDF-1.5\n%\xe2\xe3\xcf\xd3\n');
  offsets[1] = length;
  put('1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n');
  offsets[2] = length;
  put('2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n');
  const objStm = '3 0 << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>';
  offsets[4] = length;
  put(`4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length ${objStm.length} >>\nstream\n${objStm}\nendstream\nendobj\n`);
  offsets[5] = length;
  const entry = (type: number, field2: number, field3: number) => Buffer.from([type, field2 >> 8, field2 & 0xff, field3]);
  const stm = Buffer.concat([entry(2, 4, 0), entry(1, offsets[4]!, 0), entry(1, offsets[5]!, 0)]);
  put(`5 0 obj\n<< /Type /XRef /Size 6 /W [1 2 1] /Index [3 3] /Length ${stm.length} >>\nstream\n`);
  put(stm);
  put('\nendstream\nendobj\n');
  const table = length;
  const n = (o: number) => `${String(o).padStart(10, '0')} 00000 n\r\n`;
  put(`xref\n0 6\n0000000000 65535 f\r\n${n(offsets[1]!)}${n(offsets[2]!)}0000000000 65535 f\r\n${n(offsets[4]!)}${n(offsets[5]!)}`);
  put(`trailer\n<< /Size 6 /Root 1 0 R /XRefStm ${offsets[5]} >>\nstartxref\n${table}\n%%EOF\n`);
  return Buffer.concat(parts);
}

test('xrefstm-order: a free table entry does not hide the same section\'s /XRefStm entry (synthetic hidden object)', async () => {
  const pdf = await PDF.load(hybridWithHiddenPage());
  assert.equal(pdf.recoveredViaBruteForce, false);
  assert.equal(pdf.getPageCount(), 1);
  assert.equal(pdf.getPage(0)?.ref.objectNumber, 3);
});

// --- xref-ws: startxref or /Prev pointing at the whitespace before `xref` ---------------------

for (const [folder, file] of [
  ['signed', 'dss__pades3_Baseline_B.pdf'],
  ['signed', 'dss__dss-1696__Test.signed_Certipost-2048-SHA512.extended.pdf'],
  ['inputs', 'pyhanko__minimal-startxref-obo1.pdf'],
] as const) {
  test(`xref-ws: ${file} (xref offset on whitespace) loads without brute force`, async (t) => {
    const bytes = corpusBytes(t, folder, file);
    if (!bytes) return;
    const text = latin1(bytes);
    const offsets = [...text.matchAll(/(?:startxref|\/Prev)\s+(\d+)/g)].map((m) => Number(m[1]));
    assert.ok(offsets.some((o) => /^[\0\t\n\f\r ]+xref/.test(text.slice(o, o + 16))), 'fixture premise: an offset lands on whitespace');
    const pdf = await PDF.load(bytes);
    assert.equal(pdf.recoveredViaBruteForce, false);
    assert.equal(pdf.getPageCount(), manifestEntry(folder, file).pages);
  });
}

// --- sig-contents / encrypt-dict: encrypted signed file -------------------------------------

const ENCRYPTED_SIGNED = 'dss__encrypted.pdf'; // RC4 R3, empty user password, one signature

/** The signature value as written in the file: the hex string in the ByteRange gap. */
function rawSignatureContents(bytes: Uint8Array): Uint8Array {
  const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(latin1(bytes));
  assert.ok(m, 'fixture premise: a /ByteRange');
  const gap = latin1(bytes.subarray(Number(m[2]), Number(m[3])));
  assert.match(gap, /^<[0-9a-fA-F\s]*>$/);
  return Buffer.from(gap.slice(1, -1).replace(/\s/g, ''), 'hex');
}

/** /Contents of the signature dictionary of the first signed /FT /Sig field, via libpdf. */
function signatureContentsViaLibpdf(pdf: PDF): Uint8Array {
  const resolve = (r: PdfRef) => pdf.getObject(r);
  const fields = pdf.getCatalog().getDict('AcroForm', resolve)?.getArray('Fields', resolve);
  assert.ok(fields, 'fixture premise: /AcroForm /Fields');
  for (let i = 0; i < fields.length; i++) {
    const field = resolveDict(pdf, fields.at(i));
    if (field.getName('FT')?.value !== 'Sig' || !field.has('V')) continue;
    const contents = resolveDict(pdf, field.get('V')).getString('Contents');
    assert.ok(contents, 'signature dictionary has a /Contents string');
    return contents.bytes;
  }
  assert.fail('no signed signature field');
}

test(`sig-contents: /Contents of the signature in ${ENCRYPTED_SIGNED} is read as written (never decrypted)`, async (t) => {
  const bytes = corpusBytes(t, 'signed', ENCRYPTED_SIGNED);
  if (!bytes) return;
  const pdf = await PDF.load(bytes);
  assert.equal(pdf.isEncrypted, true);
  // This signature dictionary has no /Type (optional for /Sig): the patch also keys on /ByteRange.
  assert.equal(hex(signatureContentsViaLibpdf(pdf)), hex(rawSignatureContents(bytes)));
});

test('sig-contents: direct (nested) /Sig and /DocTimeStamp dicts keep /Contents, other strings are still decrypted', async (t) => {
  const bytes = corpusBytes(t, 'signed', ENCRYPTED_SIGNED);
  if (!bytes) return;
  const original = latin1(bytes);
  const handler = (await PDF.load(bytes)).context.info.securityHandler;
  assert.ok(handler, 'fixture premise: security handler');
  // Append a revision with a field whose /V is a direct signature dictionary, written the way a
  // signer writes it: the other strings encrypted with the object key, /Contents in the clear.
  const num = Number(/\/Size\s+(\d+)/.exec(original.slice(original.lastIndexOf('trailer')))?.[1]);
  const prev = Number([...original.matchAll(/startxref\s+(\d+)/g)].at(-1)?.[1]);
  const trailerId = /\/ID\s*\[[^\]]*\]/.exec(original.slice(original.lastIndexOf('trailer')))?.[0];
  assert.ok(num > 0 && prev > 0 && trailerId, 'fixture premise: /Size, startxref, /ID');
  const encrypted = (s: string) => hex(handler.encryptString(Buffer.from(s, 'latin1'), num, 0));
  const sigValue = Buffer.from('3082000b06092a864886f70d010702a0000000000000', 'hex');
  const tsValue = Buffer.from('3082000c06092a864886f70d010702a0ffee00000000', 'hex');
  const object = `${num} 0 obj\n<< /FT /Sig /T <${encrypted('KysoField')}>`
    + ` /V << /Type /Sig /Filter /Adobe.PPKLite /Name <${encrypted('Signer')}> /Contents <${hex(sigValue)}> >>`
    + ` /KysoTs << /Type /DocTimeStamp /Contents <${hex(tsValue)}> >>`
    + ` /KysoAnnot << /Type /Annot /Contents <${encrypted('annotation text')}> >> >>\nendobj\n`;
  const objOffset = bytes.length;
  const xrefOffset = objOffset + object.length;
  const update = `${object}xref\n${num} 1\n${String(objOffset).padStart(10, '0')} 00000 n\r\n`
    + `trailer\n<< /Size ${num + 1} /Root 7 0 R /Info 40 0 R /Encrypt 39 0 R ${trailerId} /Prev ${prev} >>\n`
    + `startxref\n${xrefOffset}\n%%EOF\n`;
  const pdf = await PDF.load(Buffer.concat([bytes, Buffer.from(update, 'latin1')]));
  assert.equal(pdf.recoveredViaBruteForce, false);
  const field = resolveDict(pdf, PdfRef.of(num, 0));
  assert.equal(field.getString('T')?.asString(), 'KysoField');
  const sig = field.getDict('V');
  assert.ok(sig);
  assert.equal(hex(sig.getString('Contents')?.bytes ?? new Uint8Array()), hex(sigValue));
  assert.equal(sig.getString('Name')?.asString(), 'Signer');
  assert.equal(hex(field.getDict('KysoTs')?.getString('Contents')?.bytes ?? new Uint8Array()), hex(tsValue));
  assert.equal(field.getDict('KysoAnnot')?.getString('Contents')?.asString(), 'annotation text');
});

test('sig-contents: libpdf\'s own incremental save writes a read signature dictionary back unchanged', async (t) => {
  const bytes = corpusBytes(t, 'signed', ENCRYPTED_SIGNED);
  if (!bytes) return;
  const pdf = await PDF.load(bytes);
  signatureContentsViaLibpdf(pdf); // loads (and, through libpdf's dirty flag, re-writes) the signature dictionary
  pdf.getCatalog().set('KysoTouched', PdfDict.of({}));
  const saved = await pdf.save({ incremental: true });
  assert.equal(hex(saved.subarray(0, bytes.length)), hex(bytes), 'incremental: original bytes kept');
  const reloaded = await PDF.load(saved);
  assert.equal(hex(signatureContentsViaLibpdf(reloaded)), hex(rawSignatureContents(bytes)));
});

test(`encrypt-dict: resolving the /Encrypt dictionary of ${ENCRYPTED_SIGNED} does not decrypt its strings`, async (t) => {
  const bytes = corpusBytes(t, 'signed', ENCRYPTED_SIGNED);
  if (!bytes) return;
  const pdf = await PDF.load(bytes);
  const encryptRef = pdf.context.info.trailer.getRef('Encrypt');
  assert.ok(encryptRef);
  const encrypt = resolveDict(pdf, encryptRef);
  // /O as stored in object 39 (`qpdf --show-object=39` prints it the same way).
  assert.equal(hex(encrypt.getString('O')?.bytes ?? new Uint8Array()), '37a47f5988223cd2f4737710f2879e37f2fb479827b664d3638c87768d87a992');
});

// --- the patch script itself ----------------------------------------------------------------

const script = join(repoRoot, 'scripts', 'patch-libpdf.mjs');
const libpdfDir = join(repoRoot, 'node_modules', '@libpdf', 'core');
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

test('patch-libpdf --check: every patch is applied to the installed @libpdf/core', () => {
  const r = run('--check');
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.doesNotMatch(r.stdout, /MISSING/);
});

test('patch-libpdf: idempotent on a patched copy; refuses another version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-libpdf-'));
  try {
    mkdirSync(join(dir, 'dist'));
    const dist = readFileSync(join(libpdfDir, 'dist', 'index.mjs'));
    const pkg = JSON.parse(readFileSync(join(libpdfDir, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(join(dir, 'dist', 'index.mjs'), dist);
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
    const again = run('--package-dir', dir);
    assert.equal(again.status, 0, again.stderr);
    const lines = again.stdout.trim().split('\n');
    assert.ok(lines.length >= 4 && lines.every((l) => l.endsWith(': already applied')), again.stdout);
    assert.ok(readFileSync(join(dir, 'dist', 'index.mjs')).equals(dist), 'file unchanged');

    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version: '0.4.3' }));
    const other = run('--package-dir', dir);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /0\.4\.3.*exactly 0\.4\.2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
