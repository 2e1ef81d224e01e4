/** POST /api/v1/auth/passkeys/register/verify — finish registering a passkey (the authenticator's attestation). */
import { z } from 'zod';
import { ROLES } from '../../../auth/principal.ts';
import { challengeIdSchema, registerPasskey, registrationResponseSchema } from '../../../services/passkey-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { passkeyView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/auth/passkeys/register/verify', summary: 'Finish registering a passkey (the authenticator\'s attestation)', tags: ['auth'],
  access: { roles: ROLES }, status: 201,
  body: z.object({ challengeId: challengeIdSchema, response: registrationResponseSchema, name: z.string().trim().min(1).max(100) }).strict(),
  response: z.object({ passkey: passkeyView }),
  handler: async ({ principal, body }, ctx) => ({ passkey: await registerPasskey(ctx, principal!, body) }),
});
