/**
 * Shared by the document routes: an agency's documents — upload a draft PDF, list and read them
 * (metadata, history, every revision's bytes), the leader's batch signature and the clerk's batch
 * seal (Decree 30/2020/NĐ-CP, Art. 13–16), each batch under one passkey approval or the key's PIN.
 * Only the agency's own people (officer, leader, clerk) and its API tokens reach its documents.
 */
import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { SERIES_PATTERN } from '../../../services/numbering.ts';

export const STAFF = ['officer', 'leader', 'clerk'] as const;
export const READ = { roles: STAFF, scopes: ['documents:read'] } as const;

export const documentId = z.uuid();
export const idParams = z.object({ id: documentId }).strict();
export const status = z.enum(['draft', 'signed', 'sealed']);
export const kind = z.enum(['document', 'attachment']);
export const series = z.string().regex(SERIES_PATTERN, 'a document type abbreviation: QĐ, CV, TTr, BC, TB, …');

export const documentView = z.object({
  id: z.string(), agencyId: z.string(), agencyVersion: z.number(), kind, parentId: z.string().nullable(), title: z.string(), series: z.string(),
  status, revision: z.number(), sha256: z.string(), originalSha256: z.string(), filename: z.string(), createdBy: z.string(), createdAt: z.string(),
  updatedAt: z.string(), signedBy: z.string().nullable(), signedAt: z.string().nullable(), sealedBy: z.string().nullable(), sealedAt: z.string().nullable(),
  number: z.number().nullable(), numberYear: z.number().nullable(), numberText: z.string().nullable(), docDate: z.string().nullable(),
});

export const documentIds = z.array(documentId).min(1).max(100);
export const pin = z.string().min(1).max(64);
export const batchResult = z.object({
  results: z.array(z.union([
    z.object({ id: z.string(), ok: z.literal(true), status, revision: z.number(), sha256: z.string(), numberText: z.string().nullable() }),
    z.object({ id: z.string(), ok: z.literal(false), error: z.object({ kind: z.string(), message: z.string() }) }),
  ])),
  succeeded: z.number(), failed: z.number(),
});

/** Sends PDF bytes as a download (the title may be Vietnamese: RFC 6266 filename*). */
export function sendPdf(reply: FastifyReply, bytes: Uint8Array, filename: string): FastifyReply {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return reply.header('content-type', 'application/pdf').header('cache-control', 'private, no-store')
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
