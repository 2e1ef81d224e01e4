import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { isKysoError } from '../errors.ts';
import { derContext, derGeneralizedTime, derOctetString, derOid, derSequence, derSmallInteger, DER_TRUE } from '../asn1/der-writer.ts';
import { computeKeyIdentifier } from '../x509/certificate-builder.ts';
import { certIdFromHashes, certIdMatches, computeCertId, issuerHashes, parseCertId, type CertId } from './cert-id.ts';
import { encodeOcspRequest, OCSP_LIMITS, parseOcspRequest } from './ocsp-request.ts';
import {
  assembleOcspResponse, buildOcspResponse, encodeResponseData, ocspErrorResponse, parseOcspResponse, verifyOcspResponse,
  type OcspCertStatus, type ParsedOcspResponse,
} from './ocsp-response.ts';
import { makeTestOcspPki, T0, type TestIdentity, type TestOcspPki } from './test-ocsp-pki.ts';

const HOUR = 3_600_000;
const AT = new Date(T0.getTime() + 30_000);

function idFor(pki: TestOcspPki, who: TestIdentity, hash: CertId['hash'] = 'SHA-256', issuer = pki.issuing): CertId {
  return computeCertId({ issuerNameDer: issuer.cert.subjectDer, issuerSpki: issuer.cert.spki, serialHex: who.cert.serialHex, hash, crypto: nodeCrypto });
}

function keyHash(s: TestIdentity): Uint8Array {
  return computeKeyIdentifier(s.signer.publicKey, nodeCrypto);
}

async function respond(p: {
  by: TestIdentity; certs?: TestIdentity[]; certId: CertId; status?: OcspCertStatus; nonce?: Uint8Array;
  thisUpdate?: Date; nextUpdate?: Date | null; producedAt?: Date;
}): Promise<Uint8Array> {
  const thisUpdate = p.thisUpdate ?? T0;
  return buildOcspResponse({
    responderKeyHash: keyHash(p.by), producedAt: p.producedAt ?? thisUpdate,
    responses: [{ certId: p.certId, status: p.status ?? { kind: 'good' }, thisUpdate, nextUpdate: p.nextUpdate === null ? undefined : p.nextUpdate ?? new Date(thisUpdate.getTime() + 4 * HOUR) }],
    nonce: p.nonce, signer: p.by.signer, signatureAlgorithm: p.by.alg, certs: p.certs?.map((c) => c.cert.der),
  });
}

const kind = (k: string, re?: RegExp) => (e: unknown) => isKysoError(e, k as never) && (!re || re.test(e.message));

