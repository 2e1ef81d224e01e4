/**
 * The PKI services on SQLite and PostgreSQL: pre-signed OCSP responses (no signing on a burst),
 * fresh nonce responses, status changes, CRL numbering and TSA serials shared by two instances.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { computeCertId } from '@kyso/core/ocsp/cert-id.ts';
import { encodeOcspRequest } from '@kyso/core/ocsp/ocsp-request.ts';
import { fuzzOcspRequestInputs } from '@kyso/core/ocsp/fuzz-ocsp-request.ts';
import { parseOcspResponse, verifyOcspResponse } from '@kyso/core/ocsp/ocsp-response.ts';
import { encodeTimeStampReq, parseTimeStampResp, verifyTimeStampToken } from '@kyso/core/tsp/index.ts';
import { parseCrl } from '@kyso/core/x509/crl.ts';
import type { ParsedCertificate } from '@kyso/core';
import { CaService } from './ca-service.ts';
import { parseCeremony } from '../config/ceremony.ts';
import { startPki, type Pki } from './pki.ts';
import { RevocationService } from './revocation-service.ts';
import { SerialAllocator } from './tsa-service.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { DIALECTS, TEST_CEREMONY, TEST_PASSPHRASE, openTestDb, type TestDb } from './test-ca.ts';

for (const dialect of DIALECTS) {
  describe(`PKI services on ${dialect}`, () => {
    let t: TestDb;
    let ca: CaService;
    let pki: Pki;
    let leaf: ParsedCertificate;
    let issuing: ParsedCertificate;

    before(async () => {
      t = await openTestDb(dialect);
      await CaService.init(t.deps, { ceremony: parseCeremony(TEST_CEREMONY), secret: TEST_PASSPHRASE });
      ca = await CaService.open(t.deps, TEST_PASSPHRASE);
      pki = await startPki(t.deps, ca, { pollMs: 60_000 });
      leaf = (await ca.issue({ profile: 'official', subject: 'CN=Đỗ Văn Hải,O=Sở Y tế', uid: 'CCCD:001085000321', p12Password: 'p12 password!', key: { kind: 'ec', curve: 'P-256' } })).certificate;
      issuing = await ca.caCertificate('issuing');
    });
    after(async () => { pki.close(); await t.cleanup(); });

    const certId = (hash: 'SHA-1' | 'SHA-256' = 'SHA-1') => computeCertId({ issuerNameDer: issuing.subjectDer, issuerSpki: issuing.spki, serialHex: leaf.serialHex, hash, crypto: nodeCrypto });

    test('a burst of identical requests is served from one pre-signed response', async () => {
      const req = encodeOcspRequest({ certIds: [certId()] });
      const first = await pki.ocsp.respond(req);
      const signedBefore = pki.ocsp.stats.signed;
      for (let i = 0; i < 200; i++) assert.deepEqual(await pki.ocsp.respond(req), first);
      assert.equal(pki.ocsp.stats.signed, signedBefore, 'no signature made for the burst');
      const v = verifyOcspResponse(parseOcspResponse(first), { issuer: issuing, certId: certId(), crypto: nodeCrypto, at: t.clock.now() });
      assert.ok(v.ok, v.ok ? '' : v.reason);
      assert.equal(v.ok && v.status.kind, 'good');
      assert.equal(v.ok && v.responder, 'delegated');
    });

    test('a nonce request is signed fresh and echoes the nonce; a status change replaces the pre-signed response', async () => {
      const nonce = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
      const signedBefore = pki.ocsp.stats.signed;
      const fresh = parseOcspResponse(await pki.ocsp.respond(encodeOcspRequest({ certIds: [certId('SHA-256')], nonce })));
      assert.equal(pki.ocsp.stats.signed, signedBefore + 1);
      const v = verifyOcspResponse(fresh, { issuer: issuing, certId: certId('SHA-256'), crypto: nodeCrypto, at: t.clock.now(), expectedNonce: nonce });
      assert.ok(v.ok, v.ok ? '' : v.reason);
      await ca.suspend(leaf.serialHex);
      await pki.refresh();
      const after = parseOcspResponse(await pki.ocsp.respond(encodeOcspRequest({ certIds: [certId()] })));
      const v2 = verifyOcspResponse(after, { issuer: issuing, certId: certId(), crypto: nodeCrypto, at: t.clock.now() });
      assert.ok(v2.ok);
      assert.deepEqual(v2.ok && v2.status.kind === 'revoked' && v2.status.reason, 6, 'certificateHold');
      await ca.resume(leaf.serialHex);
      await pki.refresh();
      const back = verifyOcspResponse(parseOcspResponse(await pki.ocsp.respond(encodeOcspRequest({ certIds: [certId()] }))), { issuer: issuing, certId: certId(), crypto: nodeCrypto, at: t.clock.now() });
      assert.equal(back.ok && back.status.kind, 'good');
    });

    test('unknown serials are answered unknown; the issuing CA is answered by the root', async () => {
      const unknown = computeCertId({ issuerNameDer: issuing.subjectDer, issuerSpki: issuing.spki, serialHex: '7fffffffffffffffffffffffffffffff', hash: 'SHA-1', crypto: nodeCrypto });
      const r = verifyOcspResponse(parseOcspResponse(await pki.ocsp.respond(encodeOcspRequest({ certIds: [unknown] }))), { issuer: issuing, certId: unknown, crypto: nodeCrypto, at: t.clock.now() });
      assert.equal(r.ok && r.status.kind, 'unknown');
      const root = await ca.caCertificate('root');
      const ofIssuing = computeCertId({ issuerNameDer: root.subjectDer, issuerSpki: root.spki, serialHex: issuing.serialHex, hash: 'SHA-256', crypto: nodeCrypto });
      const r2 = verifyOcspResponse(parseOcspResponse(await pki.ocsp.respond(encodeOcspRequest({ certIds: [ofIssuing] }))), { issuer: root, certId: ofIssuing, crypto: nodeCrypto, at: t.clock.now() });
      assert.ok(r2.ok, r2.ok ? '' : r2.reason);
      assert.equal(r2.ok && r2.responder, 'issuer');
    });

    test('the responder answers 2,000 fuzzed requests with well-formed OCSP responses', async () => {
      let ok = 0;
      for (const input of fuzzOcspRequestInputs({ iterations: 2000, seed: 42 })) {
        const reply = parseOcspResponse(await pki.ocsp.respond(input)); // throws if the reply is not a proper OCSPResponse
        assert.ok(['successful', 'malformedRequest', 'unauthorized', 'internalError', 'tryLater'].includes(reply.status), reply.status);
        if (reply.status === 'internalError') assert.fail('internalError for a fuzzed request');
        ok++;
      }
      assert.equal(ok, 2000);
    });

    test('two instances on one database: CRL numbers and TSA serials never collide', async () => {
      const other = new RevocationService(t.deps, await CaService.open(t.deps, TEST_PASSPHRASE));
      const mine = new RevocationService(t.deps, ca);
      const a = await mine.currentCrl('issuing', { force: true });
      const b = await other.currentCrl('issuing', { force: true });
      const c = await mine.currentCrl('issuing', { force: true });
      assert.ok(a.number < b.number && b.number < c.number, `${a.number} < ${b.number} < ${c.number}`);
      assert.equal(parseCrl(c.der).crlNumber, c.number);
      const s1 = new SerialAllocator(t.db.kysely, 'tsa.test', 10);
      const s2 = new SerialAllocator(t.db.kysely, 'tsa.test', 10);
      const seen = new Set<bigint>();
      const draws = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? s1 : s2).next()));
      for (const d of draws) { assert.ok(!seen.has(d), `serial ${d} handed out twice`); seen.add(d); }
      const mono: bigint[] = [];
      for (let i = 0; i < 25; i++) mono.push(await s1.next());
      assert.deepEqual([...mono].sort((x, y) => (x < y ? -1 : 1)), mono, 'increasing within one instance');
    });

    test('TSA: granted tokens carry the frozen time, policy and nonce; bad queries get proper rejections', async () => {
      const imprint = nodeCrypto.digest('SHA-256', new TextEncoder().encode('Công văn số 05/UBND-VX'));
      const nonce = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
      const resp = parseTimeStampResp(await pki.tsa.respond(encodeTimeStampReq({ hash: 'SHA-256', messageImprint: imprint, nonce, certReq: true })));
      assert.equal(resp.status, 'granted');
      const v = verifyTimeStampToken(resp.token!, { crypto: nodeCrypto, messageImprint: imprint, hash: 'SHA-256', expectedNonce: nonce });
      assert.ok(v.ok, v.ok ? '' : v.reason);
      assert.equal(v.ok && v.tstInfo.genTime.toISOString(), t.clock.now().toISOString());
      assert.equal(v.ok && v.tstInfo.policy, '2.999.84.1.2');
      const serials = new Set<bigint>();
      for (let i = 0; i < 5; i++) {
        const r = parseTimeStampResp(await pki.tsa.respond(encodeTimeStampReq({ hash: 'SHA-384', messageImprint: new Uint8Array(48).fill(i) })));
        const tv = verifyTimeStampToken(r.token!, { crypto: nodeCrypto, tsaCert: (await ca.serviceIdentity('tsa')).certificate }); // no certReq: the token carries no certificate
        assert.ok(tv.ok, tv.ok ? '' : tv.reason);
        if (tv.ok) serials.add(tv.tstInfo.serial);
      }
      assert.equal(serials.size, 5);
      const wrongPolicy = parseTimeStampResp(await pki.tsa.respond(encodeTimeStampReq({ hash: 'SHA-256', messageImprint: imprint, reqPolicy: '1.2.3.4' })));
      assert.equal(wrongPolicy.status, 'rejection');
      assert.equal(wrongPolicy.failInfo, 'unacceptedPolicy');
      const garbage = parseTimeStampResp(await pki.tsa.respond(Uint8Array.of(0x30, 0x80, 0x00)));
      assert.equal(garbage.status, 'rejection');
      assert.equal(garbage.failInfo, 'badDataFormat');
    });
  });
}

