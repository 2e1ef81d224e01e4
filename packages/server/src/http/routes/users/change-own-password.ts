/** POST /api/v1/me/password — change your own password (ends your other sessions). */
import { z } from 'zod';
import { ROLES } from '../../../auth/principal.ts';
import { changeOwnPassword } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { password } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/me/password', summary: 'Change your own password (ends your other sessions)', tags: ['users'],
  access: { roles: ROLES }, rateLimit: 10, body: z.object({ current: password, new: password }).strict(),
  handler: async ({ principal, body }, ctx) => { await changeOwnPassword(ctx, principal!, { current: body.current, next: body.new }); return { ok: true }; },
});
