/** POST /api/v1/agencies/merge — merge agencies into a target: sources dissolved, their people move (system administrator). */
import { z } from 'zod';
import { mergeAgencies } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { agencyDetail, instant, name, shortName } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/agencies/merge', summary: 'Merge agencies into a target: sources dissolved, their people move (system administrator)', tags: ['agencies'],
  access: { roles: ['sysadmin'] },
  body: z.object({
    sourceIds: z.array(z.string().min(1).max(100)).min(1).max(200), targetId: z.string().min(1).max(100), effectiveFrom: instant,
    newName: name.optional(), newShortName: shortName.optional(),
  }).strict(),
  response: agencyDetail.extend({ movedUsers: z.number(), movedAgencies: z.number() }),
  handler: async ({ principal, body }, ctx) => mergeAgencies(ctx, principal!, body),
});
