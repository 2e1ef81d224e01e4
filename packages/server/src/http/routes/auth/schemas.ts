/**
 * Shared by the auth routes: password and passkey login, logout, who am I; passkey management;
 * signing-approval challenges; API tokens for other systems.
 */
import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { ROLES, SCOPES } from '../../../auth/principal.ts';
import { sessionCookies } from '../../../auth/sessions.ts';
import type { LoginResult } from '../../../services/auth-service.ts';
import type { ServerContext } from '../../../services/server-context.ts';

export const userView = z.object({ id: z.string(), username: z.string(), fullName: z.string(), agencyId: z.string(), position: z.string(), roles: z.array(z.enum(ROLES)) });
export const sessionAnswer = z.object({ user: userView, csrfToken: z.string(), expiresAt: z.string() });
/** WebAuthn options as @simplewebauthn/server builds them (passed to the browser unchanged). */
export const webauthnOptions = z.object({ challengeId: z.string(), options: z.record(z.string(), z.unknown()) });
export const passkeyView = z.object({ id: z.string(), name: z.string(), transports: z.array(z.string()), createdAt: z.string(), lastUsedAt: z.string().nullable() });
export const tokenView = z.object({
  id: z.string(), agencyId: z.string(), name: z.string(), scopes: z.array(z.enum(SCOPES)), createdBy: z.string(),
  createdAt: z.string(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable(), lastUsedAt: z.string().nullable(),
});
/** Login routes: per-IP limit from the configuration. */
export const loginRateLimit = (ctx: ServerContext) => ctx.config.rateLimitPerMinute;

/** Sets the session and CSRF cookies; the answer every login method gives. */
export function openedSession(r: LoginResult, reply: FastifyReply, ctx: ServerContext): z.infer<typeof sessionAnswer> {
  reply.header('set-cookie', sessionCookies(r.session, ctx.publicUrl.startsWith('https:')));
  return { user: r.user as z.infer<typeof userView>, csrfToken: r.session.csrf, expiresAt: r.session.expiresAt.toISOString() };
}
