/** GET /api/v1/seals/:id/image — a seal image (PNG). */
import { ROLES } from '../../../auth/principal.ts';
import { readSealImage } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { idParams, sendPng } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/seals/:id/image', summary: 'A seal image (PNG)', tags: ['agencies'],
  access: { roles: ROLES, scopes: ['documents:read'] }, params: idParams, produces: 'image/png',
  handler: async ({ principal, params, reply }, ctx) => {
    const png = await readSealImage(ctx, principal!, params.id);
    return sendPng(reply, png);
  },
});
