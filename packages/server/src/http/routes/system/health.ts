/** GET /api/v1/health — ready check: 200 when the database answers. */
import { z } from 'zod';
import { sql } from 'kysely';
import { route, type RouteDef } from '../../route.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/health', summary: 'Ready check: 200 when the database answers', tags: ['system'],
  access: { public: true }, response: z.object({ status: z.literal('ok'), database: z.enum(['sqlite', 'postgres']) }),
  handler: async (_req, ctx) => {
    await sql`SELECT 1`.execute(ctx.db.kysely);
    return { status: 'ok', database: ctx.db.dialect };
  },
});
