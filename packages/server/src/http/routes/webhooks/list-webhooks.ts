/** GET /api/v1/webhooks — the agency's webhooks (without their secrets). */
import { z } from 'zod';
import { listWebhooks } from '../../../services/webhook-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { access, webhookView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/webhooks', summary: "The agency's webhooks (without their secrets)", tags: ['webhooks'],
  access, response: z.object({ webhooks: z.array(webhookView) }),
  handler: async ({ principal }, ctx) => ({ webhooks: await listWebhooks(ctx, principal!) }),
});
