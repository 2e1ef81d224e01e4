/**
 * Full-count fuzzing (`npm run fuzz [-- TARGET… --iterations N --seed S]`): the OCSP and TSA request
 * parsers with mutated and random DER (≥ 100,000 inputs each by default), then the same inputs
 * through the responders, whose every answer must be a well-formed protocol reply; and `verify`:
 * 100,000 mutated signed PDFs through verifyPdf (packages/core/src/pdf/validation/fuzz-verify.ts).
 * Targets: ocsp-request, tsp-request, responders, verify (default: all). The test suite runs a
 * smaller slice of the same harnesses.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OID } from '@kyso/core';
import { fuzzOcspRequestParser } from '@kyso/core/ocsp/fuzz-ocsp-request.ts';
import { fuzzTimeStampReqInputs, fuzzTimeStampReqParser } from '@kyso/core/tsp/fuzz-tsp-request.ts';
import { fuzzOcspRequestInputs } from '@kyso/core/ocsp/fuzz-ocsp-request.ts';
import { parseOcspResponse } from '@kyso/core/ocsp/ocsp-response.ts';
import { parseTimeStampResp } from '@kyso/core/tsp/index.ts';
import { generateTestKey, issueTestCertificate, type TestIdentity } from '@kyso/core/cms/test-cms-certs.ts';
import { CORPUS_FUZZ_SEEDS, fuzzVerify, makeKysoSeeds, type FuzzSeed } from '@kyso/core/pdf/validation/fuzz-verify.ts';
import { makeSimplePdf, repoRoot, sharedPath } from '@kyso/testkit';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { KeyObjectSigner } from '@kyso/server/keys/key-object-signer.ts';
import { CaService } from '@kyso/server/services/ca-service.ts';
import { startPki } from '@kyso/server/services/pki.ts';
import { parseCeremony } from '@kyso/server/config/ceremony.ts';
import { TEST_CEREMONY, TEST_PASSPHRASE, openTestDb } from '@kyso/server/services/test-ca.ts';

const VALUE_FLAGS = new Set(['--iterations', '--seed', '--responder-iterations']);
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const targets = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(i > 0 && VALUE_FLAGS.has(all[i - 1]!)));
const TARGETS = ['ocsp-request', 'tsp-request', 'responders', 'verify'];
for (const t of targets) if (!TARGETS.includes(t)) { console.error(`unknown fuzz target '${t}' (targets: ${TARGETS.join(', ')})`); process.exit(2); }
const want = (t: string) => targets.length === 0 || targets.includes(t);
const iterations = arg('iterations', 100_000);
const seed = arg('seed', 20261127);

let failed = false;
for (const [name, fn] of [['ocsp-request', fuzzOcspRequestParser], ['tsp-request', fuzzTimeStampReqParser]] as const) {
  if (!want(name)) continue;
  const t = performance.now();
  try {
    const r = fn({ iterations, seed });
    const s = (performance.now() - t) / 1000;
    console.log(`fuzz ${name}: ${r.iterations} inputs in ${s.toFixed(1)} s (${Math.round(r.iterations / s)}/s): ${r.malformed} rejected as malformed, ${r.accepted} accepted, slowest input ${r.maxMs.toFixed(2)} ms, 0 crashes`);
  } catch (e) {
    failed = true;
    console.error(`fuzz ${name}: FAILED — ${(e as Error).message}`);
  }
}

// The same inputs through the live responders: every answer must be a well-formed protocol reply.
const responders = arg('responder-iterations', iterations);
if (want('responders')) {
  const t = await openTestDb('sqlite');
  try {
    await CaService.init(t.deps, { ceremony: parseCeremony(TEST_CEREMONY), secret: TEST_PASSPHRASE });
    const pki = await startPki(t.deps, await CaService.open(t.deps, TEST_PASSPHRASE), { pollMs: 600_000 });
    const t0 = performance.now();
    const statuses = new Map<string, number>();
    let n = 0;
    for (const input of fuzzOcspRequestInputs({ iterations: responders, seed })) {
      const reply = parseOcspResponse(await pki.ocsp.respond(input)); // throws when the reply is not an OCSPResponse
      if (reply.status === 'internalError') throw new Error(`internalError for input ${Buffer.from(input).toString('hex')}`);
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      n++;
    }
    console.log(`fuzz ocsp-responder: ${n} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s, replies ${[...statuses].map(([k, v]) => `${k} ${v}`).join(', ')}, 0 crashes`);
    const t1 = performance.now();
    const tsa = new Map<string, number>();
    n = 0;
    for (const input of fuzzTimeStampReqInputs({ iterations: responders, seed })) {
      const reply = parseTimeStampResp(await pki.tsa.respond(input));
      if (reply.failInfo === 'systemFailure') throw new Error(`systemFailure for input ${Buffer.from(input).toString('hex')}`);
      const k = reply.status === 'granted' ? 'granted' : `${reply.status}/${reply.failInfo}`;
      tsa.set(k, (tsa.get(k) ?? 0) + 1);
      n++;
    }
    console.log(`fuzz tsa-responder: ${n} requests in ${((performance.now() - t1) / 1000).toFixed(1)} s, replies ${[...tsa].map(([k, v]) => `${k} ${v}`).join(', ')}, 0 crashes`);
    pki.close();
  } catch (e) {
    failed = true;
    console.error(`fuzz responders: FAILED — ${(e as Error).message}`);
  } finally {
    await t.cleanup();
  }
}
if (want('verify')) {
  try {
    if (!(await fuzzVerifyTarget())) failed = true;
  } catch (e) {
    failed = true;
    console.error(`fuzz verify: FAILED — ${(e as Error).stack}`);
  }
}
process.exit(failed ? 1 : 0);

/**
 * verifyPdf on a PDF with a stray ')' (strayDelimiterPdf) in a child process with a small heap:
 * undefined when it answers. A parser loop cannot be stopped in-process, and one such input among
 * the 100,000 would end the run after minutes of swapping.
 */
