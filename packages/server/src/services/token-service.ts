/**
 * API tokens for the province's other systems (document management, one-stop-shop portals): each
 * belongs to one agency and carries scopes instead of roles. An agency administrator manages its own
 * agency's tokens; a system administrator any agency's. The secret is shown once, at creation; the
 * database keeps only its SHA-256 (auth/sessions.ts). Creation and revocation are audited.
 */
import { KysoError } from '@kyso/core';
import type { Selectable } from 'kysely';
import { hasRole, requireAgency, type Principal, type Scope } from '../auth/principal.ts';
import { createApiToken } from '../auth/sessions.ts';
import type { ApiTokensTable } from '../store/database.ts';
import type { ServerContext } from './server-context.ts';

export interface TokenView { id: string; agencyId: string; name: string; scopes: Scope[]; createdBy: string; createdAt: string; expiresAt: string | null; revokedAt: string | null; lastUsedAt: string | null }

function toTokenView(r: Selectable<ApiTokensTable>): TokenView {
  return {
    id: r.id, agencyId: r.agency_id, name: r.name, scopes: r.scopes.split(',') as Scope[], createdBy: r.created_by,
    createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at,
  };
}

function requireTokenAdmin(p: Principal): void {
  if (p.kind !== 'user' || !hasRole(p, 'agency_admin', 'sysadmin')) throw new KysoError('forbidden', 'only an agency or system administrator manages API tokens');
}

/** The agency acted on: the caller's own, or (system administrator only) the one asked for. */
function targetAgency(p: Principal, agencyId: string | undefined): string {
  const id = agencyId ?? p.agencyId;
  requireAgency(p, id, 'that agency', { allowSysadmin: true });
  return id;
}

export async function createToken(ctx: ServerContext, p: Principal, input: { name: string; scopes: Scope[]; expiresInDays?: number; agencyId?: string }): Promise<TokenView & { token: string }> {
  requireTokenAdmin(p);
  const agencyId = targetAgency(p, input.agencyId);
  const now = ctx.clock.now();
  const expiresAt = input.expiresInDays === undefined ? undefined : new Date(now.getTime() + input.expiresInDays * 86_400_000);
  const scopes = [...new Set(input.scopes)];
  return ctx.tx(async (trx) => {
    const agency = await trx.selectFrom('agencies').select(['id', 'status']).where('id', '=', agencyId).executeTakeFirst();
    if (!agency) throw new KysoError('not-found', `no agency ${agencyId}`);
    if (agency.status !== 'active') throw new KysoError('conflict', 'this agency is dissolved: it cannot get new API tokens');
    const { id, token } = await createApiToken(trx, { agencyId, name: input.name, scopes, createdBy: `user:${p.id}`, now, expiresAt });
    await ctx.audit(trx, { actor: `user:${p.id}`, agencyId, action: 'token.create', target: id, details: { name: input.name, scopes, expiresAt: expiresAt?.toISOString() ?? null } });
    const row = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { ...toTokenView(row), token };
  });
}

/** The agency's tokens, newest first, revoked ones included; never the secret. */
export async function listTokens(ctx: ServerContext, p: Principal, q: { agencyId?: string } = {}): Promise<TokenView[]> {
  requireTokenAdmin(p);
  const agencyId = targetAgency(p, q.agencyId);
  const rows = await ctx.db.kysely.selectFrom('api_tokens').selectAll().where('agency_id', '=', agencyId).orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(toTokenView);
}

export async function revokeToken(ctx: ServerContext, p: Principal, id: string): Promise<TokenView> {
  requireTokenAdmin(p);
  return ctx.tx(async (trx) => {
    const row = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new KysoError('not-found', `no API token ${id}`);
    requireAgency(p, row.agency_id, 'this API token', { allowSysadmin: true });
    if (row.revoked_at) throw new KysoError('conflict', `this API token was already revoked at ${row.revoked_at}`);
    const now = ctx.clock.now().toISOString();
    await trx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).execute();
    await ctx.audit(trx, { actor: `user:${p.id}`, agencyId: row.agency_id, action: 'token.revoke', target: id, details: { name: row.name } });
    return toTokenView({ ...row, revoked_at: now });
  });
}
