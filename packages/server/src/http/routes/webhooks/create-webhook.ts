/** POST /api/v1/webhooks — register a webhook for document events; the signing secret is answered once. */
import { z } from 'zod';
import { createWebhook } from '../../../services/webhook-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { access, webhookView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/webhooks', summary: 'Register a webhook for document events; the signing secret is answered once', tags: ['webhooks'],
  access, status: 201,
  body: z.object({
    url: z.string().min(1).max(2000),
    events: z.array(z.string().min(1).max(100)).min(1).max(50),
    secret: z.string().optional(),
  }).strict(),
  response: z.object({ webhook: webhookView, secret: z.string() }),
  handler: async ({ principal, body }, ctx) => createWebhook(ctx, principal!, body),
});
