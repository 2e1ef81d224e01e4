/** POST /api/v1/auth/login — log in with username and password (sets the session and CSRF cookies). */
import { z } from 'zod';
import { login } from '../../../services/auth-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { loginRateLimit, openedSession, sessionAnswer } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/auth/login', summary: 'Log in with username and password (sets the session and CSRF cookies)', tags: ['auth'],
  access: { public: true }, csrf: false, rateLimit: loginRateLimit,
  body: z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(256) }).strict(),
  response: sessionAnswer,
  handler: async ({ body, ip, reply }, ctx) => openedSession(await login(ctx, { username: body.username, password: body.password, ip }), reply, ctx),
});
