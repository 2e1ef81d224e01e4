/** PUT /api/v1/users/:id/signature — set a person's handwritten-signature image (PNG body). */
import { ROLES } from '../../../auth/principal.ts';
import { setSignature } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { idParams } from '../agencies/schemas.ts';
import { userView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'PUT', url: '/api/v1/users/:id/signature', summary: "Set a person's handwritten-signature image (PNG body): themselves or their agency administrator", tags: ['users'],
  access: { roles: ROLES }, params: idParams, body: 'png', response: userView,
  handler: async ({ principal, params, body }, ctx) => setSignature(ctx, principal!, { id: params.id, png: body as Buffer }),
});
