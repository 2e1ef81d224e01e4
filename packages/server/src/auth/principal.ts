/**
 * Who is calling, and what they may do. A principal is a logged-in user (session cookie) or an API
 * token of one agency. Roles (issue #6): system administrator (provincial IT: agencies, people,
 * certificate approvals), agency administrator (its own agency's people, certificate requests),
 * leader (signs with a personal certificate), clerk (văn thư: applies the agency seal), officer
 * (uploads and reads its agency's documents), auditor (reads the audit log). API tokens carry
 * scopes instead of roles.
 */
import { KysoError } from '@kyso/core';

export const ROLES = ['sysadmin', 'agency_admin', 'leader', 'clerk', 'officer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ['documents:read', 'documents:write', 'verify', 'audit:read', 'webhooks'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  kind: 'user' | 'token';
  /** user id or token id */
  id: string;
  /** The agency the principal belongs to (a token's agency). */
  agencyId: string;
  name: string;
  roles: ReadonlySet<Role>;
  scopes: ReadonlySet<Scope>;
  /** Session id for users (to log out), undefined for tokens. */
  sessionId?: string;
}

/** `user:<id>` / `token:<id>` — the audit log's actor. */
export function actorOf(p: Principal | undefined): string {
  return p ? `${p.kind}:${p.id}` : 'anonymous';
}

export function parseRoles(s: string): Role[] {
  const out = s.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of out) if (!(ROLES as readonly string[]).includes(r)) throw new KysoError('invalid-argument', `unknown role "${r}": use ${ROLES.join(', ')}`);
  return out as Role[];
}

export function hasRole(p: Principal, ...roles: Role[]): boolean {
  return roles.some((r) => p.roles.has(r));
}

/** Access rule of a route: who may call it at all (agency checks happen in the services). */
export interface Access {
  /** No login needed. */
  public?: boolean;
  /** Users with any of these roles. */
  roles?: readonly Role[];
  /** API tokens with any of these scopes. */
  scopes?: readonly Scope[];
}

export function checkAccess(access: Access, p: Principal | undefined): void {
  if (access.public) return;
  if (!p) throw new KysoError('auth', 'log in first (session expired or missing)');
  const ok = p.kind === 'user'
    ? (access.roles ?? []).some((r) => p.roles.has(r))
    : (access.scopes ?? []).some((s) => p.scopes.has(s));
  if (!ok) throw new KysoError('forbidden', p.kind === 'user' ? 'your role does not allow this' : 'this API token lacks the scope for this');
}

/**
 * The principal may act on objects of `agencyId`: only its own agency. Administrative objects
 * (agencies, people, certificate requests) may also be handled by a system administrator
 * (`allowSysadmin`); documents never are — nobody reads or signs another agency's documents.
 */
export function requireAgency(p: Principal, agencyId: string, what = 'this', opts: { allowSysadmin?: boolean } = {}): void {
  if (opts.allowSysadmin && p.kind === 'user' && p.roles.has('sysadmin')) return;
  if (p.agencyId !== agencyId) throw new KysoError('forbidden', `${what} belongs to another agency`);
}
