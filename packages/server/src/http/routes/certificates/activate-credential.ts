/** POST /api/v1/credentials/:serial/activate — activate an issued credential, optionally putting its key under a PIN. */
import { z } from 'zod';
import { ROLES } from '../../../auth/principal.ts';
import { activateCredential } from '../../../services/certificate-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { TAGS, credentialView, serialParams } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/credentials/:serial/activate', tags: TAGS,
  summary: 'Activate an issued credential (the official, or a clerk for the agency seal), optionally putting its key under a PIN',
  access: { roles: ROLES }, params: serialParams,
  body: z.object({ pin: z.string().regex(/^\d{6,12}$/, 'a signing PIN is 6 to 12 digits').optional() }).strict().optional(),
  response: z.object({ credential: credentialView }),
  handler: async ({ principal, params, body }, ctx) => ({ credential: await activateCredential(ctx, principal!, params.serial, body?.pin) }),
});
