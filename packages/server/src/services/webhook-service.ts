/**
 * Webhooks: an agency's other systems follow its document events (issue #6). An agency
 * administrator, or an API token with the `webhooks` scope, registers an http(s) URL and the event
 * types it wants (`document.signed`, `certificate.*`, `*`); the signing secret is generated unless
 * given, shown once, and stored sealed (secret-box.ts). Delivery goes through the job queue, so it
 * survives restarts and any instance may do it:
 *  - an `event` job (ctx.emit) fans out to one `webhook.deliver` job per matching webhook, with the
 *    dedupe key `<event id>:<webhook id>` (running the fan-out twice delivers once);
 *  - `webhook.deliver` POSTs {id, type, agencyId, at, data} with `x-kyso-signature:
 *    sha256=<hex HMAC-SHA256(secret, "<x-kyso-timestamp>.<body>")>`; a non-2xx answer or a network
 *    error throws, and the queue retries with exponential backoff up to the job's max attempts.
 * Receivers should check the signature and the timestamp's freshness, and de-duplicate on the
 * event id (a delivery may arrive twice if an instance dies between sending and recording it).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { KysoError } from '@kyso/core';
import { actorOf, requireAgency, type Principal } from '../auth/principal.ts';
import { enqueueJob } from '../jobs/job-queue.ts';
import { fetchBytes } from '../net/http-fetch.ts';
import type { WebhooksTable } from '../store/database.ts';
import type { DomainEvent, ServerContext } from './server-context.ts';

/** An event type (`document.signed`), a family (`document.*`) or everything (`*`). */
export const EVENT_PATTERN = /^(\*|[a-z][a-z0-9-]*\.(\*|[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*))$/;
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Delivery attempts before a delivery is given up (backoff 1 s, 2 s, … ≈ 8.5 min in all). */
export const WEBHOOK_MAX_ATTEMPTS = 10;
const MAX_WEBHOOKS_PER_AGENCY = 20;

/** What the `event` job carries: the event with the id and time `ctx.emit` gave it. */
export type EmittedEvent = DomainEvent & { id: string; at: string };

export interface WebhookView { id: string; agencyId: string; url: string; events: string[]; active: boolean; createdBy: string; createdAt: string }

function toView(r: WebhooksTable): WebhookView {
  return { id: r.id, agencyId: r.agency_id, url: r.url, events: JSON.parse(r.events) as string[], active: r.active === 1, createdBy: r.created_by, createdAt: r.created_at };
}

const secretLabel = (id: string) => `webhook:${id}`;

/** Whether an event type is wanted by any of the patterns. */
export function eventMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/** `sha256=<hex>` over "<timestamp>.<body>" — what receivers recompute. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function checkUrl(raw: string): string {
  let u: URL;
  try { u = new URL(raw); } catch { throw new KysoError('invalid-argument', `the webhook URL "${raw}" is not a URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new KysoError('invalid-argument', `a webhook URL must be http:// or https://, not ${u.protocol}`);
  if (u.username || u.password) throw new KysoError('invalid-argument', 'a webhook URL must not carry a user name or password (the signature authenticates kyso to the receiver)');
  if (u.hash) throw new KysoError('invalid-argument', 'a webhook URL must not have a #fragment');
  return u.toString();
}

function checkEvents(events: readonly string[]): string[] {
  const out = [...new Set(events)];
  if (out.length === 0) throw new KysoError('invalid-argument', 'a webhook needs at least one event type (e.g. document.signed, document.*, or *)');
  const bad = out.filter((e) => !EVENT_PATTERN.test(e));
  if (bad.length) throw new KysoError('invalid-argument', `not an event type: ${bad.map((b) => `"${b}"`).join(', ')} (use e.g. document.signed, document.*, or *)`);
  return out;
}

/** Registers a webhook for the caller's agency; the secret is returned here and never again. */
export async function createWebhook(ctx: ServerContext, p: Principal, input: { url: string; events: string[]; secret?: string }): Promise<{ webhook: WebhookView; secret: string }> {
  const url = checkUrl(input.url);
  const events = checkEvents(input.events);
  if (input.secret !== undefined && (input.secret.length < 16 || input.secret.length > 256)) throw new KysoError('invalid-argument', 'a webhook secret has 16 to 256 characters');
  const secret = input.secret ?? `whsec_${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  const now = ctx.clock.now().toISOString();
  const row: WebhooksTable = {
    id, agency_id: p.agencyId, url, secret_enc: ctx.secretBox.seal(secret, secretLabel(id)), events: JSON.stringify(events), active: 1,
    created_by: actorOf(p), created_at: now,
  };
  await ctx.tx(async (trx) => {
    const count = await trx.selectFrom('webhooks').select((eb) => eb.fn.countAll<string | number>().as('n')).where('agency_id', '=', p.agencyId).executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_WEBHOOKS_PER_AGENCY) throw new KysoError('conflict', `an agency has at most ${MAX_WEBHOOKS_PER_AGENCY} webhooks: delete one first`);
    await trx.insertInto('webhooks').values(row).execute();
    await ctx.audit(trx, { actor: actorOf(p), agencyId: p.agencyId, action: 'webhook.created', target: id, details: { url, events } });
  });
  return { webhook: toView(row), secret };
}

/** The caller's agency's webhooks (secrets are never shown again). */
export async function listWebhooks(ctx: ServerContext, p: Principal): Promise<WebhookView[]> {
  const rows = await ctx.db.kysely.selectFrom('webhooks').selectAll().where('agency_id', '=', p.agencyId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toView);
}

/** Removes a webhook of the caller's agency; deliveries still queued for it are dropped. */
export async function deleteWebhook(ctx: ServerContext, p: Principal, id: string): Promise<void> {
  await ctx.tx(async (trx) => {
    const row = await trx.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new KysoError('not-found', `webhook ${id} not found`);
    requireAgency(p, row.agency_id, 'this webhook');
    await trx.deleteFrom('webhooks').where('id', '=', id).execute();
    await ctx.audit(trx, { actor: actorOf(p), agencyId: row.agency_id, action: 'webhook.deleted', target: id, details: { url: row.url, events: JSON.parse(row.events) as string[] } });
  });
}

/** `event` job: one delivery job per active webhook of the event's agency that wants it. */
export async function fanOutEvent(ctx: ServerContext, event: EmittedEvent): Promise<number> {
  const hooks = await ctx.db.kysely.selectFrom('webhooks').select(['id', 'events']).where('agency_id', '=', event.agencyId).where('active', '=', 1).execute();
  const wanted = hooks.filter((h) => eventMatches(JSON.parse(h.events) as string[], event.type));
  if (wanted.length === 0) return 0;
  await ctx.tx(async (trx) => {
    for (const h of wanted) {
      await enqueueJob(trx, ctx.clock, { kind: 'webhook.deliver', payload: { webhookId: h.id, event }, dedupeKey: `${event.id}:${h.id}`, maxAttempts: WEBHOOK_MAX_ATTEMPTS });
    }
  });
  return wanted.length;
}

/** `webhook.deliver` job: one signed POST; throws (→ retry) unless the receiver answers 2xx. */
export async function deliverWebhook(ctx: ServerContext, payload: { webhookId: string; event: EmittedEvent }, deliveryId: string): Promise<void> {
  const hook = await ctx.db.kysely.selectFrom('webhooks').selectAll().where('id', '=', payload.webhookId).executeTakeFirst();
  if (!hook || hook.active !== 1) {
    ctx.log.info({ webhookId: payload.webhookId, eventId: payload.event.id }, 'webhook removed: delivery dropped');
    return;
  }
  const secret = ctx.secretBox.open(hook.secret_enc, secretLabel(hook.id));
  const { id, type, agencyId, at, data } = payload.event;
  const body = JSON.stringify({ id, type, agencyId, at, data });
  const timestamp = String(Math.floor(ctx.clock.now().getTime() / 1000));
  const res = await fetchBytes(hook.url, {
    method: 'POST', body: new TextEncoder().encode(body), contentType: 'application/json', timeoutMs: WEBHOOK_TIMEOUT_MS,
    headers: {
      'user-agent': 'kyso-webhooks/1', 'x-kyso-event': type, 'x-kyso-delivery': deliveryId, 'x-kyso-timestamp': timestamp,
      'x-kyso-signature': webhookSignature(secret, timestamp, body),
    },
  });
  if (res.status < 200 || res.status > 299) throw new KysoError('io', `webhook ${hook.url} answered HTTP ${res.status}`);
}

/** Registers the `event` and `webhook.deliver` job kinds. */
export function registerWebhookJobs(ctx: ServerContext): void {
  ctx.jobs.on('event', async (event: EmittedEvent) => { await fanOutEvent(ctx, event); });
  ctx.jobs.on('webhook.deliver', async (payload: { webhookId: string; event: EmittedEvent }, job) => { await deliverWebhook(ctx, payload, job.id); });
}
