/**
 * `kyso sign --batch IN_DIR -o OUT_DIR`: signs every *.pdf in IN_DIR on one thread per core by
 * default — this thread and worker threads. On a terminal a progress bar; otherwise one JSON line
 * per file (`{"file","status":"signed"|"error","out"?,"error"?,"ms"}`) and a summary on stderr.
 * Each output is written atomically; a failed file leaves no output and the run goes on.
 *
 * Start-up is most of a short batch, so it overlaps: this thread unlocks the key once (a PKCS#12
 * file's KDFs take ~0.4 s; the workers receive the unlocked key) while esbuild bundles the workers'
 * code (sign-worker-bundle.ts), and it signs files itself from then on; each worker takes files
 * from the same queue once it has loaded, a few at a time so it never waits for this thread. A
 * writer thread (sign-worker-writer.mjs) writes every output, so no signing thread waits for the disk.
 */
import { availableParallelism } from 'node:os';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { KysoError } from '@kyso/core';
import { EXIT, type Out } from '../cli-kit.ts';
import { loadIdentity, type LoadedIdentity, type PdfSignJob } from './pdf-sign-job.ts';
import { signBatchFile, type BatchFileMessage, type BatchResult, type WorkerReply } from './sign-batch-file.ts';
import { TSX_WORKER_ENTRY, startWorkerBundle, type WorkerCode } from './sign-worker-bundle.ts';

export type { BatchResult } from './sign-batch-file.ts';

export interface BatchSignParams {
  inDir: string;
  outDir: string;
  job: PdfSignJob;
  /** Signing threads, this one included (default: one per core). */
  workers?: number;
  tty?: boolean;
  /** How workers load their code: the in-memory bundle with tsx as its fallback (default), or tsx only. */
  workerCode?: 'bundle' | 'tsx';
  /** Whether this thread signs files too (default); false leaves them all to workers (tests). */
  signHere?: boolean;
  /** Told which code the workers run (tests, benchmarks). */
  onWorkerCode?: (code: WorkerCode) => void;
}

