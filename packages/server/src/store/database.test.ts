/**
 * The store's hot paths: migration 0004's partial certificate indexes (the revocation queries use
 * them on SQLite and PostgreSQL; issuing a certificate touches neither) and sqliteWrite (never
 * interleaves with a Kysely transaction; all or nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type CompiledQuery } from 'kysely';
import { DIALECTS, openTestDb } from '../services/test-ca.ts';
import { changedSinceRows, crlEntryRows } from '../services/revocation-service.ts';
import { sqliteWrite, type Db } from './database.ts';

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

test('sqlite: sqliteWrite waits for a Kysely transaction in progress instead of writing inside it', async () => {
  const t = await openTestDb('sqlite');
  try {
    const k = t.db.kysely;
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    // A Kysely transaction that waits between two statements (as a request awaiting crypto would).
    const first = k.transaction().execute(async (trx) => {
      await trx.insertInto('settings').values({ key: 'a', value: '1' }).execute();
      order.push('kysely: first statement');
      await held;
      await trx.insertInto('settings').values({ key: 'b', value: '2' }).execute();
      order.push('kysely: commit');
    });
    await new Promise((r) => setTimeout(r, 10));
    const second = sqliteWrite(t.db, (w) => { w.insert('settings', { key: 'c', value: '3' }); order.push('sqliteWrite'); });
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(order, ['kysely: first statement'], 'sqliteWrite must not run while the transaction holds the connection');
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['kysely: first statement', 'kysely: commit', 'sqliteWrite']);
    // A failure inside rolls the whole write back.
    await assert.rejects(sqliteWrite(t.db, (w) => { w.insert('settings', { key: 'd', value: '4' }); w.insert('settings', { key: 'a', value: 'dup' }); }));
    assert.deepEqual((await k.selectFrom('settings').select('key').orderBy('key').execute()).map((r) => r.key).filter((x) => x.length === 1), ['a', 'b', 'c']);
  } finally {
    await t.cleanup();
  }
});
