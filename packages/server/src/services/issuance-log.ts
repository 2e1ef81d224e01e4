/**
 * The CA's issuance log: append-only (database triggers refuse UPDATE/DELETE) and hash-chained, so a
 * row removed or edited behind the database's back is detected by `verifyIssuanceLog`.
 */
import { createHash } from 'node:crypto';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { insertRow, lockChainForTransaction, type Dialect, type KysoDatabase, type SqliteWriter } from '../store/database.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface LogEntry { seq: number; at: string; action: string; serial: string | null; details: string; prev_hash: string; hash: string }

function entryHash(e: Omit<LogEntry, 'hash'>): string {
  const canonical = JSON.stringify([e.seq, e.at, e.action, e.serial, e.details, e.prev_hash]);
  return createHash('sha256').update(canonical).digest('hex');
}

const ISSUANCE_LOCK_KEY = 7_355_002;
/** The chain's head; compiled once (issuance hot path, see insertRow). */
const LAST_ENTRY = CompiledQuery.raw('select "seq", "hash" from "issuance_log" order by "seq" desc limit 1', []);

type LogInput = { at: Date; action: string; serial?: string | null; details?: Record<string, unknown> };

/** The entry that follows `last` (the chain's head, if any). */
function nextEntry(last: { seq: number; hash: string } | undefined, entry: LogInput): LogEntry {
  const base = {
    seq: (last?.seq ?? 0) + 1,
    at: entry.at.toISOString(),
    action: entry.action,
    serial: entry.serial ?? null,
    details: JSON.stringify(entry.details ?? {}),
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  return { ...base, hash: entryHash(base) };
}

/**
 * Appends one entry inside the caller's transaction; on PostgreSQL several instances (server
 * approvals, the CLI) append one at a time, so two never take the same sequence number.
 */
export async function appendIssuanceLog(trx: Transaction<KysoDatabase>, dialect: Dialect, entry: LogInput): Promise<LogEntry> {
  await lockChainForTransaction(trx, dialect, ISSUANCE_LOCK_KEY);
  const row = nextEntry((await trx.executeQuery(LAST_ENTRY)).rows[0] as { seq: number; hash: string } | undefined, entry);
  await insertRow(trx, dialect, 'issuance_log', row);
  return row;
}

/** The same append inside an SQLite transaction of `sqliteWrite` (SQLite has one writer: no lock needed). */
export function appendIssuanceLogSqlite(w: SqliteWriter, entry: LogInput): LogEntry {
  const row = nextEntry(w.get<{ seq: number; hash: string }>(LAST_ENTRY.sql), entry);
  w.insert('issuance_log', row);
  return row;
}

/** Checks the whole chain; names the first broken link. */
export async function verifyIssuanceLog(db: Kysely<KysoDatabase>): Promise<{ ok: boolean; entries: number; brokenAt?: number; reason?: string }> {
  const rows = await db.selectFrom('issuance_log').selectAll().orderBy('seq', 'asc').execute();
  let prev = GENESIS_HASH;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const seq = Number(r.seq);
    if (seq !== i + 1) return { ok: false, entries: rows.length, brokenAt: i + 1, reason: `entry ${i + 1} is missing` };
    if (r.prev_hash !== prev) return { ok: false, entries: rows.length, brokenAt: seq, reason: `entry ${seq} does not follow entry ${seq - 1}` };
    if (entryHash({ ...r, seq }) !== r.hash) return { ok: false, entries: rows.length, brokenAt: seq, reason: `entry ${seq} was altered` };
    prev = r.hash;
  }
  return { ok: true, entries: rows.length };
}
