/**
 * Routes: an agency's documents — upload a draft PDF, list and read them (metadata, history, every
 * revision's bytes), the leader's batch signature and the clerk's batch seal (Decree 30/2020/NĐ-CP,
 * Art. 13–16), each batch under one passkey approval or the key's PIN. Only the agency's own people
 * (officer, leader, clerk) and its API tokens reach its documents.
 */
import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { approvalSchema } from '../../services/approvals.ts';
import { SERIES_PATTERN } from '../../services/numbering.ts';
import {
  documentPdf, getDocument, listDocuments, sealDocuments, signDocuments, uploadDocument,
} from '../../services/document-service.ts';
import { route, type RouteDef } from '../route.ts';

const STAFF = ['officer', 'leader', 'clerk'] as const;
const READ = { roles: STAFF, scopes: ['documents:read'] } as const;

const documentId = z.uuid();
const idParams = z.object({ id: documentId }).strict();
const status = z.enum(['draft', 'signed', 'sealed']);
const kind = z.enum(['document', 'attachment']);
const series = z.string().regex(SERIES_PATTERN, 'a document type abbreviation: QĐ, CV, TTr, BC, TB, …');

const documentView = z.object({
  id: z.string(), agencyId: z.string(), agencyVersion: z.number(), kind, parentId: z.string().nullable(), title: z.string(), series: z.string(),
  status, revision: z.number(), sha256: z.string(), originalSha256: z.string(), filename: z.string(), createdBy: z.string(), createdAt: z.string(),
  updatedAt: z.string(), signedBy: z.string().nullable(), signedAt: z.string().nullable(), sealedBy: z.string().nullable(), sealedAt: z.string().nullable(),
  number: z.number().nullable(), numberYear: z.number().nullable(), numberText: z.string().nullable(), docDate: z.string().nullable(),
});
const eventView = z.object({ revision: z.number(), action: z.string(), actor: z.string(), sha256: z.string(), details: z.record(z.string(), z.unknown()), at: z.string() });

const documentIds = z.array(documentId).min(1).max(100);
const pin = z.string().min(1).max(64);
const placement = z.union([
  z.object({ anchor: z.string().min(1).max(200) }).strict(),
  z.object({ page: z.number().int().min(1), xMm: z.number().min(0).max(2000), yMm: z.number().min(0).max(2000) }).strict(),
]);
const batchResult = z.object({
  results: z.array(z.union([
    z.object({ id: z.string(), ok: z.literal(true), status, revision: z.number(), sha256: z.string(), numberText: z.string().nullable() }),
    z.object({ id: z.string(), ok: z.literal(false), error: z.object({ kind: z.string(), message: z.string() }) }),
  ])),
  succeeded: z.number(), failed: z.number(),
});

/** Sends PDF bytes as a download (the title may be Vietnamese: RFC 6266 filename*). */
function sendPdf(reply: FastifyReply, bytes: Uint8Array, filename: string): FastifyReply {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return reply.header('content-type', 'application/pdf').header('cache-control', 'private, no-store')
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

export const routes: RouteDef[] = [
  route({
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
  }),
  route({
    method: 'GET', url: '/api/v1/documents', summary: 'The agency\'s documents, newest first', tags: ['documents'], access: READ,
    query: z.object({
      status: status.optional(), series: series.optional(), kind: kind.optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).default(0),
    }).strict(),
    response: z.object({ items: z.array(documentView), total: z.number(), limit: z.number(), offset: z.number() }),
    handler: async ({ principal, query }, ctx) => listDocuments(ctx, principal!, query),
  }),
  route({
    method: 'GET', url: '/api/v1/documents/:id', summary: 'A document and its history (one event per revision)', tags: ['documents'], access: READ,
    params: idParams, response: z.object({ document: documentView, events: z.array(eventView) }),
    handler: async ({ principal, params }, ctx) => getDocument(ctx, principal!, params.id),
  }),
  route({
    method: 'GET', url: '/api/v1/documents/:id/pdf', summary: 'The current PDF', tags: ['documents'], access: READ,
    params: idParams, produces: 'application/pdf',
    handler: async ({ principal, params, reply }, ctx) => {
      const r = await documentPdf(ctx, principal!, params.id);
      return sendPdf(reply, r.bytes, r.filename);
    },
  }),
  route({
    method: 'GET', url: '/api/v1/documents/:id/revisions/:rev/pdf', summary: 'The PDF as it was at one revision', tags: ['documents'], access: READ,
    params: z.object({ id: documentId, rev: z.coerce.number().int().min(1) }).strict(), produces: 'application/pdf',
    handler: async ({ principal, params, reply }, ctx) => {
      const r = await documentPdf(ctx, principal!, params.id, params.rev);
      return sendPdf(reply, r.bytes, r.filename.replace(/(\.pdf)?$/i, `.r${r.revision}.pdf`));
    },
  }),
  route({
    method: 'POST', url: '/api/v1/documents/sign',
    summary: 'The leader signs drafts (Decree 30 official preset, PAdES at the configured level): one passkey approval, or the key\'s PIN, for the batch',
    tags: ['documents'], access: { roles: ['leader'] },
    body: z.object({ documentIds, approval: approvalSchema.optional(), pin: pin.optional(), placement: placement.optional() }).strict(),
    response: batchResult,
    handler: async ({ principal, body }, ctx) => signDocuments(ctx, principal!, body),
  }),
  route({
    method: 'POST', url: '/api/v1/documents/seal',
    summary: 'The clerk numbers and seals documents its leader signed, and seals their attachments: one passkey approval, or the key\'s PIN, for the batch',
    tags: ['documents'], access: { roles: ['clerk'] },
    body: z.object({ documentIds, approval: approvalSchema.optional(), pin: pin.optional() }).strict(),
    response: batchResult,
    handler: async ({ principal, body }, ctx) => sealDocuments(ctx, principal!, body),
  }),
];
