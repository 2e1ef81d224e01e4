/** CLI plumbing: secrets from env/files, atomic output files, reading inputs with clear errors. */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KysoError } from '@kyso/core';

/** Reads a secret from `--X-env VAR` or `--X-file FILE` (never from the command line itself). */
export function readSecret(opts: { env?: string; file?: string; what: string; fallbackEnv?: string }): string | undefined {
  if (opts.env !== undefined && opts.file !== undefined) throw new KysoError('invalid-argument', `give the ${opts.what} with an -env or a -file option, not both`);
  if (opts.env !== undefined) {
    const v = process.env[opts.env];
    if (v === undefined || v === '') throw new KysoError('invalid-argument', `environment variable ${opts.env} (the ${opts.what}) is not set`);
    return v;
  }
  if (opts.file !== undefined) {
    let v: string;
    try { v = readFileSync(opts.file, 'utf8'); } catch (e) { throw new KysoError('io', `cannot read the ${opts.what} file ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    v = v.replace(/\r?\n$/, '');
    if (v === '') throw new KysoError('invalid-argument', `the ${opts.what} file ${opts.file} is empty`);
    return v;
  }
  if (opts.fallbackEnv && process.env[opts.fallbackEnv]) return process.env[opts.fallbackEnv];
  return undefined;
}

export function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new KysoError('io', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Below this size a PDF is read into a plain buffer (see readGrowableInput). */
export const GROWABLE_FROM = 1 << 20;

/**
 * Reads a file into a resizable buffer with room to grow (`headroom` bytes plus an eighth), so that an
 * incremental update can be appended in place instead of copying a large PDF (core's
 * IncrementalUpdate uses the room when it is there). A file under GROWABLE_FROM goes into a plain
 * buffer: reserving the room costs the kernel ~40 µs a file (mapping and unmapping it), more than
 * copying a small file once.
 */
export function readGrowableInput(path: string, what: string, headroom = 4 << 20): Uint8Array {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const Growable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    const view = size < GROWABLE_FROM ? new Uint8Array(size) : new Uint8Array(new Growable(size, { maxByteLength: size + headroom + Math.ceil(size / 8) }), 0, size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, view, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === size ? view : view.subarray(0, off);
  } catch (e) {
    throw new KysoError('io', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes several files all-or-nothing: each goes to a temporary file beside its target first (so an
 * unwritable destination fails before anything else happens), then all are renamed into place.
 */
export class AtomicFiles {
  readonly #pending: Array<{ tmp: string; target: string; fd: number }> = [];

  /** Reserves a target now (fails early when the folder is not writable or the file exists). */
  /** `mode` before the umask: 0o600 (the default) for keys and secrets, 0o666 for public outputs such as signed documents. */
  reserve(target: string, opts: { overwrite?: boolean; mode?: number } = {}): void {
    if (!opts.overwrite && existsSync(target)) throw new KysoError('conflict', `${target} already exists; refusing to overwrite it`);
    const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    let fd: number;
    try { fd = openSync(tmp, 'wx', opts.mode ?? 0o600); } catch (e) { throw new KysoError('io', `cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    this.#pending.push({ tmp, target, fd });
  }

  write(target: string, data: Uint8Array | string): void {
    const p = this.#pending.find((x) => x.target === target);
    if (!p) throw new KysoError('internal', `${target} was not reserved`);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let off = 0;
    while (off < buf.length) off += writeSync(p.fd, buf, off);
    fsyncSync(p.fd);
  }

  commit(): void {
    for (const p of this.#pending) closeSync(p.fd);
    for (const p of this.#pending) renameSync(p.tmp, p.target);
    this.#pending.length = 0;
  }

  abort(): void {
    for (const p of this.#pending) {
      try { closeSync(p.fd); } catch { /* already closed */ }
      rmSync(p.tmp, { force: true });
    }
    this.#pending.length = 0;
  }
}
