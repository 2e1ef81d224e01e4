/**
 * Shared by the webhook routes: webhooks of the caller's agency (agency administrator, or an API
 * token with the `webhooks` scope). The secret is answered once, at creation; deliveries are signed
 * with it (webhook-service.ts).
 */
import { z } from 'zod';

export const access = { roles: ['agency_admin'], scopes: ['webhooks'] } as const;

export const webhookView = z.object({
  id: z.string(), agencyId: z.string(), url: z.string(), events: z.array(z.string()), active: z.boolean(), createdBy: z.string(), createdAt: z.string(),
});
