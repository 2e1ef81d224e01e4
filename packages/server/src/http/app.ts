/**
 * The Fastify application. Errors become RFC 9457 problem+json here, at the edge, and nowhere else.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isKysoError, type Clock, type ErrorKind } from '@kyso/core';
import type { Pki } from '../services/pki.ts';
import { PKI_BODY_LIMIT, registerPkiRoutes } from './pki-routes.ts';
import { registerVerifyRoute } from './verify-route.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { systemClock } from '../services/system-clock.ts';

const STATUS: Partial<Record<ErrorKind, number>> = {
  'invalid-argument': 400, malformed: 400, unsupported: 415, 'weak-crypto': 400, policy: 422,
  'not-found': 404, conflict: 409, auth: 401, io: 502, forbidden: 403, 'rate-limited': 429, 'too-large': 413,
};

/**
 * POST /ocsp is the one hot route (a province's every validator asks it): it is answered straight
 * from node:http, before Fastify's routing, so pre-signed responses cost no more than a buffer write.
 * Same contract as the Fastify route: body ≤ PKI_BODY_LIMIT (else 413), content type
 * application/ocsp-request (else 415), answer application/ocsp-response.
 */
function fastOcsp(pki: Pki, req: IncomingMessage, res: ServerResponse): void {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  const problem = (status: number, title: string) => {
    res.writeHead(status, { 'content-type': 'application/problem+json', connection: 'close' });
    res.end(JSON.stringify({ type: 'https://kyso.invalid/problems/request', title, status }));
  };
  if (type !== 'application/ocsp-request') { req.resume(); problem(415, 'POST /ocsp takes an application/ocsp-request body'); return; }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > PKI_BODY_LIMIT) { req.resume(); problem(413, `request body larger than ${PKI_BODY_LIMIT} bytes`); return; }
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > PKI_BODY_LIMIT && !done) { done = true; problem(413, `request body larger than ${PKI_BODY_LIMIT} bytes`); req.destroy(); return; }
    chunks.push(c);
  });
  req.on('end', () => {
    if (done) return;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const cached = pki.ocsp.respondFromCache(body);
    if (cached) {
      res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': cached.byteLength, 'cache-control': 'no-store' });
      res.end(cached);
      return;
    }
    void pki.ocsp.respond(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)).then((der) => {
      res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': der.byteLength, 'cache-control': 'no-store' });
      res.end(der);
    });
  });
}

/** Fastify options shared by the PKI app and the full server: POST /ocsp on the fast path. */
export function pkiFastifyOptions(pki: Pki, opts: { logger?: boolean | object; bodyLimit?: number; trustProxy?: boolean } = {}) {
  return {
    logger: opts.logger ?? false, bodyLimit: opts.bodyLimit ?? 1 << 20, keepAliveTimeout: 10_000, trustProxy: opts.trustProxy ?? false,
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/ocsp') fastOcsp(pki, req, res);
      else handler(req, res);
    }),
  };
}

/** Turns every error into RFC 9457 problem+json; KysoError kinds map to HTTP statuses. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const kind = isKysoError(err) ? err.kind : undefined;
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    const status = kind ? STATUS[kind] ?? 500 : fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500 ? fastifyStatus : 500;
    if (status === 500) req.log.error({ err }, 'internal error');
    const retryAfter = isKysoError(err) ? (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    const problem: Record<string, unknown> = {
      type: `https://kyso.invalid/problems/${kind ?? (status === 500 ? 'internal' : 'request')}`,
      title: status === 500 ? 'Internal error' : (err as Error).message,
      status,
    };
    const errors = isKysoError(err) ? (err.details as { errors?: unknown } | undefined)?.errors : undefined;
    if (errors) problem.errors = errors;
    reply.code(status).header('content-type', 'application/problem+json').send(problem);
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).header('content-type', 'application/problem+json').send({ type: 'https://kyso.invalid/problems/not-found', title: `no route ${req.method} ${req.url}`, status: 404 });
  });
}

export function buildPkiApp(pki: Pki, opts: { logger?: boolean; clock?: Clock; verifyRevocation?: 'embedded' | 'online' | 'none' } = {}): FastifyInstance {
  const app = Fastify(pkiFastifyOptions(pki, { logger: opts.logger }));
  installProblemHandlers(app);
  app.get('/api/v1/health', async () => ({ status: 'ok' }));
  registerPkiRoutes(app, pki);
  registerVerifyRoute(app, {
    trustAnchors: async () => [(await pki.ca.caCertificate('root')).der],
    crypto: nodeCrypto, clock: opts.clock ?? systemClock, revocation: opts.verifyRevocation,
  });
  return app;
}
