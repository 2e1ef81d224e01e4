/** GET /api/v1/auth/me — the logged-in user. */
import { z } from 'zod';
import { KysoError } from '@kyso/core';
import { ROLES } from '../../../auth/principal.ts';
import { toUserView } from '../../../services/auth-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { userView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/auth/me', summary: 'The logged-in user', tags: ['auth'],
  access: { roles: ROLES }, response: z.object({ user: userView }),
  handler: async ({ principal }, ctx) => {
    const u = await ctx.db.kysely.selectFrom('users').selectAll().where('id', '=', principal!.id).executeTakeFirst();
    if (!u) throw new KysoError('auth', 'log in again');
    return { user: toUserView(u) };
  },
});