describe('OCSP CertID (RFC 6960 §4.1.1)', () => {
  let pki: TestOcspPki;
  before(async () => { pki = await makeTestOcspPki(); });

  test('issuerKeyHash is the hash of the subjectPublicKey bits; the DER re-reads to the same CertID', () => {
    for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const) {
      const id = idFor(pki, pki.leaf, hash);
      assert.deepEqual(id.issuerNameHash, nodeCrypto.digest(hash, pki.issuing.cert.subjectDer));
      if (hash === 'SHA-1') assert.deepEqual(id.issuerKeyHash, computeKeyIdentifier(pki.issuing.cert.spki, nodeCrypto));
      assert.equal(id.serialHex, pki.leaf.cert.serialHex);
      const again = parseCertId(id.der);
      assert.ok(certIdMatches(again, id));
      assert.deepEqual(again.der, id.der);
      const h = issuerHashes({ issuerNameDer: pki.issuing.cert.subjectDer, issuerSpki: pki.issuing.cert.spki, hash, crypto: nodeCrypto });
      assert.deepEqual(certIdFromHashes({ ...h, hash, serialHex: pki.leaf.cert.serialHex }).der, id.der);
    }
  });

  test('a CertID whose hash AlgorithmIdentifier omits the NULL parameters is read (RFC 5754 §2)', () => {
    const id = idFor(pki, pki.leaf, 'SHA-256');
    const noNull = derSequence(derSequence(derOid('2.16.840.1.101.3.4.2.1')), derOctetString(id.issuerNameHash), derOctetString(id.issuerKeyHash), Uint8Array.of(0x02, 1, 5));
    const r = parseCertId(noNull);
    assert.equal(r.hash, 'SHA-256');
    assert.equal(r.serialHex, '05');
  });

  test('unknown hashes are unsupported; hashes of the wrong length and non-minimal serials are malformed', () => {
    const h20 = new Uint8Array(20);
    assert.throws(() => parseCertId(derSequence(derSequence(derOid('1.2.840.113549.2.5'), Uint8Array.of(5, 0)), derOctetString(h20), derOctetString(h20), Uint8Array.of(2, 1, 1))), kind('unsupported', /1\.2\.840\.113549\.2\.5/));
    assert.throws(() => parseCertId(derSequence(derSequence(derOid('1.3.14.3.2.26'), Uint8Array.of(5, 0)), derOctetString(new Uint8Array(19)), derOctetString(h20), Uint8Array.of(2, 1, 1))), kind('malformed', /20 octets/));
    assert.throws(() => parseCertId(derSequence(derSequence(derOid('1.3.14.3.2.26'), Uint8Array.of(5, 0)), derOctetString(h20), derOctetString(h20), Uint8Array.of(2, 2, 0, 1))), kind('malformed', /minimal/));
    assert.throws(() => computeCertId({ issuerNameDer: pki.issuing.cert.subjectDer, issuerSpki: pki.issuing.cert.spki, serialHex: 'xyz', hash: 'SHA-1', crypto: nodeCrypto }), kind('invalid-argument'));
  });
});

