/**
 * One file of `kyso sign --batch`, the same on the main thread and in a worker: read and sign. The
 * output then goes to the writer thread (sign-worker-writer.mjs), which reports it once it is on
 * disk; a file that cannot be signed is reported at once and leaves no output.
 */
import { isKysoError } from '@kyso/core';
import { readGrowableInput } from '../io.ts';
import { runPdfSignJob, type LoadedIdentity, type PdfSignJob } from './pdf-sign-job.ts';

export interface BatchResult { file: string; status: 'signed' | 'error'; out?: string; error?: string; ms: number }
/** A file to sign: its path, the output path and the name it is reported under. */
export interface BatchFileMessage { file: string; out: string; name: string }
/** An output for the writer thread; `started` is when its file was taken up (epoch ms). */
export interface WriteRequest { name: string; out: string; bytes: Uint8Array; started: number }
/**
 * What a signing worker tells the main thread: ready for a file (sent once per prefetch slot at
 * start), done with one (handed to the writer, or failed: also ready for the next), a failed file's
 * result, or that it cannot start.
 */
export type WorkerReply = { next: true } | { done: true } | { result: BatchResult } | { fatal: string };

/** Wall-clock milliseconds comparable across threads (each thread's performance.now() has its own origin). */
export const epochNow = (): number => performance.timeOrigin + performance.now();

const message = (e: unknown): string => (isKysoError(e) ? e.message : `internal error: ${(e as Error).message}`);

/** Reads and signs `m.file`: the output to write, or the failed file's result. */
export async function signBatchFile(job: PdfSignJob, identity: LoadedIdentity, m: BatchFileMessage): Promise<{ write: WriteRequest; transfer: ArrayBuffer[] } | { result: BatchResult }> {
  const started = epochNow();
  let bytes: Uint8Array;
  try {
    bytes = (await runPdfSignJob(job, identity, readGrowableInput(m.file, 'PDF'))).bytes;
  } catch (e) {
    return { result: { file: m.name, status: 'error', error: message(e), ms: Math.round(epochNow() - started) } };
  }
  // The buffer moves to the writer rather than being copied when the output is all of it.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  if (!whole) bytes = bytes.slice();
  return { write: { name: m.name, out: m.out, bytes, started }, transfer: [bytes.buffer as ArrayBuffer] };
}
