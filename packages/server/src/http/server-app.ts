/**
 * The `kyso serve` Fastify application: the PKI endpoints (/crl, /ca, /ocsp, /tsa) on the URLs the
 * certificates carry, public verification (/api/v1/verify), and the versioned API under /api/v1
 * built from the route definitions in routes/. For every API request: who is calling (session
 * cookie or API token) → access rule → CSRF for session-authenticated unsafe methods → rate limit →
 * schema validation → handler. Errors become problem+json here and nowhere else.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { KysoError } from '@kyso/core';
import type { z } from 'zod';
import type { ServerContext } from '../services/server-context.ts';
import { checkAccess, type Principal } from '../auth/principal.ts';
import { CSRF_HEADER, SESSION_COOKIE, parseCookies, resolveApiToken, resolveSession, safeEqual } from '../auth/sessions.ts';
import { enforceRateLimit } from '../auth/rate-limit.ts';
import { installProblemHandlers, pkiFastifyOptions } from './app.ts';
import { registerPkiRoutes } from './pki-routes.ts';
import { registerVerifyRoute } from './verify-route.ts';
import { BINARY_TYPES, type RouteDef } from './route.ts';
import { ALL_ROUTES } from './routes/index.ts';
import { buildOpenApi } from './openapi.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyRequest { kysoPrincipal?: Principal; kysoCsrf?: string; kysoSessionPresented?: boolean }
}

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) {
    const errors = r.error.issues.map((i) => ({ path: `${where}${i.path.length ? '.' + i.path.join('.') : ''}`, message: i.message }));
    throw new KysoError('invalid-argument', `invalid ${where}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { details: { errors } });
  }
  return r.data;
}

async function authenticate(ctx: ServerContext, req: FastifyRequest): Promise<void> {
  const now = ctx.clock.now();
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) {
    const p = await resolveApiToken(ctx.db.kysely, auth.slice(7).trim(), now);
    if (!p) throw new KysoError('auth', 'the API token is unknown, expired or revoked');
    req.kysoPrincipal = p;
    return;
  }
  const token = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (token) {
    req.kysoSessionPresented = true;
    const s = await resolveSession(ctx.db.kysely, token, now);
    if (s) { req.kysoPrincipal = s.principal; req.kysoCsrf = s.csrf; }
  }
}

export function registerApiRoutes(app: FastifyInstance, ctx: ServerContext, routes: readonly RouteDef[]): void {
  app.register(async (scope) => {
    for (const type of Object.values(BINARY_TYPES)) {
      scope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: ctx.config.maxUploadBytes }, (_req, body, done) => done(null, body));
    }
    for (const def of routes) {
      scope.route({
        method: def.method,
        url: def.url,
        bodyLimit: typeof def.body === 'string' ? ctx.config.maxUploadBytes : 1 << 20,
        handler: async (req: FastifyRequest, reply: FastifyReply) => {
          await authenticate(ctx, req);
          const principal = req.kysoPrincipal;
          if (!principal && !def.access.public && req.kysoSessionPresented) throw new KysoError('auth', 'your session has expired: log in again');
          checkAccess(def.access, principal);
          if (principal?.kind === 'user' && UNSAFE.has(def.method) && def.csrf !== false) {
            const sent = req.headers[CSRF_HEADER];
            if (typeof sent !== 'string' || !req.kysoCsrf || !safeEqual(sent, req.kysoCsrf)) throw new KysoError('forbidden', `missing or wrong ${CSRF_HEADER} header (CSRF protection)`);
          }
          const limit = typeof def.rateLimit === 'function' ? def.rateLimit(ctx) : def.rateLimit;
          if (limit) await enforceRateLimit(ctx.db.kysely, `ip:${req.ip}:${def.method} ${def.url}`, limit, ctx.clock.now());
          let body: unknown = req.body;
          if (typeof def.body === 'string') {
            const want = BINARY_TYPES[def.body];
            const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
            if (type !== want || !Buffer.isBuffer(body)) throw new KysoError('unsupported', `${def.method} ${def.url} takes an ${want} body, not ${type ?? 'nothing'}`);
          } else {
            if (def.body && UNSAFE.has(def.method) && req.body !== undefined && !(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
              throw new KysoError('unsupported', `${def.method} ${def.url} takes an application/json body`);
            }
            body = validate(def.body, req.body, 'body');
          }
          if (!def.query && req.query && Object.keys(req.query as object).length > 0) {
            throw new KysoError('invalid-argument', `${def.method} ${def.url} takes no query parameters (got ${Object.keys(req.query as object).join(', ')})`);
          }
          const result = await def.handler({
            principal, params: validate(def.params, req.params, 'params'), query: validate(def.query, req.query, 'query'), body,
            ip: req.ip, headers: req.headers, raw: req, reply,
          }, ctx);
          if (reply.sent) return reply;
          if (result === reply) return reply;
          reply.code(def.status ?? 200);
          return result ?? {};
        },
      });
    }
  });
}

export function buildServerApp(ctx: ServerContext, opts: { routes?: readonly RouteDef[]; logger?: boolean | object } = {}): FastifyInstance {
  const routes = opts.routes ?? ALL_ROUTES;
  const app = Fastify(pkiFastifyOptions(ctx.pki, { logger: opts.logger ?? false }));
  installProblemHandlers(app);
  // JSON with a clear error for malformed bodies; other unknown types get Fastify's 415.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') { done(null, undefined); return; }
    try { done(null, JSON.parse(body as string)); } catch (e) { done(new KysoError('malformed', `the JSON body is malformed: ${(e as Error).message}`), undefined); }
  });
  registerPkiRoutes(app, ctx.pki);
  registerVerifyRoute(app, {
    trustAnchors: async () => [(await ctx.ca.caCertificate('root')).der],
    crypto: ctx.crypto, clock: ctx.clock, revocation: 'online',
  });
  registerApiRoutes(app, ctx, routes);
  const openapi = buildOpenApi([...routes, ...DOCUMENTED_EXTRA], { version: '1', serverUrl: ctx.publicUrl });
  app.get('/api/docs', async () => openapi);
  app.get('/api/docs/openapi.json', async () => openapi);
  return app;
}

/** Routes registered outside the route table (verify), described for the OpenAPI document. */
const DOCUMENTED_EXTRA: RouteDef[] = [{
  method: 'POST', url: '/api/v1/verify', summary: 'Verify a signed PDF (public): JSON report, or ?format=pdf for the printable report',
  tags: ['verification'], access: { public: true }, body: 'pdf', handler: async () => undefined,
}];
