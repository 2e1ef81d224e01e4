/** GET /api/v1/agencies/:id — an agency and its full version history. */
import { ROLES, SCOPES } from '../../../auth/principal.ts';
import { getAgency } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { agencyDetail, idParams } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/agencies/:id', summary: 'An agency and its full version history', tags: ['agencies'],
  access: { roles: ROLES, scopes: SCOPES }, params: idParams, response: agencyDetail,
  handler: async ({ params }, ctx) => getAgency(ctx, params.id),
});
