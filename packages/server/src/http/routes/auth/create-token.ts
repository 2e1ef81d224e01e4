/** POST /api/v1/tokens — create an API token for the agency (the secret is shown once). */
import { z } from 'zod';
import { SCOPES } from '../../../auth/principal.ts';
import { createToken } from '../../../services/token-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { tokenView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/tokens', summary: 'Create an API token for the agency (the secret is shown once)', tags: ['tokens'],
  access: { roles: ['agency_admin', 'sysadmin'] }, status: 201,
  body: z.object({
    name: z.string().trim().min(1).max(100), scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
    expiresInDays: z.number().int().min(1).max(3650).optional(), agencyId: z.string().min(1).max(100).optional(),
  }).strict(),
  response: z.object({ token: z.string(), apiToken: tokenView }),
  handler: async ({ principal, body }, ctx) => {
    const { token, ...view } = await createToken(ctx, principal!, body);
    return { token, apiToken: view };
  },
});
