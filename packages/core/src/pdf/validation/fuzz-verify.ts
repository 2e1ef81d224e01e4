/**
 * Robustness and soundness harness for verifyPdf (ISO 32000-2 §12.8 signatures, §7.5.6
 * incremental updates): signed PDFs are mutated with a deterministic xorshift PRNG — bit flips,
 * byte runs overwritten, inserted or deleted, truncations (anywhere and at revision ends), the
 * revisions of two files spliced, the last revision appended again, digits of a /ByteRange
 * changed, the /Contents hex changed, numbers after xref keywords (startxref, /Prev, /Size,
 * /Length…) changed, junk appended — and every result goes through verifyPdf. Properties:
 *
 * 1. verifyPdf returns a report or throws a KysoError, nothing else (a crash);
 * 2. each input takes less than the time budget (default 2 s; slow inputs are timed again and the
 *    best time counts, so a GC pause is not the input's fault);
 * 3. soundness: a document that is TOTAL_PASSED, and any signature whose digest matches while its
 *    modification verdict is not 'disallowed', covers bytes that no mutation changed. That is
 *    computed from the mutation, not from the report: each such signature's ByteRange must be the
 *    ByteRange of a signature of the original file(s) the input was made from, and every byte it
 *    names must be unchanged (and present) in the input.
 *
 * A normal module, not a test: `fuzz-verify.test.ts` runs a slice, `npm run fuzz -- verify` the full
 * count. Core does no I/O, so the seeds come from the caller: `makeKysoSeeds` signs in-process with
 * the given identities (the Signer port), and corpus files are read by the caller.
 */
import { XorShift32, spliceBytes } from '../../fuzz/xorshift.ts';
import { KysoError } from '../../errors.ts';
import { concatBytes } from '../../asn1/der.ts';
import type { Clock, CryptoPort, SignatureAlgorithm, Signer } from '../../ports.ts';
import type { ParsedCertificate } from '../../x509/certificate.ts';
import { completeCadesSignature, prepareCadesSignature } from '../../cms/cades.ts';
import { buildTimeStampToken } from '../../tsp/time-stamp-token.ts';
import { encodeTstInfo } from '../../tsp/tst-info.ts';
import { completePdfSignature, estimateCmsSize, preparePdfSignature } from '../pdf-signature.ts';
import { appendDss } from '../dss.ts';
import { revisionEnds } from '../file-structure.ts';
import { verifyPdf } from './verify-pdf.ts';
import type { DocumentReport, Indication } from './report.ts';

/** A signed PDF the mutations start from. */
export interface FuzzSeed {
  name: string;
  bytes: Uint8Array;
}

/** A signer for the in-process seeds (the Signer port: kyso's keys never enter core). */
export interface FuzzIdentity {
  signer: Signer;
  certificate: ParsedCertificate;
  /** Issuer certificates (DER), embedded in the CMS. */
  chain: Uint8Array[];
  algorithm: SignatureAlgorithm;
}

/** What fuzzVerify runs: the same options give the same inputs (the time budget aside). */
export interface FuzzVerifyOptions {
  iterations: number;
  seed: number;
  seeds: FuzzSeed[];
  /** Roots of the kyso-signed seeds: their unchanged signatures are TOTAL_PASSED. */
  trustAnchors: Uint8Array[];
  crypto: CryptoPort;
  clock: Clock;
  /** Best time per input above this fails the run; default 2000 ms. */
  timeBudgetMsPerInput?: number;
  /** Monotonic milliseconds (for the budget and the report only; nothing depends on it). */
  now: () => number;
  /** How many failing inputs to keep (with their bytes); default 5. */
  keepFailures?: number;
  /** Called before each input is verified (progress, or saving the input a hang or crash of the process would lose). */
  onInput?: (iteration: number, mutation: string, input: Uint8Array) => void;
}

/** One input that broke a property, with its bytes. */
export interface FuzzFailure {
  kind: 'crash' | 'unsound' | 'slow';
  iteration: number;
  mutation: string;
  seeds: string[];
  detail: string;
  input: Uint8Array;
}

