/** Worker thread of `kyso sign --batch`: loads the key once, then signs the files it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { isKysoError } from '@kyso/core';
import { AtomicFiles, readInput } from '../io.ts';
import { loadIdentity, runPdfSignJob, type PdfSignJob } from './pdf-sign-job.ts';

const { job } = workerData as { job: PdfSignJob };
const port = parentPort!;
let identity: ReturnType<typeof loadIdentity>;
try {
  identity = loadIdentity(job.key);
  port.postMessage({ ready: true });
} catch (e) {
  port.postMessage({ fatal: (e as Error).message });
  throw e;
}

port.on('message', async (m: { file: string; out: string; name: string }) => {
  const t0 = performance.now();
  const files = new AtomicFiles();
  try {
    files.reserve(m.out, { overwrite: true });
    const r = await runPdfSignJob(job, identity, readInput(m.file, 'PDF'));
    files.write(m.out, r.bytes);
    files.commit();
    port.postMessage({ file: m.name, status: 'signed', out: m.out, ms: Math.round(performance.now() - t0) });
  } catch (e) {
    files.abort();
    const msg = isKysoError(e) ? e.message : `internal error: ${(e as Error).message}`;
    port.postMessage({ file: m.name, status: 'error', error: msg, ms: Math.round(performance.now() - t0) });
  }
});
