/** DELETE /api/v1/tokens/:id — revoke an API token. */
import { z } from 'zod';
import { revokeToken } from '../../../services/token-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { tokenView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'DELETE', url: '/api/v1/tokens/:id', summary: 'Revoke an API token', tags: ['tokens'],
  access: { roles: ['agency_admin', 'sysadmin'] }, params: z.object({ id: z.uuid() }).strict(),
  response: z.object({ apiToken: tokenView }),
  handler: async ({ principal, params }, ctx) => ({ apiToken: await revokeToken(ctx, principal!, params.id) }),
});
