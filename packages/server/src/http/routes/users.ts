/**
 * Routes: the people of an agency (agency administrators manage their own agency's people, system
 * administrators everyone's), passwords, and the leaders' handwritten-signature images.
 */
import { z } from 'zod';
import { ROLES } from '../../auth/principal.ts';
import {
  PERSON_UID, USERNAME, changeOwnPassword, createUser, getSignature, getUser, listUsers, resetPassword, setSignature, updateUser,
} from '../../services/directory-service.ts';
import { route, type RouteDef } from '../route.ts';
import { idParams, sendPng } from './agencies.ts';

const username = z.string().regex(USERNAME, "a username is 3–64 lower-case letters, digits, '.', '_' or '-'");
const uid = z.string().regex(PERSON_UID, 'uid is CCCD: followed by the 12-digit citizen identity number');
const fullName = z.string().trim().min(1).max(200);
const position = z.string().trim().min(1).max(200);
const roles = z.array(z.enum(ROLES)).min(1).max(ROLES.length);
const password = z.string().min(1).max(256);

const userView = z.object({
  id: z.string(), username: z.string(), fullName: z.string(), agencyId: z.string(), position: z.string(), roles: z.array(z.enum(ROLES)),
  uid: z.string().nullable(), status: z.enum(['active', 'disabled']), hasSignature: z.boolean(), lockedUntil: z.string().nullable(), createdAt: z.string(),
});

const ADMINS = ['sysadmin', 'agency_admin'] as const;

export const routes: RouteDef[] = [
  route({
    method: 'GET', url: '/api/v1/users', summary: "People: an agency administrator sees their agency's, a system administrator everyone's (?agencyId to filter)", tags: ['users'],
    access: { roles: ADMINS },
    query: z.object({ agencyId: z.string().min(1).max(100).optional(), limit: z.coerce.number().int().min(1).max(2000).default(500), offset: z.coerce.number().int().min(0).default(0) }),
    response: z.object({ users: z.array(userView), total: z.number() }),
    handler: async ({ principal, query }, ctx) => listUsers(ctx, principal!, query),
  }),
  route({
    method: 'GET', url: '/api/v1/users/:id', summary: 'One person (yourself, or as their administrator)', tags: ['users'],
    access: { roles: ROLES }, params: idParams, response: userView,
    handler: async ({ principal, params }, ctx) => getUser(ctx, principal!, params.id),
  }),
  route({
    method: 'POST', url: '/api/v1/users', summary: 'Create a person (agency administrator: own agency, no sysadmin/auditor role)', tags: ['users'],
    access: { roles: ADMINS }, status: 201,
    body: z.object({ username, fullName, position, roles, uid: uid.optional(), password, agencyId: z.string().min(1).max(100).optional() }).strict(),
    response: userView,
    handler: async ({ principal, body }, ctx) => createUser(ctx, principal!, body),
  }),
  route({
    method: 'PATCH', url: '/api/v1/users/:id', summary: 'Change a person (same rules as creating; agencyId: system administrator only)', tags: ['users'],
    access: { roles: ADMINS }, params: idParams,
    body: z.object({
      fullName: fullName.optional(), position: position.optional(), roles: roles.optional(), status: z.enum(['active', 'disabled']).optional(),
      uid: uid.nullable().optional(), agencyId: z.string().min(1).max(100).optional(),
    }).strict(),
    response: userView,
    handler: async ({ principal, params, body }, ctx) => updateUser(ctx, principal!, { ...body, id: params.id }),
  }),
  route({
    method: 'POST', url: '/api/v1/users/:id/password', summary: "Set a person's password as their administrator (ends their sessions)", tags: ['users'],
    access: { roles: ADMINS }, params: idParams, body: z.object({ password }).strict(),
    handler: async ({ principal, params, body }, ctx) => { await resetPassword(ctx, principal!, { id: params.id, password: body.password }); return { ok: true }; },
  }),
  route({
    method: 'POST', url: '/api/v1/me/password', summary: 'Change your own password (ends your other sessions)', tags: ['users'],
    access: { roles: ROLES }, rateLimit: 10, body: z.object({ current: password, new: password }).strict(),
    handler: async ({ principal, body }, ctx) => { await changeOwnPassword(ctx, principal!, { current: body.current, next: body.new }); return { ok: true }; },
  }),
  route({
    method: 'PUT', url: '/api/v1/users/:id/signature', summary: "Set a person's handwritten-signature image (PNG body): themselves or their agency administrator", tags: ['users'],
    access: { roles: ROLES }, params: idParams, body: 'png', response: userView,
    handler: async ({ principal, params, body }, ctx) => setSignature(ctx, principal!, { id: params.id, png: body as Buffer }),
  }),
  route({
    method: 'GET', url: '/api/v1/users/:id/signature', summary: "A person's handwritten-signature image (PNG)", tags: ['users'],
    access: { roles: ROLES }, params: idParams, produces: 'image/png',
    handler: async ({ principal, params, reply }, ctx) => sendPng(reply, await getSignature(ctx, principal!, params.id)),
  }),
];
