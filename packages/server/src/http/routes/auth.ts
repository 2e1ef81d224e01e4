/**
 * Routes: password and passkey login, logout, who am I; passkey management; signing-approval
 * challenges; API tokens for other systems.
 */
import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { KysoError } from '@kyso/core';
import { ROLES, SCOPES } from '../../auth/principal.ts';
import { clearedCookies, sessionCookies } from '../../auth/sessions.ts';
import { login, logout, toUserView, type LoginResult } from '../../services/auth-service.ts';
import {
  assertionResponseSchema, challengeIdSchema, listPasskeys, loginOptions, loginWithPasskey, registerPasskey, registrationOptions,
  registrationResponseSchema, removePasskey,
} from '../../services/passkey-service.ts';
import { createApprovalChallenge } from '../../services/approvals.ts';
import { createToken, listTokens, revokeToken } from '../../services/token-service.ts';
import type { ServerContext } from '../../services/server-context.ts';
import { route, type RouteDef } from '../route.ts';

const userView = z.object({ id: z.string(), username: z.string(), fullName: z.string(), agencyId: z.string(), position: z.string(), roles: z.array(z.enum(ROLES)) });
const sessionAnswer = z.object({ user: userView, csrfToken: z.string(), expiresAt: z.string() });
/** WebAuthn options as @simplewebauthn/server builds them (passed to the browser unchanged). */
const webauthnOptions = z.object({ challengeId: z.string(), options: z.record(z.string(), z.unknown()) });
const passkeyView = z.object({ id: z.string(), name: z.string(), transports: z.array(z.string()), createdAt: z.string(), lastUsedAt: z.string().nullable() });
const tokenView = z.object({
  id: z.string(), agencyId: z.string(), name: z.string(), scopes: z.array(z.enum(SCOPES)), createdBy: z.string(),
  createdAt: z.string(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable(), lastUsedAt: z.string().nullable(),
});
const credentialParam = z.object({ id: z.string().min(1).max(1366).regex(/^[A-Za-z0-9_-]+$/, 'must be a base64url credential id') }).strict();
/** Login routes: per-IP limit from the configuration. */
const loginRateLimit = (ctx: ServerContext) => ctx.config.rateLimitPerMinute;

/** Sets the session and CSRF cookies; the answer every login method gives. */
function openedSession(r: LoginResult, reply: FastifyReply, ctx: ServerContext): z.infer<typeof sessionAnswer> {
  reply.header('set-cookie', sessionCookies(r.session, ctx.publicUrl.startsWith('https:')));
  return { user: r.user as z.infer<typeof userView>, csrfToken: r.session.csrf, expiresAt: r.session.expiresAt.toISOString() };
}

export const routes: RouteDef[] = [
  route({
    method: 'POST', url: '/api/v1/auth/login', summary: 'Log in with username and password (sets the session and CSRF cookies)', tags: ['auth'],
    access: { public: true }, csrf: false, rateLimit: loginRateLimit,
    body: z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(256) }).strict(),
    response: sessionAnswer,
    handler: async ({ body, ip, reply }, ctx) => openedSession(await login(ctx, { username: body.username, password: body.password, ip }), reply, ctx),
  }),
  route({
    method: 'POST', url: '/api/v1/auth/logout', summary: 'End the session', tags: ['auth'],
    access: { roles: ROLES },
    handler: async ({ principal, reply }, ctx) => {
      await logout(ctx, principal!);
      reply.header('set-cookie', clearedCookies());
      return { ok: true };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/auth/me', summary: 'The logged-in user', tags: ['auth'],
    access: { roles: ROLES }, response: z.object({ user: userView }),
    handler: async ({ principal }, ctx) => {
      const u = await ctx.db.kysely.selectFrom('users').selectAll().where('id', '=', principal!.id).executeTakeFirst();
      if (!u) throw new KysoError('auth', 'log in again');
      return { user: toUserView(u) };
    },
  }),

  // Passkeys (WebAuthn Level 2)
  route({
    method: 'POST', url: '/api/v1/auth/passkeys/register/options', summary: 'Start registering a passkey for the logged-in user (creation options, 5 minutes)', tags: ['auth'],
    access: { roles: ROLES }, response: webauthnOptions,
    handler: async ({ principal }, ctx) => registrationOptions(ctx, principal!),
  }),
  route({
    method: 'POST', url: '/api/v1/auth/passkeys/register/verify', summary: 'Finish registering a passkey (the authenticator\'s attestation)', tags: ['auth'],
    access: { roles: ROLES }, status: 201,
    body: z.object({ challengeId: challengeIdSchema, response: registrationResponseSchema, name: z.string().trim().min(1).max(100) }).strict(),
    response: z.object({ passkey: passkeyView }),
    handler: async ({ principal, body }, ctx) => ({ passkey: await registerPasskey(ctx, principal!, body) }),
  }),
  route({
    method: 'GET', url: '/api/v1/auth/passkeys', summary: 'The logged-in user\'s passkeys', tags: ['auth'],
    access: { roles: ROLES }, response: z.object({ passkeys: z.array(passkeyView) }),
    handler: async ({ principal }, ctx) => ({ passkeys: await listPasskeys(ctx, principal!) }),
  }),
  route({
    method: 'DELETE', url: '/api/v1/auth/passkeys/:id', summary: 'Remove one of the logged-in user\'s passkeys', tags: ['auth'],
    access: { roles: ROLES }, params: credentialParam,
    handler: async ({ principal, params }, ctx) => { await removePasskey(ctx, principal!, params.id); return { ok: true }; },
  }),
  route({
    method: 'POST', url: '/api/v1/auth/passkeys/login/options', summary: 'Start a passkey login (assertion options, 5 minutes)', tags: ['auth'],
    access: { public: true }, csrf: false, rateLimit: loginRateLimit,
    body: z.object({ username: z.string().min(1).max(100).optional() }).strict().default({}), response: webauthnOptions,
    handler: async ({ body }, ctx) => loginOptions(ctx, { username: body.username }),
  }),
  route({
    method: 'POST', url: '/api/v1/auth/passkeys/login/verify', summary: 'Log in with a passkey (sets the session and CSRF cookies)', tags: ['auth'],
    access: { public: true }, csrf: false, rateLimit: loginRateLimit,
    body: z.object({ challengeId: challengeIdSchema, response: assertionResponseSchema }).strict(), response: sessionAnswer,
    handler: async ({ body, ip, reply }, ctx) => openedSession(await loginWithPasskey(ctx, { challengeId: body.challengeId, response: body.response, ip }), reply, ctx),
  }),

  // Signing approvals
  route({
    method: 'POST', url: '/api/v1/approvals/options', summary: 'Passkey challenge approving the signature or seal of these documents (5 minutes, single use)', tags: ['auth'],
    access: { roles: ['leader', 'clerk'] },
    body: z.object({ action: z.enum(['sign', 'seal']), documentIds: z.array(z.string().min(1).max(100)).min(1).max(1000) }).strict(),
    response: webauthnOptions,
    handler: async ({ principal, body }, ctx) => createApprovalChallenge(ctx, principal!, body),
  }),

  // API tokens
  route({
    method: 'POST', url: '/api/v1/tokens', summary: 'Create an API token for the agency (the secret is shown once)', tags: ['tokens'],
    access: { roles: ['agency_admin', 'sysadmin'] }, status: 201,
    body: z.object({
      name: z.string().trim().min(1).max(100), scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
      expiresInDays: z.number().int().min(1).max(3650).optional(), agencyId: z.string().min(1).max(100).optional(),
    }).strict(),
    response: z.object({ token: z.string(), apiToken: tokenView }),
    handler: async ({ principal, body }, ctx) => {
      const { token, ...view } = await createToken(ctx, principal!, body);
      return { token, apiToken: view };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/tokens', summary: 'The agency\'s API tokens (never their secrets)', tags: ['tokens'],
    access: { roles: ['agency_admin', 'sysadmin'] }, query: z.object({ agencyId: z.string().min(1).max(100).optional() }).strict(),
    response: z.object({ tokens: z.array(tokenView) }),
    handler: async ({ principal, query }, ctx) => ({ tokens: await listTokens(ctx, principal!, query) }),
  }),
  route({
    method: 'DELETE', url: '/api/v1/tokens/:id', summary: 'Revoke an API token', tags: ['tokens'],
    access: { roles: ['agency_admin', 'sysadmin'] }, params: z.object({ id: z.uuid() }).strict(),
    response: z.object({ apiToken: tokenView }),
    handler: async ({ principal, params }, ctx) => ({ apiToken: await revokeToken(ctx, principal!, params.id) }),
  }),
];