/** Counts of one run. */
export interface FuzzVerifyResult {
  iterations: number;
  /** verifyPdf threw a KysoError (not a PDF, unreadable, wrong password…). */
  rejected: number;
  indications: Record<Indication, number>;
  /** Inputs in which at least one byte named by an original signature's ByteRange changed or went missing. */
  signedBytesChanged: number;
  /** TOTAL_PASSED results: each of their signatures covers only unchanged original bytes (else it is a failure). */
  totalPassedUnchanged: number;
  /** Signatures with digestMatches true and verdict not 'disallowed', checked for unchanged bytes. */
  signaturesChecked: number;
  crashes: number;
  unsound: number;
  slow: number;
  maxMs: number;
  slowest: { mutation: string; seeds: string[]; size: number };
  /** Inputs per (first) mutation kind; `stacked` counts inputs mutated twice. */
  mutations: Record<string, number>;
  failures: FuzzFailure[];
}

// ---- seeds ------------------------------------------------------------------------------------------

/**
 * Small files of shared/corpus/pdf/signed the callers add as seeds: an SKI signer identifier, two
 * signatures, a BER CMS with DSS data, a signature followed by a document time-stamp.
 */
export const CORPUS_FUZZ_SEEDS = ['pyhanko__sig-with-ski-sid.pdf', 'pyhanko__separate-annots-kids-indir.pdf', 'dss__doc-firmado-LT.pdf', 'pyhanko__pades-lta-dss-indirect-arrs-test.pdf'];

async function signOnce(input: Uint8Array, id: FuzzIdentity, p: { crypto: CryptoPort; signingTime: Date; certify?: 1 | 2 | 3 }): Promise<Uint8Array> {
  const certificates = [id.certificate.der, ...id.chain];
  const prepared = await preparePdfSignature({
    input, hash: 'SHA-256', crypto: p.crypto, signingTime: p.signingTime, certify: p.certify, reason: 'Phê duyệt', location: 'Hà Nội',
    contentsCapacity: estimateCmsSize({ certificates, signerSpki: id.certificate.spki }),
  });
  const cades = prepareCadesSignature({ contentDigest: prepared.digest, hash: 'SHA-256', signerCert: id.certificate, crypto: p.crypto });
  const signature = await id.signer.sign(cades.toSign, id.algorithm);
  return completePdfSignature(prepared, completeCadesSignature({ prepared: cades, signature, signatureAlgorithm: id.algorithm, certificates }));
}

async function timeStampOnce(input: Uint8Array, tsa: FuzzIdentity, p: { crypto: CryptoPort; signingTime: Date }): Promise<Uint8Array> {
  const prepared = await preparePdfSignature({ input, kind: 'doc-timestamp', hash: 'SHA-256', crypto: p.crypto, signingTime: p.signingTime, contentsCapacity: 6000 });
  const tstInfo = encodeTstInfo({ policy: '1.3.6.1.4.1.99999.1.1', hash: 'SHA-256', messageImprint: prepared.digest, serial: 7n, genTime: p.signingTime, accuracy: { seconds: 1 }, tsaNameDer: tsa.certificate.subjectDer });
  const token = await buildTimeStampToken({ tstInfo, signer: tsa.signer, signatureAlgorithm: tsa.algorithm, tsaCert: tsa.certificate, chain: tsa.chain, certReq: true, crypto: p.crypto });
  return completePdfSignature(prepared, token);
}

/**
 * Four kyso-signed seeds (ETSI.CAdES.detached, SHA-256): a 1-page PDF signed once (`a`); a
 * 2-page PDF signed by `a` then by `b` (two revisions); a certification signature (DocMDP P=2)
 * by `b` followed by a DSS update with the certificates (PAdES B-LT layout); and the first seed
 * with a document time-stamp by `tsa` (B-LTA layout).
 */
