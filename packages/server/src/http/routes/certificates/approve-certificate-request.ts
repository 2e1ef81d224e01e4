/** POST /api/v1/certificate-requests/:id/approve — approve a request (system administrator other than the requester): the CA acts at once. */
import { z } from 'zod';
import { approveCertRequest } from '../../../services/certificate-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { TAGS, idParams, requestView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/certificate-requests/:id/approve', tags: TAGS,
  summary: 'Approve a request (system administrator other than the requester): the CA acts at once',
  access: { roles: ['sysadmin'] }, params: idParams, response: z.object({ request: requestView }),
  handler: async ({ principal, params }, ctx) => ({ request: await approveCertRequest(ctx, principal!, params.id) }),
});
