/**
 * A kyso data directory (`--dir` for `kyso ca`, `--data` for `kyso serve`): the SQLite database
 * `kyso.db` (or a PostgreSQL URL), with CA keys encrypted inside it or held in a PKCS#11 token.
 */
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KysoError, type Clock, type Linter } from '@kyso/core';
import { lintCertificate } from '@kyso/core/ca/lint/index.ts';
import { openDatabase, type Db } from '../store/database.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { CaService, type CaDeps } from './ca-service.ts';
import { closeCaKeyTokens } from './ca-keys.ts';

import { systemClock as systemClockValue } from './system-clock.ts';

export { systemClock } from './system-clock.ts';

export const defaultLinter: Linter = (cert, opts) => lintCertificate(cert, opts);

export interface CaDirectory {
  dir: string;
  db: Db;
  deps: CaDeps;
  close(): Promise<void>;
}

/**
 * Opens the directory. `create: true` makes it (and the database) when missing; otherwise a missing
 * or unreadable directory, or one without a database, is a clear error.
 */
export async function openCaDirectory(dirInput: string, opts: { create?: boolean; clock?: Clock; dbUrl?: string } = {}): Promise<CaDirectory> {
  const dir = resolve(dirInput);
  const dbPath = join(dir, 'kyso.db');
  if (!opts.dbUrl) {
    if (!existsSync(dir)) {
      if (!opts.create) throw new KysoError('not-found', `directory ${dir} does not exist`);
      try { mkdirSync(dir, { recursive: true, mode: 0o700 }); } catch (e) { throw new KysoError('io', `cannot create directory ${dir}: ${(e as Error).message}`); }
    }
    if (!statSync(dir).isDirectory()) throw new KysoError('io', `${dir} is not a directory`);
    try { accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK); } catch { throw new KysoError('io', `directory ${dir} is not readable and writable`); }
    if (!opts.create && !existsSync(dbPath)) throw new KysoError('not-found', `${dir} holds no kyso CA (no kyso.db): run \`kyso ca init --dir ${dirInput}\``);
  }
  const created = !opts.dbUrl && !existsSync(dbPath);
  let db: Db;
  try {
    db = await openDatabase({ url: opts.dbUrl ?? dbPath });
  } catch (e) {
    if (created) removeDatabaseFiles(dbPath);
    throw e;
  }
  const deps: CaDeps = { db, crypto: nodeCrypto, clock: opts.clock ?? systemClockValue, lint: defaultLinter };
  return {
    dir, db, deps,
    async close() { closeCaKeyTokens(); await db.close(); },
  };
}

export function removeDatabaseFiles(dbPath: string): void {
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true });
}

export { CaService };
