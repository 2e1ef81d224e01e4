/**
 * Shared by the agency directory routes (tree, dated name versions, create / rename / merge / split,
 * the agencies' seal images) and, for `idParams` and `sendPng`, the people routes. Every change is a
 * new version; old ones stay, so documents keep the name their agency had when they were signed
 * (directory-service.ts).
 */
import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { AGENCY_CODE, AGENCY_LEVELS } from '../../../services/directory-service.ts';

/** Answers with a PNG image (seal or signature), private to the caller. */
export function sendPng(reply: FastifyReply, png: Uint8Array): FastifyReply {
  return reply.code(200).header('content-type', 'image/png').header('cache-control', 'private, no-store').send(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
}

/**
 * A point in time: an ISO 8601 date-time with offset, or a plain date, which means midnight in
 * Vietnam (UTC+7, no daylight saving), the way decisions state when they take effect.
 */
export const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00+07:00` : s))
  .describe('ISO 8601 date-time with offset, or a date (midnight, Vietnam time)');

/** `:id` of an agency, person or seal (unknown ids are 404s, not 400s). */
export const idParams = z.object({ id: z.string().min(1).max(100) });
export const code = z.string().regex(AGENCY_CODE, 'an agency code per Decision 20/2020/QĐ-TTg looks like 000.00.00.H99');
export const name = z.string().trim().min(1).max(300);
export const shortName = z.string().trim().min(1).max(50);
export const level = z.enum(AGENCY_LEVELS);

const versionView = z.object({
  version: z.number(), name: z.string(), shortName: z.string(), parentName: z.string().nullable(),
  effectiveFrom: z.string(), effectiveTo: z.string().nullable(), change: z.string(), details: z.record(z.string(), z.unknown()),
});
export const agencyDetail = z.object({
  id: z.string(), code: z.string(), level: z.string(), status: z.enum(['active', 'dissolved']), parentId: z.string().nullable(), createdAt: z.string(),
  current: versionView.nullable(), versions: z.array(versionView),
});
export const sealView = z.object({
  id: z.string(), agencyId: z.string(), sha256: z.string(), diameterMm: z.number(), validFrom: z.string(), validTo: z.string().nullable(), createdBy: z.string(), createdAt: z.string(),
});
