/**
 * Routes: the agency directory (tree, dated name versions, create / rename / merge / split) and the
 * agencies' seal images. Every change is a new version; old ones stay, so documents keep the name
 * their agency had when they were signed (directory-service.ts).
 */
import { z } from 'zod';
import { ROLES, SCOPES } from '../../auth/principal.ts';
import {
  AGENCY_CODE, AGENCY_LEVELS, SEAL_DIAMETER_MM, addSeal, listAgencyTree, createAgency, getAgency, listSeals, mergeAgencies, renameAgency,
  readSealImage, splitAgency,
} from '../../services/directory-service.ts';
import { route, type RouteDef } from '../route.ts';
import type { FastifyReply } from 'fastify';

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
const code = z.string().regex(AGENCY_CODE, 'an agency code per Decision 20/2020/QĐ-TTg looks like 000.00.00.H99');
const name = z.string().trim().min(1).max(300);
const shortName = z.string().trim().min(1).max(50);
const level = z.enum(AGENCY_LEVELS);

const versionView = z.object({
  version: z.number(), name: z.string(), shortName: z.string(), parentName: z.string().nullable(),
  effectiveFrom: z.string(), effectiveTo: z.string().nullable(), change: z.string(), details: z.record(z.string(), z.unknown()),
});
const agencyDetail = z.object({
  id: z.string(), code: z.string(), level: z.string(), status: z.enum(['active', 'dissolved']), parentId: z.string().nullable(), createdAt: z.string(),
  current: versionView.nullable(), versions: z.array(versionView),
});
const agencyNode = z.object({
  id: z.string(), code: z.string(), level: z.string(), status: z.string(), parentId: z.string().nullable(),
  name: z.string(), shortName: z.string(), version: z.number(), effectiveFrom: z.string(),
  get children(): z.ZodArray<typeof agencyNode> { return z.array(agencyNode); },
});
const sealView = z.object({
  id: z.string(), agencyId: z.string(), sha256: z.string(), diameterMm: z.number(), validFrom: z.string(), validTo: z.string().nullable(), createdBy: z.string(), createdAt: z.string(),
});

export const routes: RouteDef[] = [
  route({
    method: 'GET', url: '/api/v1/agencies', summary: 'The agency tree with the names in force now (or at ?at=)', tags: ['agencies'],
    access: { roles: ROLES, scopes: SCOPES },
    query: z.object({ at: instant.optional() }),
    response: z.object({ at: z.string(), agencies: z.array(agencyNode) }),
    handler: async ({ query }, ctx) => {
      const at = query.at ?? ctx.clock.now();
      return { at: at.toISOString(), agencies: await listAgencyTree(ctx, at) };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/agencies/:id', summary: 'An agency and its full version history', tags: ['agencies'],
    access: { roles: ROLES, scopes: SCOPES }, params: idParams, response: agencyDetail,
    handler: async ({ params }, ctx) => getAgency(ctx, params.id),
  }),
  route({
    method: 'POST', url: '/api/v1/agencies', summary: 'Create an agency (system administrator)', tags: ['agencies'],
    access: { roles: ['sysadmin'] }, status: 201,
    body: z.object({ code, name, shortName, level, parentId: z.string().min(1).max(100).optional(), effectiveFrom: instant.optional() }).strict(),
    response: agencyDetail,
    handler: async ({ principal, body }, ctx) => createAgency(ctx, principal!, body),
  }),
  route({
    method: 'POST', url: '/api/v1/agencies/:id/rename', summary: 'Rename an agency from a date: a new version (system administrator)', tags: ['agencies'],
    access: { roles: ['sysadmin'] }, params: idParams,
    body: z.object({ name, shortName: shortName.optional(), effectiveFrom: instant }).strict(),
    response: agencyDetail,
    handler: async ({ principal, params, body }, ctx) => renameAgency(ctx, principal!, { ...body, id: params.id }),
  }),
  route({
    method: 'POST', url: '/api/v1/agencies/merge', summary: 'Merge agencies into a target: sources dissolved, their people move (system administrator)', tags: ['agencies'],
    access: { roles: ['sysadmin'] },
    body: z.object({
      sourceIds: z.array(z.string().min(1).max(100)).min(1).max(200), targetId: z.string().min(1).max(100), effectiveFrom: instant,
      newName: name.optional(), newShortName: shortName.optional(),
    }).strict(),
    response: agencyDetail.extend({ movedUsers: z.number(), movedAgencies: z.number() }),
    handler: async ({ principal, body }, ctx) => mergeAgencies(ctx, principal!, body),
  }),
  route({
    method: 'POST', url: '/api/v1/agencies/:id/split', summary: 'Split an agency into new ones; the source is dissolved unless keepSource (system administrator)', tags: ['agencies'],
    access: { roles: ['sysadmin'] }, params: idParams,
    body: z.object({
      into: z.array(z.object({ code, name, shortName, level: level.optional(), userIds: z.array(z.string().min(1).max(100)).max(10_000).optional() }).strict()).min(1).max(100),
      effectiveFrom: instant, keepSource: z.boolean().optional(),
    }).strict(),
    response: z.object({ source: agencyDetail, created: z.array(agencyDetail), unassignedUsers: z.number() }),
    handler: async ({ principal, params, body }, ctx) => splitAgency(ctx, principal!, { ...body, id: params.id }),
  }),
  route({
    method: 'POST', url: '/api/v1/agencies/:id/seals', summary: "Add a seal image (PNG body) with its physical diameter and validity (the agency's administrator or a system administrator)", tags: ['agencies'],
    access: { roles: ['sysadmin', 'agency_admin'] }, params: idParams, body: 'png', status: 201,
    query: z.object({
      diameterMm: z.coerce.number().min(SEAL_DIAMETER_MM.min).max(SEAL_DIAMETER_MM.max),
      validFrom: instant.optional(), validTo: instant.optional(),
    }),
    response: sealView,
    handler: async ({ principal, params, query, body }, ctx) => addSeal(ctx, principal!, { ...query, agencyId: params.id, png: body as Buffer }),
  }),
  route({
    method: 'GET', url: '/api/v1/agencies/:id/seals', summary: "The agency's seal images (its people, or a system administrator)", tags: ['agencies'],
    access: { roles: ROLES, scopes: ['documents:read'] }, params: idParams,
    response: z.object({ seals: z.array(sealView) }),
    handler: async ({ principal, params }, ctx) => ({ seals: await listSeals(ctx, principal!, params.id) }),
  }),
  route({
    method: 'GET', url: '/api/v1/seals/:id/image', summary: 'A seal image (PNG)', tags: ['agencies'],
    access: { roles: ROLES, scopes: ['documents:read'] }, params: idParams, produces: 'image/png',
    handler: async ({ principal, params, reply }, ctx) => {
      const png = await readSealImage(ctx, principal!, params.id);
      return sendPng(reply, png);
    },
  }),
];
