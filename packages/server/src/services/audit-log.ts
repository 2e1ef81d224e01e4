/**
 * The server's audit log: every login, approval, issuance, revocation, signature and seal, written in
 * the same transaction as the change it records (so a committed change always has its entry and a
 * rolled-back one never does). Append-only (database triggers) and hash-chained: each entry's hash
 * covers its content and the previous hash, so an edited or deleted row breaks the chain at that
 * point and `verifyAuditLog` names it. On PostgreSQL appends from several instances are serialised
 * with a transaction-scoped advisory lock; SQLite serialises writers itself.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { lockChainForTransaction, type Dialect, type KysoDatabase } from '../store/database.ts';

export const AUDIT_GENESIS = '0'.repeat(64);
const AUDIT_LOCK_KEY = 7_355_001;

export interface AuditEntry {
  seq: number; at: string; actor: string; agencyId: string | null; action: string; target: string | null;
  details: Record<string, unknown>; prevHash: string; hash: string;
}

export interface AuditInput {
  at: Date;
  /** `user:<id>`, `token:<id>`, `system` or `anonymous`. */
  actor: string;
  agencyId?: string | null;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

function auditHash(e: { seq: number; at: string; actor: string; agency_id: string | null; action: string; target: string | null; details: string; prev_hash: string }): string {
  return createHash('sha256').update(JSON.stringify([e.seq, e.at, e.actor, e.agency_id, e.action, e.target, e.details, e.prev_hash])).digest('hex');
}

/** Appends one entry inside the caller's transaction. */
export async function appendAudit(trx: Transaction<KysoDatabase>, dialect: Dialect, input: AuditInput): Promise<AuditEntry> {
  await lockChainForTransaction(trx, dialect, AUDIT_LOCK_KEY);
  const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const row = {
    seq: Number(last?.seq ?? 0) + 1,
    at: input.at.toISOString(),
    actor: input.actor,
    agency_id: input.agencyId ?? null,
    action: input.action,
    target: input.target ?? null,
    details: JSON.stringify(input.details ?? {}),
    prev_hash: last?.hash ?? AUDIT_GENESIS,
  };
  const hash = auditHash(row);
  await trx.insertInto('audit_log').values({ ...row, hash }).execute();
  return { seq: row.seq, at: row.at, actor: row.actor, agencyId: row.agency_id, action: row.action, target: row.target, details: input.details ?? {}, prevHash: row.prev_hash, hash };
}

export interface AuditVerification { ok: boolean; entries: number; brokenAt?: number; reason?: string; lastHash: string }

/** Walks the whole chain in pages; names the first broken link. */
export async function verifyAuditLog(db: Kysely<KysoDatabase>, pageSize = 5000): Promise<AuditVerification> {
  let prev = AUDIT_GENESIS;
  let expected = 1;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>=', expected).orderBy('seq', 'asc').limit(pageSize).execute();
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expected) return { ok: false, entries: expected - 1, brokenAt: expected, reason: `entry ${expected} is missing`, lastHash: prev };
      if (r.prev_hash !== prev) return { ok: false, entries: expected - 1, brokenAt: seq, reason: `entry ${seq} does not follow entry ${seq - 1}`, lastHash: prev };
      if (auditHash({ ...r, seq }) !== r.hash) return { ok: false, entries: expected - 1, brokenAt: seq, reason: `entry ${seq} was altered`, lastHash: prev };
      prev = r.hash;
      expected++;
    }
    if (rows.length < pageSize) return { ok: true, entries: expected - 1, lastHash: prev };
  }
}

/**
 * Entries in order, as plain objects (for export and the audit API). `action`: an exact action
 * (`auth.login`) or a family (`auth.*`); letters, digits, '-' and '.' only.
 */
export async function* readAuditLog(db: Kysely<KysoDatabase>, opts: { fromSeq?: number; agencyId?: string; action?: string; pageSize?: number } = {}): AsyncGenerator<AuditEntry> {
  let from = opts.fromSeq ?? 1;
  const page = opts.pageSize ?? 2000;
  for (;;) {
    let q = db.selectFrom('audit_log').selectAll().where('seq', '>=', from).orderBy('seq', 'asc').limit(page);
    if (opts.agencyId) q = q.where('agency_id', '=', opts.agencyId);
    if (opts.action?.endsWith('.*')) q = q.where('action', 'like', `${opts.action.slice(0, -1)}%`);
    else if (opts.action) q = q.where('action', '=', opts.action);
    const rows = await q.execute();
    for (const r of rows) {
      yield { seq: Number(r.seq), at: r.at, actor: r.actor, agencyId: r.agency_id, action: r.action, target: r.target, details: JSON.parse(r.details) as Record<string, unknown>, prevHash: r.prev_hash, hash: r.hash };
    }
    if (rows.length < page) return;
    from = Number(rows[rows.length - 1]!.seq) + 1;
  }
}
