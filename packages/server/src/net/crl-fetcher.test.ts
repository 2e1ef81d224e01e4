import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import {
  assembleCertificate, authorityKeyIdentifierExtension, basicConstraintsExtension, computeKeyIdentifier, crlDistributionPointsExtension,
  encodeName, encodePem, encodeTbsCertificate, isKysoError, keyUsageExtension, parseCertificate, parseDnString,
  subjectKeyIdentifierExtension, type CertificateExtension, type ParsedCertificate, type SignatureAlgorithm,
} from '@kyso/core';
import { buildCrl, type CrlEntryInput } from '@kyso/core/ca/crl-builder.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { KeyObjectSigner } from '../keys/key-object-signer.ts';
import { FrozenClock } from '../services/test-ca.ts';
import { CrlFetcher } from './crl-fetcher.ts';

const ALG: SignatureAlgorithm = { scheme: 'ECDSA', hash: 'SHA-256' };
const DAY = 86_400_000;

interface Ca { name: Uint8Array; signer: KeyObjectSigner; keyId: Uint8Array; cert: ParsedCertificate }

async function makeCa(dn: string): Promise<Ca> {
  const signer = new KeyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const name = encodeName(parseDnString(dn));
  const keyId = computeKeyIdentifier(signer.publicKey, nodeCrypto);
  const tbs = encodeTbsCertificate({
    serial: Uint8Array.of(0x01), issuer: name, subject: name, notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2036-01-01T00:00:00Z'),
    spki: signer.publicKey, signatureAlgorithm: ALG,
    extensions: [basicConstraintsExtension(true), keyUsageExtension(['keyCertSign', 'cRLSign']), subjectKeyIdentifierExtension(keyId), authorityKeyIdentifierExtension(keyId)],
  });
  const cert = parseCertificate(assembleCertificate(tbs, ALG, await signer.sign(tbs, ALG)));
  return { name, signer, keyId, cert };
}

async function makeEe(ca: Ca, serialHex: string, crlUrls: string[]): Promise<ParsedCertificate> {
  const key = new KeyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const exts: CertificateExtension[] = [keyUsageExtension(['digitalSignature']), authorityKeyIdentifierExtension(ca.keyId)];
  if (crlUrls.length) exts.push(crlDistributionPointsExtension(crlUrls));
  const tbs = encodeTbsCertificate({
    serial: Uint8Array.from(Buffer.from(serialHex, 'hex')), issuer: ca.name, subject: encodeName(parseDnString(`CN=EE ${serialHex},O=Sở Nội vụ,C=VN`)),
    notBefore: new Date('2026-06-01T00:00:00Z'), notAfter: new Date('2027-06-01T00:00:00Z'), spki: key.publicKey, signatureAlgorithm: ALG, extensions: exts,
  });
  return parseCertificate(assembleCertificate(tbs, ALG, await ca.signer.sign(tbs, ALG)));
}

function crlOf(ca: Ca, opts: { thisUpdate: Date; nextUpdate: Date; number: bigint; entries?: CrlEntryInput[]; signer?: KeyObjectSigner }): Promise<Uint8Array> {
  return buildCrl({
    issuerDer: ca.name, authorityKeyId: ca.keyId, signatureAlgorithm: ALG, thisUpdate: opts.thisUpdate, nextUpdate: opts.nextUpdate,
    crlNumber: opts.number, entries: opts.entries ?? [], signer: opts.signer ?? ca.signer,
  });
}

/** What the test server answers on one path. */
interface Route { body: Uint8Array | string; etag?: string; cacheControl?: string; status?: number; hang?: boolean }

function expectKind(kind: string, re: RegExp) {
  return (e: unknown) => isKysoError(e, kind as never) && re.test(e.message);
}

