/**
 * Password login with lockout (after `lockoutAttempts` failures the account locks for
 * `lockoutMinutes`, with a message saying until when), the session start shared with passkey login
 * (passkey-service.ts), logout, and the caller's profile. Every login, failed login and lockout is
 * audited.
 */
import { KysoError } from '@kyso/core';
import type { ServerContext, Trx } from './server-context.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { createSession, type NewSession } from '../auth/sessions.ts';
import { parseRoles, type Principal } from '../auth/principal.ts';

export interface LoginResult { session: NewSession; user: UserView }

export interface UserView { id: string; username: string; fullName: string; agencyId: string; position: string; roles: string[] }

export async function login(ctx: ServerContext, p: { username: string; password: string; ip: string }): Promise<LoginResult> {
  const now = ctx.clock.now();
  const username = p.username.trim().toLowerCase();
  const user = await ctx.db.kysely.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  if (user?.locked_until && user.locked_until > now.toISOString()) {
    const minutes = Math.ceil((Date.parse(user.locked_until) - now.getTime()) / 60_000);
    throw new KysoError('rate-limited', `account locked after too many failed logins: try again in ${minutes} min`, { details: { retryAfterSeconds: minutes * 60 } });
  }
  const ok = await verifyPassword(user?.password_hash, p.password);
  if (!user || !ok || user.status !== 'active') {
    await ctx.tx(async (trx) => {
      let locked = false;
      if (user) {
        const failures = user.failed_logins + 1;
        locked = failures >= ctx.config.lockoutAttempts;
        await trx.updateTable('users').set({
          failed_logins: locked ? 0 : failures,
          locked_until: locked ? new Date(now.getTime() + ctx.config.lockoutMinutes * 60_000).toISOString() : user.locked_until,
        }).where('id', '=', user.id).execute();
      }
      await ctx.audit(trx, { actor: user ? `user:${user.id}` : 'anonymous', agencyId: user?.agency_id, action: locked ? 'auth.locked' : 'auth.login-failed', target: username, details: { ip: p.ip } });
    });
    throw new KysoError('auth', 'wrong username or password');
  }
  const session = await ctx.tx(async (trx) => {
    await trx.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', user.id).execute();
    return startSession(ctx, trx, user, { method: 'password', ip: p.ip });
  });
  return { session, user: toUserView(user) };
}

/**
 * Opens a session for `user` inside `trx` and audits the login: the one path every login method
 * (password, passkey) ends in.
 */
export async function startSession(ctx: ServerContext, trx: Trx, user: { id: string; agency_id: string; username: string }, p: { method: 'password' | 'passkey'; ip: string; details?: Record<string, unknown> }): Promise<NewSession> {
  const s = await createSession(trx, { userId: user.id, method: p.method, now: ctx.clock.now(), hours: ctx.config.sessionHours });
  await ctx.audit(trx, { actor: `user:${user.id}`, agencyId: user.agency_id, action: 'auth.login', target: user.username, details: { ip: p.ip, method: p.method, ...(p.details ?? {}) } });
  return s;
}

export function toUserView(u: { id: string; username: string; full_name: string; agency_id: string; position: string; roles: string }): UserView {
  return { id: u.id, username: u.username, fullName: u.full_name, agencyId: u.agency_id, position: u.position, roles: parseRoles(u.roles) };
}

export async function logout(ctx: ServerContext, p: Principal): Promise<void> {
  if (!p.sessionId) return;
  await ctx.tx(async (trx) => {
    await trx.updateTable('sessions').set({ revoked_at: ctx.clock.now().toISOString() }).where('id', '=', p.sessionId!).execute();
    await ctx.audit(trx, { actor: `user:${p.id}`, agencyId: p.agencyId, action: 'auth.logout', target: null });
  });
}
