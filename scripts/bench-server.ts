/**
 * HTTP server benchmarks (issue #6), on SQLite and on PostgreSQL: a complete `kyso serve` instance
 * built as testing/test-server.ts builds it (demo province, P-256 CA, 127.0.0.1), loaded by
 * autocannon from a child process — so the load generator does not share the server's event loop —
 * for a bounded time (10 s, 8 connections). Each HTTP figure is printed beside the in-process rate
 * of the same operation measured in the same run, against the issue's target: HTTP throughput at
 * least 60 % of in-process.
 *  - server.verify.1page.<db>: POST /api/v1/verify of a 1-page PAdES B-LT PDF signed by the
 *    server's CA (revocation data in the DSS) vs verifyPdfDocument, what the route calls, on the
 *    same bytes; and its p99 latency (own line).
 *  - server.sign.1page.<db>: a leader's signature over HTTP — upload the draft (POST
 *    /api/v1/documents), then sign it (POST /api/v1/documents/sign, a batch of one, approved with
 *    the key's PIN) — signed documents/s vs the same two service calls in-process (uploadDocument
 *    + signDocuments: key opened with the PIN, PAdES with the TSA, blob, row, event, audit).
 * Run as a child with `--server-load-child SPEC` it is the load generator.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestServer } from '@kyso/server/testing/test-server.ts';
import type { Principal } from '@kyso/server/auth/principal.ts';

type Report = (f: { bench: string; value: number; unit: string; baseline: number; ratio: number; target: number; better: 'higher' | 'lower'; note?: string }) => void;

const SECONDS = 10;
const CONNECTIONS = 8;
const TARGET = 0.6;
const PIN = '246810';

interface LoadSpec { kind: 'verify' | 'sign'; base: string; file: string; seconds: number; connections: number; cookie?: string; csrf?: string; pin?: string }
interface LoadResult { rps: number; p99: number; non2xx: number; errors: number; timeouts: number; duration: number; signed: number; failed: number; firstFailure?: string }

/**
 * Operations per second of `fn` and the p99 of its latency, after a warm-up, over at least
 * `seconds`, with `concurrency` calls in flight — the same concurrency the HTTP load uses, so the
 * two figures compare the same work under the same load.
 */
async function inProcessRate(fn: () => Promise<unknown>, seconds: number, concurrency: number, warmup = 10): Promise<{ rate: number; p99: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const start = performance.now();
  const latencies: number[] = [];
  const worker = async () => {
    do {
      const t = performance.now();
      await fn();
      latencies.push(performance.now() - t);
    } while (performance.now() - start < seconds * 1000);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  latencies.sort((a, b) => a - b);
  return { rate: (latencies.length * 1000) / (performance.now() - start), p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]! };
}

/** The load generator, in the child: autocannon against the running server. */
async function loadChild(spec: LoadSpec): Promise<LoadResult> {
  type Autocannon = (o: Record<string, unknown>) => Promise<{
    requests: { average: number }; latency: { p99: number }; non2xx: number; errors: number; timeouts: number; duration: number;
  }>;
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const body = readFileSync(spec.file);
  let signed = 0, failed = 0;
  let firstFailure: string | undefined;
  const fail = (what: string) => { failed++; firstFailure ??= what.slice(0, 300); };
  const session = { cookie: spec.cookie ?? '', 'x-csrf-token': spec.csrf ?? '' };
  const load = spec.kind === 'verify'
    ? { url: `${spec.base}/api/v1/verify`, method: 'POST', headers: { 'content-type': 'application/pdf' }, body }
    : {
      url: spec.base,
      requests: [
        {
          method: 'POST', path: `/api/v1/documents?title=Bench&series=${encodeURIComponent('QĐ')}`, headers: { ...session, 'content-type': 'application/pdf' }, body,
          onResponse: (status: number, res: string, context: { id?: string }) => {
            if (status === 201) context.id = (JSON.parse(res) as { document: { id: string } }).document.id;
            else fail(`upload ${status}: ${res}`);
          },
        },
        {
          method: 'POST', path: '/api/v1/documents/sign', headers: { ...session, 'content-type': 'application/json' },
          setupRequest: (req: Record<string, unknown>, context: { id?: string }) => (context.id ? { ...req, body: JSON.stringify({ documentIds: [context.id], pin: spec.pin }) } : undefined),
          onResponse: (status: number, res: string) => {
            if (status === 200 && (JSON.parse(res) as { succeeded: number }).succeeded === 1) signed++;
            else fail(`sign ${status}: ${res}`);
          },
        },
      ],
    };
  const r = await autocannon({ ...load, connections: spec.connections, duration: spec.seconds });
  return { rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, duration: r.duration, signed, failed, firstFailure };
}

