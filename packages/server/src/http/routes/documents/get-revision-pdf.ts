/** GET /api/v1/documents/:id/revisions/:rev/pdf — the PDF as it was at one revision. */
import { z } from 'zod';
import { documentPdf } from '../../../services/document-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { READ, documentId, sendPdf } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/documents/:id/revisions/:rev/pdf', summary: 'The PDF as it was at one revision', tags: ['documents'], access: READ,
  params: z.object({ id: documentId, rev: z.coerce.number().int().min(1) }).strict(), produces: 'application/pdf',
  handler: async ({ principal, params, reply }, ctx) => {
    const r = await documentPdf(ctx, principal!, params.id, params.rev);
    return sendPdf(reply, r.bytes, r.filename.replace(/(\.pdf)?$/i, `.r${r.revision}.pdf`));
  },
});
