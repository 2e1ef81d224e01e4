import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isKysoError, type Clock } from '@kyso/core';
import { computeKeyIdentifier } from '@kyso/core/x509/certificate-builder.ts';
import { parseOcspRequest } from '@kyso/core/ocsp/ocsp-request.ts';
import { buildOcspResponse, ocspErrorResponse, type OcspCertStatus } from '@kyso/core/ocsp/ocsp-response.ts';
import { makeTestOcspPki, T0, type TestIdentity, type TestOcspPki } from '@kyso/core/ocsp/test-ocsp-pki.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { getUrl, queryOcsp } from './ocsp-client.ts';

const HOUR = 3_600_000;

class TestClock implements Clock {
  t = T0.getTime() + 30_000;
  now(): Date { return new Date(this.t); }
}

type Handler = (req: IncomingMessage, body: Uint8Array, res: ServerResponse) => void | Promise<void>;

describe('OCSP client against a local responder', () => {
  let pki: TestOcspPki;
  let server: Server;
  let base: string;
  let handler: Handler;
  let lastRequest: { method?: string; url?: string; contentType?: string; accept?: string } = {};
  const clock = new TestClock();

  /** A well-behaved responder: parses the request, answers with `status`, echoes the nonce. */
  const answer = (p: { by?: TestIdentity; delegated?: boolean; status?: OcspCertStatus; nonce?: 'echo' | 'other' | 'none'; thisUpdate?: Date; nextUpdate?: Date } = {}): Handler =>
    async (req, body, res) => {
      const der = req.method === 'GET'
        ? new Uint8Array(Buffer.from(decodeURIComponent(req.url!.slice('/ocsp/'.length)), 'base64'))
        : body;
      const parsed = parseOcspRequest(der);
      const by = p.by ?? pki.responder;
      const delegated = p.delegated ?? by !== pki.issuing;
      const thisUpdate = p.thisUpdate ?? T0;
      const out = await buildOcspResponse({
        responderKeyHash: computeKeyIdentifier(by.signer.publicKey, nodeCrypto), producedAt: thisUpdate,
        responses: parsed.requests.map((certId) => ({ certId, status: p.status ?? { kind: 'good' }, thisUpdate, nextUpdate: p.nextUpdate ?? new Date(thisUpdate.getTime() + 4 * HOUR) })),
        nonce: p.nonce === 'none' ? undefined : p.nonce === 'other' ? nodeCrypto.randomBytes(32) : parsed.nonce,
        signer: by.signer, signatureAlgorithm: by.alg, certs: delegated ? [by.cert.der] : undefined,
      });
      res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(out);
    };

  const query = (extra: Partial<Parameters<typeof queryOcsp>[0]> = {}) =>
    queryOcsp({ url: `${base}/ocsp`, issuer: pki.issuing.cert, certificate: pki.leaf.cert, crypto: nodeCrypto, clock, timeoutMs: 2000, ...extra });

  const refused = (kind: 'io' | 'malformed', re: RegExp) => (e: unknown) => {
    assert.ok(isKysoError(e, kind), `expected KysoError(${kind}), got ${String(e)}`);
    assert.match((e as Error).message, re);
    assert.ok((e as Error).message.includes(base), 'the message names the URL');
    return true;
  };

  before(async () => {
    pki = await makeTestOcspPki();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        lastRequest = { method: req.method, url: req.url, contentType: req.headers['content-type'], accept: req.headers.accept };
        Promise.resolve(handler(req, new Uint8Array(Buffer.concat(chunks)), res)).catch((e) => { res.writeHead(599).end(String(e)); });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('POST with nonce, delegated responder: good', async () => {
    handler = answer();
    const r = await query();
    assert.deepEqual(r.status, { kind: 'good' });
    assert.equal(r.responder, 'delegated');
    assert.equal(r.thisUpdate.toISOString(), T0.toISOString());
    assert.equal(r.nextUpdate?.toISOString(), new Date(T0.getTime() + 4 * HOUR).toISOString());
    assert.ok(r.responseDer.length > 100);
    assert.equal(lastRequest.method, 'POST');
    assert.equal(lastRequest.contentType, 'application/ocsp-request');
    assert.equal(lastRequest.accept, 'application/ocsp-response');
  });

  test('GET form (RFC 6960 A.1), SHA-1 CertID, CA-signed, revoked with reason', async () => {
    const revokedAt = new Date(T0.getTime() - HOUR);
    handler = answer({ by: pki.issuing, status: { kind: 'revoked', revokedAt, reason: 1 } });
    const r = await query({ method: 'GET', hash: 'SHA-1' });
    assert.deepEqual(r.status, { kind: 'revoked', revokedAt, reason: 1 });
    assert.equal(r.responder, 'issuer');
    assert.equal(lastRequest.method, 'GET');
    assert.match(lastRequest.url!, /^\/ocsp\/[A-Za-z0-9%]+$/, 'base64 is URL-encoded: no raw + / =');
    assert.equal(getUrl('http://x/ocsp/', Uint8Array.of(0xfb, 0xff)), 'http://x/ocsp/%2B%2F8%3D');
  });

  test('unknown status and no nonce', async () => {
    handler = answer({ status: { kind: 'unknown' }, nonce: 'none' });
    assert.deepEqual((await query({ nonce: false })).status, { kind: 'unknown' });
  });

  test('HTTP 500, wrong content type, garbage, non-successful OCSP status', async () => {
    handler = (_req, _body, res) => { res.writeHead(500, { 'content-type': 'application/ocsp-response' }).end(ocspErrorResponse('internalError')); };
    await assert.rejects(query(), refused('io', /HTTP status 500/));
    handler = async (req, body, res) => {
      await answer()(req, body, { writeHead: () => ({ end: (b: Uint8Array) => res.writeHead(200, { 'content-type': 'text/html' }).end(b) }) } as unknown as ServerResponse);
    };
    await assert.rejects(query(), refused('io', /content type "text\/html"/));
    handler = (_req, _body, res) => { res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end('<html>not OCSP</html>'); };
    await assert.rejects(query(), refused('malformed', /unreadable response/));
    handler = (_req, _body, res) => { res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(ocspErrorResponse('tryLater')); };
    await assert.rejects(query(), refused('io', /answered tryLater/));
  });

  test('timeout and oversized response', async () => {
    handler = () => { /* never answers */ };
    const t = performance.now();
    await assert.rejects(query({ timeoutMs: 200 }), refused('io', /no answer within 200 ms/));
    assert.ok(performance.now() - t < 1500);
    handler = (_req, _body, res) => { res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(Buffer.alloc(100_000)); };
    await assert.rejects(query({ maxBytes: 4096 }), refused('io', /exceeds the 4096-byte limit/));
  });

  test('unauthorized responder, nonce mismatch, missing nonce', async () => {
    handler = answer({ by: pki.notResponder });
    await assert.rejects(query(), refused('malformed', /id-kp-OCSPSigning/));
    handler = answer({ by: pki.otherIssuing, delegated: false });
    await assert.rejects(query(), refused('malformed', /neither the issuer/));
    handler = answer({ nonce: 'other' });
    await assert.rejects(query(), refused('malformed', /nonce .* does not match/));
    handler = answer({ nonce: 'none' });
    await assert.rejects(query(), refused('malformed', /did not echo the nonce/));
  });

  test('stale and future responses', async () => {
    handler = answer({ thisUpdate: new Date(T0.getTime() - 10 * HOUR), nextUpdate: new Date(T0.getTime() - HOUR) });
    await assert.rejects(query(), refused('malformed', /expired: nextUpdate/));
    handler = answer({ thisUpdate: new Date(T0.getTime() + 2 * HOUR) });
    await assert.rejects(query(), refused('malformed', /thisUpdate .* in the future/));
    handler = answer({ thisUpdate: new Date(T0.getTime() - 2 * HOUR) });
    await assert.rejects(query({ maxAgeSeconds: 600 }), refused('malformed', /stale/));
  });

  test('connection refused; a certificate of another issuer is refused before any query', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      queryOcsp({ url: `http://127.0.0.1:${port}/ocsp`, issuer: pki.issuing.cert, certificate: pki.leaf.cert, crypto: nodeCrypto, clock, timeoutMs: 2000 }),
      (e) => isKysoError(e, 'io') && e.message.includes(`127.0.0.1:${port}`),
    );
    await assert.rejects(query({ issuer: pki.otherIssuing.cert }), (e) => isKysoError(e, 'invalid-argument'));
  });
});
