/**
 * Routes: webhooks of the caller's agency (agency administrator, or an API token with the `webhooks`
 * scope). The secret is answered once, at creation; deliveries are signed with it (webhook-service.ts).
 */
import { z } from 'zod';
import { createWebhook, deleteWebhook, listWebhooks } from '../../services/webhook-service.ts';
import { route, type RouteDef } from '../route.ts';

const access = { roles: ['agency_admin'], scopes: ['webhooks'] } as const;

const webhookView = z.object({
  id: z.string(), agencyId: z.string(), url: z.string(), events: z.array(z.string()), active: z.boolean(), createdBy: z.string(), createdAt: z.string(),
});

export const routes: RouteDef[] = [
  route({
    method: 'POST', url: '/api/v1/webhooks', summary: 'Register a webhook for document events; the signing secret is answered once', tags: ['webhooks'],
    access, status: 201,
    body: z.object({
      url: z.string().min(1).max(2000),
      events: z.array(z.string().min(1).max(100)).min(1).max(50),
      secret: z.string().optional(),
    }).strict(),
    response: z.object({ webhook: webhookView, secret: z.string() }),
    handler: async ({ principal, body }, ctx) => createWebhook(ctx, principal!, body),
  }),
  route({
    method: 'GET', url: '/api/v1/webhooks', summary: "The agency's webhooks (without their secrets)", tags: ['webhooks'],
    access, response: z.object({ webhooks: z.array(webhookView) }),
    handler: async ({ principal }, ctx) => ({ webhooks: await listWebhooks(ctx, principal!) }),
  }),
  route({
    method: 'DELETE', url: '/api/v1/webhooks/:id', summary: 'Delete a webhook (queued deliveries for it are dropped)', tags: ['webhooks'],
    access, params: z.object({ id: z.uuid() }),
    response: z.object({ ok: z.literal(true) }),
    handler: async ({ principal, params }, ctx) => { await deleteWebhook(ctx, principal!, params.id); return { ok: true }; },
  }),
];
