/** POST /api/v1/users/:id/password — set a person's password as their administrator (ends their sessions). */
import { z } from 'zod';
import { resetPassword } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { idParams } from '../agencies/schemas.ts';
import { ADMINS, password } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/users/:id/password', summary: "Set a person's password as their administrator (ends their sessions)", tags: ['users'],
  access: { roles: ADMINS }, params: idParams, body: z.object({ password }).strict(),
  handler: async ({ principal, params, body }, ctx) => { await resetPassword(ctx, principal!, { id: params.id, password: body.password }); return { ok: true }; },
});
