/**
 * Benchmarks (`npm run bench`, `npm run bench -- --json`). Each figure is printed beside a baseline
 * measured in the same run on the same machine, and its ratio against the issue's target.
 * Nothing here is a test: it only measures and reports.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { buildName, createCsr, decodePem, encodePem, parseCertificate, parseDnString } from '@kyso/core';
import { repoRoot } from '@kyso/testkit';
import { parseOcspResponse } from '@kyso/core/ocsp/ocsp-response.ts';
import { validatePath } from '@kyso/core/x509/path-validation.ts';
import { openDatabase } from '@kyso/server/store/database.ts';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { CaService } from '@kyso/server/services/ca-service.ts';
import { defaultLinter, systemClock } from '@kyso/server/services/ca-directory.ts';
import { parseCeremony } from '@kyso/server/config/ceremony.ts';
import { KeyObjectSigner } from '@kyso/server/keys/key-object-signer.ts';
import { startPki } from '@kyso/server/services/pki.ts';
import { buildPkiApp } from '@kyso/server/http/app.ts';
import { computeCertId } from '@kyso/core/ocsp/cert-id.ts';
import { encodeOcspRequest } from '@kyso/core/ocsp/ocsp-request.ts';
import { encodeTimeStampReq } from '@kyso/core/tsp/index.ts';

import { benchPadesBatch, benchPadesBig, benchPadesOnePage, cleanupPadesFixture, padesBigChild, padesFixture, type PadesFixture } from './bench-pades.ts';
import { benchVerifyBig, benchVerifyOnePage, verifyFixture, type VerifyFixture } from './bench-verify.ts';
import { benchServer } from './bench-server.ts';

const childAt = process.argv.indexOf('--pades-big-child');
if (childAt >= 0) {
  await padesBigChild(process.argv[childAt + 1]!, process.argv[childAt + 2]!);
  process.exit(0);
}

const json = process.argv.includes('--json');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

interface Figure { bench: string; value: number; unit: string; baseline: number; ratio: number; target: number; better: 'higher' | 'lower'; note?: string }
const figures: Figure[] = [];

function report(f: Figure): void {
  figures.push(f);
  const ok = f.better === 'higher' ? f.ratio >= f.target : f.ratio <= f.target;
  if (json) console.log(JSON.stringify(f));
  else console.log(`${f.bench.padEnd(30)} ${f.value.toFixed(1).padStart(9)} ${f.unit.padEnd(6)} baseline ${f.baseline.toFixed(1).padStart(9)}  ratio ${f.ratio.toFixed(2)}  target ${f.better === 'higher' ? '≥' : '≤'} ${f.target}  ${ok ? 'MET' : 'NOT MET'}${f.note ? `  (${f.note})` : ''}`);
}

/** Runs `fn` for about `seconds`; how many times and for how long. */
async function run(fn: () => unknown, seconds: number): Promise<{ n: number; ms: number }> {
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) { await fn(); n++; }
  return { n, ms: performance.now() - start };
}

/** Operations per second of a synchronous or async function, measured for about `seconds`. */
async function rate(fn: () => unknown, seconds: number, warmup = 20): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const r = await run(fn, seconds);
  return r.n / (r.ms / 1000);
}

/**
 * Rates of `a` and of its baseline `b`, measured in alternating slices (a, b, a, b, …) so that a
 * shared machine speeding up or slowing down during the run weighs on both alike.
 */
async function interleavedRates(a: () => unknown, b: () => unknown, seconds: number, slices = 10): Promise<[number, number]> {
  let na = 0, ma = 0, nb = 0, mb = 0;
  for (let i = 0; i < slices; i++) {
    const x = await run(a, seconds / slices);
    const y = await run(b, seconds / slices);
    na += x.n; ma += x.ms; nb += y.n; mb += y.ms;
  }
  return [na / (ma / 1000), nb / (mb / 1000)];
}

/** One raw `crypto.sign` with `key` over about a TBSCertificate's worth of bytes. */
function rawSigner(key: KeyObject): () => Buffer {
  const data = Buffer.alloc(1100, 7); // about a TBSCertificate
  const rsa = key.asymmetricKeyType === 'rsa';
  const opts = rsa ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : { key, dsaEncoding: 'der' as const };
  return () => sign('sha256', data, opts);
}

function rawSignRate(key: KeyObject, seconds: number): Promise<number> {
  return rate(rawSigner(key), seconds);
}

