/**
 * The Fastify application. Errors become RFC 9457 problem+json here, at the edge, and nowhere else.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { isKysoError, type ErrorKind } from '@kyso/core';
import type { Pki } from '../services/pki.ts';
import { registerPkiRoutes } from './pki-routes.ts';

const STATUS: Partial<Record<ErrorKind, number>> = {
  'invalid-argument': 400, malformed: 400, unsupported: 415, 'weak-crypto': 400, policy: 422,
  'not-found': 404, conflict: 409, auth: 401, io: 502,
};

export function buildPkiApp(pki: Pki, opts: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 1 << 20, keepAliveTimeout: 10_000 });
  app.setErrorHandler((err, _req, reply) => {
    const kind = isKysoError(err) ? err.kind : undefined;
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    const status = kind ? STATUS[kind] ?? 500 : fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500 ? fastifyStatus : 500;
    reply.code(status).header('content-type', 'application/problem+json').send({
      type: `https://kyso.invalid/problems/${kind ?? (status === 500 ? 'internal' : 'request')}`,
      title: status === 500 ? 'Internal error' : (err as Error).message,
      status,
    });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).header('content-type', 'application/problem+json').send({ type: 'https://kyso.invalid/problems/not-found', title: `no route ${req.method} ${req.url}`, status: 404 });
  });
  app.get('/api/v1/health', async () => ({ status: 'ok' }));
  registerPkiRoutes(app, pki);
  return app;
}
