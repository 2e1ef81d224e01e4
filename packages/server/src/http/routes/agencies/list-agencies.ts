/** GET /api/v1/agencies — the agency tree with the names in force now (or at ?at=). */
import { z } from 'zod';
import { ROLES, SCOPES } from '../../../auth/principal.ts';
import { listAgencyTree } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { instant } from './schemas.ts';

const agencyNode = z.object({
  id: z.string(), code: z.string(), level: z.string(), status: z.string(), parentId: z.string().nullable(),
  name: z.string(), shortName: z.string(), version: z.number(), effectiveFrom: z.string(),
  get children(): z.ZodArray<typeof agencyNode> { return z.array(agencyNode); },
});

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/agencies', summary: 'The agency tree with the names in force now (or at ?at=)', tags: ['agencies'],
  access: { roles: ROLES, scopes: SCOPES },
  query: z.object({ at: instant.optional() }),
  response: z.object({ at: z.string(), agencies: z.array(agencyNode) }),
  handler: async ({ query }, ctx) => {
    const at = query.at ?? ctx.clock.now();
    return { at: at.toISOString(), agencies: await listAgencyTree(ctx, at) };
  },
});
