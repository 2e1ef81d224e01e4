/**
 * Fixed-window rate limits kept in the database, so every instance counts the same attempts.
 * `hit` counts one attempt under `key` and says whether it is still within `limit` per window.
 */
import { KysoError } from '@kyso/core';
import type { Kysely } from 'kysely';
import type { KysoDatabase } from '../store/database.ts';

export async function rateLimitHit(db: Kysely<KysoDatabase>, key: string, limit: number, windowMs: number, now: Date): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs).toISOString();
  await db.insertInto('rate_limits').values({ key, window_start: windowStart, count: 1 })
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({
      // A new window resets the count; the same window adds one.
      count: eb.case().when('rate_limits.window_start', '=', windowStart).then(eb('rate_limits.count', '+', 1)).else(1).end(),
      window_start: windowStart,
    }))).execute();
  const row = await db.selectFrom('rate_limits').select(['count']).where('key', '=', key).executeTakeFirstOrThrow();
  const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(windowStart) + windowMs - now.getTime()) / 1000));
  return { allowed: Number(row.count) <= limit, retryAfterSeconds };
}

/**
 * Whether `key` has already used up `limit` in its current window, without counting an attempt
 * (for limits that count failures only). Returns the seconds to wait, or undefined.
 */
export async function rateLimitExhausted(db: Kysely<KysoDatabase>, key: string, limit: number, windowMs: number, now: Date): Promise<number | undefined> {
  const row = await db.selectFrom('rate_limits').select(['count', 'window_start']).where('key', '=', key).executeTakeFirst();
  if (!row) return undefined;
  const windowEnd = Date.parse(row.window_start) + windowMs;
  return Number(row.count) >= limit && windowEnd > now.getTime() ? Math.ceil((windowEnd - now.getTime()) / 1000) : undefined;
}

/** Throws 'rate-limited' (HTTP 429 with Retry-After) when over the limit. */
export async function enforceRateLimit(db: Kysely<KysoDatabase>, key: string, limit: number, now: Date, windowMs = 60_000): Promise<void> {
  const r = await rateLimitHit(db, key, limit, windowMs, now);
  if (!r.allowed) {
    throw new KysoError('rate-limited', `too many requests: try again in ${r.retryAfterSeconds} s`, { details: { retryAfterSeconds: r.retryAfterSeconds } });
  }
}
