/** POST /api/v1/auth/passkeys/login/options — start a passkey login (WebAuthn assertion options). */
import { z } from 'zod';
import { loginOptions } from '../../../services/passkey-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { loginRateLimit, webauthnOptions } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/auth/passkeys/login/options', summary: 'Start a passkey login (assertion options, 5 minutes)', tags: ['auth'],
  access: { public: true }, csrf: false, rateLimit: loginRateLimit,
  body: z.object({ username: z.string().min(1).max(100).optional() }).strict().default({}), response: webauthnOptions,
  handler: async ({ body }, ctx) => loginOptions(ctx, { username: body.username }),
});
