/** POST /api/v1/agencies/:id/split — split an agency into new ones; the source is dissolved unless keepSource (system administrator). */
import { z } from 'zod';
import { splitAgency } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { agencyDetail, code, idParams, instant, level, name, shortName } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/agencies/:id/split', summary: 'Split an agency into new ones; the source is dissolved unless keepSource (system administrator)', tags: ['agencies'],
  access: { roles: ['sysadmin'] }, params: idParams,
  body: z.object({
    into: z.array(z.object({ code, name, shortName, level: level.optional(), userIds: z.array(z.string().min(1).max(100)).max(10_000).optional() }).strict()).min(1).max(100),
    effectiveFrom: instant, keepSource: z.boolean().optional(),
  }).strict(),
  response: z.object({ source: agencyDetail, created: z.array(agencyDetail), unassignedUsers: z.number() }),
  handler: async ({ principal, params, body }, ctx) => splitAgency(ctx, principal!, { ...body, id: params.id }),
});
