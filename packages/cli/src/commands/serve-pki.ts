/**
 * `kyso serve-pki --dir DIR [--port N] [--host 127.0.0.1]`: serves the CA's CRLs, CA certificates,
 * OCSP responder and TSA over HTTP until SIGINT/SIGTERM. The full server (`kyso serve`) will mount
 * the same routes.
 */
import cluster from 'node:cluster';
import { KysoError } from '@kyso/core';
import { CaService, openCaDirectory } from '@kyso/server/services/ca-directory.ts';
import { startPki } from '@kyso/server/services/pki.ts';
import { buildPkiApp } from '@kyso/server/http/app.ts';
import { readSecret } from '../io.ts';
import { EXIT, parse, untilStopped, type Out } from '../cli-kit.ts';

export async function servePkiCommand(args: string[], out: Out, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const { values: v } = parse(args, {
    dir: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'pass-env': { type: 'string' }, 'pass-file': { type: 'string' },
    'crl-period': { type: 'string' }, 'ocsp-validity': { type: 'string' }, 'poll-ms': { type: 'string' }, workers: { type: 'string' },
  });
  if (!v.dir) throw new KysoError('invalid-argument', '--dir DIR is required');
  const num = (s: string | undefined, name: string, min: number, max: number) => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) throw new KysoError('invalid-argument', `${name} must be a whole number from ${min} to ${max}`);
    return Number(s);
  };
  const port = num(v.port, '--port', 0, 65535) ?? 8080;
  const host = v.host ?? '127.0.0.1';
  const workers = num(v.workers, '--workers', 1, 64) ?? 1;
  const secret = readSecret({ env: v['pass-env'], file: v['pass-file'], what: 'CA passphrase', fallbackEnv: 'KYSO_CA_PASSPHRASE' });
  if (!secret) throw new KysoError('invalid-argument', 'serve-pki signs CRLs, OCSP responses and timestamps: give the CA passphrase (--pass-env VAR or --pass-file FILE)');
  if (workers > 1 && cluster.isPrimary) return runPrimary({ dir: v.dir, secret, workers, out, signal: opts.signal });
  const d = await openCaDirectory(v.dir);
  let app;
  let pki;
  try {
    const ca = await CaService.open(d.deps, secret);
    pki = await startPki(d.deps, ca, {
      crlPeriodSeconds: num(v['crl-period'], '--crl-period', 60, 366 * 86400),
      ocspValiditySeconds: num(v['ocsp-validity'], '--ocsp-validity', 60, 7 * 86400),
      pollMs: num(v['poll-ms'], '--poll-ms', 50, 600_000),
    });
    app = buildPkiApp(pki);
    const address = await app.listen({ port, host });
    if (cluster.isWorker) { process.send?.({ kyso: 'listening', address }); }
    else out.stdout(`kyso PKI services listening on ${address}\n  CRLs  ${address}/crl/root.crl ${address}/crl/issuing.crl\n  OCSP  ${address}/ocsp\n  TSA   ${address}/tsa\n`);
  } catch (e) {
    pki?.close();
    await app?.close();
    await d.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new KysoError('io', `port ${port} on ${host} is already in use`);
    throw e;
  }
  await untilStopped(opts.signal);
  pki.close();
  await app.close();
  await d.close();
  // A cluster worker's IPC channel would keep it alive: leave once everything is closed.
  if (cluster.isWorker) process.exit(EXIT.ok);
  return EXIT.ok;
}

/**
 * `--workers N`: N processes share the port (node:cluster). They are independent instances on one
 * database — the multi-instance design (atomic counters, the status poller) is what makes that
 * safe. The primary first makes sure the CRLs and the OCSP/TSA identities exist, so workers never
 * race to create them, then forks, restarts a worker that dies, and stops them all on SIGINT/SIGTERM.
 */
async function runPrimary(p: { dir: string; secret: string; workers: number; out: Out; signal?: AbortSignal }): Promise<number> {
  const d = await openCaDirectory(p.dir);
  try {
    const ca = await CaService.open(d.deps, p.secret);
    const pki = await startPki(d.deps, ca, { pollMs: 600_000 });
    pki.close();
  } finally {
    await d.close();
  }
  let stopping = false;
  let announced = false;
  const fork = () => {
    const w = cluster.fork();
    w.on('message', (m: { kyso?: string; address?: string }) => {
      if (m?.kyso === 'listening' && !announced) {
        announced = true;
        p.out.stdout(`kyso PKI services listening on ${m.address} (${p.workers} workers)\n  CRLs  ${m.address}/crl/root.crl ${m.address}/crl/issuing.crl\n  OCSP  ${m.address}/ocsp\n  TSA   ${m.address}/tsa\n`);
      }
    });
    w.on('exit', (code) => {
      if (!stopping) {
        p.out.stderr(`kyso: worker ${w.process.pid} exited (${code}); starting another\n`);
        fork();
      }
    });
  };
  for (let i = 0; i < p.workers; i++) fork();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    p.signal?.addEventListener('abort', stop, { once: true });
  });
  stopping = true;
  await Promise.all(Object.values(cluster.workers ?? {}).map((w) => new Promise<void>((resolve) => {
    if (!w || w.isDead()) return resolve();
    w.once('exit', () => resolve());
    w.process.kill('SIGTERM');
  })));
  return EXIT.ok;
}
