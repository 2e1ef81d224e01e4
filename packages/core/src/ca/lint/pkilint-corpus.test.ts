/**
 * Agreement with pkilint on its certificate test corpus (shared/pki-testdata/pkilint-corpus).
 * Each *.crttest file is a PEM certificate followed by a CSV of the findings pkilint expects.
 * We run the generic linter (no kyso profile) and measure
 *   (a) the per-file verdict: we report ≥ 1 error ⇔ pkilint expects ≥ 1 ERROR/FATAL;
 *   (b) for the pkilint codes of pkilint-code-map.ts, whether we raise the mapped code on exactly
 *       the files where pkilint raises it.
 * A certificate parseCertificate refuses counts as "we also reject" (an error verdict).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sharedPath } from '../../../../testkit/src/shared.ts';
import { decodePem } from '../../asn1/pem.ts';
import { parseCertificate } from '../../x509/certificate.ts';
import { hasErrors, lintCertificate } from './index.ts';
import { PKILINT_CODE_MAP } from './pkilint-code-map.ts';

interface Expected { code: string; severity: string }
interface Outcome {
  file: string;
  folder: string;
  expected: Expected[];
  ours: Set<string>;
  oursError: boolean;
  unparsable: boolean;
  crashed?: string;
}

/** RFC 4180 CSV. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.some((x) => x !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((x) => x !== '')) rows.push(row);
  return rows;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.crttest')) out.push(p);
  }
  return out;
}

function run(base: string, sub: string): Outcome[] {
  return walk(join(base, sub)).map((path) => {
    const text = readFileSync(path, 'utf8');
    const end = text.indexOf('-----END CERTIFICATE-----');
    const rows = parseCsv(text.slice(end + '-----END CERTIFICATE-----'.length));
    const header = rows[0]!;
    const ci = header.indexOf('code');
    const si = header.indexOf('severity');
    const expected = rows.slice(1).map((r) => ({ code: r[ci] ?? '', severity: r[si] ?? '' }));
    const rel = relative(base, path);
    const folder = sub === 'etsi' ? rel.split('/').slice(0, 2).join('/') : sub;
    const o: Outcome = { file: rel, folder, expected, ours: new Set(), oursError: false, unparsable: false };
    let cert;
    try {
      cert = parseCertificate(decodePem(text, 'CERTIFICATE'));
    } catch {
      o.unparsable = true;
      o.oursError = true;
      return o;
    }
    try {
      const findings = lintCertificate(cert);
      o.ours = new Set(findings.map((f) => f.code));
      o.oursError = hasErrors(findings);
    } catch (e) {
      o.crashed = (e as Error).stack ?? String(e);
    }
    return o;
  });
}

const pkilintError = (o: Outcome) => o.expected.some((e) => e.severity === 'ERROR' || e.severity === 'FATAL');

interface Verdicts { files: number; agree: number; tp: number; tn: number; fp: number; fn: number; unparsable: number }

function verdicts(os: Outcome[]): Verdicts {
  const v: Verdicts = { files: os.length, agree: 0, tp: 0, tn: 0, fp: 0, fn: 0, unparsable: 0 };
  for (const o of os) {
    const p = pkilintError(o);
    if (o.unparsable) v.unparsable++;
    if (p && o.oursError) v.tp++;
    else if (!p && !o.oursError) v.tn++;
    else if (o.oursError) v.fp++;
    else v.fn++;
  }
  v.agree = v.tp + v.tn;
  return v;
}

const pct = (n: number, d: number) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);

interface CodeStats { tp: number; fp: number; fn: number }

/**
 * Per mapped pkilint code P: TP = files where pkilint raises P and we raise a mapped code; FN =
 * pkilint raises P, we do not; FP = we raise a mapped code but pkilint raises neither P nor any
 * other pkilint code that maps to one of the same kyso codes.
 */
function codeStats(os: Outcome[]): Map<string, CodeStats> {
  const out = new Map<string, CodeStats>();
  for (const [p, ours] of Object.entries(PKILINT_CODE_MAP)) {
    const siblings = Object.entries(PKILINT_CODE_MAP).filter(([, o]) => o.some((c) => ours.includes(c))).map(([k]) => k);
    const s: CodeStats = { tp: 0, fp: 0, fn: 0 };
    for (const o of os) {
      if (o.unparsable) continue;
      const theirs = o.expected.some((e) => e.code === p);
      const mine = ours.some((c) => o.ours.has(c));
      if (theirs && mine) s.tp++;
      else if (theirs) s.fn++;
      else if (mine && !o.expected.some((e) => siblings.includes(e.code))) s.fp++;
    }
    out.set(p, s);
  }
  return out;
}

