/**
 * `kyso sign --batch IN_DIR -o OUT_DIR`: signs every *.pdf in IN_DIR with worker threads (one per
 * core by default), each worker holding its own key handle. On a terminal a progress bar; otherwise
 * one JSON line per file (`{"file","status":"signed"|"error","out"?,"error"?,"ms"}`) and a summary
 * on stderr. Each output is written atomically; a failed file leaves no output and the run goes on.
 */
import { availableParallelism } from 'node:os';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { KysoError } from '@kyso/core';
import { EXIT, type Out } from '../cli-kit.ts';
import type { PdfSignJob } from './pdf-sign-job.ts';

export interface BatchResult { file: string; status: 'signed' | 'error'; out?: string; error?: string; ms: number }

export async function batchSign(p: { inDir: string; outDir: string; job: PdfSignJob; workers?: number; tty?: boolean }, out: Out): Promise<number> {
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
  const count = Math.min(p.workers ?? availableParallelism(), names.length);
  const tty = p.tty ?? Boolean(process.stdout.isTTY);
  const started = Date.now();
  let done = 0, failed = 0, next = 0;
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
  };
  const workerUrl = new URL('./sign-worker-entry.mjs', import.meta.url);
  const workers = Array.from({ length: count }, () => new Worker(workerUrl, { workerData: { job: p.job }, execArgv: [] }));
  let startupError: Error | undefined;
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
    let outstanding = 0;
    const finishIfIdle = (): void => { if (outstanding === 0 && (next >= names.length || startupError)) void w.terminate(); };
    w.on('message', (m: { next: true } | { result: BatchResult } | { fatal: string }) => {
      if ('fatal' in m) { startupError ??= new KysoError('invalid-argument', m.fatal); void w.terminate(); return; }
      if ('result' in m) { outstanding--; report(m.result); finishIfIdle(); return; }
      if (next < names.length && !startupError) {
        const name = names[next++]!;
        outstanding++;
        w.postMessage({ file: join(p.inDir, name), out: join(p.outDir, name), name });
      } else finishIfIdle();
    });
    w.on('error', (e) => { startupError ??= e; resolve(); });
    w.on('exit', () => resolve());
  })));
  if (startupError) {
    if (tty) out.stdout('\n');
    throw startupError instanceof KysoError ? startupError : new KysoError('internal', `a signing worker failed: ${startupError.message}`);
  }
  const secs = (Date.now() - started) / 1000;
  if (tty) out.stdout('\n');
  out.stderr(`batch: ${done - failed} signed, ${failed} failed, ${names.length} files in ${secs.toFixed(1)} s with ${count} worker(s)\n`);
  return failed === 0 ? EXIT.ok : EXIT.data;
}
