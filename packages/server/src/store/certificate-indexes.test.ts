/**
 * Migration 0004: the revocation queries use the partial indexes, on SQLite and PostgreSQL, and
 * those indexes hold only certificates whose status changed — issuing one does not touch them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type CompiledQuery } from 'kysely';
import { DIALECTS, openTestDb } from '../services/test-ca.ts';
import { changedSinceRows, crlEntryRows } from '../services/revocation-service.ts';
import type { Db } from './database.ts';

async function plan(db: Db, q: CompiledQuery): Promise<string> {
  const prefix = db.dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
  const r = await db.kysely.executeQuery<Record<string, unknown>>({ ...q, sql: prefix + q.sql } as CompiledQuery<Record<string, unknown>>);
  return r.rows.map((row) => String(row.detail ?? row['QUERY PLAN'])).join('\n');
}

for (const dialect of DIALECTS) {
  test(`${dialect}: CRL and changed-since queries use the partial certificate indexes`, async () => {
    const t = await openTestDb(dialect);
    try {
      // PostgreSQL would rather scan a tiny table: forbid that so the plan shows what the index allows.
      if (dialect === 'postgres') await sql`SET enable_seqscan = off`.execute(t.db.kysely);
      assert.match(await plan(t.db, crlEntryRows(t.db.kysely, 'issuing').compile()), /certificates_changed_ca_status/);
      assert.match(await plan(t.db, changedSinceRows(t.db.kysely, new Date()).compile()), /certificates_changed_at/);
      const names = dialect === 'sqlite'
        ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'certificates'`.execute(t.db.kysely)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'certificates' AND schemaname = current_schema()`.execute(t.db.kysely)).rows.map((r) => r.name);
      assert.ok(!names.includes('certificates_subject') && !names.includes('certificates_ca_status') && !names.includes('certificates_status_changed'), names.join(', '));
    } finally {
      await t.cleanup();
    }
  });
}

test('sqlite: the certificate indexes are partial; the CRL and changed-since queries still find the revoked certificate only', async () => {
  const t = await openTestDb('sqlite');
  try {
    const k = t.db.kysely;
    await sql`PRAGMA foreign_keys = OFF`.execute(k);
    const row = (serial: string, changed: string | null) => ({
      serial, ca_id: 'issuing', profile: 'official', subject: 'CN=A', uid: null, agency_code: null, key_spec: 'p256', spki_sha256: '00',
      not_before: '2026-01-01T00:00:00.000Z', not_after: '2027-01-01T00:00:00.000Z', status: changed ? 'revoked' : 'good', status_changed_at: changed,
      revocation_reason: null, revoked_at: changed, replaces: null, der: new Uint8Array(1), created_at: '2026-01-01T00:00:00.000Z',
    });
    await k.insertInto('certificates').values([row('01', null), row('02', '2026-06-01T00:00:00.000Z')] as never).execute();
    // Both are partial indexes (PRAGMA index_list: partial = 1), so the good certificate has no entry.
    const list = (await sql<{ name: string; partial: number }>`PRAGMA index_list(certificates)`.execute(k)).rows;
    for (const name of ['certificates_changed_ca_status', 'certificates_changed_at']) {
      assert.equal(list.find((i) => i.name === name)?.partial, 1, name);
    }
    assert.deepEqual((await crlEntryRows(k, 'issuing').execute()).map((r) => r.serial), ['02']);
    assert.deepEqual(await changedSinceRows(k, new Date('2026-01-01')).execute(), [{ serial: '02' }]);
  } finally {
    await t.cleanup();
  }
});
