/** POST /api/v1/auth/passkeys/login/verify — log in with a passkey (sets the session and CSRF cookies). */
import { z } from 'zod';
import { assertionResponseSchema, challengeIdSchema, loginWithPasskey } from '../../../services/passkey-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { loginRateLimit, openedSession, sessionAnswer } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/auth/passkeys/login/verify', summary: 'Log in with a passkey (sets the session and CSRF cookies)', tags: ['auth'],
  access: { public: true }, csrf: false, rateLimit: loginRateLimit,
  body: z.object({ challengeId: challengeIdSchema, response: assertionResponseSchema }).strict(), response: sessionAnswer,
  handler: async ({ body, ip, reply }, ctx) => openedSession(await loginWithPasskey(ctx, { challengeId: body.challengeId, response: body.response, ip }), reply, ctx),
});