describe('OCSP requests (RFC 6960 §4.1)', () => {
  let pki: TestOcspPki;
  before(async () => { pki = await makeTestOcspPki(); });

  test('encode → parse round trip, with and without nonce, several CertIDs', () => {
    const ids = [idFor(pki, pki.leaf, 'SHA-1'), idFor(pki, pki.leaf2, 'SHA-256'), idFor(pki, pki.leaf, 'SHA-512')];
    const nonce = nodeCrypto.randomBytes(32);
    const r = parseOcspRequest(encodeOcspRequest({ certIds: ids, nonce }));
    assert.equal(r.requests.length, 3);
    r.requests.forEach((got, i) => { assert.ok(certIdMatches(got, ids[i]!)); assert.deepEqual(got.der, ids[i]!.der); });
    assert.deepEqual(r.nonce, nonce);
    assert.equal(r.signed, false);
    assert.equal(r.unknownCriticalExtension, undefined);
    const plain = parseOcspRequest(encodeOcspRequest({ certIds: [ids[0]!] }));
    assert.equal(plain.nonce, undefined);
    assert.equal(plain.requests.length, 1);
  });

  test('nonce limits (RFC 8954 §2.1): 1 and 32 octets accepted, empty and 33 octets malformed', () => {
    const id = idFor(pki, pki.leaf);
    assert.equal(parseOcspRequest(encodeOcspRequest({ certIds: [id], nonce: new Uint8Array(1) })).nonce!.length, 1);
    assert.equal(parseOcspRequest(encodeOcspRequest({ certIds: [id], nonce: new Uint8Array(32) })).nonce!.length, 32);
    const withNonce = (n: Uint8Array) => derSequence(derSequence(derSequence(derSequence(id.der)), derContext(2, derSequence(derSequence(derOid('1.3.6.1.5.5.7.48.1.2'), derOctetString(derOctetString(n)))), true)));
    assert.throws(() => parseOcspRequest(withNonce(new Uint8Array(0))), kind('malformed', /empty/));
    assert.throws(() => parseOcspRequest(withNonce(new Uint8Array(33))), kind('malformed', /33 octets/));
    // A nonce that is not wrapped in an OCTET STRING inside extnValue (pre-RFC 8954 clients).
    const raw = derSequence(derSequence(derSequence(derSequence(id.der)), derContext(2, derSequence(derSequence(derOid('1.3.6.1.5.5.7.48.1.2'), derOctetString(Uint8Array.of(0x30, 0x02, 1, 2)))), true)));
    assert.throws(() => parseOcspRequest(raw), kind('malformed', /OCTET STRING/));
    assert.throws(() => encodeOcspRequest({ certIds: [id], nonce: new Uint8Array(33) }), kind('invalid-argument'));
  });

  test('every optional field: explicit v1, requestorName, signature, single and request extensions', () => {
    const id = idFor(pki, pki.leaf);
    const name = derContext(4, pki.leaf.cert.subjectDer, true);
    const critUnknown = derSequence(derOid('1.2.3.4.5'), DER_TRUE, derOctetString(Uint8Array.of(5, 0)));
    const acceptable = derSequence(derOid('1.3.6.1.5.5.7.48.1.4'), DER_TRUE, derOctetString(derSequence(derOid('1.3.6.1.5.5.7.48.1.1'))));
    const tbs = derSequence(
      derContext(0, derSmallInteger(0), true),
      derContext(1, name, true),
      derSequence(derSequence(id.der, derContext(0, derSequence(critUnknown), true))),
      derContext(2, derSequence(acceptable, derSequence(derOid('1.3.6.1.5.5.7.48.1.2'), derOctetString(derOctetString(Uint8Array.of(9, 9))))), true),
    );
    const sig = derContext(0, derSequence(derSequence(derOid('1.2.840.10045.4.3.2')), Uint8Array.of(3, 3, 0, 1, 2), derContext(0, derSequence(pki.leaf.cert.der), true)), true);
    const r = parseOcspRequest(derSequence(tbs, sig));
    assert.equal(r.signed, true);
    assert.deepEqual(r.requestorName, name);
    assert.deepEqual(r.nonce, Uint8Array.of(9, 9));
    assert.equal(r.unknownCriticalExtension, '1.2.3.4.5', 'a critical extension kyso does not know is reported');
    // The known critical acceptable-responses extension alone is not reported.
    const tbs2 = derSequence(derSequence(derSequence(id.der)), derContext(2, derSequence(acceptable), true));
    assert.equal(parseOcspRequest(derSequence(tbs2)).unknownCriticalExtension, undefined);
  });

  test('strict DER: trailing data, indefinite and non-minimal lengths, bad BOOLEAN, duplicates, empty list', () => {
    const good = encodeOcspRequest({ certIds: [idFor(pki, pki.leaf)], nonce: new Uint8Array(16) });
    const withTrailing = new Uint8Array([...good, 0]);
    assert.throws(() => parseOcspRequest(withTrailing), kind('malformed', /trailing/));
    const indefinite = Uint8Array.from([0x30, 0x80, ...good.subarray(2), 0, 0]);
    assert.throws(() => parseOcspRequest(indefinite), kind('malformed'));
    const small = encodeOcspRequest({ certIds: [idFor(pki, pki.leaf, 'SHA-1')] });
    assert.ok(small[1]! < 0x80);
    const nonMinimal = Uint8Array.from([0x30, 0x81, small[1]!, ...small.subarray(2)]);
    assert.throws(() => parseOcspRequest(nonMinimal), kind('malformed', /non-minimal/));
    const id = idFor(pki, pki.leaf);
    const badBool = derSequence(derSequence(derSequence(derSequence(id.der)), derContext(2, derSequence(derSequence(derOid('1.2.3'), Uint8Array.of(1, 1, 1), derOctetString(new Uint8Array(1)))), true)));
    assert.throws(() => parseOcspRequest(badBool), kind('malformed', /BOOLEAN/));
    const ext = derSequence(derOid('1.2.3'), derOctetString(new Uint8Array(1)));
    const dup = derSequence(derSequence(derSequence(derSequence(id.der)), derContext(2, derSequence(ext, ext), true)));
    assert.throws(() => parseOcspRequest(dup), kind('malformed', /twice/));
    assert.throws(() => parseOcspRequest(derSequence(derSequence(derSequence()))), kind('malformed', /empty/));
    assert.throws(() => parseOcspRequest(new Uint8Array(0)), kind('malformed'));
    assert.throws(() => parseOcspRequest(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff)), kind('malformed'));
    assert.throws(() => parseOcspRequest(derSequence(derSequence(derContext(0, derSmallInteger(1), true), derSequence(derSequence(id.der))))), kind('unsupported', /v1/));
  });

  test('limits: more than maxRequests CertIDs or more than maxRequestBytes are unsupported', () => {
    const id = idFor(pki, pki.leaf, 'SHA-1');
    assert.equal(parseOcspRequest(encodeOcspRequest({ certIds: Array(OCSP_LIMITS.maxRequests).fill(id) })).requests.length, OCSP_LIMITS.maxRequests);
    assert.throws(() => parseOcspRequest(encodeOcspRequest({ certIds: Array(OCSP_LIMITS.maxRequests + 1).fill(id) })), kind('unsupported', /more than 20/));
    assert.throws(() => parseOcspRequest(new Uint8Array(OCSP_LIMITS.maxRequestBytes + 1)), kind('unsupported', /limit/));
  });
});

