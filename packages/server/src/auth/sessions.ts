/**
 * Sessions and API tokens → principals. A session is a random 256-bit token in an httpOnly,
 * SameSite=Strict cookie; the database keeps only its SHA-256. Each session has a CSRF token that
 * state-changing requests must echo in `x-csrf-token` (the login answer and a readable cookie carry
 * it). API tokens (`kyso_…`) are sent as `Authorization: Bearer`; also stored as SHA-256 only.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../crypto/node-crypto.ts';
import { KysoError } from '@kyso/core';
import type { Kysely, Transaction } from 'kysely';
import type { KysoDatabase } from '../store/database.ts';
import { parseRoles, SCOPES, type Principal, type Scope } from './principal.ts';

export const SESSION_COOKIE = 'kyso_session';
export const CSRF_COOKIE = 'kyso_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** What the database keeps of a session or API token: its SHA-256. */
export const tokenHash = (token: string): string => sha256Hex(token);

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (!k || k in out) continue;
    try { out[k] = decodeURIComponent(part.slice(i + 1).trim()); } catch { /* ignore malformed */ }
  }
  return out;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface NewSession { token: string; csrf: string; id: string; expiresAt: Date }

export async function createSession(trx: Transaction<KysoDatabase> | Kysely<KysoDatabase>, p: { userId: string; method: string; now: Date; hours: number }): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const id = tokenHash(token);
  const expiresAt = new Date(p.now.getTime() + p.hours * 3_600_000);
  await trx.insertInto('sessions').values({ id, user_id: p.userId, csrf, method: p.method, created_at: p.now.toISOString(), expires_at: expiresAt.toISOString(), revoked_at: null }).execute();
  return { token, csrf, id, expiresAt };
}

export function sessionCookies(s: { token: string; csrf: string; expiresAt: Date }, secure: boolean): string[] {
  const common = `Path=/; SameSite=Strict; Expires=${s.expiresAt.toUTCString()}${secure ? '; Secure' : ''}`;
  return [`${SESSION_COOKIE}=${s.token}; HttpOnly; ${common}`, `${CSRF_COOKIE}=${s.csrf}; ${common}`];
}

export function clearedCookies(): string[] {
  const past = 'Path=/; SameSite=Strict; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
  return [`${SESSION_COOKIE}=; HttpOnly; ${past}`, `${CSRF_COOKIE}=; ${past}`];
}

export interface ResolvedSession { principal: Principal; csrf: string }

/** The principal behind a session cookie value, or undefined (unknown, expired, revoked, user disabled). */
export async function resolveSession(db: Kysely<KysoDatabase>, token: string, now: Date): Promise<ResolvedSession | undefined> {
  const row = await db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id as sid', 'sessions.csrf', 'sessions.expires_at', 'sessions.revoked_at', 'users.id as uid', 'users.agency_id', 'users.full_name', 'users.roles', 'users.status'])
    .where('sessions.id', '=', tokenHash(token)).executeTakeFirst();
  if (!row || row.revoked_at || row.expires_at <= now.toISOString() || row.status !== 'active') return undefined;
  return {
    csrf: row.csrf,
    principal: { kind: 'user', id: row.uid, agencyId: row.agency_id, name: row.full_name, roles: new Set(parseRoles(row.roles)), scopes: new Set(), sessionId: row.sid },
  };
}

/** Creates an API token; the secret is returned once. */
export async function createApiToken(trx: Transaction<KysoDatabase> | Kysely<KysoDatabase>, p: { agencyId: string; name: string; scopes: Scope[]; createdBy: string; now: Date; expiresAt?: Date }): Promise<{ id: string; token: string }> {
  for (const s of p.scopes) if (!(SCOPES as readonly string[]).includes(s)) throw new KysoError('invalid-argument', `unknown scope "${s}": use ${SCOPES.join(', ')}`);
  if (p.scopes.length === 0) throw new KysoError('invalid-argument', 'an API token needs at least one scope');
  const id = randomUUID();
  const token = `kyso_${randomBytes(32).toString('base64url')}`;
  await trx.insertInto('api_tokens').values({
    id, token_hash: tokenHash(token), agency_id: p.agencyId, name: p.name, scopes: p.scopes.join(','), created_by: p.createdBy,
    created_at: p.now.toISOString(), expires_at: p.expiresAt?.toISOString() ?? null, revoked_at: null, last_used_at: null,
  }).execute();
  return { id, token };
}

export async function resolveApiToken(db: Kysely<KysoDatabase>, token: string, now: Date): Promise<Principal | undefined> {
  if (!token.startsWith('kyso_')) return undefined;
  const row = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash(token)).executeTakeFirst();
  if (!row || row.revoked_at || (row.expires_at && row.expires_at <= now.toISOString())) return undefined;
  // When it was last used (shown in the token list), at most one write a minute per token.
  if (!row.last_used_at || Date.parse(row.last_used_at) < now.getTime() - 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
  }
  return { kind: 'token', id: row.id, agencyId: row.agency_id, name: row.name, roles: new Set(), scopes: new Set(row.scopes.split(',') as Scope[]) };
}