function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--server-load-child', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) { reject(new Error(`the load generator exited ${code}: ${err}`)); return; }
      resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult);
    });
  });
}

async function postgresReachable(url: string): Promise<boolean> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try { await c.connect(); return true; } catch { return false; } finally { await c.end().catch(() => undefined); }
}

/** A leader with an active personal credential whose key opens with PIN; the key opened for the in-process baselines. */
async function leaderCredential(s: TestServer) {
  const { parseCertificate } = await import('@kyso/core');
  const { decodePng } = await import('@kyso/core/pdf/png.ts');
  const { issueCredential, openCredential } = await import('@kyso/server/services/credentials.ts');
  const { activateCredential } = await import('@kyso/server/services/certificate-service.ts');
  const agencyId = s.seed.agencies['000.00.00.H99']!;
  const userId = s.seed.users['tinh.leader']!.id;
  const { serial } = await issueCredential(s.ctx, { kind: 'official', agencyId, userId });
  const principal: Principal = { kind: 'user', id: userId, agencyId, name: 'tinh.leader', roles: new Set(['leader']), scopes: new Set() };
  await activateCredential(s.ctx, principal, serial, PIN);
  const cred = await openCredential(s.ctx, { kind: 'official', agencyId, userId, pin: PIN });
  const user = await s.ctx.db.kysely.selectFrom('users').select(['full_name', 'signature_sha256']).where('id', '=', userId).executeTakeFirstOrThrow();
  const version = await s.ctx.db.kysely.selectFrom('agency_versions').select('name').where('agency_id', '=', agencyId).executeTakeFirstOrThrow();
  return { cred, certificate: parseCertificate(cred.certificateDer), fullName: user.full_name, agencyName: version.name, image: decodePng(await s.ctx.blobs.get(user.signature_sha256!)) };
}

