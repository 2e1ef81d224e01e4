/** GET /api/v1/tokens — the agency's API tokens (never their secrets). */
import { z } from 'zod';
import { listTokens } from '../../../services/token-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { tokenView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/tokens', summary: 'The agency\'s API tokens (never their secrets)', tags: ['tokens'],
  access: { roles: ['agency_admin', 'sysadmin'] }, query: z.object({ agencyId: z.string().min(1).max(100).optional() }).strict(),
  response: z.object({ tokens: z.array(tokenView) }),
  handler: async ({ principal, query }, ctx) => ({ tokens: await listTokens(ctx, principal!, query) }),
});
