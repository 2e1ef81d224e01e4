/**
 * Benchmarks (`npm run bench`, `npm run bench -- --json`). Each figure is printed beside a baseline
 * measured in the same run on the same machine, and its ratio against the issue's target.
 * Nothing here is a test: it only measures and reports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { buildName, createCsr, parseDnString } from '@kyso/core';
import { validatePath } from '@kyso/core/x509/path-validation.ts';
import { openDatabase } from '@kyso/server/store/database.ts';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { CaService } from '@kyso/server/services/ca-service.ts';
import { defaultLinter, systemClock } from '@kyso/server/services/ca-directory.ts';
import { parseCeremony } from '@kyso/server/config/ceremony.ts';
import { KeyObjectSigner } from '@kyso/server/keys/key-object-signer.ts';

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

/** Operations per second of a synchronous or async function, measured for about `seconds`. */
async function rate(fn: () => unknown, seconds: number, warmup = 20): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) { await fn(); n++; }
  return n / ((performance.now() - start) / 1000);
}

function rawSignRate(key: KeyObject, seconds: number): Promise<number> {
  const data = Buffer.alloc(1100, 7); // about a TBSCertificate
  const rsa = key.asymmetricKeyType === 'rsa';
  const opts = rsa ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : { key, dsaEncoding: 'der' as const };
  return rate(() => sign('sha256', data, opts), seconds);
}

async function benchIssuance(kind: 'rsa2048' | 'p256'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-bench-'));
  const db = await openDatabase({ url: join(dir, 'kyso.db') });
  try {
    const deps = { db, crypto: nodeCrypto, clock: systemClock, lint: defaultLinter };
    const pass = 'benchmark passphrase';
    await CaService.init(deps, { ceremony: parseCeremony({
      root: { subject: 'CN=Bench Root,O=Bench,C=VN', key: kind, years: 20 },
      issuing: { subject: 'CN=Bench Issuing,O=Bench,C=VN', key: kind, years: 10 },
    }), secret: pass });
    const ca = await CaService.open(deps, pass);
    const subjectKey = new KeyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const csr = await createCsr({ subject: buildName(parseDnString('CN=Người ký thử,O=Sở Thử,C=VN')), signer: subjectKey, algorithm: { scheme: 'ECDSA', hash: 'SHA-256' } });
    await ca.issue({ profile: 'official', csr, uid: 'CCCD:001085000001' }); // unlocks the CA key (scrypt) outside the timing
    const seconds = 3;
    const issued = await rate(() => ca.issue({ profile: 'official', csr, uid: 'CCCD:001085000001' }), seconds, 10);
    const caKey = kind === 'p256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const raw = await rawSignRate(caKey, seconds);
    report({ bench: `ca.issue.${kind}`, value: issued, unit: 'cert/s', baseline: raw, ratio: issued / raw, target: 0.5, better: 'higher',
      note: `CSR check + lint-before-sign + SQLite commit; baseline raw crypto.sign ${kind}` });
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPathValidation(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-bench-'));
  const db = await openDatabase({ url: join(dir, 'kyso.db') });
  try {
    const deps = { db, crypto: nodeCrypto, clock: systemClock, lint: defaultLinter };
    const pass = 'benchmark passphrase';
    const { root, issuing } = await CaService.init(deps, { ceremony: parseCeremony({
      root: { subject: 'CN=Bench Root,O=Bench,C=VN', key: 'p256', years: 20 },
      issuing: { subject: 'CN=Bench Issuing,O=Bench,C=VN', key: 'p256', years: 10 },
    }), secret: pass });
    const ca = await CaService.open(deps, pass);
    const subjectKey = new KeyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const csr = await createCsr({ subject: buildName(parseDnString('CN=A,O=B,C=VN')), signer: subjectKey, algorithm: { scheme: 'ECDSA', hash: 'SHA-256' } });
    const leaf = (await ca.issue({ profile: 'official', csr, uid: 'CCCD:001085000001' })).certificate;
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
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const benches: Record<string, () => Promise<void>> = {
  'ca.issue.rsa2048': () => benchIssuance('rsa2048'),
  'ca.issue.p256': () => benchIssuance('p256'),
  'x509.validate': benchPathValidation,
};

for (const [name, fn] of Object.entries(benches)) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  await fn();
}
if (!json) console.log(`\n${figures.length} figures measured on ${process.arch}, node ${process.version}`);