export async function benchServer(dialect: 'sqlite' | 'postgres', report: Report): Promise<void> {
  // Imported here, not at the top: the load-generator child needs none of it.
  const { makeSimplePdf } = await import('@kyso/testkit');
  const { startTestServer } = await import('@kyso/server/testing/test-server.ts');
  const { PG_URL } = await import('@kyso/server/services/test-ca.ts');
  const { signPdf } = await import('@kyso/server/services/pdf-signing.ts');
  const { verifyPdfDocument } = await import('@kyso/server/services/pdf-verification.ts');
  if (dialect === 'postgres' && !(await postgresReachable(PG_URL))) {
    console.error(`server.*.postgres: skipped — PostgreSQL is not reachable at ${PG_URL} (set KYSO_TEST_PG)`);
    return;
  }
  const s = await startTestServer(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'kyso-bench-server-'));
  try {
    const { ctx } = s;
    const leader = await leaderCredential(s);
    const { cred, certificate } = leader;
    const tsaUrl = `${s.base}/tsa`;
    const draft = makeSimplePdf({ pages: 1, text: 'Quyet dinh so 15' });

    // (a) verification
    const blt = (await signPdf({ input: draft, signer: cred.signer, certificate, chain: cred.chain, level: 'B-LT', tsaUrl, clock: ctx.clock, crypto: ctx.crypto })).bytes;
    const root = (await ctx.ca.caCertificate('root')).der;
    const verifyOnce = async () => {
      const r = await verifyPdfDocument(blt, { trustAnchors: [root], revocation: 'online', crypto: ctx.crypto, clock: ctx.clock, timeoutMs: 10_000 });
      if (r.indication !== 'TOTAL_PASSED') throw new Error(`the B-LT fixture does not verify: ${r.indication}/${r.subIndication}`);
    };
    const overHttp = await fetch(`${s.base}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: blt });
    const answer = (await overHttp.json()) as { indication?: string };
    if (overHttp.status !== 200 || answer.indication !== 'TOTAL_PASSED') throw new Error(`POST /api/v1/verify answered ${overHttp.status} ${answer.indication}`);
    const { rate: verifyInProcess, p99: verifyP99InProcess } = await inProcessRate(verifyOnce, 3, CONNECTIONS);
    const bltFile = join(dir, 'blt.pdf');
    writeFileSync(bltFile, blt);
    const v = await runLoad({ kind: 'verify', base: s.base, file: bltFile, seconds: SECONDS, connections: CONNECTIONS });
    const load = `autocannon -c${CONNECTIONS} -d${SECONDS} on 127.0.0.1 from a child process`;
    report({ bench: `server.verify.1page.${dialect}`, value: v.rps, unit: 'req/s', baseline: verifyInProcess, ratio: v.rps / verifyInProcess, target: TARGET, better: 'higher',
      note: `POST /api/v1/verify, ${blt.length} B B-LT PDF (P-256), ${load}; non-2xx ${v.non2xx}, errors ${v.errors}; baseline verifyPdfDocument in-process on the same bytes, ${CONNECTIONS} in flight` });
    report({ bench: `server.verify.1page.${dialect}.p99`, value: v.p99, unit: 'ms', baseline: verifyP99InProcess, ratio: v.p99 / verifyP99InProcess, target: Number((1 / TARGET).toFixed(2)), better: 'lower',
      note: `p99 latency of the same run; baseline the p99 of the same verification in-process with ${CONNECTIONS} in flight (the target mirrors the 60 % throughput one)` });

    // (b) signing: the same operation in-process — the services the two routes call (upload, then
    // sign a batch of one with the PIN: key opened, PAdES with the TSA, blob + row + event + audit)
    const { uploadDocument, signDocuments } = await import('@kyso/server/services/document-service.ts');
    const signer: Principal = { kind: 'user', id: s.seed.users['tinh.leader']!.id, agencyId: s.seed.agencies['000.00.00.H99']!, name: 'tinh.leader', roles: new Set(['leader']), scopes: new Set() };
    const signOnce = async () => {
      const doc = await uploadDocument(ctx, signer, { bytes: draft, title: 'Benchmark', series: 'QĐ', kind: 'document' });
      const r = await signDocuments(ctx, signer, { documentIds: [doc.id], pin: PIN });
      if (!r.results[0]?.ok) throw new Error(`in-process signing failed: ${JSON.stringify(r.results[0])}`);
    };
    const { rate: signInProcess } = await inProcessRate(signOnce, 3, CONNECTIONS);
    const t = performance.now();
    const pinOpens = 5;
    for (let i = 0; i < pinOpens; i++) await ctx.keys.signer(cred.row.key_id, { pin: PIN });
    const pinMs = (performance.now() - t) / pinOpens;
    const draftFile = join(dir, 'draft.pdf');
    writeFileSync(draftFile, draft);
    const client = await s.as('tinh.leader');
    const sg = await runLoad({ kind: 'sign', base: s.base, file: draftFile, seconds: SECONDS, connections: CONNECTIONS, cookie: client.cookie, csrf: client.csrf, pin: PIN });
    if (sg.signed === 0) throw new Error(`no document was signed over HTTP: ${sg.firstFailure ?? 'no answer'}`);
    const signedPerSecond = sg.signed / sg.duration;
    report({ bench: `server.sign.1page.${dialect}`, value: signedPerSecond, unit: 'doc/s', baseline: signInProcess, ratio: signedPerSecond / signInProcess, target: TARGET, better: 'higher',
      note: `upload (POST /api/v1/documents) + sign (POST /api/v1/documents/sign, batch of one, PIN approval), PAdES ${ctx.config.defaultLevel} with the server's TSA, official appearance; ${load}; `
        + `${sg.signed} signed, ${sg.failed} failed${sg.firstFailure ? ` (first: ${sg.firstFailure})` : ''}; opening the key with its PIN (scrypt, off the event loop) costs ${pinMs.toFixed(1)} ms a request; baseline: the same two service calls in-process (uploadDocument + signDocuments with the PIN), ${CONNECTIONS} in flight` });
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--server-load-child');
if (childAt >= 0 && process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await loadChild(JSON.parse(process.argv[childAt + 1]!) as LoadSpec)));
  process.exit(0);
}
