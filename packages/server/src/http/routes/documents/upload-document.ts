/** POST /api/v1/documents — upload a draft PDF (body application/pdf) of the caller's agency. */
import { z } from 'zod';
import { uploadDocument } from '../../../services/document-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { STAFF, documentId, documentView, kind, series } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/documents', summary: 'Upload a draft PDF (body application/pdf) of the caller\'s agency', tags: ['documents'],
  access: { roles: STAFF, scopes: ['documents:write'] }, status: 201, body: 'pdf',
  query: z.object({
    title: z.string().min(1).max(500), series: series.optional(), kind: kind.default('document'), parentId: documentId.optional(),
    filename: z.string().min(1).max(200).regex(/^[^/\\\0]+$/, 'a file name, not a path').optional(),
  }).strict(),
  response: z.object({ document: documentView }),
  handler: async ({ principal, query, body }, ctx) => {
    const bytes = body as unknown as Buffer;
    const document = await uploadDocument(ctx, principal!, {
      bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), title: query.title, series: query.series, kind: query.kind,
      parentId: query.parentId, filename: query.filename,
    });
    return { document };
  },
});