describe('OCSP responses (RFC 6960 §4.2)', () => {
  let pki: TestOcspPki;
  before(async () => { pki = await makeTestOcspPki(); });

  test('good / revoked with reason / revoked without reason / unknown, in one response, round trip', async () => {
    const ids = [idFor(pki, pki.leaf), idFor(pki, pki.leaf2), idFor(pki, pki.leaf, 'SHA-1'), idFor(pki, pki.notResponder)];
    const statuses: OcspCertStatus[] = [
      { kind: 'good' }, { kind: 'revoked', revokedAt: new Date(T0.getTime() - HOUR), reason: 1 }, { kind: 'revoked', revokedAt: new Date(T0.getTime() - 2 * HOUR) }, { kind: 'unknown' },
    ];
    const producedAt = new Date(T0.getTime() + 999); // milliseconds are dropped (GeneralizedTime without fractions)
    const nonce = nodeCrypto.randomBytes(32);
    const tbs = encodeResponseData({
      responderKeyHash: keyHash(pki.responder), producedAt, nonce,
      responses: ids.map((certId, i) => ({ certId, status: statuses[i]!, thisUpdate: T0, nextUpdate: i === 3 ? undefined : new Date(T0.getTime() + HOUR) })),
    });
    const der = assembleOcspResponse({ tbsResponseData: tbs, signatureAlgorithm: pki.responder.alg, signature: pki.responder.signer.signSync(tbs, pki.responder.alg), certs: [pki.responder.cert.der] });
    const r = parseOcspResponse(der);
    assert.equal(r.status, 'successful');
    const b = r.basic!;
    assert.deepEqual(b.tbsResponseData, tbs);
    assert.deepEqual(b.responderKeyHash, keyHash(pki.responder));
    assert.equal(b.producedAt.toISOString(), T0.toISOString());
    assert.deepEqual(b.nonce, nonce);
    assert.deepEqual(b.certs, [pki.responder.cert.der]);
    assert.deepEqual(b.signatureAlgorithm, pki.responder.alg);
    assert.equal(b.responses.length, 4);
    b.responses.forEach((s, i) => {
      assert.ok(certIdMatches(s.certId, ids[i]!));
      assert.deepEqual(s.status, statuses[i]);
      assert.equal(s.thisUpdate.toISOString(), T0.toISOString());
    });
    assert.equal(b.responses[3]!.nextUpdate, undefined);
    for (let i = 0; i < 4; i++) {
      const v = verifyOcspResponse(r, { issuer: pki.issuing.cert, certId: ids[i]!, crypto: nodeCrypto, at: AT, expectedNonce: nonce });
      assert.ok(v.ok, v.ok ? '' : v.reason);
      assert.deepEqual(v.status, statuses[i]);
      assert.equal(v.responder, 'delegated');
    }
  });

  test('times: GeneralizedTime for any year, whole seconds, Z', () => {
    const id = idFor(pki, pki.leaf);
    for (const iso of ['1949-12-31T23:59:59.500Z', '2049-06-01T00:00:00Z', '2050-01-01T12:34:56Z', '9999-12-31T23:59:59Z']) {
      const d = new Date(iso);
      const tbs = encodeResponseData({ responderKeyHash: new Uint8Array(20), producedAt: d, responses: [{ certId: id, status: { kind: 'revoked', revokedAt: d, reason: 10 }, thisUpdate: d, nextUpdate: d }] });
      const text = Buffer.from(tbs).toString('latin1');
      const expect = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
      assert.equal(text.split(expect).length - 1, 4, `${iso} written as ${expect} four times`);
    }
    assert.throws(() => encodeResponseData({ responderKeyHash: new Uint8Array(20), producedAt: T0, responses: [{ certId: id, status: { kind: 'revoked', revokedAt: T0, reason: 7 }, thisUpdate: T0 }] }), kind('invalid-argument', /CRLReason/));
    // The arithmetic calendar agrees with Date's over the whole GeneralizedTime range.
    let x = 12345;
    for (let i = 0; i < 3000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const ms = -62167219200000 + Math.floor((x / 2147483648) * (253402300799999 + 62167219200000));
      const d = new Date(i < 3 ? [0, -1, 951782400000][i]! : ms);
      const tbs = encodeResponseData({ responderKeyHash: new Uint8Array(1), producedAt: d, responses: [{ certId: id, status: { kind: 'good' }, thisUpdate: d }] });
      const want = derGeneralizedTime(d);
      const at = (tbs[1]! & 0x80 ? 2 + (tbs[1]! & 0x7f) : 2) + 5; // after SEQUENCE header, a2 03 04 01 00
      assert.deepEqual(tbs.subarray(at, at + want.length), want, d.toISOString());
    }
    assert.throws(() => encodeResponseData({ responderKeyHash: new Uint8Array(1), producedAt: new Date(Date.UTC(10000, 0, 1)), responses: [{ certId: id, status: { kind: 'good' }, thisUpdate: T0 }] }), kind('invalid-argument'));
  });

  test('error responses are the bare status (RFC 6960 §2.3) and read back', () => {
    for (const [s, code] of [['malformedRequest', 1], ['internalError', 2], ['tryLater', 3], ['sigRequired', 5], ['unauthorized', 6]] as const) {
      const der = ocspErrorResponse(s);
      assert.deepEqual(der, Uint8Array.of(0x30, 0x03, 0x0a, 0x01, code));
      assert.deepEqual(parseOcspResponse(der), { status: s });
      der[4] = 0; // a fresh copy each time
      assert.equal(ocspErrorResponse(s)[4], code);
    }
    assert.throws(() => parseOcspResponse(Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x04)), kind('malformed', /responseStatus 4/));
    assert.throws(() => parseOcspResponse(Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x00)), kind('malformed', /without responseBytes/));
  });

  test('parseOcspResponse throws only KysoError(malformed) on truncations and byte flips', async () => {
    const der = await respond({ by: pki.responder, certs: [pki.responder], certId: idFor(pki, pki.leaf), nonce: new Uint8Array(16) });
    let rejected = 0;
    for (let i = 0; i < der.length; i++) {
      for (const mutate of [(b: Uint8Array) => b.subarray(0, i), (b: Uint8Array) => { const c = b.slice(); c[i] = c[i]! ^ 0x80; return c; }]) {
        try { parseOcspResponse(mutate(der)); } catch (e) { assert.ok(isKysoError(e, 'malformed'), String(e)); rejected++; }
      }
    }
    assert.ok(rejected > der.length);
  });

  test('a response naming the certificate with another CertID hash than the request still answers for it', async () => {
    const asked = idFor(pki, pki.leaf, 'SHA-256');
    const v = verifyOcspResponse(parseOcspResponse(await respond({ by: pki.issuing, certId: idFor(pki, pki.leaf, 'SHA-1') })), { issuer: pki.issuing.cert, certId: asked, crypto: nodeCrypto, at: AT });
    assert.ok(v.ok, v.ok ? '' : v.reason);
    const other = verifyOcspResponse(parseOcspResponse(await respond({ by: pki.issuing, certId: idFor(pki, pki.leaf2, 'SHA-1') })), { issuer: pki.issuing.cert, certId: asked, crypto: nodeCrypto, at: AT });
    assert.equal(other.ok, false);
  });

  test('the issuer itself may sign (responder "issuer")', async () => {
    const certId = idFor(pki, pki.leaf);
    const v = verifyOcspResponse(parseOcspResponse(await respond({ by: pki.issuing, certId })), { issuer: pki.issuing.cert, certId, crypto: nodeCrypto, at: AT });
    assert.ok(v.ok && v.responder === 'issuer' && v.status.kind === 'good', JSON.stringify(v));
  });
});

