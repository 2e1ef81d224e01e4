/** POST /api/v1/users — create a person (agency administrator: own agency, no sysadmin/auditor role). */
import { z } from 'zod';
import { USERNAME, createUser } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { ADMINS, fullName, password, position, roles, uid, userView } from './schemas.ts';

const username = z.string().regex(USERNAME, "a username is 3–64 lower-case letters, digits, '.', '_' or '-'");

export const definition: RouteDef = route({
  method: 'POST', url: '/api/v1/users', summary: 'Create a person (agency administrator: own agency, no sysadmin/auditor role)', tags: ['users'],
  access: { roles: ADMINS }, status: 201,
  body: z.object({ username, fullName, position, roles, uid: uid.optional(), password, agencyId: z.string().min(1).max(100).optional() }).strict(),
  response: userView,
  handler: async ({ principal, body }, ctx) => createUser(ctx, principal!, body),
});
