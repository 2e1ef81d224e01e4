/** GET /api/v1/credentials — signing credentials: own (personal + the agency seal), or an agency's for its administrators. */
import { z } from 'zod';
import { ROLES } from '../../../auth/principal.ts';
import { listCredentials } from '../../../services/certificate-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { TAGS, credentialView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/credentials', tags: TAGS,
  summary: 'Signing credentials: own (personal + the agency seal), the agency\'s for an agency administrator, any agency\'s for a system administrator',
  access: { roles: ROLES }, query: z.object({ agencyId: z.string().min(1).max(100).optional() }).strict(),
  response: z.object({ credentials: z.array(credentialView) }),
  handler: async ({ principal, query }, ctx) => ({ credentials: await listCredentials(ctx, principal!, query) }),
});
