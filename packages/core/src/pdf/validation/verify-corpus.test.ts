/**
 * verifyPdf against the labelled signed corpus (shared/corpus/pdf/signed, README.md there): every
 * file is validated once, sequentially and timed (revocation 'none', no trust anchors: trust is out
 * of scope for this corpus), and the report is compared with the manifest field by field:
 *
 * - `integrity` (file level) over the signatures proper (document time-stamps have their own
 *   `doc_timestamp_integrity`): 'intact' when every signature verifies — digestMatches is not false
 *   and signatureValid is true (null for a signature with no signed attributes, whose signature
 *   value covers the bytes themselves); 'broken' when one has digestMatches or signatureValid false,
 *   or could not be checked at all (signatureValid null: unreadable or unsupported CMS, no signer
 *   certificate) — a signature kyso cannot verify is not one it vouches for;
 * - `per_signature` entries ("first" = the signature with the earliest ByteRange end);
 * - `byte_range_valid`, `sig_dict_consistent`: every signature's byteRangeValid / dictionaryConsistent;
 * - `modified_after_signing`: the earliest signature or document time-stamp (as in
 *   modifications.test.ts) has modifications.verdict 'disallowed' or SIG_CONSTRAINTS_FAILURE;
 * - `indication`: TOTAL_FAILED / INDETERMINATE compared as is, "not TOTAL_FAILED" as stated, and
 *   TOTAL_PASSED as "not TOTAL_FAILED" (with no trust anchors kyso cannot say more than INDETERMINATE);
 *   NO_SIGNATURE_FOUND for the document holds when kyso finds no signature (document time-stamps are
 *   not signatures) or reports every signature TOTAL_FAILED (the notes accept an invalid signature);
 *   sub-indications are printed, not compared (DSS and kyso name different checks);
 * - `doc_timestamp_integrity`, `signed_revision_equals`, `original_revision_equals`, and the counts
 *   `signatures` (pdfsig's, placeholders with all-zero /Contents not counted) and `doc_timestamps`;
 * - `expected_error`: verifyPdf must throw a KysoError for exactly these files; a throw elsewhere is
 *   a disagreement (field `error`) like any other.
 *
 * Every disagreement is listed with its reason in verify-known-deviations.json, checked exactly:
 * a new disagreement or a stale entry fails the test.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { sharedPath } from '@kyso/testkit';
import { KysoError } from '../../errors.ts';
import { revisionEnds } from '../file-structure.ts';
import { verifyPdf } from './verify-pdf.ts';
import type { DocumentReport, SignatureReport } from './report.ts';

type Json = string | number | boolean | null;
interface IndicationExpectation { signature: string; indication: string; sub_indication: string | null }
interface Expected {
  integrity?: 'intact' | 'broken' | null;
  per_signature?: Array<{ signature: string; integrity?: 'intact' | 'broken' }> | null;
  byte_range_valid?: boolean | null;
  sig_dict_consistent?: boolean | null;
  modified_after_signing?: boolean | null;
  indication?: IndicationExpectation[] | null;
  doc_timestamp_integrity?: 'intact' | 'broken' | null;
  signed_revision_equals?: { signature: string; file: string } | null;
  original_revision_equals?: string | null;
  expected_error?: string | null;
  max_validation_seconds?: number | null;
}
interface Entry { file: string; sha256: string; signatures: number; doc_timestamps: number; password?: string; expected: Expected | null }
interface Disagreement { file: string; field: string; expected: Json; got: Json }
interface Deviation extends Disagreement { reason: string }

const FIELDS = ['error', 'integrity', 'per_signature', 'byte_range_valid', 'sig_dict_consistent', 'modified_after_signing', 'indication',
  'doc_timestamp_integrity', 'signed_revision_equals', 'original_revision_equals', 'signatures', 'doc_timestamps'] as const;
const DEFAULT_MAX_SECONDS = 20;
const clock = { now: () => new Date('2026-11-27T00:00:00Z') };

function corpusDir(): string | undefined {
  try {
    const dir = sharedPath('corpus', 'pdf', 'signed');
    return existsSync(`${dir}/manifest.json`) ? dir : undefined;
  } catch {
    return undefined;
  }
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A prepared, unsigned signature dictionary: its /Contents gap is all zeros. */
function isPlaceholder(bytes: Uint8Array, s: SignatureReport): boolean {
  const br = s.integrity.byteRange;
  if (!br) return false;
  for (let i = br[1] + 1; i < br[2] - 1 && i < bytes.length; i++) if (bytes[i] !== 0x30 && bytes[i] !== 0x20 && bytes[i] !== 0x0a && bytes[i] !== 0x0d) return false;
  return true;
}

