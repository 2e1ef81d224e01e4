/** POST /api/v1/agencies — create an agency (system administrator). */
import { z } from 'zod';
import { createAgency } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { agencyDetail, code, instant, level, name, shortName } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/agencies', summary: 'Create an agency (system administrator)', tags: ['agencies'],
  access: { roles: ['sysadmin'] }, status: 201,
  body: z.object({ code, name, shortName, level, parentId: z.string().min(1).max(100).optional(), effectiveFrom: instant.optional() }).strict(),
  response: agencyDetail,
  handler: async ({ principal, body }, ctx) => createAgency(ctx, principal!, body),
});