describe('verifyOcspResponse refuses (RFC 6960 §3.2, §4.2.2.2)', () => {
  let pki: TestOcspPki;
  let certId: CertId;
  before(async () => { pki = await makeTestOcspPki(); certId = idFor(pki, pki.leaf); });

  const check = (r: ParsedOcspResponse | Uint8Array, re: RegExp, extra: Partial<Parameters<typeof verifyOcspResponse>[1]> = {}) => {
    const v = verifyOcspResponse(r instanceof Uint8Array ? parseOcspResponse(r) : r, { issuer: pki.issuing.cert, certId, crypto: nodeCrypto, at: AT, ...extra });
    assert.equal(v.ok, false, `expected a refusal matching ${re}`);
    if (!v.ok) assert.match(v.reason, re);
  };

  test('a response signed by another CA (wrong issuer)', async () => {
    check(await respond({ by: pki.otherIssuing, certId }), /neither the issuer/);
    // The caller's CertID and issuer disagree.
    check(await respond({ by: pki.issuing, certId }), /does not name/, { issuer: pki.otherIssuing.cert });
  });

  test('a tampered signature or tampered response data', async () => {
    const der = await respond({ by: pki.issuing, certId });
    const r = parseOcspResponse(der);
    const sig = r.basic!.signature.slice();
    sig[sig.length - 3] = sig[sig.length - 3]! ^ 1;
    check({ ...r, basic: { ...r.basic!, signature: sig } }, /signature does not verify/);
    const other = parseOcspResponse(await respond({ by: pki.issuing, certId, status: { kind: 'revoked', revokedAt: T0 } }));
    check({ ...r, basic: { ...r.basic!, tbsResponseData: other.basic!.tbsResponseData } }, /signature does not verify/);
  });

  test('a responder certificate without id-kp-OCSPSigning', async () => {
    check(await respond({ by: pki.notResponder, certs: [pki.notResponder], certId }), /lacks extended key usage id-kp-OCSPSigning/);
  });

  test('a responder certificate issued by another CA, an expired one, one not included', async () => {
    check(await respond({ by: pki.foreignResponder, certs: [pki.foreignResponder], certId }), /not issued by/);
    check(await respond({ by: pki.expiredResponder, certs: [pki.expiredResponder], certId }), /expired on/);
    check(await respond({ by: pki.responder, certId }), /neither the issuer nor a responder certificate/);
  });

  test('nonce mismatch and missing nonce', async () => {
    const nonce = nodeCrypto.randomBytes(32);
    check(await respond({ by: pki.responder, certs: [pki.responder], certId, nonce }), /nonce .* does not match/, { expectedNonce: nodeCrypto.randomBytes(32) });
    check(await respond({ by: pki.responder, certs: [pki.responder], certId }), /did not echo the nonce/, { expectedNonce: nonce });
  });

  test('expired nextUpdate, future thisUpdate and producedAt, stale by maxAgeSeconds', async () => {
    check(await respond({ by: pki.issuing, certId, thisUpdate: new Date(T0.getTime() - 5 * HOUR), nextUpdate: new Date(T0.getTime() - HOUR) }), /expired: nextUpdate/);
    check(await respond({ by: pki.issuing, certId, thisUpdate: new Date(AT.getTime() + HOUR) }), /thisUpdate .* in the future/);
    check(await respond({ by: pki.issuing, certId, producedAt: new Date(AT.getTime() + HOUR) }), /producedAt .* in the future/);
    check(await respond({ by: pki.issuing, certId, thisUpdate: new Date(T0.getTime() - 2 * HOUR), nextUpdate: null }), /stale/, { maxAgeSeconds: 3600 });
    // Within the skew both ways is fine.
    const v = verifyOcspResponse(parseOcspResponse(await respond({ by: pki.issuing, certId, thisUpdate: new Date(AT.getTime() + 60_000) })), { issuer: pki.issuing.cert, certId, crypto: nodeCrypto, at: AT });
    assert.ok(v.ok);
  });

  test('no SingleResponse for the certificate; an unsuccessful status; an unknown critical extension', async () => {
    check(await respond({ by: pki.issuing, certId: idFor(pki, pki.leaf2) }), /no status for serial/);
    check(ocspErrorResponse('tryLater'), /answered tryLater/);
    // singleExtensions [1] with an unknown critical extension, spliced into a signed response.
    const thisUpdate = T0;
    const single = derSequence(certId.der, Uint8Array.of(0x80, 0), Uint8Array.of(0x18, 15, ...Buffer.from(T0.toISOString().replace(/[-T:]|\.\d+/g, ''), 'latin1')),
      derContext(1, derSequence(derSequence(derOid('1.2.3.4'), DER_TRUE, derOctetString(Uint8Array.of(5, 0)))), true));
    const tbs = derSequence(derContext(2, derOctetString(keyHash(pki.issuing)), true), Uint8Array.of(0x18, 15, ...Buffer.from(thisUpdate.toISOString().replace(/[-T:]|\.\d+/g, ''), 'latin1')), derSequence(single));
    const der = assembleOcspResponse({ tbsResponseData: tbs, signatureAlgorithm: pki.issuing.alg, signature: pki.issuing.signer.signSync(tbs, pki.issuing.alg) });
    const r = parseOcspResponse(der);
    assert.equal(r.basic!.unknownCriticalExtension, '1.2.3.4');
    check(r, /unknown critical extension 1\.2\.3\.4/);
  });
});