type Integrity = 'intact' | 'broken';
function integrityOf(s: SignatureReport): Integrity {
  const { digestMatches, signatureValid } = s.integrity;
  return digestMatches !== false && signatureValid === true ? 'intact' : 'broken';
}
function integrityOfAll(list: SignatureReport[]): Integrity | 'none' {
  if (list.length === 0) return 'none';
  return list.every((s) => integrityOf(s) === 'intact') ? 'intact' : 'broken';
}

/** "first" (DSS's first signature) → the signature proper with the earliest ByteRange end; reports are sorted that way. */
function pick(r: DocumentReport, which: string): SignatureReport | undefined {
  const sigs = r.signatures.filter((s) => s.kind === 'signature');
  if (which === 'first') return sigs[0];
  if (/^second/.test(which)) return sigs[1];
  if (which === 'last') return sigs[sigs.length - 1];
  return undefined;
}

function indicationAgrees(r: DocumentReport, e: IndicationExpectation): { ok: boolean; got: string } {
  const sigs = r.signatures.filter((s) => s.kind === 'signature');
  if (e.indication === 'NO_SIGNATURE_FOUND') {
    const got = sigs.length === 0 ? 'no signature' : sigs.map((s) => `${s.indication}/${s.subIndication ?? '-'}`).join(', ');
    return { ok: sigs.every((s) => s.indication === 'TOTAL_FAILED'), got };
  }
  const s = pick(r, e.signature);
  if (!s) return { ok: false, got: `no signature "${e.signature}"` };
  const got = s.indication;
  if (e.indication === 'TOTAL_PASSED' || e.indication === 'not TOTAL_FAILED') return { ok: got !== 'TOTAL_FAILED', got };
  return { ok: got === e.indication, got };
}

/**
 * The comparisons for one file: [field, expected, got, agree]. `report` is undefined when verifyPdf
 * threw (`error` holds the message).
 */
function compare(entry: Entry, bytes: Uint8Array, report: DocumentReport | undefined, error: string | undefined, dir: string): Array<[string, Json, Json, boolean]> {
  const e = entry.expected ?? {};
  const out: Array<[string, Json, Json, boolean]> = [];
  if (e.expected_error) {
    out.push(['error', e.expected_error, error ?? 'no error', error !== undefined]);
    return out;
  }
  if (!report) {
    out.push(['error', 'readable', error ?? 'no report', false]);
    return out;
  }
  const sigs = report.signatures.filter((s) => s.kind === 'signature');
  const real = sigs.filter((s) => !isPlaceholder(bytes, s));
  const stamps = report.signatures.filter((s) => s.kind === 'doc-timestamp');
  out.push(['signatures', entry.signatures, real.length, entry.signatures === real.length]);
  out.push(['doc_timestamps', entry.doc_timestamps, stamps.length, entry.doc_timestamps === stamps.length]);
  if (e.integrity) {
    const got = integrityOfAll(sigs);
    out.push(['integrity', e.integrity, got, got === e.integrity]);
  }
  for (const p of e.per_signature ?? []) {
    if (!p.integrity) continue;
    const s = pick(report, p.signature);
    const got = s ? integrityOf(s) : `no signature "${p.signature}"`;
    out.push(['per_signature', `${p.signature}: ${p.integrity}`, `${p.signature}: ${got}`, got === p.integrity]);
  }
  const checked = sigs.length ? sigs : report.signatures;
  if (typeof e.byte_range_valid === 'boolean') {
    const got = checked.length ? checked.every((s) => s.integrity.byteRangeValid) : null;
    out.push(['byte_range_valid', e.byte_range_valid, got, got === e.byte_range_valid]);
  }
  if (typeof e.sig_dict_consistent === 'boolean') {
    const got = checked.length ? checked.every((s) => s.integrity.dictionaryConsistent) : null;
    out.push(['sig_dict_consistent', e.sig_dict_consistent, got, got === e.sig_dict_consistent]);
  }
  if (typeof e.modified_after_signing === 'boolean') {
    const first = report.signatures[0];
    const got = first ? first.modifications.verdict === 'disallowed' || first.subIndication === 'SIG_CONSTRAINTS_FAILURE' : null;
    out.push(['modified_after_signing', e.modified_after_signing, got, got === e.modified_after_signing]);
  }
  for (const i of e.indication ?? []) {
    const { ok, got } = indicationAgrees(report, i);
    out.push(['indication', `${i.signature}: ${i.indication}`, `${i.signature}: ${got}`, ok]);
  }
  if (e.doc_timestamp_integrity) {
    const got = integrityOfAll(stamps);
    out.push(['doc_timestamp_integrity', e.doc_timestamp_integrity, got, got === e.doc_timestamp_integrity]);
  }
  // The revision a signature was applied to (DSS getOriginalDocuments): the prefix that ends at the
  // last %%EOF before its /Contents, found from kyso's ByteRange.
  const before = (s: SignatureReport | undefined): Uint8Array | undefined => {
    const gap = s?.integrity.byteRange?.[1];
    const ends = revisionEnds(bytes).filter((x) => gap !== undefined && x <= gap);
    return ends.length ? bytes.subarray(0, ends[ends.length - 1]) : undefined;
  };
  const sameAs = (field: string, s: SignatureReport | undefined, file: string): void => {
    const prefix = before(s);
    const ok = prefix !== undefined && sha256(prefix) === sha256(readFileSync(`${dir}/${file}`));
    out.push([field, file, ok ? file : prefix ? `a ${prefix.length}-byte revision with other bytes` : 'no earlier revision', ok]);
  };
  if (e.signed_revision_equals) sameAs('signed_revision_equals', /later|second|last/.test(e.signed_revision_equals.signature) ? sigs[sigs.length - 1] : sigs[0], e.signed_revision_equals.file);
  if (e.original_revision_equals) sameAs('original_revision_equals', sigs[0], e.original_revision_equals);
  return out;
}

