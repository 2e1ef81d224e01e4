/**
 * The job kinds every instance runs: `event` (fan a domain event out to the agency's webhooks) and
 * the scheduled ones (certificate expiry reminders). Each area registers its handlers here.
 */
import type { ServerContext } from './server-context.ts';
import { registerWebhookJobs } from './webhook-service.ts';
import { enqueueJob } from '../jobs/job-queue.ts';
import { sendExpiryReminders } from './certificate-service.ts';

/** Daily: remind agencies of certificates ending within 30/7/1 days (certificate-service.ts). */
export const EXPIRY_REMINDERS_JOB = 'certificates.expiry-reminders';

/** UTC calendar date, YYYY-MM-DD. */
const dayOf = (d: Date): string => d.toISOString().slice(0, 10);

/**
 * Enqueues the daily jobs' next runs (at start, on every instance: the dedupe key per day makes it
 * one job, whoever enqueues it first). `day` defaults to today: a job for today runs at once if it
 * has not run yet; each run enqueues the next day's, at 00:00 UTC.
 */
export async function scheduleDailyJobs(ctx: ServerContext, day: Date = ctx.clock.now()): Promise<void> {
  const date = dayOf(day);
  const start = new Date(`${date}T00:00:00.000Z`);
  await enqueueJob(ctx.db.kysely, ctx.clock, {
    kind: EXPIRY_REMINDERS_JOB, payload: { date }, dedupeKey: `expiry-reminders:${date}`,
    runAt: start.getTime() > ctx.clock.now().getTime() ? start : ctx.clock.now(),
  });
}

export function registerJobHandlers(ctx: ServerContext): void {
  // `event` → one `webhook.deliver` per matching webhook (webhook-service.ts).
  registerWebhookJobs(ctx);
  ctx.jobs.on(EXPIRY_REMINDERS_JOB, async () => {
    await sendExpiryReminders(ctx);
    await scheduleDailyJobs(ctx, new Date(ctx.clock.now().getTime() + 86_400_000));
  });
}
