/**
 * Worker thread of `kyso sign --batch`: takes the key the main thread unlocked (a PKCS#12 key; a
 * token key is opened here, one session per thread), then signs the files it is sent and hands each
 * output to the writer thread through its own port; the writer reports the file once it is on disk.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { KysoError } from '@kyso/core';
import { identityFromShared, loadIdentity, type LoadedIdentity, type PdfSignJob, type SharedIdentity } from './pdf-sign-job.ts';
import { signBatchFile, type BatchFileMessage, type WorkerReply } from './sign-batch-file.ts';

const { job, writer } = workerData as { job: PdfSignJob; writer: MessagePort };
const port = parentPort!;
const post = (m: WorkerReply): void => port.postMessage(m);
let identity: LoadedIdentity | undefined;

/** Files asked for at a time, so that a worker has the next one at hand while the main thread is busy signing. */
const PREFETCH = 4;

function start(load: () => LoadedIdentity): void {
  try {
    identity = load();
  } catch (e) {
    post({ fatal: (e as Error).message });
    throw e;
  }
  for (let i = 0; i < PREFETCH; i++) post({ next: true });
}

if (job.key.kind !== 'p12') start(() => loadIdentity(job.key));

port.on('message', async (m: { identity: SharedIdentity } | BatchFileMessage) => {
  if ('identity' in m) { start(() => identityFromShared(m.identity)); return; }
  if (!identity) throw new KysoError('internal', 'a file reached a signing worker before its key');
  const r = await signBatchFile(job, identity, m);
  if ('write' in r) writer.postMessage(r.write, r.transfer);
  else post({ result: r.result });
  post({ done: true });
});