describe('verifyPdf on the labelled signed corpus', () => {
  test('agrees with the manifest except the known deviations (list checked exactly); every file in bounded time', async (t) => {
    const dir = corpusDir();
    if (!dir) { t.skip('shared/corpus/pdf/signed is absent'); return; }
    const entries = (JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) as { files: Entry[] }).files;
    const known = (JSON.parse(readFileSync(new URL('./verify-known-deviations.json', import.meta.url), 'utf8')) as { deviations: Deviation[] }).deviations;
    for (const d of known) assert.ok(d.reason.length > 40, `deviation ${d.file}/${d.field} needs a real reason`);

    const tally = new Map<string, { agree: number; total: number }>(FIELDS.map((f) => [f, { agree: 0, total: 0 }]));
    const disagreements: Disagreement[] = [];
    const present = new Set<string>();
    const slow: string[] = [];
    let slowest = { file: '', ms: 0 };
    let totalMs = 0;
    for (const entry of entries) {
      const path: string = `${dir}/${entry.file}`;
      if (!existsSync(path)) continue;
      present.add(entry.file);
      const bytes: Uint8Array = new Uint8Array(readFileSync(path));
      assert.equal(sha256(bytes), entry.sha256, `${entry.file} differs from the manifest`);
      let report: DocumentReport | undefined;
      let error: string | undefined;
      const t0 = performance.now();
      try {
        report = await verifyPdf(bytes, { trustAnchors: [], revocation: 'none', crypto: nodeCrypto, clock, password: entry.password });
      } catch (e) {
        if (!(e instanceof KysoError)) throw new Error(`${entry.file}: verifyPdf threw a non-KysoError: ${(e as Error).stack}`);
        error = `KysoError(${e.kind}): ${e.message}`;
      }
      const ms = performance.now() - t0;
      totalMs += ms;
      if (ms > slowest.ms) slowest = { file: entry.file, ms };
      const limit = (entry.expected?.max_validation_seconds ?? DEFAULT_MAX_SECONDS) * 1000;
      if (ms > limit) slow.push(`${entry.file}: ${(ms / 1000).toFixed(1)} s (limit ${limit / 1000} s)`);

      for (const [field, expected, got, agree] of compare(entry, bytes, report, error, dir)) {
        const c = tally.get(field)!;
        c.total++;
        if (agree) c.agree++;
        else disagreements.push({ file: entry.file, field, expected, got });
      }
      if (report && entry.expected?.indication) {
        t.diagnostic(`${entry.file}: indication ${report.signatures.map((s) => `#${s.index} ${s.kind} ${s.indication}/${s.subIndication ?? '-'}`).join(', ')}`);
      }
    }
    t.diagnostic(`${present.size} files in ${(totalMs / 1000).toFixed(1)} s, slowest ${slowest.file} ${slowest.ms.toFixed(0)} ms`);
    t.diagnostic('agreement with the manifest (agree/total):');
    for (const [field, c] of tally) if (c.total) t.diagnostic(`  ${field.padEnd(26)} ${String(c.agree).padStart(3)}/${c.total}`);
    const all = [...tally.values()].reduce((a, c) => ({ agree: a.agree + c.agree, total: a.total + c.total }), { agree: 0, total: 0 });
    t.diagnostic(`  ${'all fields'.padEnd(26)} ${String(all.agree).padStart(3)}/${all.total}`);
    for (const d of disagreements) t.diagnostic(`deviation ${d.file} ${d.field}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.got)}`);

    assert.deepEqual(slow, [], 'files over their validation time bound');
    const key = (d: Disagreement) => `${d.file}\u0000${d.field}\u0000${JSON.stringify(d.expected)}`;
    const norm = (list: Disagreement[]) => list.map(({ file, field, expected, got }) => ({ file, field, expected, got })).sort((a, b) => key(a).localeCompare(key(b)));
    assert.deepEqual(norm(disagreements), norm(known.filter((d) => present.has(d.file))),
      'verify-known-deviations.json is stale: add the new disagreement with a reason, or remove the entry that now agrees');
  });
});

