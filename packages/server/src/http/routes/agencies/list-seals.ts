/** GET /api/v1/agencies/:id/seals — the agency's seal images (its people, or a system administrator). */
import { z } from 'zod';
import { ROLES } from '../../../auth/principal.ts';
import { listSeals } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { idParams, sealView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/agencies/:id/seals', summary: "The agency's seal images (its people, or a system administrator)", tags: ['agencies'],
  access: { roles: ROLES, scopes: ['documents:read'] }, params: idParams,
  response: z.object({ seals: z.array(sealView) }),
  handler: async ({ principal, params }, ctx) => ({ seals: await listSeals(ctx, principal!, params.id) }),
});
