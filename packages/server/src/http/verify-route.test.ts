/** POST /api/v1/verify: a PDF in, the report out (JSON or printable PDF); clear problem+json errors. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSimplePdf } from '@kyso/testkit';
import type { FastifyInstance } from 'fastify';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { signPdf } from '../services/pdf-signing.ts';
import { startTestPdfPki, type TestPdfPki } from '../services/test-pdf-pki.ts';
import { VERIFY_BODY_LIMIT } from './verify-route.ts';

describe('POST /api/v1/verify', () => {
  let t: TestPdfPki;
  let app: FastifyInstance;
  let signed: Uint8Array;

  before(async () => {
    t = await startTestPdfPki('http-verify', { verifyRevocation: 'none' });
    app = t.app;
    const who = await t.issue({ profile: 'official', subject: 'CN=Nguyễn Văn An,O=UBND tỉnh Thử', uid: 'CCCD:001085000001', key: { kind: 'ec', curve: 'P-256' } });
    signed = (await signPdf({ input: makeSimplePdf(), signer: who.signer, certificate: who.certificate, chain: who.chain, level: 'B-B', clock: t.clock, crypto: nodeCrypto })).bytes;
  });
  after(async () => { await t?.close(); });

  const post = (body: Buffer | string, opts: { type?: string; query?: string } = {}) => app.inject({
    method: 'POST', url: `/api/v1/verify${opts.query ?? ''}`, headers: { 'content-type': opts.type ?? 'application/pdf' }, payload: body,
  });

  test('a signed PDF: 200 with the JSON report, TOTAL_PASSED against the served root', async () => {
    const r = await post(Buffer.from(signed));
    assert.equal(r.statusCode, 200, r.body);
    const report = r.json() as { schemaVersion: string; indication: string; signatures: Array<{ signer: { commonName: string } }> };
    assert.equal(report.schemaVersion, '1.0');
    assert.equal(report.indication, 'TOTAL_PASSED');
    assert.equal(report.signatures[0]!.signer.commonName, 'Nguyễn Văn An');
    assert.equal(r.headers['cache-control'], 'no-store');
  });

  test('?format=pdf returns the printable report', async () => {
    const r = await post(Buffer.from(signed), { query: '?format=pdf&lang=en' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'application/pdf');
    assert.equal(r.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  });

  test('errors are problem+json and clear: not a PDF, wrong type, empty, too large, bad query', async () => {
    const cases: Array<[Promise<{ statusCode: number; headers: Record<string, unknown>; json(): unknown }>, number, RegExp]> = [
      [post('hello, not a pdf'), 400, /not a PDF/],
      [post('{}', { type: 'application/json' }), 415, /application\/pdf/],
      [post(Buffer.alloc(0)), 400, /request body|PDF/i],
      [post(Buffer.alloc(VERIFY_BODY_LIMIT + 1, 0x20)), 413, /large|limit/i],
      [post(Buffer.from(signed), { query: '?format=docx' }), 400, /format/],
    ];
    for (const [pending, status, title] of cases) {
      const r = await pending;
      assert.equal(r.statusCode, status, JSON.stringify(r.json()));
      assert.match(String(r.headers['content-type']), /application\/problem\+json/);
      const body = r.json() as { title: string; status: number };
      assert.equal(body.status, status);
      assert.match(body.title, title);
    }
  });

  test('a changed document is reported, not an error: 200 with TOTAL_FAILED', async () => {
    const bad = Buffer.from(signed);
    const at = bad.indexOf('kyso test document');
    bad.write('KYSO', at, 'latin1');
    const r = await post(bad);
    assert.equal(r.statusCode, 200);
    assert.equal((r.json() as { indication: string }).indication, 'TOTAL_FAILED');
  });
});
