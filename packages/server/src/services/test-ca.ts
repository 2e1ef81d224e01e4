/**
 * Test support: a CA on a fresh SQLite file or a fresh PostgreSQL schema, with a frozen clock.
 * PostgreSQL is at 127.0.0.1:5432 (trust auth, database `test`) on development and CI machines;
 * KYSO_TEST_PG overrides the URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Clock } from '@kyso/core';
import { openDatabase, type Db } from '../store/database.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { defaultLinter } from './ca-directory.ts';
import type { CaDeps } from './ca-service.ts';

export const PG_URL = process.env.KYSO_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
export const DIALECTS = ['sqlite', 'postgres'] as const;

/** A clock tests can move. */
export class FrozenClock implements Clock {
  #t: number;
  constructor(iso = '2026-11-27T02:15:30Z') { this.#t = Date.parse(iso); }
  now(): Date { return new Date(this.#t); }
  set(iso: string): void { this.#t = Date.parse(iso); }
  advanceDays(d: number): void { this.#t += d * 86_400_000; }
}

export interface TestDb { db: Db; deps: CaDeps; clock: FrozenClock; cleanup(): Promise<void> }

export async function openTestDb(dialect: 'sqlite' | 'postgres', clock = new FrozenClock()): Promise<TestDb> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-db-'));
    const db = await openDatabase({ url: join(dir, 'kyso.db') });
    return {
      db, clock, deps: { db, crypto: nodeCrypto, clock, lint: defaultLinter },
      async cleanup() { await db.close(); rmSync(dir, { recursive: true, force: true }); },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ url: PG_URL, schema });
  return {
    db, clock, deps: { db, crypto: nodeCrypto, clock, lint: defaultLinter },
    async cleanup() {
      await db.close();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try { await c.query(`DROP SCHEMA ${schema} CASCADE`); } finally { await c.end(); }
    },
  };
}

export const TEST_PASSPHRASE = 'correct horse battery staple';

export const TEST_CEREMONY = {
  root: { subject: 'CN=Test Root CA,O=Ủy ban nhân dân tỉnh Thử nghiệm,C=VN', key: 'p384', years: 20 },
  issuing: { subject: 'CN=Test Issuing CA,O=Ủy ban nhân dân tỉnh Thử nghiệm,C=VN', key: 'p256', years: 10 },
  baseUrl: 'http://127.0.0.1:8080',
  policies: ['2.999.84.1.1'],
};