function strayDelimiterProbe(): string | undefined {
  const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const code = `import { verifyPdf } from ${url('../packages/core/src/pdf/validation/verify-pdf.ts')};
import { strayDelimiterPdf } from ${url('../packages/core/src/pdf/validation/fuzz-verify.ts')};
import { nodeCrypto } from ${url('../packages/server/src/crypto/node-crypto.ts')};
try { await verifyPdf(strayDelimiterPdf(), { trustAnchors: [], revocation: 'none', crypto: nodeCrypto, clock: { now: () => new Date(0) } }); }
catch (e) { if (!e || e.name !== 'KysoError') throw e; }
console.log('probe answered');`;
  const tsx = process.execArgv.some((a) => a.includes('tsx')) ? [] : ['--import', 'tsx'];
  const r = spawnSync(process.execPath, [...process.execArgv, ...tsx, '--max-old-space-size=256', '--input-type=module', '-e', code], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  if (r.status === 0 && r.stdout.includes('probe answered')) return undefined;
  return r.error ? r.error.message : r.signal ? `killed by ${r.signal} (heap exhausted or 30 s deadline)` : `exit ${r.status}: ${r.stderr.split('\n').filter(Boolean).slice(-2).join(' | ')}`;
}

/** The verify target: kyso-signed seeds (a throw-away test CA) and small corpus files, mutated. */
async function fuzzVerifyTarget(): Promise<boolean> {
  const probe = strayDelimiterProbe();
  if (probe) {
    console.error(`fuzz verify: FAILED before fuzzing — verifyPdf does not answer for a PDF with a stray ')' in a dictionary (${probe}): @libpdf/core's tokenizer loops on it; fuzzing in-process would exhaust the heap at the first such input`);
    return false;
  }
  const at = new Date(Math.floor(Date.now() / 1000) * 1000);
  const clock = { now: () => at };
  const root = issueTestCertificate({ subject: 'CN=Kyso Fuzz Root,O=Kyso fuzz,C=VN', key: generateTestKey('p256'), ca: true });
  const id = (t: TestIdentity) => ({ signer: new KeyObjectSigner(t.key), certificate: t.cert, chain: [root.cert.der], algorithm: t.alg });
  const seeds: FuzzSeed[] = await makeKysoSeeds({
    onePage: makeSimplePdf({ pages: 1, text: 'Quyet dinh so 15' }), twoPages: makeSimplePdf({ pages: 2, text: 'So tien 1.000.000 dong' }),
    a: id(issueTestCertificate({ subject: 'CN=Nguyễn Văn Ký,O=Kyso fuzz,C=VN', key: generateTestKey('p256'), issuer: root })),
    b: id(issueTestCertificate({ subject: 'CN=Văn phòng Thử,O=Kyso fuzz,C=VN', key: generateTestKey('rsa2048'), issuer: root })),
    tsa: id(issueTestCertificate({ subject: 'CN=Kyso Fuzz TSA,O=Kyso fuzz,C=VN', key: generateTestKey('p256'), issuer: root, eku: [OID.kpTimeStamping], ekuCritical: true })),
    crypto: nodeCrypto, signingTime: at,
  });
  for (const f of CORPUS_FUZZ_SEEDS) {
    let p: string | undefined;
    try { p = sharedPath('corpus', 'pdf', 'signed', f); } catch { p = undefined; }
    if (p && existsSync(p)) seeds.push({ name: f, bytes: new Uint8Array(readFileSync(p)) });
    else console.error(`fuzz verify: corpus seed ${f} not found, continuing without it`);
  }
  const t0 = performance.now();
  const step = Math.max(1000, Math.floor(iterations / 10));
  const r = await fuzzVerify({
    iterations, seed, seeds, trustAnchors: [root.cert.der], crypto: nodeCrypto, clock, now: () => performance.now(), keepFailures: 20,
    onInput: (n) => { if (n > 0 && n % step === 0) console.error(`fuzz verify: ${n} inputs, ${((performance.now() - t0) / 1000).toFixed(0)} s`); },
  });
  const secs = (performance.now() - t0) / 1000;
  const ok = r.crashes === 0 && r.unsound === 0 && r.slow === 0;
  console.log(`fuzz verify: ${r.iterations} inputs from ${seeds.length} seeds in ${secs.toFixed(1)} s (${Math.round(r.iterations / secs)}/s): `
    + `${r.totalPassedUnchanged} TOTAL_PASSED on unchanged signed bytes, ${r.signedBytesChanged} with signed bytes changed, ${r.rejected} rejected (KysoError), `
    + `indications ${Object.entries(r.indications).map(([k, v]) => `${k} ${v}`).join(', ')}, ${r.signaturesChecked} passing signatures checked; `
    + `${r.crashes} crashes, ${r.unsound} unsound, ${r.slow} over ${2000} ms; slowest input ${r.maxMs.toFixed(1)} ms (${r.slowest.mutation} of ${r.slowest.seeds.join(' + ')}, ${r.slowest.size} bytes)`);
  console.log(`fuzz verify: mutations ${Object.entries(r.mutations).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.failures.length) {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-fuzz-verify-'));
    r.failures.forEach((f, i) => {
      const file = join(dir, `${i}-${f.kind}.pdf`);
      writeFileSync(file, f.input);
      console.error(`fuzz verify: ${f.kind} at input ${f.iteration} (${f.mutation} of ${f.seeds.join(' + ')}, ${f.input.length} bytes): ${f.detail.split('\n').slice(0, 4).join(' | ')} → ${file}`);
    });
  }
  if (!ok) console.error('fuzz verify: FAILED');
  return ok;
}
