/**
 * PKI endpoints, on the URLs the certificates carry (ceremony baseUrl):
 *   GET  /crl/<ca>.crl   DER CRL, application/pkix-crl, ETag + Cache-Control (RFC 5280 §4.2.1.13, RFC 2585)
 *   GET  /ca/<ca>.crt    DER CA certificate, application/pkix-cert (caIssuers, RFC 5280 §4.2.2.1)
 *   POST /ocsp           application/ocsp-request → application/ocsp-response (RFC 6960 §A.1)
 *   GET  /ocsp/<base64>  the same, GET form
 *   POST /tsa            application/timestamp-query → application/timestamp-reply (RFC 3161 §3.4)
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { KysoError } from '@kyso/core';
import { caIdFromFile, type Pki } from '../services/pki.ts';

/** Largest OCSP/TSA request body accepted (the parsers enforce their own, smaller limits). */
export const PKI_BODY_LIMIT = 16 * 1024;

function sendDer(reply: FastifyReply, type: string, der: Uint8Array, cache?: string): FastifyReply {
  reply.header('content-type', type);
  if (cache) reply.header('cache-control', cache);
  return reply.send(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
}

export function registerPkiRoutes(app: FastifyInstance, pki: Pki): void {
  for (const type of ['application/ocsp-request', 'application/timestamp-query']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: PKI_BODY_LIMIT }, (_req, body, done) => done(null, body));
  }

  app.get<{ Params: { file: string } }>('/crl/:file', async (req, reply) => {
    const caId = caIdFromFile(req.params.file, 'crl');
    // Served from memory; the poller replaces it when statuses change or it ages (see services/pki.ts).
    const crl = (!pki.revocation.due(caId) && pki.revocation.cachedCrl(caId)) || await pki.revocation.currentCrl(caId);
    const maxAge = Math.max(0, Math.floor((crl.nextUpdate.getTime() - Date.now()) / 1000));
    reply.header('etag', crl.etag);
    reply.header('last-modified', crl.thisUpdate.toUTCString());
    reply.header('expires', crl.nextUpdate.toUTCString());
    if (req.headers['if-none-match'] === crl.etag) return reply.code(304).send();
    return sendDer(reply, 'application/pkix-crl', crl.der, `public, max-age=${Math.min(maxAge, 3600)}, no-transform, must-revalidate`);
  });

  app.get<{ Params: { file: string } }>('/ca/:file', async (req, reply) => {
    const caId = caIdFromFile(req.params.file, 'crt');
    return sendDer(reply, 'application/pkix-cert', pki.caCertificates[caId], 'public, max-age=86400, no-transform');
  });

  // POST /ocsp is served by the fast path in app.ts; this route stays for requests that reach Fastify
  // another way (inject in tests, /ocsp/ with a trailing slash).
  app.post('/ocsp', async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) throw new KysoError('invalid-argument', 'POST /ocsp takes an application/ocsp-request body');
    return sendDer(reply, 'application/ocsp-response', await pki.ocsp.respond(new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength)), 'no-store');
  });

  app.get<{ Params: { '*': string } }>('/ocsp/*', async (req, reply) => {
    // RFC 6960 §A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}
    let der: Uint8Array;
    try {
      const b64 = decodeURIComponent(req.params['*']);
      if (b64.length > PKI_BODY_LIMIT * 2 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new Error('not base64');
      der = new Uint8Array(Buffer.from(b64, 'base64'));
    } catch {
      der = new Uint8Array(); // the responder answers malformedRequest
    }
    const res = await pki.ocsp.respond(der);
    return sendDer(reply, 'application/ocsp-response', res, 'public, max-age=60, no-transform');
  });

  app.post('/tsa', async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) throw new KysoError('invalid-argument', 'POST /tsa takes an application/timestamp-query body');
    return sendDer(reply, 'application/timestamp-reply', await pki.tsa.respond(new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength)), 'no-store');
  });
}
