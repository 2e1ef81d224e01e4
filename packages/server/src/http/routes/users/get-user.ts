/** GET /api/v1/users/:id — one person (yourself, or as their administrator). */
import { ROLES } from '../../../auth/principal.ts';
import { getUser } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { idParams } from '../agencies/schemas.ts';
import { userView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/users/:id', summary: 'One person (yourself, or as their administrator)', tags: ['users'],
  access: { roles: ROLES }, params: idParams, response: userView,
  handler: async ({ principal, params }, ctx) => getUser(ctx, principal!, params.id),
});
