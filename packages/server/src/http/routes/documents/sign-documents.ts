/** POST /api/v1/documents/sign — the leader signs a batch of drafts under one passkey approval or the key's PIN. */
import { z } from 'zod';
import { approvalSchema } from '../../../services/approvals.ts';
import { signDocuments } from '../../../services/document-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { batchResult, documentIds, pin } from './schemas.ts';

const placement = z.union([
  z.object({ anchor: z.string().min(1).max(200) }).strict(),
  z.object({ page: z.number().int().min(1), xMm: z.number().min(0).max(2000), yMm: z.number().min(0).max(2000) }).strict(),
]);

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/documents/sign',
  summary: 'The leader signs drafts (Decree 30 official preset, PAdES at the configured level): one passkey approval, or the key\'s PIN, for the batch',
  tags: ['documents'], access: { roles: ['leader'] },
  body: z.object({ documentIds, approval: approvalSchema.optional(), pin: pin.optional(), placement: placement.optional() }).strict(),
  response: batchResult,
  handler: async ({ principal, body }, ctx) => signDocuments(ctx, principal!, body),
});
