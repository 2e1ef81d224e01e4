/** POST /api/v1/approvals/options — passkey challenge approving the signature or seal of a batch of documents. */
import { z } from 'zod';
import { createApprovalChallenge } from '../../../services/approvals.ts';
import { route, type RouteDef } from '../../route.ts';
import { webauthnOptions } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/approvals/options', summary: 'Passkey challenge approving the signature or seal of these documents (5 minutes, single use)', tags: ['auth'],
  access: { roles: ['leader', 'clerk'] },
  body: z.object({ action: z.enum(['sign', 'seal']), documentIds: z.array(z.string().min(1).max(100)).min(1).max(1000) }).strict(),
  response: webauthnOptions,
  handler: async ({ principal, body }, ctx) => createApprovalChallenge(ctx, principal!, body),
});
