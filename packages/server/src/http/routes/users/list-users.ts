/** GET /api/v1/users — people: an agency administrator sees their agency's, a system administrator everyone's. */
import { z } from 'zod';
import { listUsers } from '../../../services/directory-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { ADMINS, userView } from './schemas.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/users', summary: "People: an agency administrator sees their agency's, a system administrator everyone's (?agencyId to filter)", tags: ['users'],
  access: { roles: ADMINS },
  query: z.object({ agencyId: z.string().min(1).max(100).optional(), limit: z.coerce.number().int().min(1).max(2000).default(500), offset: z.coerce.number().int().min(0).default(0) }),
  response: z.object({ users: z.array(userView), total: z.number() }),
  handler: async ({ principal, query }, ctx) => listUsers(ctx, principal!, query),
});
