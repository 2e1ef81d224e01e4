/** POST /api/v1/documents/seal — the clerk numbers and seals a batch of signed documents and their attachments. */
import { z } from 'zod';
import { approvalSchema } from '../../../services/approvals.ts';
import { sealDocuments } from '../../../services/document-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { batchResult, documentIds, pin } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/documents/seal',
  summary: 'The clerk numbers and seals documents its leader signed, and seals their attachments: one passkey approval, or the key\'s PIN, for the batch',
  tags: ['documents'], access: { roles: ['clerk'] },
  body: z.object({ documentIds, approval: approvalSchema.optional(), pin: pin.optional() }).strict(),
  response: batchResult,
  handler: async ({ principal, body }, ctx) => sealDocuments(ctx, principal!, body),
});
