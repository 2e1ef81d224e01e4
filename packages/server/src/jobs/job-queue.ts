/**
 * A durable job queue in the database, shared by every server instance: jobs are claimed with
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL (so two instances never run the same job) and under
 * SQLite's single writer otherwise; a claim is a lease (`locked_until`), so a job whose instance died
 * is taken again after the lease; failures retry with exponential backoff up to `max_attempts`.
 * Handlers must be idempotent (a job may run twice if an instance dies after its work but before
 * marking it done).
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Clock } from '@kyso/core';
import type { Dialect, JobsTable, KysoDatabase } from '../store/database.ts';

export interface JobInput { kind: string; payload: unknown; runAt?: Date; maxAttempts?: number; dedupeKey?: string }
export type JobHandler = (payload: any, job: JobsTable) => Promise<void>;

export async function enqueueJob(db: Kysely<KysoDatabase> | Transaction<KysoDatabase>, clock: Clock, job: JobInput): Promise<string> {
  const id = randomUUID();
  const now = clock.now();
  await db.insertInto('jobs').values({
    id, kind: job.kind, payload: JSON.stringify(job.payload ?? null), dedupe_key: job.dedupeKey ?? null, status: 'queued',
    run_at: (job.runAt ?? now).toISOString(), attempts: 0, max_attempts: job.maxAttempts ?? 8,
    locked_by: null, locked_until: null, last_error: null, created_at: now.toISOString(), finished_at: null,
  }).onConflict((oc) => oc.column('dedupe_key').doNothing()).execute();
  return id;
}

export interface JobRunnerOptions { db: Kysely<KysoDatabase>; dialect: Dialect; clock: Clock; instanceId: string; leaseMs?: number; pollMs?: number; batch?: number }

export class JobRunner {
  readonly #o: Required<JobRunnerOptions>;
  readonly #handlers = new Map<string, JobHandler>();
  #timer?: NodeJS.Timeout;
  #running?: Promise<number>;

  constructor(o: JobRunnerOptions) {
    this.#o = { leaseMs: 60_000, pollMs: 1000, batch: 10, ...o };
  }

  on(kind: string, handler: JobHandler): this { this.#handlers.set(kind, handler); return this; }

  /** Claims due jobs (ours by lease) and returns them. */
  async claim(limit = this.#o.batch): Promise<JobsTable[]> {
    const now = this.#o.clock.now();
    const nowIso = now.toISOString();
    const until = new Date(now.getTime() + this.#o.leaseMs).toISOString();
    const kinds = [...this.#handlers.keys()];
    if (kinds.length === 0) return [];
    const due = (eb: any) => eb.or([
      eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', nowIso)]),
      eb.and([eb('status', '=', 'running'), eb('locked_until', '<', nowIso)]),
    ]);
    return this.#o.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('jobs').select('id').where(due).where('kind', 'in', kinds).orderBy('run_at').limit(limit);
      if (this.#o.dialect === 'postgres') q = q.forUpdate().skipLocked();
      const ids = (await q.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      return trx.updateTable('jobs')
        .set((eb) => ({ status: 'running', locked_by: this.#o.instanceId, locked_until: until, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', ids).returningAll().execute();
    });
  }

  /** Runs every due job once; returns how many ran. */
  async runDue(): Promise<number> {
    const jobs = await this.claim();
    for (const job of jobs) {
      const handler = this.#handlers.get(job.kind)!;
      const finishedAt = () => this.#o.clock.now().toISOString();
      try {
        await handler(JSON.parse(job.payload), job);
        await this.#o.db.updateTable('jobs').set({ status: 'done', finished_at: finishedAt(), locked_until: null, last_error: null })
          .where('id', '=', job.id).where('locked_by', '=', this.#o.instanceId).execute();
      } catch (e) {
        const attempts = Number(job.attempts);
        const failed = attempts >= job.max_attempts;
        const backoffMs = Math.min(3_600_000, 1000 * 2 ** (attempts - 1));
        await this.#o.db.updateTable('jobs').set({
          status: failed ? 'failed' : 'queued', last_error: String((e as Error)?.message ?? e).slice(0, 2000), locked_until: null,
          run_at: new Date(this.#o.clock.now().getTime() + backoffMs).toISOString(), finished_at: failed ? finishedAt() : null,
        }).where('id', '=', job.id).where('locked_by', '=', this.#o.instanceId).execute();
      }
    }
    return jobs.length;
  }

  /** Polls until stop(); one pass at a time. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.runDue().catch(() => 0).finally(() => { this.#running = undefined; });
    }, this.#o.pollMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}

export { sql };
