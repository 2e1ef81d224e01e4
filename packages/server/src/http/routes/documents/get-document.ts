/** GET /api/v1/documents/:id — a document and its history (one event per revision). */
import { z } from 'zod';
import { getDocument } from '../../../services/document-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { READ, documentView, idParams } from './schemas.ts';

const eventView = z.object({ revision: z.number(), action: z.string(), actor: z.string(), sha256: z.string(), details: z.record(z.string(), z.unknown()), at: z.string() });

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/documents/:id', summary: 'A document and its history (one event per revision)', tags: ['documents'], access: READ,
  params: idParams, response: z.object({ document: documentView, events: z.array(eventView) }),
  handler: async ({ principal, params }, ctx) => getDocument(ctx, principal!, params.id),
});
