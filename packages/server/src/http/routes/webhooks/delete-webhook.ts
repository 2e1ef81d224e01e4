/** DELETE /api/v1/webhooks/:id — delete a webhook (queued deliveries for it are dropped). */
import { z } from 'zod';
import { deleteWebhook } from '../../../services/webhook-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { access } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'DELETE', url: '/api/v1/webhooks/:id', summary: 'Delete a webhook (queued deliveries for it are dropped)', tags: ['webhooks'],
  access, params: z.object({ id: z.uuid() }),
  response: z.object({ ok: z.literal(true) }),
  handler: async ({ principal, params }, ctx) => { await deleteWebhook(ctx, principal!, params.id); return { ok: true }; },
});
