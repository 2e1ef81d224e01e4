/**
 * `kyso sign --batch` internals (the end-to-end run through the CLI is in sign-pdf.test.ts): the
 * worker code bundled in memory (import.meta.url and native packages put back), workers on the
 * bundle and on tsx, this thread signing alongside them, the writer thread, the key unlocked once.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { verifyPdf } from '@kyso/core/pdf/validation/verify-pdf.ts';
import { generateTestKey, issueTestCertificate } from '@kyso/core/cms/test-cms-certs.ts';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { buildPkcs12 } from '@kyso/server/keys/pkcs12.ts';
import { makeSimplePdf, repoRoot } from '@kyso/testkit';
import { batchSign, type BatchSignParams } from './sign-batch.ts';
import { relocate, startWorkerBundle, type WorkerCode } from './sign-worker-bundle.ts';
import type { PdfSignJob } from './pdf-sign-job.ts';

const PASSWORD = 'batch test p12 password';
let work: string;
const f = (...n: string[]) => join(work, ...n);
let trust: Uint8Array;
let job: PdfSignJob;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'kyso-sign-batch-'));
  const id = issueTestCertificate({ subject: 'CN=Nguyễn Văn Lô,O=Kyso batch test', key: generateTestKey('rsa2048') });
  trust = id.cert.der;
  writeFileSync(f('signer.p12'), buildPkcs12({ privateKey: id.key, certificate: id.cert.der, chain: [], password: PASSWORD, friendlyName: 'batch', iterations: 100_000, macIterations: 2048 }));
  // A visible box: signPdf then loads the appearance fonts through import.meta.url (pdf-signing.ts).
  job = { key: { kind: 'p12', file: f('signer.p12'), password: PASSWORD }, level: 'B-B', page: 1, rect: { x: 20, y: 20, w: 50, h: 15 }, rsaPadding: 'pkcs1' };
});
after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

function inputs(dir: string, n: number, broken = false): string[] {
  mkdirSync(f(dir));
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `cv-${String(i).padStart(3, '0')}.pdf`;
    writeFileSync(f(dir, name), makeSimplePdf({ pages: 1, text: `Cong van so ${i}` }));
    names.push(name);
  }
  if (broken) writeFileSync(f(dir, 'broken.pdf'), makeSimplePdf({ pages: 1 }).subarray(0, 300));
  return names;
}

async function run(p: Omit<BatchSignParams, 'job' | 'tty'> & { job?: PdfSignJob }) {
  let stdout = '', stderr = '';
  const codes: WorkerCode[] = [];
  const code = await batchSign({ job, tty: false, onWorkerCode: (c) => codes.push(c), ...p }, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  const lines = stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { file: string; status: string; out?: string; error?: string; ms: number });
  return { code, lines, stderr, codes };
}

async function assertSigned(file: string, input: Uint8Array): Promise<void> {
  const bytes = new Uint8Array(readFileSync(file));
  assert.deepEqual(bytes.subarray(0, input.length), input, `${file} begins with the input's exact bytes`);
  const r = await verifyPdf(bytes, { trustAnchors: [trust], revocation: 'none', crypto: nodeCrypto, clock: { now: () => new Date() } });
  assert.equal(r.signatures.length, 1, file);
  assert.equal(r.signatures[0]!.integrity.digestMatches, true, file);
  assert.equal(r.signatures[0]!.integrity.signatureValid, true, file);
}

describe('worker code bundle', () => {
  test('the bundle is made, plain ES modules only, with import.meta.url and native packages put back', async () => {
    const { code } = await startWorkerBundle();
    const c = await code;
    assert.equal(c.bundled, true, c.reason);
    assert.equal(c.url.protocol, 'data:');
    const text = Buffer.from(c.url.href.slice(c.url.href.indexOf(',') + 1), 'base64').toString('utf8');
    assert.ok(!/\bimport\.meta\b/.test(text), 'no import.meta left');
    assert.ok(text.includes(JSON.stringify(pathToFileURL(join(repoRoot, 'packages/server/src/services/pdf-signing.ts')).href)), 'pdf-signing.ts keeps its own URL');
    const pkcs11 = pathToFileURL(createRequire(join(repoRoot, 'packages/server/src/keys/pkcs11-signer.ts')).resolve('pkcs11js')).href;
    assert.ok(text.includes(`from ${JSON.stringify(pkcs11)}`), 'pkcs11js is imported from node_modules by file URL');
  });

  const section = (path: string, body: string) => `// ${path}\n${body}\n`;
  const meta = (inputs: Record<string, Array<{ path: string; kind: string; external?: boolean }>>) =>
    ({ inputs: Object.fromEntries(Object.entries(inputs).map(([k, imports]) => [k, { imports }])) });

  test('relocate: each import.meta.url becomes the URL of the module it is written in', () => {
    const out = section('packages/a/x.ts', 'const a = import.meta.url;') + section('packages/b/y.ts', 'const b = new URL("./z", import.meta.url);');
    const text = relocate(out, meta({ 'packages/a/x.ts': [], 'packages/b/y.ts': [] }));
    assert.ok(text.includes(`const a = ${JSON.stringify(pathToFileURL(join(repoRoot, 'packages/a/x.ts')).href)};`));
    assert.ok(text.includes(`new URL("./z", ${JSON.stringify(pathToFileURL(join(repoRoot, 'packages/b/y.ts')).href)})`));
  });

  test('relocate: an external package is imported by the file URL Node resolves; a missing optional one is left alone', () => {
    const importer = 'packages/server/src/keys/pkcs11-signer.ts';
    const out = section(importer, 'import pkcs11js from "pkcs11js";\nconst kms = () => import("@google-cloud/kms");');
    const text = relocate(out, meta({ [importer]: [{ path: 'pkcs11js', kind: 'import-statement', external: true }, { path: '@google-cloud/kms', kind: 'dynamic-import', external: true }] }));
    const url = pathToFileURL(createRequire(join(repoRoot, importer)).resolve('pkcs11js')).href;
    assert.ok(text.includes(`import pkcs11js from ${JSON.stringify(url)};`), text);
    assert.ok(text.includes('import("@google-cloud/kms")'));
  });

  test('relocate refuses what it cannot put back (the workers then load through tsx)', () => {
    assert.throws(() => relocate(section('packages/a/x.ts', 'const d = import.meta.dirname;'), meta({ 'packages/a/x.ts': [] })), /import\.meta beyond/);
    assert.throws(() => relocate('const u = import.meta.url;\n', meta({})), /cannot be traced/);
    assert.throws(() => relocate(section('packages/a/x.ts', 'import x from "no-such-package-kyso";'), meta({ 'packages/a/x.ts': [{ path: 'no-such-package-kyso', kind: 'import-statement', external: true }] })), /Cannot find/);
  });
});

describe('batchSign', () => {
  test('workers on the bundle sign every file, visible appearance included (fonts found from the bundle)', async () => {
    const names = inputs('in-bundle', 6);
    const r = await run({ inDir: f('in-bundle'), outDir: f('out-bundle'), workers: 2, signHere: false });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.codes.map((c) => c.bundled), [true]);
    assert.deepEqual(r.lines.map((l) => l.file).sort(), names);
    for (const l of r.lines) assert.equal(l.status, 'signed', JSON.stringify(l));
    assert.deepEqual(readdirSync(f('out-bundle')).sort(), names, 'no temporary files are left');
    for (const n of names) await assertSigned(f('out-bundle', n), new Uint8Array(readFileSync(f('in-bundle', n))));
    assert.match(r.stderr, /batch: 6 signed, 0 failed, 6 files .* 2 signing thread\(s\)/);
  });

  test('workers on tsx (the fallback) and this thread sign together; a broken file is an error with no output, exit 65', async () => {
    const names = inputs('in-tsx', 8, true);
    const r = await run({ inDir: f('in-tsx'), outDir: f('out-tsx'), workers: 2, workerCode: 'tsx' });
    assert.equal(r.code, 65, r.stderr);
    assert.deepEqual(r.codes.map((c) => c.bundled), [false]);
    assert.equal(r.lines.length, 9);
    const broken = r.lines.find((l) => l.file === 'broken.pdf')!;
    assert.equal(broken.status, 'error');
    assert.ok(broken.error && !broken.error.includes('\n'), broken.error);
    assert.deepEqual(readdirSync(f('out-tsx')).sort(), names);
    for (const n of names) await assertSigned(f('out-tsx', n), new Uint8Array(readFileSync(f('in-tsx', n))));
  });

  test('one thread: no worker is started, results as before', async () => {
    const names = inputs('in-one', 3);
    const r = await run({ inDir: f('in-one'), outDir: f('out-one'), workers: 1 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.codes, []);
    assert.deepEqual(r.lines.map((l) => l.file).sort(), names);
    for (const l of r.lines) {
      assert.equal(l.status, 'signed');
      assert.equal(l.out, f('out-one', l.file));
      assert.equal(typeof l.ms, 'number');
    }
  });

  test('an output that cannot be written is that file\'s error, and leaves no temporary file', { skip: process.getuid?.() === 0 ? 'root writes into read-only folders' : false }, async () => {
    inputs('in-ro', 2);
    mkdirSync(f('out-ro'));
    chmodSync(f('out-ro'), 0o500);
    try {
      const r = await run({ inDir: f('in-ro'), outDir: f('out-ro'), workers: 1 });
      assert.equal(r.code, 65);
      for (const l of r.lines) { assert.equal(l.status, 'error'); assert.match(l.error!, /^cannot write .*: EACCES$/); }
      assert.deepEqual(readdirSync(f('out-ro')), []);
    } finally {
      chmodSync(f('out-ro'), 0o700);
    }
  });

  test('an output path that is a folder is that file\'s error; the others are signed', async () => {
    const names = inputs('in-dirout', 3);
    mkdirSync(f('out-dirout', names[1]!), { recursive: true });
    const r = await run({ inDir: f('in-dirout'), outDir: f('out-dirout'), workers: 1 });
    assert.equal(r.code, 65);
    const bad = r.lines.find((l) => l.file === names[1])!;
    assert.equal(bad.status, 'error');
    assert.match(bad.error!, /^cannot write .*: E(ISDIR|EXIST|NOTEMPTY)/);
    assert.deepEqual(readdirSync(f('out-dirout')).sort(), names, 'no temporary file is left');
    for (const n of [names[0]!, names[2]!]) assert.ok(existsSync(f('out-dirout', n)));
  });

  test('a wrong PKCS#12 password stops the run before anything is written, with the single-file exit code (77)', async () => {
    inputs('in-wrong', 2);
    await assert.rejects(run({ inDir: f('in-wrong'), outDir: f('out-wrong'), workers: 2, job: { ...job, key: { kind: 'p12', file: f('signer.p12'), password: 'wrong' } } }),
      (e: Error & { kind?: string }) => e.kind === 'auth');
    assert.deepEqual(readdirSync(f('out-wrong')), []);
  });
});
