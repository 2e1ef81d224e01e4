/** GET /api/v1/certificate-requests — certificate requests: all for a system administrator, the own agency's for an agency administrator. */
import { z } from 'zod';
import { REQUEST_STATUSES, listCertRequests } from '../../../services/certificate-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { ADMINS, TAGS, requestView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/certificate-requests', tags: TAGS,
  summary: 'Certificate requests: all for a system administrator, the own agency\'s for an agency administrator',
  access: { roles: ADMINS },
  query: z.object({
    status: z.enum(REQUEST_STATUSES).optional(), agencyId: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  }).strict(),
  response: z.object({ requests: z.array(requestView) }),
  handler: async ({ principal, query }, ctx) => ({ requests: await listCertRequests(ctx, principal!, query) }),
});
