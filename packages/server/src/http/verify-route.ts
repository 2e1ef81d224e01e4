/**
 * POST /api/v1/verify — public, no login (issue #6 §6): a PDF in, the validation report out as JSON
 * (schema docs/verification-report.schema.json), or `?format=pdf` for the printable Vietnamese
 * report (`&lang=en` for English). Revocation is checked from the embedded data, then online.
 * Bodies over VERIFY_BODY_LIMIT get 413, other content types 415, a file that is not a PDF 400 —
 * all as problem+json from the app's error handler.
 */
import type { FastifyInstance } from 'fastify';
import { KysoError, type Clock, type CryptoPort } from '@kyso/core';
import { renderReportPdf } from '@kyso/core/pdf/validation/report-pdf.ts';
import { verifyPdfDocument } from '../services/pdf-verification.ts';
import { defaultAppearanceFonts } from '../services/pdf-signing.ts';

export const VERIFY_BODY_LIMIT = 50 * 1024 * 1024;

export interface VerifyRouteDeps {
  /** DER trust anchors (the province's root); asked for once per request, so a renewed root is seen. */
  trustAnchors: () => Promise<Uint8Array[]>;
  crypto: CryptoPort;
  clock: Clock;
  /** 'online' in production; tests may use 'embedded'. */
  revocation?: 'embedded' | 'online' | 'none';
}

export function registerVerifyRoute(app: FastifyInstance, deps: VerifyRouteDeps): void {
  app.register(async (scope) => {
    scope.addContentTypeParser('application/pdf', { parseAs: 'buffer', bodyLimit: VERIFY_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: VERIFY_BODY_LIMIT }, (req, _body, done) => {
      done(new KysoError('unsupported', `POST /api/v1/verify takes an application/pdf body, not ${req.headers['content-type'] ?? 'nothing'}`), undefined);
    });
    scope.post<{ Querystring: { format?: string; lang?: string }; Body: Buffer }>('/api/v1/verify', {
      bodyLimit: VERIFY_BODY_LIMIT,
      schema: {
        querystring: {
          type: 'object', additionalProperties: false,
          properties: { format: { type: 'string', enum: ['json', 'pdf'] }, lang: { type: 'string', enum: ['vi', 'en'] } },
        },
      },
    }, async (req, reply) => {
      const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/pdf') throw new KysoError('unsupported', `POST /api/v1/verify takes an application/pdf body, not ${type ?? 'nothing'}`);
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new KysoError('invalid-argument', 'send the PDF as the request body (Content-Type: application/pdf)');
      const bytes = new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength);
      const report = await verifyPdfDocument(bytes, {
        trustAnchors: await deps.trustAnchors(), revocation: deps.revocation ?? 'online', crypto: deps.crypto, clock: deps.clock, timeoutMs: 10_000,
      });
      if (req.query.format === 'pdf') {
        const pdf = await renderReportPdf(report, { lang: req.query.lang === 'en' ? 'en' : 'vi', fonts: defaultAppearanceFonts() as { regular: Uint8Array; bold: Uint8Array } });
        return reply.header('content-type', 'application/pdf').header('cache-control', 'no-store').send(Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength));
      }
      return reply.header('cache-control', 'no-store').send(report);
    });
  });
}
