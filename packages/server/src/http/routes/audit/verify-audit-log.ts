/** GET /api/v1/audit/verify — check the whole hash chain of the audit log (auditor, system administrator); names the first broken entry. */
import { z } from 'zod';
import { verifyAuditLog } from '../../../services/audit-log.ts';
import { route, type RouteDef } from '../../route.ts';

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/audit/verify', summary: 'Check the whole hash chain; names the first broken entry', tags: ['audit'],
  access: { roles: ['auditor', 'sysadmin'] },
  response: z.object({ ok: z.boolean(), entries: z.number(), brokenAt: z.number().optional(), reason: z.string().optional(), lastHash: z.string() }),
  handler: async (_req, ctx) => verifyAuditLog(ctx.db.kysely),
});