/** A CA on a fresh SQLite file (CA keys of `kind`), a CSR for an official, and the CA certificates. */
async function caFixture(kind: 'rsa2048' | 'p256') {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-bench-'));
  const db = await openDatabase({ url: join(dir, 'kyso.db') });
  const deps = { db, crypto: nodeCrypto, clock: systemClock, lint: defaultLinter };
  const pass = 'benchmark passphrase';
  await CaService.init(deps, { ceremony: parseCeremony({
    root: { subject: 'CN=Bench Root,O=Bench,C=VN', key: kind, years: 20 },
    issuing: { subject: 'CN=Bench Issuing,O=Bench,C=VN', key: kind, years: 10 },
  }), secret: pass });
  const ca = await CaService.open(deps, pass);
  // The official's key as on a Government Cipher Committee token: RSA-2048, the CSR signed with PSS.
  const subjectKey = new KeyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const csr = await createCsr({ subject: buildName(parseDnString('CN=Người ký thử,O=Sở Thử,C=VN')), signer: subjectKey, algorithm: { scheme: 'RSASSA-PSS', hash: 'SHA-256', saltLength: 32 } });
  const issue = () => ca.issue({ profile: 'official', csr, uid: 'CCCD:001085000001' });
  const leaf = (await issue()).certificate; // also unlocks the CA key (scrypt) outside any timing
  return {
    deps, ca, issue, leaf, root: await ca.caCertificate('root'), issuing: await ca.caCertificate('issuing'),
    async close() { await db.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

async function benchIssuance(kind: 'rsa2048' | 'p256'): Promise<void> {
  const fx = await caFixture(kind);
  try {
    for (let i = 0; i < 500; i++) await fx.issue(); // warms the JIT: steady state, as the raw baseline
    const [issued, raw] = await interleavedRates(fx.issue, rawSigner(keyObjectOf(kind)), 6);
    report({ bench: `ca.issue.${kind}`, value: issued, unit: 'cert/s', baseline: raw, ratio: issued / raw, target: 0.5, better: 'higher',
      note: `RSA-2048 CSR: proof-of-possession check + lint-before-sign + signature self-check + SQLite commit with the hash-chained log; baseline raw crypto.sign ${kind}, measured in alternating slices` });
  } finally {
    await fx.close();
  }
}

async function benchPathValidation(): Promise<void> {
  const fx = await caFixture('p256');
  try {
    const { leaf, root, issuing } = fx;
    const at = new Date();
    // Cold: fresh copies of the bytes and a fresh crypto object each time, so no parse or signature
    // cache helps — what a verifier pays for certificates it has not seen.
    const cold = await rate(() => {
      const r = validatePath({ target: leaf.der.slice(), trustAnchors: [root.der.slice()], intermediates: [issuing.der.slice()], at, crypto: { ...nodeCrypto }, revocation: 'none' });
      if (!r.valid) throw new Error(r.reason);
    }, 3);
    const warm = await rate(() => {
      const r = validatePath({ target: leaf.der, trustAnchors: [root.der], intermediates: [issuing.der], at, crypto: nodeCrypto, revocation: 'none' });
      if (!r.valid) throw new Error(r.reason);
    }, 3);
    // Baseline: the two ECDSA P-256 signature checks the path needs, done raw.
    const issuingKey = createPublicKey({ key: Buffer.from(issuing.spki), format: 'der', type: 'spki' });
    const rootKey = createPublicKey({ key: Buffer.from(root.spki), format: 'der', type: 'spki' });
    const raw = await rate(() => {
      verify('sha256', leaf.tbs, { key: issuingKey, dsaEncoding: 'der' }, leaf.signature);
      verify('sha256', issuing.tbs, { key: rootKey, dsaEncoding: 'der' }, issuing.signature);
    }, 3);
    report({ bench: 'x509.validate.3certs.p256.cold', value: cold, unit: 'op/s', baseline: raw, ratio: cold / raw, target: 0.5, better: 'higher',
      note: 'leaf→issuing→root, parse + RFC 5280 §6, nothing cached; baseline: the 2 raw crypto.verify calls' });
    report({ bench: 'x509.validate.3certs.p256.warm', value: warm, unit: 'op/s', baseline: raw, ratio: warm / raw, target: 0.5, better: 'higher',
      note: 'same certificates again: parse and signature results cached' });
  } finally {
    await fx.close();
  }
}

/** A CA with the PKI services started (OCSP responder and TSA keys made). */
async function pkiFixture(kind: 'p256' | 'rsa2048') {
  const fx = await caFixture(kind);
  const pki = await startPki(fx.deps, fx.ca, { pollMs: 60_000 });
  return { ...fx, pki, async close() { pki.close(); await fx.close(); } };
}

function keyObjectOf(kind: 'p256' | 'rsa2048'): KeyObject {
  return kind === 'p256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

/** wrk on 127.0.0.1 against a POST body; returns requests/s and p99 latency in ms. */
async function wrk(url: string, body: Uint8Array, contentType: string, seconds: number): Promise<{ rps: number; p99: number; non2xx: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-wrk-'));
  const lua = join(dir, 'post.lua');
  writeFileSync(lua, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "${contentType}"\nwrk.body = "${[...body].map((b) => `\\${b}`).join('')}"\n`);
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('wrk', ['-t1', '-c32', `-d${seconds}s`, '--latency', '-s', lua, url]);
    let text = '';
    p.stdout.on('data', (d) => { text += d; });
    p.stderr.on('data', (d) => { text += d; });
    p.on('error', reject);
    p.on('close', () => resolve(text));
  });
  rmSync(dir, { recursive: true, force: true });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p99m = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = p99m ? Number(p99m[1]) * (p99m[2] === 'us' ? 0.001 : p99m[2] === 's' ? 1000 : 1) : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (!Number.isFinite(rps)) throw new Error(`wrk gave no figure:\n${out}`);
  return { rps, p99, non2xx };
}

/** Starts a command and resolves when its stdout says it is listening. */
function startServer(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      if (/listening/.test(out)) {
        p.stdout.off('data', onData);
        resolve({ stop: () => new Promise((r) => { p.once('exit', () => r()); p.kill('SIGTERM'); }) });
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', (d) => { out += d; });
    p.once('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}

/**
 * OCSP from pre-signed responses over HTTP with wrk on 127.0.0.1: `kyso serve-pki --workers 2` as a
 * real process, beside a bare node:http cluster (2 workers) answering the same bytes — the ceiling
 * of Node's HTTP stack on this machine, measured in the same run.
 */
async function benchOcspPresigned(): Promise<void> {
  if (spawnSync('wrk', ['--version']).error) {
    console.error('ocsp.presigned: skipped — Debian\'s wrk is not installed (apt-get install -y wrk)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kyso-bench-'));
  const env = { ...process.env, KYSO_BENCH_PASS: 'benchmark passphrase' };
  try {
    const ceremony = join(dir, 'ceremony.json');
    writeFileSync(ceremony, JSON.stringify({
      root: { subject: 'CN=Bench Root,O=Bench,C=VN', key: 'p256', years: 20 },
      issuing: { subject: 'CN=Bench Issuing,O=Bench,C=VN', key: 'p256', years: 10 },
    }));
    const kyso = (...a: string[]) => new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [join(repoRoot, 'packages/cli/bin/kyso.js'), ...a], { env });
      let out = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { out += d; });
      p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(out))));
    });
    const ca = join(dir, 'ca');
    await kyso('ca', 'init', '--dir', ca, '--config', ceremony, '--pass-env', 'KYSO_BENCH_PASS');
    const subjectKey = new KeyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    writeFileSync(join(dir, 'req.pem'), encodePem('CERTIFICATE REQUEST', await createCsr({ subject: buildName(parseDnString('CN=A,O=B,C=VN')), signer: subjectKey, algorithm: { scheme: 'ECDSA', hash: 'SHA-256' } })));
    const issued = await kyso('ca', 'issue', '--dir', ca, '--profile', 'official', '--csr', join(dir, 'req.pem'), '--uid', 'CCCD:001085000001', '--out', join(dir, 'leaf'), '--pass-env', 'KYSO_BENCH_PASS');
    const serialHex = /serial ([0-9a-f]+)/.exec(issued)![1]!;
    const chain = await kyso('ca', 'chain', '--dir', ca);
    const issuing = parseCertificate(decodePem(chain, 'CERTIFICATE'));
    const req = encodeOcspRequest({ certIds: [computeCertId({ issuerNameDer: issuing.subjectDer, issuerSpki: issuing.spki, serialHex, hash: 'SHA-1', crypto: nodeCrypto })] });
    const port = 18000 + Math.floor(Math.random() * 1000);
    const server = await startServer(process.execPath, [join(repoRoot, 'packages/cli/bin/kyso.js'), 'serve-pki', '--dir', ca, '--port', String(port), '--workers', '2', '--pass-env', 'KYSO_BENCH_PASS'], env);
    let ours: Awaited<ReturnType<typeof wrk>>;
    let answer: Uint8Array;
    try {
      answer = new Uint8Array(await (await fetch(`http://127.0.0.1:${port}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: req })).arrayBuffer());
      if (parseOcspResponse(answer).status !== 'successful') throw new Error('the responder did not answer successfully');
      ours = await wrk(`http://127.0.0.1:${port}/ocsp`, req, 'application/ocsp-request', 5);
    } finally {
      await server.stop();
    }
    const raw = join(dir, 'raw.mjs');
    writeFileSync(raw, `import cluster from 'node:cluster'; import http from 'node:http';
if (cluster.isPrimary) { for (let i = 0; i < 2; i++) cluster.fork(); cluster.on('listening', () => { if (!globalThis.said) { globalThis.said = 1; console.log('listening'); } }); }
else { const body = Buffer.from('${Buffer.from(answer).toString('base64')}', 'base64');
http.createServer((q, r) => { q.resume(); q.on('end', () => { r.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': body.length }); r.end(body); }); }).listen(${port + 1}, '127.0.0.1'); }
process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers ?? {})) w.kill(); process.exit(0); });\n`);
    const rawServer = await startServer(process.execPath, [raw], env);
    let ceiling: Awaited<ReturnType<typeof wrk>>;
    try {
      ceiling = await wrk(`http://127.0.0.1:${port + 1}/ocsp`, req, 'application/ocsp-request', 5);
    } finally {
      await rawServer.stop();
    }
    report({ bench: 'ocsp.presigned.http', value: ours.rps, unit: 'req/s', baseline: 20_000, ratio: ours.rps / 20_000, target: 1, better: 'higher',
      note: `kyso serve-pki --workers 2, wrk -c32 on 127.0.0.1, p99 ${ours.p99.toFixed(2)} ms, non-2xx ${ours.non2xx}; baseline = the 20,000/s target` });
    report({ bench: 'ocsp.presigned.vs-node-http', value: ours.rps, unit: 'req/s', baseline: ceiling.rps, ratio: ours.rps / ceiling.rps, target: 0.8, better: 'higher',
      note: `baseline: a bare node:http cluster (2 workers) returning the same bytes, same wrk run settings (p99 ${ceiling.p99.toFixed(2)} ms); target is kyso's own` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchFreshSigning(kind: 'p256' | 'rsa2048'): Promise<void> {
  const fx = await pkiFixture(kind);
  try {
    const id = computeCertId({ issuerNameDer: fx.issuing.subjectDer, issuerSpki: fx.issuing.spki, serialHex: fx.leaf.serialHex, hash: 'SHA-256', crypto: nodeCrypto });
    let n = 0;
    const nonce = () => { const b = new Uint8Array(16); new DataView(b.buffer).setUint32(0, ++n); return b; };
    const ocsp = await rate(() => fx.pki.ocsp.respond(encodeOcspRequest({ certIds: [id], nonce: nonce() })), 3);
    const tsq = encodeTimeStampReq({ hash: 'SHA-256', messageImprint: new Uint8Array(32).fill(7), nonce: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), certReq: true });
    const tsa = await rate(() => fx.pki.tsa.respond(tsq), 3);
    const raw = await rawSignRate(keyObjectOf(kind), 3);
    report({ bench: `ocsp.fresh.${kind}`, value: ocsp, unit: 'resp/s', baseline: raw, ratio: ocsp / raw, target: 0.7, better: 'higher',
      note: `nonce requests, parse + status lookup + sign; baseline raw crypto.sign ${kind}` });
    report({ bench: `tsa.token.${kind}`, value: tsa, unit: 'token/s', baseline: raw, ratio: tsa / raw, target: 0.7, better: 'higher',
      note: `RFC 3161 query → granted reply with certReq; baseline raw crypto.sign ${kind}` });
  } finally {
    await fx.close();
  }
}

const benches: Record<string, () => Promise<void>> = {
  'ocsp.presigned': benchOcspPresigned,
  'pki.fresh.p256': () => benchFreshSigning('p256'),
  'pki.fresh.rsa2048': () => benchFreshSigning('rsa2048'),
  'ca.issue.rsa2048': () => benchIssuance('rsa2048'),
  'ca.issue.p256': () => benchIssuance('p256'),
  'x509.validate': benchPathValidation,
  'pades.sign.1page': async () => benchPadesOnePage(await pades(), report),
  'pades.sign.20mb': async () => benchPadesBig(await pades(), report),
  'pades.batch': async () => benchPadesBatch(await pades(), report),
  'verify.1page.blt': async () => benchVerifyOnePage(await verifyFx(), report),
  'verify.20mb': async () => benchVerifyBig(await verifyFx(), report),
  'server.sqlite': () => benchServer('sqlite', report),
  'server.postgres': () => benchServer('postgres', report),
};

let padesFx: PadesFixture | undefined;
async function pades(): Promise<PadesFixture> { return (padesFx ??= await padesFixture()); }
let verifyFxValue: VerifyFixture | undefined;
async function verifyFx(): Promise<VerifyFixture> { return (verifyFxValue ??= await verifyFixture()); }

for (const [name, fn] of Object.entries(benches)) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  await fn();
}
if (padesFx) cleanupPadesFixture(padesFx);
if (verifyFxValue) await verifyFxValue.close();
if (!json) console.log(`\n${figures.length} figures measured on ${process.arch}, node ${process.version}`);
