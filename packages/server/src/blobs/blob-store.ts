/**
 * Content-addressed document store: every blob is kept under its SHA-256 (`blobs/ab/cdef…`), written
 * to a temporary file, fsync'ed and renamed into place, so a crash never leaves a half-written blob
 * under a real name and the same bytes are stored once. Blobs are immutable; a signed PDF is a new
 * blob beside the unsigned one.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KysoError } from '@kyso/core';
import { sha256Hex } from '../crypto/node-crypto.ts';

export interface BlobStore {
  /** Stores the bytes (idempotent) and returns their lower-case hex SHA-256. */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes, checked against their name; 'not-found' when missing. */
  get(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
}

const HEX64 = /^[0-9a-f]{64}$/;

export class FileBlobStore implements BlobStore {
  readonly #root: string;
  constructor(root: string) {
    this.#root = root;
    mkdirSync(join(root, 'tmp'), { recursive: true, mode: 0o700 });
  }

  #path(sha: string): string {
    if (!HEX64.test(sha)) throw new KysoError('invalid-argument', `not a SHA-256 blob name: ${sha}`);
    return join(this.#root, sha.slice(0, 2), sha.slice(2));
  }

  async put(bytes: Uint8Array): Promise<string> {
    const sha = sha256Hex(bytes);
    const path = this.#path(sha);
    if (await this.has(sha)) return sha;
    mkdirSync(join(this.#root, sha.slice(0, 2)), { recursive: true, mode: 0o700 });
    const tmp = join(this.#root, 'tmp', `${sha}.${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new KysoError('io', `cannot store blob ${sha}: ${(e as Error).message}`, { cause: e });
    }
    // The rename itself must survive a crash before the database row that names the blob commits.
    const dir = await open(join(this.#root, sha.slice(0, 2)), 'r');
    try { await dir.sync(); } finally { await dir.close(); }
    return sha;
  }

  async get(sha: string): Promise<Uint8Array> {
    let buf: Buffer;
    try {
      buf = await readFile(this.#path(sha));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new KysoError('not-found', `blob ${sha} is missing from the document store`);
      throw new KysoError('io', `cannot read blob ${sha}: ${(e as Error).message}`, { cause: e });
    }
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (sha256Hex(bytes) !== sha) throw new KysoError('internal', `blob ${sha} is corrupt in the document store`);
    return bytes;
  }

  async has(sha: string): Promise<boolean> {
    try { return (await stat(this.#path(sha))).isFile(); } catch { return false; }
  }
}
