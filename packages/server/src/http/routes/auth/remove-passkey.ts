/** DELETE /api/v1/auth/passkeys/:id — remove one of the logged-in user's passkeys. */
import { z } from 'zod';
import { ROLES } from '../../../auth/principal.ts';
import { removePasskey } from '../../../services/passkey-service.ts';
import { route, type RouteDef } from '../../route.ts';

const credentialParam = z.object({ id: z.string().min(1).max(1366).regex(/^[A-Za-z0-9_-]+$/, 'must be a base64url credential id') }).strict();

export const definition: RouteDef = route({
  method: 'DELETE', url: '/api/v1/auth/passkeys/:id', summary: 'Remove one of the logged-in user\'s passkeys', tags: ['auth'],
  access: { roles: ROLES }, params: credentialParam,
  handler: async ({ principal, params }, ctx) => { await removePasskey(ctx, principal!, params.id); return { ok: true }; },
});
