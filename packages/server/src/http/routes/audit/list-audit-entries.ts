/** GET /api/v1/audit — audit entries in order (auditor: every agency; agency administrator or `audit:read` token: its own), paged by sequence number. */
import { z } from 'zod';
import { KysoError } from '@kyso/core';
import { hasRole, type Principal } from '../../../auth/principal.ts';
import { readAuditLog, type AuditEntry } from '../../../services/audit-log.ts';
import type { ServerContext } from '../../../services/server-context.ts';
import { route, type RouteDef } from '../../route.ts';

const entryView = z.object({
  seq: z.number(), at: z.string(), actor: z.string(), agencyId: z.string().nullable(), action: z.string(), target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()), prevHash: z.string(), hash: z.string(),
});

const auditQuery = z.object({
  fromSeq: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  action: z.string().max(100).regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*(\.\*)?$/, 'an action (auth.login) or a family (auth.*)').optional(),
  agencyId: z.uuid().optional(),
}).strict();

/** One page of entries the principal may read, from `fromSeq` on; `next` is where the next page starts. */
async function auditPage(ctx: ServerContext, p: Principal, q: z.infer<typeof auditQuery>): Promise<{ entries: AuditEntry[]; next: number | null }> {
  const everyAgency = p.kind === 'user' && hasRole(p, 'auditor');
  if (!everyAgency && q.agencyId !== undefined && q.agencyId !== p.agencyId) throw new KysoError('forbidden', "only an auditor reads other agencies' audit entries");
  const agencyId = everyAgency ? q.agencyId : p.agencyId;
  const entries: AuditEntry[] = [];
  for await (const e of readAuditLog(ctx.db.kysely, { fromSeq: q.fromSeq, agencyId, action: q.action, pageSize: q.limit + 1 })) {
    entries.push(e);
    if (entries.length > q.limit) break;
  }
  const next = entries.length > q.limit ? entries.pop()!.seq : null;
  return { entries, next };
}

export const definition: RouteDef = route({
  method: 'GET', url: '/api/v1/audit', summary: 'Audit entries in order (auditor: every agency; agency administrator: its own), paged by sequence number', tags: ['audit'],
  access: { roles: ['auditor', 'agency_admin'], scopes: ['audit:read'] }, query: auditQuery,
  response: z.object({ entries: z.array(entryView), next: z.number().nullable() }),
  handler: async ({ principal, query }, ctx) => auditPage(ctx, principal!, query),
});