test('pkilint corpus: verdict and per-code agreement', () => {
  const base = sharedPath('pki-testdata', 'pkilint-corpus', 'integration_certificate');
  const pkix = run(base, 'pkix');
  const etsi = run(base, 'etsi');
  const all = [...pkix, ...etsi];
  // Not part of the agreement target (CA/B Forum profiles), but the linter must not throw on them either.
  const cabf = [...run(base, 'tls_br'), ...run(base, 'smime_br')];

  const lines: string[] = ['', '=== pkilint corpus agreement (generic lints, no kyso profile) ==='];
  const row = (name: string, v: Verdicts) =>
    `${name.padEnd(58)} files ${String(v.files).padStart(3)}  agree ${String(v.agree).padStart(3)} (${pct(v.agree, v.files).padStart(6)})  TP ${v.tp} TN ${v.tn} FP ${v.fp} FN ${v.fn}  unparsable ${v.unparsable}`;
  const vPkix = verdicts(pkix);
  const vEtsi = verdicts(etsi);
  lines.push(row('pkix', vPkix), row('etsi (all)', vEtsi));
  for (const folder of [...new Set(etsi.map((o) => o.folder))]) lines.push(row(`  ${folder}`, verdicts(etsi.filter((o) => o.folder === folder))));
  lines.push(row('total (pkix + etsi)', verdicts(all)));
  // Files whose pkilint errors all come from rules we do not model (ETSI / CA/B Forum specific)
  // cannot agree by construction; the rest measure the rules we do implement.
  const inScope = (o: Outcome) => !pkilintError(o)
    || o.expected.some((e) => (e.severity === 'ERROR' || e.severity === 'FATAL') && PKILINT_CODE_MAP[e.code] !== undefined);
  lines.push(row('etsi, files whose pkilint errors include a mapped rule', verdicts(etsi.filter(inScope))));
  lines.push(row('informational: tls_br + smime_br (CA/B Forum rules)', verdicts(cabf)));

  const disagreements = all.filter((o) => pkilintError(o) !== o.oursError);
  lines.push('', 'verdict disagreements:');
  for (const o of disagreements) {
    const theirs = o.expected.filter((e) => e.severity === 'ERROR' || e.severity === 'FATAL').map((e) => e.code);
    lines.push(`  ${o.oursError ? 'FP' : 'FN'} ${o.file}: pkilint [${theirs.join(', ')}] ours [${[...o.ours].join(', ')}]`);
  }

  const stats = codeStats(all);
  lines.push('', 'mapped pkilint codes (over all files): precision / recall');
  let sum: CodeStats = { tp: 0, fp: 0, fn: 0 };
  for (const [code, s] of stats) {
    if (s.tp + s.fp + s.fn === 0) continue;
    sum = { tp: sum.tp + s.tp, fp: sum.fp + s.fp, fn: sum.fn + s.fn };
    lines.push(`  ${code.padEnd(62)} TP ${String(s.tp).padStart(2)} FP ${String(s.fp).padStart(2)} FN ${String(s.fn).padStart(2)}  precision ${pct(s.tp, s.tp + s.fp).padStart(6)}  recall ${pct(s.tp, s.tp + s.fn).padStart(6)}`);
  }
  const pkixStats = codeStats(pkix);
  let pkixSum: CodeStats = { tp: 0, fp: 0, fn: 0 };
  for (const s of pkixStats.values()) pkixSum = { tp: pkixSum.tp + s.tp, fp: pkixSum.fp + s.fp, fn: pkixSum.fn + s.fn };
  lines.push(`  ${'micro-average, all files'.padEnd(62)} TP ${sum.tp} FP ${sum.fp} FN ${sum.fn}  precision ${pct(sum.tp, sum.tp + sum.fp)}  recall ${pct(sum.tp, sum.tp + sum.fn)}`);
  lines.push(`  ${'micro-average, pkix files'.padEnd(62)} TP ${pkixSum.tp} FP ${pkixSum.fp} FN ${pkixSum.fn}  precision ${pct(pkixSum.tp, pkixSum.tp + pkixSum.fp)}  recall ${pct(pkixSum.tp, pkixSum.tp + pkixSum.fn)}`);
  process.stdout.write(lines.join('\n') + '\n');

  // The linter never throws on these certificates.
  const crashes = [...all, ...cabf].filter((o) => o.crashed);
  assert.deepEqual(crashes.map((o) => `${o.file}: ${o.crashed}`), []);
  assert.equal(pkix.length, 47);
  assert.equal(etsi.length, 108);

  // Regression floors, a little under the measured values: pkix 47/47, etsi 29/108; mapped codes
  // pkix precision 93.8% / recall 91.8%, all files precision 76.2% / recall 93.9%.
  assert.ok(vPkix.agree / vPkix.files >= 0.97, `pkix verdict agreement fell to ${pct(vPkix.agree, vPkix.files)}`);
  assert.ok(vEtsi.agree / vEtsi.files >= 0.25, `etsi verdict agreement fell to ${pct(vEtsi.agree, vEtsi.files)}`);
  assert.ok(vPkix.fp === 0, 'no false error verdicts on the pkix corpus');
  assert.ok(pkixSum.tp / (pkixSum.tp + pkixSum.fn) >= 0.9, `pkix mapped-code recall fell to ${pct(pkixSum.tp, pkixSum.tp + pkixSum.fn)}`);
  assert.ok(pkixSum.tp / (pkixSum.tp + pkixSum.fp) >= 0.9, `pkix mapped-code precision fell to ${pct(pkixSum.tp, pkixSum.tp + pkixSum.fp)}`);
  assert.ok(sum.tp / (sum.tp + sum.fn) >= 0.9, `overall mapped-code recall fell to ${pct(sum.tp, sum.tp + sum.fn)}`);
  assert.ok(sum.tp / (sum.tp + sum.fp) >= 0.74, `overall mapped-code precision fell to ${pct(sum.tp, sum.tp + sum.fp)}`);
});
