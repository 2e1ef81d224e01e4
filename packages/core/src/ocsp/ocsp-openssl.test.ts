/**
 * OCSP interoperability with OpenSSL's `openssl ocsp` (client and responder), both directions:
 * OpenSSL requests read by kyso, kyso requests read by OpenSSL, kyso responses verified by OpenSSL
 * (delegated responder from the 'ocsp' profile and CA-signed, ECDSA and RSASSA-PSS, nonce echoed),
 * and OpenSSL responses (ResponderID byName and byKey) verified by kyso.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { computeKeyIdentifier } from '../x509/certificate-builder.ts';
import { certIdMatches, computeCertId, type CertId } from './cert-id.ts';
import { encodeOcspRequest, parseOcspRequest } from './ocsp-request.ts';
import { buildOcspResponse, parseOcspResponse, verifyOcspResponse, type OcspCertStatus } from './ocsp-response.ts';
import { issue, makeTestOcspPki, pem, writeFiles, type TestIdentity, type TestOcspPki } from './test-ocsp-pki.ts';

const HOUR = 3_600_000;

function openssl(args: string[]): { status: number; out: string } {
  const r = spawnSync('openssl', ['ocsp', ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** OpenSSL checks times against the real clock: responses for it are made "now". */
function nowSeconds(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

describe('OCSP interop with OpenSSL', () => {
  let pki: TestOcspPki;
  let dir: string;
  const f = (name: string) => join(dir, name);
  const certIdOf = (who: TestIdentity, hash: CertId['hash'] = 'SHA-1', issuer = pki.issuing) =>
    computeCertId({ issuerNameDer: issuer.cert.subjectDer, issuerSpki: issuer.cert.spki, serialHex: who.cert.serialHex, hash, crypto: nodeCrypto });

  async function response(p: { by: TestIdentity; delegated: boolean; items: Array<{ certId: CertId; status: OcspCertStatus }>; nonce?: Uint8Array }): Promise<Uint8Array> {
    const now = nowSeconds();
    return buildOcspResponse({
      responderKeyHash: computeKeyIdentifier(p.by.signer.publicKey, nodeCrypto), producedAt: now, nonce: p.nonce,
      responses: p.items.map((i) => ({ ...i, thisUpdate: now, nextUpdate: new Date(now.getTime() + HOUR) })),
      signer: p.by.signer, signatureAlgorithm: p.by.alg, certs: p.delegated ? [p.by.cert.der] : undefined,
    });
  }

  before(async () => {
    pki = await makeTestOcspPki();
    dir = writeFiles({
      'issuer.pem': pem(pki.issuing.cert), 'root.pem': pem(pki.root.cert), 'chain.pem': pem(pki.root.cert, pki.issuing.cert),
      'leaf.pem': pem(pki.leaf.cert), 'leaf2.pem': pem(pki.leaf2.cert),
      'responder.pem': pem(pki.responder.cert),
      'responder.key': pki.responder.key.export({ type: 'pkcs8', format: 'pem' }) as string,
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('OpenSSL requests are read: SHA-1 CertID without nonce, SHA-256 with nonce, two certificates', () => {
    assert.equal(openssl(['-issuer', f('issuer.pem'), '-cert', f('leaf.pem'), '-no_nonce', '-reqout', f('req1.der')]).status, 0);
    const r1 = parseOcspRequest(new Uint8Array(readFileSync(f('req1.der'))));
    assert.equal(r1.requests.length, 1);
    assert.equal(r1.nonce, undefined);
    assert.deepEqual(r1.requests[0]!.der, certIdOf(pki.leaf, 'SHA-1').der, 'same CertID bytes as OpenSSL (SHA-1, NULL parameters)');

    assert.equal(openssl(['-issuer', f('issuer.pem'), '-sha256', '-cert', f('leaf.pem'), '-nonce', '-reqout', f('req2.der')]).status, 0);
    const r2 = parseOcspRequest(new Uint8Array(readFileSync(f('req2.der'))));
    assert.equal(r2.requests[0]!.hash, 'SHA-256');
    assert.deepEqual(r2.requests[0]!.der, certIdOf(pki.leaf, 'SHA-256').der);
    assert.equal(r2.nonce?.length, 16);

    assert.equal(openssl(['-issuer', f('issuer.pem'), '-cert', f('leaf.pem'), '-cert', f('leaf2.pem'), '-reqout', f('req3.der')]).status, 0);
    const r3 = parseOcspRequest(new Uint8Array(readFileSync(f('req3.der'))));
    assert.equal(r3.requests.length, 2);
    assert.ok(certIdMatches(r3.requests[1]!, certIdOf(pki.leaf2)));
  });

  test('kyso requests are read by OpenSSL (-req_text)', () => {
    const nonce = nodeCrypto.randomBytes(32);
    writeFileSync(f('kreq.der'), encodeOcspRequest({ certIds: [certIdOf(pki.leaf, 'SHA-256'), certIdOf(pki.leaf2, 'SHA-1')], nonce }));
    const r = openssl(['-reqin', f('kreq.der'), '-req_text']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /Hash Algorithm: sha256/);
    assert.match(r.out, /Hash Algorithm: sha1/);
    assert.ok(r.out.includes(`Serial Number: ${pki.leaf.cert.serialHex.toUpperCase()}`), r.out);
    assert.ok(r.out.includes(`Serial Number: ${pki.leaf2.cert.serialHex.toUpperCase()}`), r.out);
    assert.match(r.out, /OCSP Nonce:\s*\n\s*0420/);
    assert.ok(r.out.replace(/\s/g, '').includes(Buffer.from(nonce).toString('hex').toUpperCase()), 'the nonce is printed');
  });

  test('delegated responder (profile ocsp, ocsp-nocheck) answering an OpenSSL request with a nonce: verify OK, nonce OK', async () => {
    assert.equal(openssl(['-issuer', f('issuer.pem'), '-cert', f('leaf.pem'), '-nonce', '-reqout', f('nreq.der')]).status, 0);
    const req = parseOcspRequest(new Uint8Array(readFileSync(f('nreq.der'))));
    writeFileSync(f('nresp.der'), await response({
      by: pki.responder, delegated: true, nonce: req.nonce,
      items: [{ certId: req.requests[0]!, status: { kind: 'revoked', revokedAt: new Date(Date.now() - HOUR), reason: 1 } }],
    }));
    const r = openssl(['-reqin', f('nreq.der'), '-respin', f('nresp.der'), '-CAfile', f('chain.pem'), '-resp_text']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /Response verify OK/);
    assert.doesNotMatch(r.out, /Nonce Verify error|no nonce in response/);
    assert.match(r.out, /Cert Status: revoked/);
    assert.match(r.out, /Revocation Reason: keyCompromise \(0x1\)/);
    assert.match(r.out, /OCSP No Check/);
    // The same through -issuer/-cert status printing.
    const s = openssl(['-respin', f('nresp.der'), '-issuer', f('issuer.pem'), '-cert', f('leaf.pem'), '-CAfile', f('chain.pem'), '-no_nonce']);
    assert.match(s.out, /leaf\.pem: revoked/);
    assert.match(s.out, /Reason: keyCompromise/);
    assert.match(s.out, /Response verify OK/);
  });

  test('CA-signed responses: good, revoked with reason, unknown', async () => {
    const cases: Array<[OcspCertStatus, RegExp]> = [
      [{ kind: 'good' }, /leaf\.pem: good/],
      [{ kind: 'revoked', revokedAt: new Date(Date.now() - 2 * HOUR), reason: 4 }, /leaf\.pem: revoked[\s\S]*Reason: superseded/],
      [{ kind: 'unknown' }, /leaf\.pem: unknown/],
    ];
    for (const [status, expected] of cases) {
      writeFileSync(f('cresp.der'), await response({ by: pki.issuing, delegated: false, items: [{ certId: certIdOf(pki.leaf), status }] }));
      const r = openssl(['-respin', f('cresp.der'), '-issuer', f('issuer.pem'), '-cert', f('leaf.pem'), '-CAfile', f('chain.pem'), '-no_nonce', '-resp_text']);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /Response verify OK/);
      assert.match(r.out, expected);
    }
  });

  test('RSASSA-PSS issuing CA signing its own responses', async () => {
    const rsaIssuing = await issue({ profile: 'issuing', subject: 'CN=OCSP RSA Issuing CA,O=Thử nghiệm,C=VN', issuer: pki.root, key: 'rsa2048' });
    const rsaLeaf = await issue({ profile: 'service', subject: 'CN=RSA leaf,O=Thử nghiệm,C=VN', issuer: rsaIssuing });
    assert.equal(rsaIssuing.alg.scheme, 'RSASSA-PSS');
    writeFileSync(f('rsa-issuer.pem'), pem(rsaIssuing.cert));
    writeFileSync(f('rsa-chain.pem'), pem(pki.root.cert, rsaIssuing.cert));
    writeFileSync(f('rsa-leaf.pem'), pem(rsaLeaf.cert));
    const certId = computeCertId({ issuerNameDer: rsaIssuing.cert.subjectDer, issuerSpki: rsaIssuing.cert.spki, serialHex: rsaLeaf.cert.serialHex, hash: 'SHA-1', crypto: nodeCrypto });
    writeFileSync(f('rresp.der'), await response({ by: rsaIssuing, delegated: false, items: [{ certId, status: { kind: 'good' } }] }));
    const r = openssl(['-respin', f('rresp.der'), '-issuer', f('rsa-issuer.pem'), '-cert', f('rsa-leaf.pem'), '-CAfile', f('rsa-chain.pem'), '-no_nonce', '-resp_text']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /Signature Algorithm: rsassaPss/);
    assert.match(r.out, /Response verify OK/);
    assert.match(r.out, /rsa-leaf\.pem: good/);
  });

  test('OpenSSL refuses a tampered kyso response (the check above can fail)', async () => {
    const der = await response({ by: pki.responder, delegated: true, items: [{ certId: certIdOf(pki.leaf), status: { kind: 'good' } }] });
    const sig = parseOcspResponse(der).basic!.signature; // a view into `der`
    sig[10] = sig[10]! ^ 0x01;
    writeFileSync(f('bad.der'), der);
    const r = openssl(['-respin', f('bad.der'), '-issuer', f('issuer.pem'), '-cert', f('leaf.pem'), '-CAfile', f('chain.pem'), '-no_nonce']);
    assert.doesNotMatch(r.out, /Response verify OK/);
    assert.match(r.out, /Response Verify Failure/i);
  });

  test('OpenSSL responder (byName and byKey ResponderID) verified by kyso', () => {
    const exp = (d: Date) => d.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z');
    const later = exp(new Date(Date.now() + 300 * 86_400_000));
    const revokedDate = new Date(Math.floor((Date.now() - 3 * HOUR) / 1000) * 1000);
    const revokedAt = exp(revokedDate);
    writeFileSync(f('index.txt'), [
      `R\t${later}\t${revokedAt},keyCompromise\t${pki.leaf.cert.serialHex.toUpperCase()}\tunknown\t/CN=leaf`,
      `V\t${later}\t\t${pki.leaf2.cert.serialHex.toUpperCase()}\tunknown\t/CN=leaf2`,
      '',
    ].join('\n'));
    const nonce = nodeCrypto.randomBytes(32);
    const ids = [certIdOf(pki.leaf, 'SHA-256'), certIdOf(pki.leaf2, 'SHA-1')];
    writeFileSync(f('oreq.der'), encodeOcspRequest({ certIds: ids, nonce }));
    for (const byKey of [false, true]) {
      const r = openssl(['-index', f('index.txt'), '-rsigner', f('responder.pem'), '-rkey', f('responder.key'), '-CA', f('issuer.pem'),
        '-reqin', f('oreq.der'), '-respout', f('oresp.der'), '-nmin', '60', ...(byKey ? ['-resp_key_id'] : [])]);
      assert.equal(r.status, 0, r.out);
      const parsed = parseOcspResponse(new Uint8Array(readFileSync(f('oresp.der'))));
      assert.ok(byKey ? parsed.basic?.responderKeyHash : parsed.basic?.responderNameDer, 'ResponderID form');
      const at = new Date();
      const v1 = verifyOcspResponse(parsed, { issuer: pki.issuing.cert, certId: ids[0]!, crypto: nodeCrypto, at, expectedNonce: nonce });
      assert.ok(v1.ok, v1.ok ? '' : v1.reason);
      assert.equal(v1.responder, 'delegated');
      assert.deepEqual(v1.status, { kind: 'revoked', revokedAt: revokedDate, reason: 1 });
      const v2 = verifyOcspResponse(parsed, { issuer: pki.issuing.cert, certId: ids[1]!, crypto: nodeCrypto, at, expectedNonce: nonce });
      assert.ok(v2.ok && v2.status.kind === 'good', JSON.stringify(v2));
      assert.ok(v2.nextUpdate && v2.nextUpdate.getTime() > at.getTime());
    }
  });
});
