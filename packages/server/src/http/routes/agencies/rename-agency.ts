/** POST /api/v1/agencies/:id/rename — rename an agency from a date: a new version (system administrator). */
import { z } from 'zod';
import { renameAgency } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { agencyDetail, idParams, instant, name, shortName } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/agencies/:id/rename', summary: 'Rename an agency from a date: a new version (system administrator)', tags: ['agencies'],
  access: { roles: ['sysadmin'] }, params: idParams,
  body: z.object({ name, shortName: shortName.optional(), effectiveFrom: instant }).strict(),
  response: agencyDetail,
  handler: async ({ principal, params, body }, ctx) => renameAgency(ctx, principal!, { ...body, id: params.id }),
});