export async function makeKysoSeeds(p: {
  onePage: Uint8Array; twoPages: Uint8Array; a: FuzzIdentity; b: FuzzIdentity; tsa: FuzzIdentity; crypto: CryptoPort; signingTime: Date;
}): Promise<FuzzSeed[]> {
  const o = { crypto: p.crypto, signingTime: p.signingTime };
  const one = await signOnce(p.onePage.slice(), p.a, o);
  const twice = await signOnce(await signOnce(p.twoPages.slice(), p.a, o), p.b, o);
  const certified = await signOnce(p.onePage.slice(), p.b, { ...o, certify: 2 });
  const lt = await appendDss({ input: certified, data: { certificates: [p.b.certificate.der, ...p.b.chain], ocspResponses: [], crls: [] } });
  const lta = await timeStampOnce(one.slice(), p.tsa, o);
  return [
    { name: 'kyso-1page', bytes: one },
    { name: 'kyso-2sigs', bytes: twice },
    { name: 'kyso-certified-dss', bytes: lt },
    { name: 'kyso-doc-timestamp', bytes: lta },
  ];
}

// ---- mutations --------------------------------------------------------------------------------------

interface Prepared {
  name: string;
  bytes: Uint8Array;
  /** ByteRanges of the seed's signatures and document time-stamps (valid ones only). */
  ranges: Array<[number, number, number, number]>;
  ends: number[];
  /** Offsets of each /ByteRange array's first digit and end, for digit mutations. */
  byteRangeText: Array<[number, number]>;
  /** /Contents gaps ([start, end) of the hex string). */
  gaps: Array<[number, number]>;
  /** Offsets of numbers that follow structural keywords. */
  numbers: number[];
}

interface Mutant { bytes: Uint8Array; kind: string; first: string; sources: number[] }

