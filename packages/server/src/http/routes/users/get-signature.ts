/** GET /api/v1/users/:id/signature — a person's handwritten-signature image (PNG). */
import { ROLES } from '../../../auth/principal.ts';
import { getSignature } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { idParams, sendPng } from '../agencies/schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/users/:id/signature', summary: "A person's handwritten-signature image (PNG)", tags: ['users'],
  access: { roles: ROLES }, params: idParams, produces: 'image/png',
  handler: async ({ principal, params, reply }, ctx) => sendPng(reply, await getSignature(ctx, principal!, params.id)),
});
