/**
 * Worker thread of `kyso sign --batch`: loads the key once, then signs the files it is sent. It asks
 * for the next file as soon as a signature is made and writes the output (atomic, fsync'ed) on the
 * thread pool meanwhile; a result is reported when its file is on disk.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isKysoError } from '@kyso/core';
import { readGrowableInput, writeFileAtomicAsync } from '../io.ts';
import { loadIdentity, runPdfSignJob, type PdfSignJob } from './pdf-sign-job.ts';

const { job } = workerData as { job: PdfSignJob };
const port = parentPort!;
let identity: ReturnType<typeof loadIdentity>;
try {
  identity = loadIdentity(job.key);
  port.postMessage({ next: true });
} catch (e) {
  port.postMessage({ fatal: (e as Error).message });
  throw e;
}

const message = (e: unknown): string => (isKysoError(e) ? e.message : `internal error: ${(e as Error).message}`);

port.on('message', async (m: { file: string; out: string; name: string }) => {
  const t0 = performance.now();
  let bytes: Uint8Array;
  try {
    bytes = (await runPdfSignJob(job, identity, readGrowableInput(m.file, 'PDF'))).bytes;
  } catch (e) {
    port.postMessage({ next: true });
    port.postMessage({ result: { file: m.name, status: 'error', error: message(e), ms: Math.round(performance.now() - t0) } });
    return;
  }
  port.postMessage({ next: true });
  try {
    await writeFileAtomicAsync(m.out, bytes);
    port.postMessage({ result: { file: m.name, status: 'signed', out: m.out, ms: Math.round(performance.now() - t0) } });
  } catch (e) {
    port.postMessage({ result: { file: m.name, status: 'error', error: message(e), ms: Math.round(performance.now() - t0) } });
  }
});
