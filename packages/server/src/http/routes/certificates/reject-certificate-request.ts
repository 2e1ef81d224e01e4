/** POST /api/v1/certificate-requests/:id/reject — reject a request with a reason (system administrator). */
import { z } from 'zod';
import { rejectCertRequest } from '../../../services/certificate-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { TAGS, idParams, requestView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/certificate-requests/:id/reject', tags: TAGS,
  summary: 'Reject a request with a reason (system administrator)',
  access: { roles: ['sysadmin'] }, params: idParams,
  body: z.object({ reason: z.string().trim().min(3).max(500) }).strict(),
  response: z.object({ request: requestView }),
  handler: async ({ principal, params, body }, ctx) => ({ request: await rejectCertRequest(ctx, principal!, params.id, body.reason) }),
});
