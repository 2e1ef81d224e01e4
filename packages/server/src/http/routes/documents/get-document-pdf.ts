/** GET /api/v1/documents/:id/pdf — the current PDF. */
import { documentPdf } from '../../../services/document-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { READ, idParams, sendPdf } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/documents/:id/pdf', summary: 'The current PDF', tags: ['documents'], access: READ,
  params: idParams, produces: 'application/pdf',
  handler: async ({ principal, params, reply }, ctx) => {
    const r = await documentPdf(ctx, principal!, params.id);
    return sendPdf(reply, r.bytes, r.filename);
  },
});
