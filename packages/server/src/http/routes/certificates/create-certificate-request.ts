/** POST /api/v1/certificate-requests — request a certificate action (issue, renew, suspend, resume, revoke) for a provincial administrator to approve. */
import { z } from 'zod';
import { REVOCATION_REASONS } from '../../../services/ca-service.ts';
import { HOLDER_KINDS, KEY_TYPES, REQUEST_ACTIONS, createCertRequest } from '../../../services/certificate-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { ADMINS, TAGS, requestView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/certificate-requests', tags: TAGS, status: 201,
  summary: 'Request a certificate action (issue, renew, suspend, resume, revoke) for an official or the agency seal; a provincial administrator approves it',
  access: { roles: ADMINS },
  body: z.object({
    action: z.enum(REQUEST_ACTIONS),
    kind: z.enum(HOLDER_KINDS),
    userId: z.string().min(1).max(100).optional(),
    agencyId: z.string().min(1).max(100).optional(),
    serial: z.string().min(1).max(80).optional(),
    keyType: z.enum(KEY_TYPES).optional(),
    days: z.number().int().positive().optional(),
    reason: z.string().trim().min(1).max(500).optional()
      .describe(`revoke: required, one of ${Object.keys(REVOCATION_REASONS).join(', ')}; suspend/resume: an optional note`),
  }).strict(),
  response: z.object({ request: requestView }),
  handler: async ({ principal, body }, ctx) => ({ request: await createCertRequest(ctx, principal!, body) }),
});