export async function batchSign(p: BatchSignParams, out: Out): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(p.inDir).filter((n) => n.toLowerCase().endsWith('.pdf') && statSync(join(p.inDir, n)).isFile()).sort();
  } catch (e) {
    throw new KysoError('not-found', `cannot read the input folder ${p.inDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (names.length === 0) throw new KysoError('not-found', `no .pdf files in ${p.inDir}`);
  try { mkdirSync(p.outDir, { recursive: true }); } catch (e) {
    throw new KysoError('io', `cannot create the output folder ${p.outDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const threads = Math.min(p.workers ?? availableParallelism(), names.length);
  const tty = p.tty ?? Boolean(process.stdout.isTTY);
  const started = Date.now();
  let done = 0, failed = 0, next = 0;
  let startupError: Error | undefined;
  let closed = false;
  /** Woken at every result (and when a thread fails): whoever waits for room in flight (MAX_IN_FLIGHT) looks again. */
  let waiting: Array<() => void> = [];
  const wake = (): void => {
    const all = waiting;
    waiting = [];
    for (const w of all) w();
  };
  const fail = (e: Error): void => { startupError ??= e; wake(); };
  const report = (r: BatchResult): void => {
    done++;
    if (r.status === 'error') failed++;
    if (tty) {
      const width = 30, filled = Math.round((done / names.length) * width);
      out.stdout(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${names.length} signed, ${failed} failed`);
      if (r.status === 'error') out.stderr(`\n${r.file}: ${r.error}\n`);
    } else {
      out.stdout(`${JSON.stringify(r)}\n`);
    }
    wake();
  };
  const left = (): boolean => next < names.length && !startupError;
  const room = (): boolean => next - done < MAX_IN_FLIGHT;
  const take = (): BatchFileMessage => {
    const name = names[next++]!;
    return { file: join(p.inDir, name), out: join(p.outDir, name), name };
  };

  // The writer thread (plain JavaScript, up in milliseconds) writes every output.
  const writer = new Worker(WRITER, { execArgv: [] });
  const writerExited = new Promise<void>((resolve) => writer.on('exit', () => resolve()));
  writer.on('message', (m: { result: BatchResult }) => report(m.result));
  writer.on('error', fail);

  // Workers and their code next: esbuild bundles in its own process (tsx-loaded workers load on
  // their own threads) while this thread unlocks the key below.
  const signHere = p.signHere ?? true;
  const helpers = signHere ? threads - 1 : threads;
  const workers: SigningWorker[] = [];
  let identity: LoadedIdentity | undefined;
  const spawn = (c: WorkerCode): void => {
    p.onWorkerCode?.(c);
    for (let i = 0; i < helpers && !closed && left(); i++) {
      const { port1, port2 } = new MessageChannel();
      writer.postMessage({ port: port2 }, [port2]);
      const w = new Worker(c.url, { workerData: { job: p.job, writer: port1 }, transferList: [port1], execArgv: [] });
      workers.push(runWorker(w));
      if (identity?.shared) w.postMessage({ identity: identity.shared });
    }
  };
  const runWorker = (w: Worker): SigningWorker => {
    let outstanding = 0;
    const finishIfIdle = (): void => { if (outstanding === 0 && !left()) void w.terminate(); };
    const give = (): void => {
      if (!left()) return finishIfIdle();
      if (!room()) { waiting.push(give); return; }
      outstanding++;
      w.postMessage(take());
    };
    const exited = new Promise<void>((resolve) => {
      w.on('message', (m: WorkerReply) => {
        if ('fatal' in m) { fail(new KysoError('invalid-argument', m.fatal)); void w.terminate(); return; }
        if ('result' in m) { report(m.result); return; }
        if ('done' in m) outstanding--;
        give();
      });
      w.on('error', (e) => { fail(e); resolve(); });
      // A worker that ends with files still given to it (it failed) leaves them unreported: stop the run.
      w.on('exit', () => { if (outstanding > 0) fail(new KysoError('internal', 'a signing worker stopped with files unsigned')); resolve(); });
    });
    return { worker: w, exited, finishIfIdle };
  };
  let spawned: Promise<void> | undefined;
  if (helpers > 0) {
    if (p.workerCode === 'tsx') spawn({ url: TSX_WORKER_ENTRY, bundled: false, reason: 'asked for' });
    else spawned = (await startWorkerBundle()).code.then(spawn);
  }

  try {
    try {
      identity = loadIdentity(p.job.key);
    } catch (e) {
      closed = true;
      for (const w of workers) void w.worker.terminate();
      throw e;
    }
    try {
      if (identity.shared) for (const w of workers) w.worker.postMessage({ identity: identity.shared });
      // This thread signs too, yielding between files so that the workers' and the writer's messages are handled.
      if (signHere) {
        while (left()) {
          if (!room()) { await new Promise<void>((resolve) => waiting.push(resolve)); continue; }
          const r = await signBatchFile(p.job, identity, take());
          if ('write' in r) writer.postMessage(r.write, r.transfer);
          else report(r.result);
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        // No file is left to hand out: a worker still loading, or idle, is stopped now rather than waited for.
        closed = true;
        for (const w of workers) w.finishIfIdle();
      }
      await spawned;
      await Promise.all(workers.map((w) => w.exited));
    } finally {
      closed = true;
      identity.close();
    }
  } finally {
    // Every output handed over is written (or fails) before the run ends.
    writer.postMessage({ close: true });
    await writerExited;
  }
  if (startupError) {
    if (tty) out.stdout('\n');
    throw startupError instanceof KysoError ? startupError : new KysoError('internal', `a signing worker failed: ${startupError.message}`);
  }
  const secs = (Date.now() - started) / 1000;
  if (tty) out.stdout('\n');
  out.stderr(`batch: ${done - failed} signed, ${failed} failed, ${names.length} files in ${secs.toFixed(1)} s with ${threads} signing thread(s)\n`);
  return failed === 0 ? EXIT.ok : EXIT.data;
}

interface SigningWorker { worker: Worker; exited: Promise<void>; finishIfIdle(): void }

/** Files taken up and not yet reported, at most: outputs waiting for the disk are held in memory. */
const MAX_IN_FLIGHT = 16;
const WRITER = new URL('./sign-worker-writer.mjs', import.meta.url);