const latin1 = new TextDecoder('latin1');
const KEYWORD_NUMBERS = /(?:startxref|\/Prev|\/Size|\/Length|\/Count|\/First|\/N|\/W\s*\[|\/Index\s*\[|xref\s+\d+|\d+\s+\d+\s+obj|\d+\s+\d+\s+R)\s*(\d)/g;

function prepareSeed(s: FuzzSeed, report: DocumentReport): Prepared {
  const text = latin1.decode(s.bytes);
  const byteRangeText: Array<[number, number]> = [];
  for (const m of text.matchAll(/\/ByteRange\s*\[([^\]]*)\]/g)) byteRangeText.push([m.index + m[0].indexOf('[') + 1, m.index + m[0].length - 1]);
  const numbers: number[] = [];
  for (const m of text.matchAll(KEYWORD_NUMBERS)) {
    numbers.push(m.index + m[0].length - 1);
    if (numbers.length > 4000) break;
  }
  const ranges = report.signatures.filter((r) => r.integrity.byteRangeValid && r.integrity.byteRange).map((r) => r.integrity.byteRange!);
  return { name: s.name, bytes: s.bytes, ranges, ends: revisionEnds(s.bytes), byteRangeText, gaps: ranges.map((br) => [br[1] + 1, br[2] - 1]), numbers };
}

const splice = spliceBytes;

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => concatBytes([a, b]);

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const DIGITS = '0123456789';
const HEX = '0123456789abcdefABCDEF';
const JUNK = ['%%EOF\n', '\nstartxref\n0\n%%EOF\n', 'trailer\n<< /Size 1 >>\n', '\n999999 0 obj\n<<>>\nendobj\n', 'xref\n0 1\n0000000000 65535 f \n'];
const NUMBER_FORMS = ['0', '-1', '99999999999', '4294967296', '1e9', '00', '2147483647', '-0', '3.5', ''];

/** One mutation of `cur` (made from pool entry `src`). */
function mutateOnce(rng: XorShift32, cur: Uint8Array, src: Prepared, pool: Prepared[], sources: number[]): { bytes: Uint8Array; kind: string } {
  const len = cur.length;
  const r = rng.below(100);
  if (r < 16) { // bit flips anywhere
    const b = cur.slice();
    const n = 1 + rng.below(4);
    for (let k = 0; k < n && len; k++) { const at = rng.below(len); b[at] = b[at]! ^ (1 << rng.below(8)); }
    return { bytes: b, kind: 'bit-flip' };
  }
  if (r < 26) { // overwrite a run
    const b = cur.slice();
    const at = rng.below(len + 1);
    const n = Math.min(len - at, 1 + rng.below(rng.chance(0.2) ? 512 : 32));
    if (rng.chance(0.5)) b.fill(rng.pick([0x00, 0x20, 0x30, 0x0a, 0xff, 0x3c, 0x3e, 0x28, 0x29]), at, at + n);
    else b.set(rng.bytes(n), at);
    return { bytes: b, kind: 'byte-run' };
  }
  if (r < 31) return { bytes: splice(cur, rng.below(len + 1), 0, rng.chance(0.5) ? rng.bytes(1 + rng.below(32)) : ascii(rng.pick([' ', '\n', '0', ' 0 R', '<<', '>>', '[', ']', 'endobj\n', 'stream\n']))), kind: 'insert-run' };
  if (r < 36) { const at = rng.below(len + 1); return { bytes: splice(cur, at, Math.min(len - at, 1 + rng.below(64)), []), kind: 'delete-run' }; }
  if (r < 44) { // truncation: anywhere, or at / next to a revision end
    const ends = src.ends;
    const at = ends.length && rng.chance(0.5) ? Math.max(0, Math.min(len, rng.pick(ends) + rng.below(7) - 3)) : rng.below(len + 1);
    return { bytes: cur.slice(0, at), kind: 'truncate' };
  }
  if (r < 54) { // splice: a prefix of one file up to a revision end, then the later revisions of another
    const j = rng.below(pool.length);
    const other = pool[j]!;
    sources.push(j);
    const cut = src.ends.length ? rng.pick(src.ends) : rng.below(len + 1);
    const from = other.ends.length > 1 ? rng.pick(other.ends.slice(0, -1)) : rng.below(other.bytes.length + 1);
    return { bytes: concat(cur.subarray(0, Math.min(cut, len)), other.bytes.subarray(from)), kind: 'splice-revisions' };
  }
  if (r < 60) { // the last revision again
    const ends = revisionEnds(cur);
    if (ends.length >= 2) return { bytes: concat(cur, cur.subarray(ends[ends.length - 2]!, ends[ends.length - 1]!)), kind: 'duplicate-last-revision' };
    return { bytes: concat(cur, cur), kind: 'duplicate-last-revision' };
  }
  if (r < 70 && src.byteRangeText.length) { // a digit of a /ByteRange (same length)
    const [s, e] = rng.pick(src.byteRangeText);
    const digits: number[] = [];
    for (let i = s; i < e && i < len; i++) if (cur[i]! >= 0x30 && cur[i]! <= 0x39) digits.push(i);
    if (digits.length) {
      const b = cur.slice();
      const n = 1 + rng.below(2);
      for (let k = 0; k < n; k++) { const at = rng.pick(digits); b[at] = DIGITS.charCodeAt(rng.below(10)); }
      return { bytes: b, kind: 'byterange-digit' };
    }
  }
  if (r < 78 && src.gaps.length) { // the /Contents hex (not signed): damage the CMS
    const [s, e] = rng.pick(src.gaps);
    if (e > s && e <= len) {
      const b = cur.slice();
      const mode = rng.below(3);
      if (mode === 0) { const n = 1 + rng.below(6); for (let k = 0; k < n; k++) b[s + rng.below(e - s)] = HEX.charCodeAt(rng.below(HEX.length)); }
      else if (mode === 1) b.fill(0x30, s + rng.below(e - s), e); // truncate the CMS (zero padding)
      else { const at = s + rng.below(Math.min(e - s, 64)); b[at] = rng.pick([0x38, 0x30, 0x46, 0x66]); } // header / length octets
      return { bytes: b, kind: 'contents-hex' };
    }
  }
  if (r < 94 && src.numbers.length) { // a number after a structural keyword (startxref, /Prev, /Length, xref subsection, obj, R…)
    const at = rng.pick(src.numbers);
    if (at < len) {
      let e = at;
      while (e < len && cur[e]! >= 0x30 && cur[e]! <= 0x39) e++;
      if (rng.chance(0.5)) { const b = cur.slice(); b[at + rng.below(Math.max(1, e - at))] = DIGITS.charCodeAt(rng.below(10)); return { bytes: b, kind: 'structure-number' }; }
      return { bytes: splice(cur, at, e - at, ascii(rng.pick(NUMBER_FORMS))), kind: 'structure-number' };
    }
  }
  // junk after the end
  return { bytes: concat(cur, rng.chance(0.5) ? ascii(rng.pick(JUNK)) : rng.bytes(1 + rng.below(64))), kind: 'append' };
}

function nextMutant(rng: XorShift32, pool: Prepared[]): Mutant {
  const i = rng.below(pool.length);
  const sources = [i];
  let m = mutateOnce(rng, pool[i]!.bytes, pool[i]!, pool, sources);
  const first = m.kind;
  if (rng.chance(0.2)) {
    const again = mutateOnce(rng, m.bytes, pool[i]!, pool, sources);
    m = { bytes: again.bytes, kind: `${m.kind}+${again.kind}` };
  }
  return { bytes: m.bytes, kind: m.kind, first, sources };
}

// ---- the properties ---------------------------------------------------------------------------------

function sameRange(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  if (a.length < to || b.length < to) return false;
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The bytes `br` names are present and unchanged in `input`, and `br` is an original signature's ByteRange of one of the sources. */
function coversOriginalBytes(input: Uint8Array, br: readonly number[], sources: Prepared[]): boolean {
  return sources.some((s) => s.ranges.some((o) => o[0] === br[0] && o[1] === br[1] && o[2] === br[2] && o[3] === br[3]
    && sameRange(input, s.bytes, o[0], o[0] + o[1]) && sameRange(input, s.bytes, o[2], o[2] + o[3])));
}

function signedBytesChanged(input: Uint8Array, s: Prepared): boolean {
  return s.ranges.some((o) => !sameRange(input, s.bytes, o[0], o[0] + o[1]) || !sameRange(input, s.bytes, o[2], o[2] + o[3]));
}

const hexOf = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * Runs `iterations` mutated inputs through verifyPdf and checks the properties above. Never throws
 * for a property failure: failures are counted and the first `keepFailures` kept with their bytes.
 */
export async function fuzzVerify(o: FuzzVerifyOptions): Promise<FuzzVerifyResult> {
  const budget = o.timeBudgetMsPerInput ?? 2000;
  const keep = o.keepFailures ?? 5;
  const verify = (bytes: Uint8Array) => verifyPdf(bytes, { trustAnchors: o.trustAnchors, revocation: 'none', crypto: o.crypto, clock: o.clock });
  const pool: Prepared[] = [];
  for (const s of o.seeds) pool.push(prepareSeed(s, await verify(s.bytes)));
  const rng = new XorShift32(o.seed);
  const result: FuzzVerifyResult = {
    iterations: o.iterations, rejected: 0, indications: { TOTAL_PASSED: 0, INDETERMINATE: 0, TOTAL_FAILED: 0 },
    signedBytesChanged: 0, totalPassedUnchanged: 0, signaturesChecked: 0, crashes: 0, unsound: 0, slow: 0,
    maxMs: 0, slowest: { mutation: '', seeds: [], size: 0 }, mutations: {}, failures: [],
  };
  const fail = (f: Omit<FuzzFailure, 'input'>, input: Uint8Array): void => {
    result[f.kind === 'crash' ? 'crashes' : f.kind === 'unsound' ? 'unsound' : 'slow']++;
    if (result.failures.length < keep) result.failures.push({ ...f, input });
  };

  const run = async (input: Uint8Array): Promise<{ report?: DocumentReport; crash?: unknown }> => {
    try {
      return { report: await verify(input) };
    } catch (e) {
      return e instanceof KysoError ? {} : { crash: e };
    }
  };

  for (let n = 0; n < o.iterations; n++) {
    const m = nextMutant(rng, pool);
    const names = m.sources.map((i) => pool[i]!.name);
    result.mutations[m.first] = (result.mutations[m.first] ?? 0) + 1;
    if (m.kind !== m.first) result.mutations.stacked = (result.mutations.stacked ?? 0) + 1;
    o.onInput?.(n, m.kind, m.bytes);
    const t0 = o.now();
    let out = await run(m.bytes);
    let ms = o.now() - t0;
    if (ms > Math.min(200, budget)) {
      // A GC pause or a JIT tier-up is not the input's fault: the best of two more runs counts.
      for (let k = 0; k < 2 && ms > Math.min(200, budget); k++) {
        const t1 = o.now();
        out = await run(m.bytes);
        ms = Math.min(ms, o.now() - t1);
      }
    }
    if (ms > result.maxMs) { result.maxMs = ms; result.slowest = { mutation: m.kind, seeds: names, size: m.bytes.length }; }
    const base = { iteration: n, mutation: m.kind, seeds: names };
    if (ms > budget) fail({ ...base, kind: 'slow', detail: `${ms.toFixed(0)} ms (budget ${budget} ms)` }, m.bytes);
    if (signedBytesChanged(m.bytes, pool[m.sources[0]!]!)) result.signedBytesChanged++;
    if (out.crash !== undefined) {
      const e = out.crash;
      fail({ ...base, kind: 'crash', detail: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) }, m.bytes);
      continue;
    }
    const report = out.report;
    if (!report) { result.rejected++; continue; }
    result.indications[report.indication]++;
    const sources = m.sources.map((i) => pool[i]!);
    let unsound: string | undefined;
    for (const s of report.signatures) {
      const claims = report.indication === 'TOTAL_PASSED' || (s.integrity.digestMatches === true && s.modifications.verdict !== 'disallowed');
      if (!claims) continue;
      result.signaturesChecked++;
      const br = s.integrity.byteRange;
      if (!br || !coversOriginalBytes(m.bytes, br, sources)) {
        unsound = `signature ${s.index} (${s.fieldName}) ${s.indication}/${s.subIndication ?? '-'}, digestMatches ${s.integrity.digestMatches}, verdict ${s.modifications.verdict}, document ${report.indication}, ByteRange ${JSON.stringify(br)}: it covers changed or missing bytes`;
        break;
      }
    }
    if (unsound) fail({ ...base, kind: 'unsound', detail: unsound }, m.bytes);
    else if (report.indication === 'TOTAL_PASSED') result.totalPassedUnchanged++;
  }
  return result;
}

/**
 * A minimal PDF whose catalog holds a stray ')' — a delimiter outside a string (ISO 32000-2
 * §7.2.3). Found by this harness: @libpdf/core 0.4.2's tokenizer returns an empty keyword for it
 * without consuming the byte, so the object parser loops, allocating, until the heap is exhausted.
 * Callers check it in a child process before fuzzing in-process (one such input ends the run).
 */
export function strayDelimiterPdf(): Uint8Array {
  const objects = ['<< /Type /Catalog /Pages 2 0 R /Stray ) >>', '<< /Type /Pages /Kids [] /Count 0 >>'];
  let s = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => { offsets.push(s.length); s += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = s.length;
  s += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  s += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return ascii(s);
}

/** A failure in one line, with the input's hex when it is short enough to paste. */
export function describeFuzzFailure(f: FuzzFailure): string {
  return `${f.kind} at iteration ${f.iteration} (${f.mutation} of ${f.seeds.join(' + ')}, ${f.input.length} bytes): ${f.detail}${f.input.length <= 2048 ? ` — input ${hexOf(f.input)}` : ''}`;
}