describe('OCSP performance (responder hot path)', () => {
  test('parse a typical request and encode its response data in a few microseconds', async () => {
    const pki = await makeTestOcspPki();
    const req = encodeOcspRequest({ certIds: [idFor(pki, pki.leaf, 'SHA-1')], nonce: nodeCrypto.randomBytes(32) });
    const khash = keyHash(pki.responder);
    const status: OcspCertStatus = { kind: 'revoked', revokedAt: T0, reason: 1 };
    const next = new Date(T0.getTime() + 4 * HOUR);
    const sig = new Uint8Array(72);
    const one = () => {
      const r = parseOcspRequest(req);
      const tbs = encodeResponseData({ responderKeyHash: khash, producedAt: T0, responses: [{ certId: r.requests[0]!, status, thisUpdate: T0, nextUpdate: next }], nonce: r.nonce });
      return assembleOcspResponse({ tbsResponseData: tbs, signatureAlgorithm: pki.responder.alg, signature: sig, certs: [pki.responder.cert.der] });
    };
    for (let i = 0; i < 2000; i++) one();
    const n = 20_000;
    const t = performance.now();
    for (let i = 0; i < n; i++) one();
    const us = ((performance.now() - t) / n) * 1000;
    // Typically 2–4 µs; the bound only catches an accidental slow path (asn1-schema, per-call OID encoding).
    assert.ok(us < 50, `parse + encode took ${us.toFixed(1)} µs`);
  });
});
