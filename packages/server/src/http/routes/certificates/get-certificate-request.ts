/** GET /api/v1/certificate-requests/:id — one certificate request. */
import { z } from 'zod';
import { getCertRequest } from '../../../services/certificate-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { ADMINS, TAGS, idParams, requestView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/certificate-requests/:id', tags: TAGS, summary: 'One certificate request',
  access: { roles: ADMINS }, params: idParams, response: z.object({ request: requestView }),
  handler: async ({ principal, params }, ctx) => ({ request: await getCertRequest(ctx, principal!, params.id) }),
});
