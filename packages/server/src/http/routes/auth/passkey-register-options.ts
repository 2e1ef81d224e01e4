/** POST /api/v1/auth/passkeys/register/options — start registering a passkey (WebAuthn creation options). */
import { ROLES } from '../../../auth/principal.ts';
import { registrationOptions } from '../../../services/passkey-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { webauthnOptions } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/auth/passkeys/register/options', summary: 'Start registering a passkey for the logged-in user (creation options, 5 minutes)', tags: ['auth'],
  access: { roles: ROLES }, response: webauthnOptions,
  handler: async ({ principal }, ctx) => registrationOptions(ctx, principal!),
});