// Regression tests for the verify-pdf.ts fixes found with this corpus.
describe('verifyPdf corpus regressions', () => {
  const load = (t: { skip(m: string): void }, file: string): Uint8Array | undefined => {
    const dir = corpusDir();
    if (!dir || !existsSync(`${dir}/${file}`)) { t.skip(`corpus file ${file} is absent`); return undefined; }
    return new Uint8Array(readFileSync(`${dir}/${file}`));
  };
  const verify = (bytes: Uint8Array) => verifyPdf(bytes, { trustAnchors: [], revocation: 'none', crypto: nodeCrypto, clock });

  test('a BER (indefinite-length) CMS in /Contents is read, not refused as "not DER" (dss__DSS-2025.pdf)', async (t) => {
    const bytes = load(t, 'dss__DSS-2025.pdf');
    if (!bytes) return;
    const s = (await verify(bytes)).signatures[0]!;
    assert.equal(s.integrity.digestMatches, true, s.reasons.join('; '));
    assert.equal(s.integrity.signatureValid, true, s.reasons.join('; '));
    assert.equal(s.indication, 'INDETERMINATE'); // no trust anchors
  });

  test('bytes after a BER CMS inside /Contents are ignored as after a DER one (dss__DSS-2155.pdf)', async (t) => {
    const bytes = load(t, 'dss__DSS-2155.pdf');
    if (!bytes) return;
    const s = (await verify(bytes)).signatures[0]!;
    assert.equal(s.integrity.signatureValid, true, s.reasons.join('; '));
    assert.equal(s.integrity.dictionaryConsistent, true, s.reasons.join('; '));
  });

  test('a SignerInfo without signed attributes is verified over the ByteRange bytes (pyhanko__sig-no-signed-attrs.pdf)', async (t) => {
    const bytes = load(t, 'pyhanko__sig-no-signed-attrs.pdf');
    if (!bytes) return;
    const s = (await verify(bytes)).signatures[0]!;
    assert.equal(s.integrity.signatureValid, true, s.reasons.join('; '));
    // …and a changed signed byte still breaks it.
    const bad = bytes.slice();
    bad[11] = bad[11]! ^ 0x01; // inside the binary comment after the header: signed, but the file still parses
    const b = (await verify(bad)).signatures[0]!;
    assert.equal(b.integrity.signatureValid, false);
    assert.equal(b.indication, 'TOTAL_FAILED');
  });

  test('a signature dictionary rewritten by a later revision is not consistent (dss__pades-spoofing-replaced-reason.pdf)', async (t) => {
    const bytes = load(t, 'dss__pades-spoofing-replaced-reason.pdf');
    if (!bytes) return;
    const s = (await verify(bytes)).signatures[0]!;
    assert.equal(s.integrity.dictionaryConsistent, false);
    assert.equal(s.indication, 'TOTAL_FAILED');
  });
});
