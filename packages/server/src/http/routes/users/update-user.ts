/** PATCH /api/v1/users/:id — change a person (same rules as creating; agencyId: system administrator only). */
import { z } from 'zod';
import { updateUser } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { idParams } from '../agencies/schemas.ts';
import { ADMINS, fullName, position, roles, uid, userView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'PATCH', url: '/api/v1/users/:id', summary: 'Change a person (same rules as creating; agencyId: system administrator only)', tags: ['users'],
  access: { roles: ADMINS }, params: idParams,
  body: z.object({
    fullName: fullName.optional(), position: position.optional(), roles: roles.optional(), status: z.enum(['active', 'disabled']).optional(),
    uid: uid.nullable().optional(), agencyId: z.string().min(1).max(100).optional(),
  }).strict(),
  response: userView,
  handler: async ({ principal, params, body }, ctx) => updateUser(ctx, principal!, { ...body, id: params.id }),
});