describe('CrlFetcher against a local HTTP server', () => {
  const clock = new FrozenClock('2026-11-27T02:15:30Z');
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const conditional: Array<string | undefined> = [];
  let server: Server;
  let base: string;
  let ca: Ca;
  let other: Ca;
  let revoked: ParsedCertificate;
  let held: ParsedCertificate;
  let good: ParsedCertificate;
  let noDp: ParsedCertificate;
  let deadDp: ParsedCertificate;
  let currentCrl: Uint8Array;
  const now = () => clock.now();
  const later = (ms: number) => new Date(now().getTime() + ms);
  const fetcher = (o: Partial<ConstructorParameters<typeof CrlFetcher>[0]> = {}) => new CrlFetcher({ crypto: nodeCrypto, clock, timeoutMs: 2000, ...o });

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = req.url ?? '';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const r = routes.get(path);
      if (!r) { res.writeHead(404).end('not found'); return; }
      if (r.hang) return; // never answers
      conditional.push(req.headers['if-none-match']);
      const headers: Record<string, string> = { 'content-type': typeof r.body === 'string' ? 'application/x-pem-file' : 'application/pkix-crl' };
      if (r.etag) headers.etag = r.etag;
      if (r.cacheControl) headers['cache-control'] = r.cacheControl;
      if (r.etag && req.headers['if-none-match'] === r.etag) { res.writeHead(304, headers).end(); return; }
      res.writeHead(r.status ?? 200, headers).end(typeof r.body === 'string' ? r.body : Buffer.from(r.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ca = await makeCa('CN=Kyso Test CA,O=Ủy ban nhân dân tỉnh Thử nghiệm,C=VN');
    other = await makeCa('CN=Other CA,C=VN');
    revoked = await makeEe(ca, '4a01', [`${base}/ca.crl`]);
    held = await makeEe(ca, '4a02', [`${base}/ca.crl`]);
    good = await makeEe(ca, '4a03', [`${base}/missing.crl`, `${base}/ca.crl`]);
    noDp = await makeEe(ca, '4a04', []);
    deadDp = await makeEe(ca, '4a05', [`${base}/missing.crl`, `${base}/expired.crl`]);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(async () => {
    clock.set('2026-11-27T02:15:30Z');
    routes.clear();
    hits.clear();
    conditional.length = 0;
    currentCrl = await crlOf(ca, {
      thisUpdate: now(), nextUpdate: later(7 * DAY), number: 10n,
      entries: [
        { serialHex: '4a01', revokedAt: later(-DAY), reason: 'keyCompromise' },
        { serialHex: '4a02', revokedAt: later(-2 * DAY), reason: 'certificateHold' },
      ],
    });
    routes.set('/ca.crl', { body: currentCrl, etag: '"v10"', cacheControl: 'max-age=60' });
  });

  test('fetches, verifies, then answers from the cache', async () => {
    const f = fetcher();
    const a = await f.get(`${base}/ca.crl`, ca.cert);
    assert.equal(a.fromCache, false);
    assert.equal(a.crl.crlNumber, 10n);
    assert.deepEqual(a.der, currentCrl);
    clock.set(later(30_000).toISOString());
    const b = await f.get(`${base}/ca.crl`, ca.cert);
    assert.equal(b.fromCache, true);
    assert.equal(hits.get('/ca.crl'), 1, 'one request only');
  });

  test('revalidates with If-None-Match after max-age: 304 keeps the CRL, a new ETag brings the new one', async () => {
    const f = fetcher();
    await f.get(`${base}/ca.crl`, ca.cert);
    clock.set(later(61_000).toISOString());
    const b = await f.get(`${base}/ca.crl`, ca.cert);
    assert.equal(b.fromCache, true);
    assert.equal(hits.get('/ca.crl'), 2);
    assert.deepEqual(conditional, [undefined, '"v10"'], 'the second request was conditional');
    const next = await crlOf(ca, { thisUpdate: now(), nextUpdate: later(7 * DAY), number: 11n });
    routes.set('/ca.crl', { body: next, etag: '"v11"', cacheControl: 'max-age=60' });
    clock.set(later(61_000).toISOString());
    const c = await f.get(`${base}/ca.crl`, ca.cert);
    assert.equal(c.fromCache, false);
    assert.equal(c.crl.crlNumber, 11n);
    assert.equal(c.crl.entryCount, 0);
  });

  test('without Cache-Control the CRL is kept until its nextUpdate; then a 304 for an expired CRL is refused', async () => {
    routes.set('/ca.crl', { body: currentCrl, etag: '"v10"' });
    const f = fetcher();
    await f.get(`${base}/ca.crl`, ca.cert);
    clock.set(later(6 * DAY).toISOString());
    assert.equal((await f.get(`${base}/ca.crl`, ca.cert)).fromCache, true);
    assert.equal(hits.get('/ca.crl'), 1);
    clock.set(later(2 * DAY).toISOString());
    await assert.rejects(f.get(`${base}/ca.crl`, ca.cert), expectKind('malformed', /ca\.crl: the CRL expired at .*304 Not Modified/));
    assert.equal(hits.get('/ca.crl'), 2);
  });

  test('an expired CRL is refused, and one dated in the future', async () => {
    routes.set('/expired.crl', { body: await crlOf(ca, { thisUpdate: later(-8 * DAY), nextUpdate: later(-DAY), number: 3n }) });
    await assert.rejects(fetcher().get(`${base}/expired.crl`, ca.cert), expectKind('malformed', /expired\.crl: the CRL expired at 2026-11-26T02:15:30/));
    routes.set('/future.crl', { body: await crlOf(ca, { thisUpdate: later(DAY), nextUpdate: later(8 * DAY), number: 3n }) });
    await assert.rejects(fetcher().get(`${base}/future.crl`, ca.cert), expectKind('malformed', /in the future/));
    routes.set('/skew.crl', { body: await crlOf(ca, { thisUpdate: later(60_000), nextUpdate: later(8 * DAY), number: 3n }) });
    assert.equal((await fetcher().get(`${base}/skew.crl`, ca.cert)).fromCache, false, 'a minute of clock skew is tolerated');
  });

  test('a CRL of another issuer, or signed by another key, is refused', async () => {
    routes.set('/other.crl', { body: await crlOf(other, { thisUpdate: now(), nextUpdate: later(DAY), number: 1n }) });
    await assert.rejects(fetcher().get(`${base}/other.crl`, ca.cert), expectKind('malformed', /other\.crl: the CRL is issued by "CN=Other CA, C=VN", not by "CN=Kyso Test CA/));
    // Same issuer name and key identifier, signed by someone else's key.
    routes.set('/forged.crl', { body: await crlOf(ca, { thisUpdate: now(), nextUpdate: later(DAY), number: 1n, signer: other.signer }) });
    await assert.rejects(fetcher().get(`${base}/forged.crl`, ca.cert), expectKind('malformed', /forged\.crl: the CRL signature does not verify with the key of "CN=Kyso Test CA/));
  });

  test('a tampered CRL is refused', async () => {
    const bytes = Uint8Array.from(currentCrl);
    const at = Buffer.from(bytes).indexOf(Buffer.from([0x02, 0x02, 0x4a, 0x01])); // serial 4a01 …
    assert.ok(at > 0);
    bytes[at + 3] = 0x07; // … becomes 4a07: certificate 4a01 would look good
    routes.set('/tampered.crl', { body: bytes });
    await assert.rejects(fetcher().get(`${base}/tampered.crl`, ca.cert), expectKind('malformed', /tampered\.crl: the CRL signature does not verify/));
    routes.set('/garbage.crl', { body: Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00) });
    await assert.rejects(fetcher().get(`${base}/garbage.crl`, ca.cert), expectKind('malformed', /garbage\.crl: not a CRL/));
    routes.set('/html.crl', { body: '<html>maintenance</html>' });
    await assert.rejects(fetcher().get(`${base}/html.crl`, ca.cert), expectKind('malformed', /html\.crl: not a CRL: expected DER or PEM/));
  });

  test('an oversized response, a timeout and an HTTP 404 are io errors naming the URL', async () => {
    await assert.rejects(fetcher({ maxBytes: 100 }).get(`${base}/ca.crl`, ca.cert), expectKind('io', /ca\.crl: response .*exceeds the 100-byte limit/));
    routes.set('/slow.crl', { body: currentCrl, hang: true });
    const t0 = Date.now();
    await assert.rejects(fetcher({ timeoutMs: 300 }).get(`${base}/slow.crl`, ca.cert), expectKind('io', /slow\.crl: no answer within 300 ms/));
    assert.ok(Date.now() - t0 < 2000);
    await assert.rejects(fetcher().get(`${base}/missing.crl`, ca.cert), expectKind('io', /missing\.crl: HTTP 404/));
  });

  test('a still-current cached CRL is served when the server fails; never once it has expired', async () => {
    const f = fetcher();
    await f.get(`${base}/ca.crl`, ca.cert);
    routes.set('/ca.crl', { body: 'down', status: 503 });
    clock.set(later(DAY).toISOString());
    const r = await f.get(`${base}/ca.crl`, ca.cert);
    assert.equal(r.fromCache, true);
    assert.equal(r.crl.crlNumber, 10n);
    clock.set(later(7 * DAY).toISOString());
    await assert.rejects(f.get(`${base}/ca.crl`, ca.cert), expectKind('io', /ca\.crl: HTTP 503/));
  });

  test('an older CRL number after a newer one is refused as a replay', async () => {
    const f = fetcher();
    await f.get(`${base}/ca.crl`, ca.cert);
    routes.set('/ca.crl', { body: await crlOf(ca, { thisUpdate: now(), nextUpdate: later(7 * DAY), number: 9n }), etag: '"v9"' });
    clock.set(later(61_000).toISOString());
    await assert.rejects(f.get(`${base}/ca.crl`, ca.cert), expectKind('malformed', /CRL number 9, older than number 10/));
  });

  test('PEM is accepted', async () => {
    routes.set('/ca.pem', { body: `garbage before\n${encodePem('X509 CRL', currentCrl)}` });
    const r = await fetcher().get(`${base}/ca.pem`, ca.cert);
    assert.deepEqual(r.der, currentCrl);
    assert.equal(r.crl.entryCount, 2);
  });

  test('concurrent requests share one download; the cache keeps maxEntries CRLs', async () => {
    const f = fetcher();
    const [a, b] = await Promise.all([f.get(`${base}/ca.crl`, ca.cert), f.get(`${base}/ca.crl`, ca.cert)]);
    assert.equal(hits.get('/ca.crl'), 1);
    assert.deepEqual(a.der, b.der);
    routes.set('/b.crl', { body: currentCrl });
    const small = fetcher({ maxEntries: 1 });
    await small.get(`${base}/ca.crl`, ca.cert);
    await small.get(`${base}/b.crl`, ca.cert);
    assert.equal((await small.get(`${base}/ca.crl`, ca.cert)).fromCache, false, 'evicted');
    assert.equal((await small.get(`${base}/ca.crl`, ca.cert)).fromCache, true);
  });

  test('a cached CRL is still checked against each caller\'s issuer', async () => {
    const f = fetcher();
    await f.get(`${base}/ca.crl`, ca.cert);
    await assert.rejects(f.get(`${base}/ca.crl`, other.cert), expectKind('malformed', /issued by "CN=Kyso Test CA.*not by "CN=Other CA/));
  });

  test('status(): revoked (with reason and date), on hold, good, and failures', async () => {
    const f = fetcher();
    const r = await f.status(revoked, ca.cert);
    assert.equal(r.status, 'revoked');
    assert.equal(r.reason, 'keyCompromise');
    assert.equal(r.revokedAt?.toISOString(), later(-DAY).toISOString());
    assert.equal(r.crlUrl, `${base}/ca.crl`);
    assert.equal(r.thisUpdate.toISOString(), now().toISOString());
    assert.equal(r.nextUpdate?.toISOString(), later(7 * DAY).toISOString());
    const h = await f.status(held, ca.cert);
    assert.equal(h.status, 'revoked');
    assert.equal(h.reason, 'certificateHold');
    const g = await f.status(good, ca.cert);
    assert.equal(g.status, 'good', 'the second distribution point answers when the first is missing');
    assert.equal(g.crlUrl, `${base}/ca.crl`);
    assert.equal(g.revokedAt, undefined);
    assert.equal(hits.get('/ca.crl'), 1, 'one download for the three answers');
    await assert.rejects(f.status(noDp, ca.cert), expectKind('not-found', /names no HTTP\(S\) CRL distribution point/));
    routes.set('/expired.crl', { body: await crlOf(ca, { thisUpdate: later(-8 * DAY), nextUpdate: later(-DAY), number: 3n }) });
    await assert.rejects(f.status(deadDp, ca.cert), (e) => isKysoError(e, 'io') && /missing\.crl: HTTP 404/.test(e.message) && /expired\.crl: the CRL expired/.test(e.message));
    await assert.rejects(f.status(revoked, other.cert), expectKind('invalid-argument', /is issued by "CN=Kyso Test CA/));
  });
});
