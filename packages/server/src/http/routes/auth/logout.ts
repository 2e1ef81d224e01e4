/** POST /api/v1/auth/logout — end the session (clears the cookies). */
import { ROLES } from '../../../auth/principal.ts';
import { clearedCookies } from '../../../auth/sessions.ts';
import { logout } from '../../../services/auth-service.ts';
import { route, type RouteDef } from '../../route.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/auth/logout', summary: 'End the session', tags: ['auth'],
  access: { roles: ROLES },
  handler: async ({ principal, reply }, ctx) => {
    await logout(ctx, principal!);
    reply.header('set-cookie', clearedCookies());
    return { ok: true };
  },
});
