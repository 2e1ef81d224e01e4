/** GET /api/v1/documents — the agency's documents, newest first. */
import { z } from 'zod';
import { listDocuments } from '../../../services/document-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { READ, documentView, kind, series, status } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/documents', summary: 'The agency\'s documents, newest first', tags: ['documents'], access: READ,
  query: z.object({
    status: status.optional(), series: series.optional(), kind: kind.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).default(0),
  }).strict(),
  response: z.object({ items: z.array(documentView), total: z.number(), limit: z.number(), offset: z.number() }),
  handler: async ({ principal, query }, ctx) => listDocuments(ctx, principal!, query),
});
