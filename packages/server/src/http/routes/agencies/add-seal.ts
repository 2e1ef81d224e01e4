/** POST /api/v1/agencies/:id/seals — add a seal image (PNG body) with its physical diameter and validity. */
import { z } from 'zod';
import { SEAL_DIAMETER_MM, addSeal } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { idParams, instant, sealView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/agencies/:id/seals', summary: "Add a seal image (PNG body) with its physical diameter and validity (the agency's administrator or a system administrator)", tags: ['agencies'],
  access: { roles: ['sysadmin', 'agency_admin'] }, params: idParams, body: 'png', status: 201,
  query: z.object({
    diameterMm: z.coerce.number().min(SEAL_DIAMETER_MM.min).max(SEAL_DIAMETER_MM.max),
    validFrom: instant.optional(), validTo: instant.optional(),
  }),
  response: sealView,
  handler: async ({ principal, params, query, body }, ctx) => addSeal(ctx, principal!, { ...query, agencyId: params.id, png: body as Buffer }),
});
