import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isKysoError, type SignatureAlgorithm } from '@kyso/core';
import {
  buildTimeStampToken, encodeTimeStampResp, encodeTstInfo, parseTimeStampReq, type ParsedTimeStampReq,
} from '@kyso/core/tsp/index.ts';
import { generateTestKey, issueTestCertificate, type TestIdentity } from '@kyso/core/cms/test-cms-certs.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { KeyObjectSigner } from '../keys/key-object-signer.ts';
import { requestTimestamp } from './tsa-client.ts';

const POLICY = '1.3.6.1.4.1.99999.1.1';
const ALG: SignatureAlgorithm = { scheme: 'ECDSA', hash: 'SHA-256' };

describe('TSA client (RFC 3161 over HTTP)', () => {
  let server: Server;
  let base: string;
  let root: TestIdentity;
  let tsa: TestIdentity;
  let notTsa: TestIdentity;
  let serial = 1n;
  const data = new TextEncoder().encode('Biên bản họp ngày 27/11/2026');

  async function token(req: ParsedTimeStampReq, who: TestIdentity, over: { nonce?: Uint8Array | null; imprint?: Uint8Array; policy?: string } = {}) {
    const tstInfo = encodeTstInfo({
      policy: over.policy ?? req.reqPolicy ?? POLICY, hash: req.hash, messageImprint: over.imprint ?? req.messageImprint, serial: serial++,
      genTime: new Date(), nonce: over.nonce === null ? undefined : over.nonce ?? req.nonce, tsaNameDer: who.cert.subjectDer,
    });
    return buildTimeStampToken({ tstInfo, signer: new KeyObjectSigner(who.key), signatureAlgorithm: ALG, tsaCert: who.cert, chain: [root.cert.der], certReq: req.certReq, crypto: nodeCrypto });
  }

  async function handle(path: string, body: Uint8Array, res: ServerResponse) {
    const reply = (der: Uint8Array, type = 'application/timestamp-reply') => { res.writeHead(200, { 'content-type': type }); res.end(der); };
    if (path === '/slow') return; // never answers
    if (path === '/500') { res.writeHead(500); res.end('boom'); return; }
    const req = parseTimeStampReq(body);
    switch (path) {
      case '/ok': return reply(encodeTimeStampResp({ status: 'granted', token: await token(req, tsa) }));
      case '/html': return reply(encodeTimeStampResp({ status: 'granted', token: await token(req, tsa) }), 'text/html');
      case '/reject': return reply(encodeTimeStampResp({ status: 'rejection', failInfo: 'badAlg', statusString: 'use SHA-256' }));
      case '/nonce': return reply(encodeTimeStampResp({ status: 'granted', token: await token(req, tsa, { nonce: Uint8Array.of(0x42, 1, 2, 3, 4, 5, 6, 7) }) }));
      case '/nononce': return reply(encodeTimeStampResp({ status: 'granted', token: await token(req, tsa, { nonce: null }) }));
      case '/imprint': return reply(encodeTimeStampResp({ status: 'granted', token: await token(req, tsa, { imprint: new Uint8Array(req.messageImprint.length) }) }));
      case '/policy': return reply(encodeTimeStampResp({ status: 'granted', token: await token(req, tsa, { policy: '1.2.3.4' }) }));
      case '/badsig': {
        const t = await token(req, tsa);
        t[t.length - 4]! ^= 0x01; // inside the ECDSA signature value, the last field of the token
        return reply(encodeTimeStampResp({ status: 'granted', token: t }));
      }
      case '/garbage': return reply(Uint8Array.of(0x30, 0x03, 0x02, 0x01));
      case '/nottsa': {
        // A token signed with a certificate whose timeStamping EKU is not critical, assembled by hand.
        const { assembleSignedData } = await import('@kyso/core/cms/signed-data.ts');
        const { encodeSignedAttributes } = await import('@kyso/core/cms/signed-attributes.ts');
        const { CMS_OID } = await import('@kyso/core/cms/cms-oids.ts');
        const { signWithKeyObject } = await import('../keys/key-object-signer.ts');
        const tstInfo = encodeTstInfo({ policy: POLICY, hash: req.hash, messageImprint: req.messageImprint, serial: serial++, genTime: new Date(), nonce: req.nonce });
        const attrs = encodeSignedAttributes({ contentType: CMS_OID.tstInfo, messageDigest: nodeCrypto.digest('SHA-256', tstInfo), signingCertificate: { cert: notTsa.cert }, crypto: nodeCrypto });
        const t = assembleSignedData({
          eContentType: CMS_OID.tstInfo, eContent: tstInfo, digestAlgorithm: 'SHA-256', signerCert: notTsa.cert, certificates: [notTsa.cert.der],
          signedAttrs: attrs.embedded, signatureAlgorithm: ALG, signature: signWithKeyObject(notTsa.key, attrs.toSign, ALG),
        });
        return reply(encodeTimeStampResp({ status: 'granted', token: t }));
      }
      default: res.writeHead(404); res.end();
    }
  }

  before(async () => {
    root = issueTestCertificate({ subject: 'CN=TSA Client Test Root,O=Kyso,C=VN', key: generateTestKey('p256'), ca: true });
    tsa = issueTestCertificate({ subject: 'CN=Loopback TSA,O=Kyso,C=VN', key: generateTestKey('p256'), issuer: root, eku: ['1.3.6.1.5.5.7.3.8'], ekuCritical: true });
    notTsa = issueTestCertificate({ subject: 'CN=Not critical,O=Kyso,C=VN', key: generateTestKey('p256'), issuer: root, eku: ['1.3.6.1.5.5.7.3.8'], ekuCritical: false });
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.headers['content-type'] !== 'application/timestamp-query' || req.method !== 'POST') { res.writeHead(415); res.end(); return; }
        handle(req.url ?? '/', new Uint8Array(Buffer.concat(chunks)), res).catch(() => { res.writeHead(500); res.end(); });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('a granted, verified token for the data', async () => {
    const r = await requestTimestamp({ url: `${base}/ok`, data, crypto: nodeCrypto });
    assert.deepEqual(r.tstInfo.messageImprint, nodeCrypto.digest('SHA-256', data));
    assert.equal(r.tsaCert.serialHex, tsa.cert.serialHex);
    assert.ok(r.tstInfo.nonce, 'a nonce was sent and came back');
  });

  test('SHA-384 digest, policy, no nonce, certReq false with the TSA certificate given', async () => {
    const digest = nodeCrypto.digest('SHA-384', data);
    const r = await requestTimestamp({ url: `${base}/ok`, digest, hash: 'SHA-384', policy: POLICY, nonce: false, certReq: false, tsaCert: tsa.cert, crypto: nodeCrypto });
    assert.equal(r.tstInfo.hash, 'SHA-384');
    assert.equal(r.tstInfo.policy, POLICY);
    assert.equal(r.tstInfo.nonce, undefined);
    // The token must come from the expected TSA.
    await assert.rejects(requestTimestamp({ url: `${base}/ok`, data, certReq: true, tsaCert: notTsa.cert, crypto: nodeCrypto }), (e) => isKysoError(e, 'malformed'));
  });

  const failures: Array<[string, string, RegExp, number?]> = [
    ['/slow', 'io', /no answer within 300 ms/],
    ['/500', 'io', /HTTP 500/],
    ['/missing', 'io', /HTTP 404/],
    ['/html', 'malformed', /text\/html, not application\/timestamp-reply/],
    ['/reject', 'io', /refused the request \(rejection, badAlg: use SHA-256\)/],
    ['/nonce', 'malformed', /nonce mismatch/],
    ['/nononce', 'malformed', /no nonce/],
    ['/imprint', 'malformed', /imprint mismatch/],
    ['/policy', 'malformed', /policy 1\.2\.3\.4, not the requested/],
    ['/badsig', 'malformed', /signature does not verify/],
    ['/garbage', 'malformed', /cannot be read/],
    ['/nottsa', 'malformed', /not critical/],
  ];
  for (const [path, kind, re] of failures) {
    test(`${path}: KysoError('${kind}') naming the URL`, async () => {
      await assert.rejects(
        requestTimestamp({ url: `${base}${path}`, data, crypto: nodeCrypto, timeoutMs: 300, policy: path === '/policy' ? POLICY : undefined }),
        (e) => isKysoError(e, kind as 'io') && e.message.includes(`${base}${path}`) && re.test(e.message),
      );
    });
  }

  test('bad arguments are refused before any request', async () => {
    await assert.rejects(requestTimestamp({ url: `${base}/ok`, crypto: nodeCrypto }), (e) => isKysoError(e, 'invalid-argument'));
    await assert.rejects(requestTimestamp({ url: `${base}/ok`, digest: new Uint8Array(20), crypto: nodeCrypto }), (e) => isKysoError(e, 'invalid-argument'));
    await assert.rejects(requestTimestamp({ url: `${base}/ok`, data, certReq: false, crypto: nodeCrypto }), (e) => isKysoError(e, 'invalid-argument'));
    await assert.rejects(requestTimestamp({ url: 'ftp://127.0.0.1/x', data, crypto: nodeCrypto }), (e) => isKysoError(e));
  });
});
