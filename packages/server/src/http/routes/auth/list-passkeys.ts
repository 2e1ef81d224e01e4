/** GET /api/v1/auth/passkeys — the logged-in user's passkeys. */
import { z } from 'zod';
import { ROLES } from '../../../auth/principal.ts';
import { listPasskeys } from '../../../services/passkey-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { passkeyView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/auth/passkeys', summary: 'The logged-in user\'s passkeys', tags: ['auth'],
  access: { roles: ROLES }, response: z.object({ passkeys: z.array(passkeyView) }),
  handler: async ({ principal }, ctx) => ({ passkeys: await listPasskeys(ctx, principal!) }),
});
