/** Routes: password login, logout, who am I. */
import { z } from 'zod';
import { ROLES } from '../../auth/principal.ts';
import { clearedCookies, sessionCookies } from '../../auth/sessions.ts';
import { login, logout, toUserView } from '../../services/auth-service.ts';
import { route, type RouteDef } from '../route.ts';
import { KysoError } from '@kyso/core';

const userView = z.object({ id: z.string(), username: z.string(), fullName: z.string(), agencyId: z.string(), position: z.string(), roles: z.array(z.enum(ROLES)) });

export const routes: RouteDef[] = [
  route({
    method: 'POST', url: '/api/v1/auth/login', summary: 'Log in with username and password (sets the session and CSRF cookies)', tags: ['auth'],
    access: { public: true }, csrf: false, rateLimit: 30,
    body: z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(256) }).strict(),
    response: z.object({ user: userView, csrfToken: z.string(), expiresAt: z.string() }),
    handler: async ({ body, ip, reply }, ctx) => {
      const r = await login(ctx, { username: body.username, password: body.password, ip });
      reply.header('set-cookie', sessionCookies(r.session, ctx.publicUrl.startsWith('https:')));
      return { user: r.user, csrfToken: r.session.csrf, expiresAt: r.session.expiresAt.toISOString() };
    },
  }),
  route({
    method: 'POST', url: '/api/v1/auth/logout', summary: 'End the session', tags: ['auth'],
    access: { roles: ROLES },
    handler: async ({ principal, reply }, ctx) => {
      await logout(ctx, principal!);
      reply.header('set-cookie', clearedCookies());
      return { ok: true };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/auth/me', summary: 'The logged-in user', tags: ['auth'],
    access: { roles: ROLES }, response: z.object({ user: userView }),
    handler: async ({ principal }, ctx) => {
      const u = await ctx.db.kysely.selectFrom('users').selectAll().where('id', '=', principal!.id).executeTakeFirst();
      if (!u) throw new KysoError('auth', 'log in again');
      return { user: toUserView(u) };
    },
  }),
];
