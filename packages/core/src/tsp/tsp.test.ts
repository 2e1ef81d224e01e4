import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { derOctetString, derOid, derSequence, isKysoError, type HashName, type SignatureAlgorithm, type Signer } from '@kyso/core';
import { digestAlgorithmDer } from '../cms/digest-algorithm.ts';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { signWithKeyObject } from '@kyso/server/keys/key-object-signer.ts';
import { sharedPath } from '@kyso/testkit';
import { CMS_OID } from '../cms/cms-oids.ts';
import { assembleSignedData, parseSignedData } from '../cms/signed-data.ts';
import { encodeSignedAttributes } from '../cms/signed-attributes.ts';
import { generateTestKey, issueTestCertificate, writeCertPem, writeKeyPem } from '../cms/test-cms-certs.ts';
import {
  buildTimeStampToken, encodeTimeStampReq, encodeTimeStampResp, encodeTstInfo, fuzzTimeStampReqParser, parseTimeStampReq,
  parseTimeStampResp, parseTstInfo, randomNonce, verifyTimeStampToken, TSP_LIMITS,
} from './index.ts';
import { createTestTsaPki, type TestTsa, type TestTsaPki } from './test-tsa-pki.ts';

function openssl(args: string[]) {
  const r = spawnSync('openssl', args, { encoding: 'buffer' });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

const POLICY = '1.3.6.1.4.1.99999.1.1';
const failInfo = (e: unknown) => (isKysoError(e) ? (e.details as { failInfo?: string } | undefined)?.failInfo : undefined);

describe('RFC 3161 time-stamp protocol', () => {
  let pki: TestTsaPki;
  let dir: string;
  let dataPath: string;
  const data = new TextEncoder().encode('Quyết định số 45/QĐ-UBND ngày 27/11/2026\n');
  let serial = 1000n;

  before(async () => {
    pki = await createTestTsaPki();
    dir = pki.dir;
    dataPath = join(dir, 'data.txt');
    writeFileSync(dataPath, data);
  });
  after(async () => { await pki?.cleanup(); });

  /** What a TSA does with a request: parse, TSTInfo, token, response. */
  async function respond(req: Uint8Array, tsa: TestTsa, opts: { genTime?: Date; accuracy?: { seconds?: number; millis?: number; micros?: number }; alg?: SignatureAlgorithm } = {}) {
    const r = parseTimeStampReq(req);
    const tstInfo = encodeTstInfo({
      policy: r.reqPolicy ?? POLICY, hash: r.hash, messageImprint: r.messageImprint, hashParamsNull: r.hashParamsNull, serial: serial++,
      genTime: opts.genTime ?? new Date(), accuracy: opts.accuracy ?? { seconds: 1 }, nonce: r.nonce, tsaNameDer: tsa.cert.subjectDer,
    });
    const token = await buildTimeStampToken({ tstInfo, signer: tsa.signer, signatureAlgorithm: opts.alg ?? tsa.alg, tsaCert: tsa.cert, chain: [pki.issuing.der], certReq: r.certReq, crypto: nodeCrypto });
    return { token, resp: encodeTimeStampResp({ status: 'granted', token }) };
  }

  test('openssl ts -query requests are read (SHA-256/384/512, nonce, certReq, policy); SHA-1 is badAlg', () => {
    const cases: Array<{ args: string[]; hash?: HashName; nonce: boolean; cert: boolean; policy?: string }> = [
      { args: ['-sha256', '-cert'], hash: 'SHA-256', nonce: true, cert: true },
      { args: ['-sha256', '-no_nonce'], hash: 'SHA-256', nonce: false, cert: false },
      { args: ['-sha384', '-cert', '-tspolicy', POLICY], hash: 'SHA-384', nonce: true, cert: true, policy: POLICY },
      { args: ['-sha512', '-no_nonce', '-cert'], hash: 'SHA-512', nonce: false, cert: true },
    ];
    for (const c of cases) {
      const q = join(dir, 'req.tsq');
      const r = openssl(['ts', '-query', '-data', dataPath, ...c.args, '-out', q]);
      assert.equal(r.status, 0, r.stderr);
      const req = parseTimeStampReq(new Uint8Array(readFileSync(q)));
      assert.equal(req.hash, c.hash);
      assert.deepEqual(req.messageImprint, nodeCrypto.digest(c.hash!, data));
      assert.equal(req.nonce !== undefined, c.nonce);
      assert.equal(req.certReq, c.cert);
      assert.equal(req.reqPolicy, c.policy);
      assert.equal(req.hashParamsNull, true);
    }
    const q = join(dir, 'sha1.tsq');
    assert.equal(openssl(['ts', '-query', '-data', dataPath, '-sha1', '-out', q]).status, 0);
    assert.throws(() => parseTimeStampReq(new Uint8Array(readFileSync(q))), (e) => isKysoError(e, 'unsupported') && failInfo(e) === 'badAlg');
  });

  test('our requests are read by openssl ts -query -text', () => {
    const nonce = randomNonce(nodeCrypto);
    const der = encodeTimeStampReq({ hash: 'SHA-256', messageImprint: nodeCrypto.digest('SHA-256', data), nonce, certReq: true, reqPolicy: POLICY });
    const q = join(dir, 'ours.tsq');
    writeFileSync(q, der);
    const r = openssl(['ts', '-query', '-in', q, '-text']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Hash Algorithm: sha256/);
    assert.match(r.stdout, new RegExp(`Policy OID: ${POLICY.replaceAll('.', '\\.')}`));
    assert.match(r.stdout, /Certificate required: yes/);
    assert.match(r.stdout, new RegExp(`Nonce: 0x${Buffer.from(nonce).toString('hex').toUpperCase()}`));
    const back = parseTimeStampReq(der);
    assert.deepEqual(back.nonce, nonce);
    const plain = encodeTimeStampReq({ hash: 'SHA-512', messageImprint: nodeCrypto.digest('SHA-512', data) });
    writeFileSync(q, plain);
    const r2 = openssl(['ts', '-query', '-in', q, '-text']);
    assert.match(r2.stdout, /Nonce: unspecified/);
    assert.match(r2.stdout, /Certificate required: no/);
  });

  const tokenCases: Array<{ name: string; kind: 'ec' | 'rsa'; alg: SignatureAlgorithm }> = [
    { name: 'ECDSA P-256', kind: 'ec', alg: { scheme: 'ECDSA', hash: 'SHA-256' } },
    { name: 'RSA PKCS#1 v1.5', kind: 'rsa', alg: { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } },
    { name: 'RSA-PSS', kind: 'rsa', alg: { scheme: 'RSASSA-PSS', hash: 'SHA-256', saltLength: 32 } },
  ];
  for (const { name, kind, alg } of tokenCases) {
    const pss = alg.scheme === 'RSASSA-PSS';
    test(`our ${name} tokens verify with ${pss ? 'openssl cms -verify (openssl ts 3.0 has no PSS)' : 'openssl ts -verify and verify-tsr.sh'}`, async () => {
      const tsa = pki[kind];
      const q = join(dir, `${kind}.tsq`);
      assert.equal(openssl(['ts', '-query', '-data', dataPath, '-sha256', '-cert', '-out', q]).status, 0);
      const { resp, token } = await respond(new Uint8Array(readFileSync(q)), tsa, { accuracy: { seconds: 1, millis: 500 }, alg });
      const tsr = join(dir, `${kind}.tsr`);
      writeFileSync(tsr, resp);
      const text = openssl(['ts', '-reply', '-in', tsr, '-text']);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /Status: Granted\./);
      assert.match(text.stdout, new RegExp(`Policy OID: ${POLICY.replaceAll('.', '\\.')}`));
      assert.match(text.stdout, /Accuracy: 0x01 seconds, 0x01F4 millis, unspecified micros/);
      assert.match(text.stdout, /TSA: DirName:.*Kyso TSA/);
      if (pss) {
        // OpenSSL 3.0 `ts -verify` goes through its PKCS#7 code, which cannot verify RSASSA-PSS;
        // its CMS code can: check the token's signature, ESS binding and chain there.
        const tok = join(dir, 'pss.tst');
        writeFileSync(tok, token);
        const c = openssl(['cms', '-verify', '-inform', 'DER', '-in', tok, '-CAfile', pki.rootPem, '-certfile', pki.issuingPem, '-purpose', 'any', '-out', join(dir, 'tstinfo.der')]);
        assert.match(c.stderr, /CMS Verification successful/, c.stderr);
        assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'tstinfo.der'))), parseSignedData(token).eContent);
      }
      for (const sel of pss ? [] : [['-data', dataPath], ['-queryfile', q]]) {
        const v = openssl(['ts', '-verify', ...sel, '-in', tsr, '-CAfile', pki.rootPem, '-untrusted', tsa.untrustedPem]);
        assert.match(v.stdout, /Verification: OK/, v.stdout + v.stderr);
      }
      const other = join(dir, 'other.txt');
      writeFileSync(other, 'something else');
      const bad = openssl(['ts', '-verify', '-data', other, '-in', tsr, '-CAfile', pki.rootPem, '-untrusted', tsa.untrustedPem]);
      assert.doesNotMatch(bad.stdout, /Verification: OK/);
      if (!pss) assert.match(bad.stderr, /message imprint mismatch/);
      // The shared yardstick.
      const script = sharedPath('tools', 'verify-tsr.sh');
      if (!pss && existsSync(script)) {
        const r = spawnSync('bash', [script, tsr, dataPath, pki.rootPem, pki.issuingPem], { encoding: 'utf8' });
        assert.match(r.stdout, /TSR VALID/, r.stdout + r.stderr);
        assert.equal(r.status, 0);
      }
      // And kyso's own verification.
      const req = parseTimeStampReq(new Uint8Array(readFileSync(q)));
      const v = verifyTimeStampToken(token, { crypto: nodeCrypto, data, expectedNonce: req.nonce, hash: 'SHA-256' });
      assert.equal(v.ok, true, v.ok ? '' : v.reason);
      if (v.ok) {
        assert.equal(v.tsaCert.serialHex, tsa.cert.serialHex);
        assert.equal(v.tstInfo.policy, POLICY);
        assert.deepEqual(v.tstInfo.accuracy, { seconds: 1, millis: 500 });
      }
      const sd = parseSignedData(token);
      assert.equal(sd.version, 3);
      assert.equal(sd.certificates.length, 2, 'TSA certificate and issuing CA, because certReq');
    });
  }

  test('without certReq the token carries no certificate and verifies with the TSA certificate given', async () => {
    const req = encodeTimeStampReq({ hash: 'SHA-384', messageImprint: nodeCrypto.digest('SHA-384', data), nonce: randomNonce(nodeCrypto) });
    const { token, resp } = await respond(req, pki.ec);
    assert.equal(parseSignedData(token).certificates.length, 0);
    assert.equal(verifyTimeStampToken(token, { crypto: nodeCrypto, data }).ok, false);
    const v = verifyTimeStampToken(token, { crypto: nodeCrypto, data, tsaCert: pki.ec.cert, expectedNonce: parseTimeStampReq(req).nonce });
    assert.equal(v.ok, true, v.ok ? '' : v.reason);
    const tsr = join(dir, 'nocert.tsr');
    writeFileSync(tsr, resp);
    const o = openssl(['ts', '-verify', '-data', dataPath, '-in', tsr, '-CAfile', pki.rootPem, '-untrusted', pki.ec.untrustedPem]);
    assert.match(o.stdout, /Verification: OK/, o.stdout + o.stderr);
  });

  test('rejections (badAlg, unacceptedPolicy, badDataFormat) parse in openssl and in kyso', () => {
    for (const [fi, text] of [['badAlg', /unrecognized or unsupported algorithm identifier/], ['unacceptedPolicy', /requested TSA policy is not supported/], ['badDataFormat', /data submitted has the wrong format/]] as const) {
      const der = encodeTimeStampResp({ status: 'rejection', failInfo: fi, statusString: 'SHA-1 imprints are refused' });
      const tsr = join(dir, `rej-${fi}.tsr`);
      writeFileSync(tsr, der);
      const r = openssl(['ts', '-reply', '-in', tsr, '-text']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Status: Rejected\./);
      assert.match(r.stdout, text);
      assert.match(r.stdout, /SHA-1 imprints are refused/);
      assert.deepEqual(parseTimeStampResp(der), { status: 'rejection', failInfo: fi, statusString: 'SHA-1 imprints are refused' });
    }
    assert.throws(() => encodeTimeStampResp({ status: 'rejection', token: Uint8Array.of(0x30, 0) }), (e) => isKysoError(e, 'invalid-argument'));
    assert.throws(() => parseTimeStampResp(Uint8Array.of(0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00)), (e) => isKysoError(e, 'malformed'), 'granted without a token');
  });

  for (const ess of ['sha256', 'sha1'] as const) {
    test(`openssl ts -reply tokens (ESS ${ess === 'sha1' ? 'v1' : 'v2'}) verify in kyso`, () => {
      const tsa = pki.ec;
      const cnf = join(dir, `ts-${ess}.cnf`);
      writeFileSync(join(dir, 'serial'), '01\n');
      writeFileSync(cnf, [
        '[ tsa ]', 'default_tsa = tsa1', '[ tsa1 ]', `serial = ${join(dir, 'serial')}`, `signer_cert = ${tsa.certPem}`, `signer_key = ${tsa.keyPem}`,
        `certs = ${pki.issuingPem}`, 'signer_digest = sha256', `default_policy = ${POLICY}`, 'digests = sha256, sha384, sha512',
        'accuracy = secs:1, millisecs:500, microsecs:100', 'clock_precision_digits = 3', 'ordering = yes', 'tsa_name = yes',
        'ess_cert_id_chain = no', `ess_cert_id_alg = ${ess}`, '',
      ].join('\n'));
      const q = join(dir, 'o.tsq');
      assert.equal(openssl(['ts', '-query', '-data', dataPath, '-sha256', '-cert', '-out', q]).status, 0);
      const tsr = join(dir, 'o.tsr');
      const r = openssl(['ts', '-reply', '-config', cnf, '-queryfile', q, '-out', tsr]);
      assert.equal(r.status, 0, r.stderr);
      const resp = parseTimeStampResp(new Uint8Array(readFileSync(tsr)));
      assert.equal(resp.status, 'granted');
      const req = parseTimeStampReq(new Uint8Array(readFileSync(q)));
      const v = verifyTimeStampToken(resp.token!, { crypto: nodeCrypto, data, expectedNonce: req.nonce });
      assert.equal(v.ok, true, v.ok ? '' : v.reason);
      if (v.ok) {
        assert.equal(v.tstInfo.ordering, true);
        assert.deepEqual(v.tstInfo.accuracy, { seconds: 1, millis: 500, micros: 100 });
        assert.deepEqual(v.tstInfo.tsaNameDer, tsa.cert.subjectDer);
      }
      const si = parseSignedData(resp.token!).signerInfos[0]!;
      assert.ok(si.signedAttrs.some((a) => a.oid === (ess === 'sha1' ? CMS_OID.signingCertificate : CMS_OID.signingCertificateV2)));
    });
  }

  test('refusals: TSA certificate without critical EKU, wrong ESSCertIDv2, tampering, nonce and imprint mismatch', async () => {
    const key = generateTestKey('p256');
    const nonCritical = issueTestCertificate({ subject: 'CN=Not a TSA,O=Kyso,C=VN', key, eku: ['1.3.6.1.5.5.7.3.8'], ekuCritical: false });
    const imprint = nodeCrypto.digest('SHA-256', data);
    const tstInfo = encodeTstInfo({ policy: POLICY, hash: 'SHA-256', messageImprint: imprint, serial: 7n, genTime: new Date(), nonce: Uint8Array.of(0x12, 0x34) });
    const signer: Signer = { keySpec: { kind: 'ec', curve: 'P-256' }, publicKey: nonCritical.cert.spki, sign: async (d, a) => signWithKeyObject(key, d, a) };
    await assert.rejects(buildTimeStampToken({ tstInfo, signer, signatureAlgorithm: { scheme: 'ECDSA', hash: 'SHA-256' }, tsaCert: nonCritical.cert, certReq: true, crypto: nodeCrypto }), (e) => isKysoError(e, 'policy') && /critical/.test(e.message));
    // A token made by hand with that certificate is refused by the verifier.
    const handmade = (cert = nonCritical, essCert = nonCritical, content = tstInfo) => {
      const attrs = encodeSignedAttributes({ contentType: CMS_OID.tstInfo, messageDigest: nodeCrypto.digest('SHA-256', content), signingCertificate: { cert: essCert.cert }, crypto: nodeCrypto });
      return assembleSignedData({
        eContentType: CMS_OID.tstInfo, eContent: content, digestAlgorithm: 'SHA-256', signerCert: cert.cert, certificates: [cert.cert.der],
        signedAttrs: attrs.embedded, signatureAlgorithm: { scheme: 'ECDSA', hash: 'SHA-256' }, signature: signWithKeyObject(cert.key, attrs.toSign, { scheme: 'ECDSA', hash: 'SHA-256' }),
      });
    };
    const v1 = verifyTimeStampToken(handmade(), { crypto: nodeCrypto, data });
    assert.equal(v1.ok, false);
    assert.match(!v1.ok ? v1.reason : '', /not critical/);
    // A proper TSA certificate, but ESSCertIDv2 names another certificate.
    const good = { cert: pki.ec.cert, key: pki.ec.key, alg: pki.ec.alg };
    const v2 = verifyTimeStampToken(handmade(good, nonCritical), { crypto: nodeCrypto, data });
    assert.match(!v2.ok ? v2.reason : '', /certHash does not match/);
    assert.equal(verifyTimeStampToken(handmade(good, good), { crypto: nodeCrypto, data }).ok, true);
    // Tampered TSTInfo (eContent changed after signing): message digest mismatch.
    const { token } = await respond(encodeTimeStampReq({ hash: 'SHA-256', messageImprint: imprint, nonce: Uint8Array.of(0x55, 1, 2, 3, 4, 5, 6, 7), certReq: true }), pki.ec);
    const sd = parseSignedData(token);
    const at = Buffer.from(token).indexOf(Buffer.from(sd.eContent!));
    const tampered = new Uint8Array(token);
    tampered[at + sd.eContent!.length - 3]! ^= 1;
    const v3 = verifyTimeStampToken(tampered, { crypto: nodeCrypto, data });
    assert.equal(v3.ok, false);
    // Tampered signature.
    const badSig = new Uint8Array(token);
    badSig[token.length - 5]! ^= 1;
    assert.equal(verifyTimeStampToken(badSig, { crypto: nodeCrypto, data }).ok, false);
    const wrongNonce = verifyTimeStampToken(token, { crypto: nodeCrypto, data, expectedNonce: Uint8Array.of(0x55, 1, 2, 3, 4, 5, 6, 8) });
    assert.match(!wrongNonce.ok ? wrongNonce.reason : '', /nonce mismatch/);
    const wrongData = verifyTimeStampToken(token, { crypto: nodeCrypto, data: new Uint8Array(3) });
    assert.match(!wrongData.ok ? wrongData.reason : '', /imprint mismatch/);
    const wrongHash = verifyTimeStampToken(token, { crypto: nodeCrypto, data, hash: 'SHA-512' });
    assert.equal(wrongHash.ok, false);
    assert.match((verifyTimeStampToken(Uint8Array.of(1, 2, 3), { crypto: nodeCrypto }) as { reason: string }).reason, /not a readable SignedData/);
  });

  test('request refusals carry the failInfo the TSA answers with', () => {
    const imprint = nodeCrypto.digest('SHA-256', data);
    const ok = encodeTimeStampReq({ hash: 'SHA-256', messageImprint: imprint });
    // Wrong imprint length for SHA-256: badAlg.
    const shortReq = derSequence(Uint8Array.of(2, 1, 1), derSequence(digestAlgorithmDer('SHA-256', true), derOctetString(new Uint8Array(31))));
    assert.throws(() => parseTimeStampReq(shortReq), (e) => isKysoError(e, 'unsupported') && failInfo(e) === 'badAlg');
    const md5 = derSequence(Uint8Array.of(2, 1, 1), derSequence(derSequence(derOid('1.2.840.113549.2.5'), Uint8Array.of(5, 0)), derOctetString(new Uint8Array(16))));
    assert.throws(() => parseTimeStampReq(md5), (e) => isKysoError(e, 'unsupported') && failInfo(e) === 'badAlg' && /1\.2\.840\.113549\.2\.5/.test(e.message));
    // A critical extension: unacceptedExtension.
    const inner = ok.subarray(2);
    const ext = Uint8Array.from([0xa0, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x01, 0x01, 0xff, 0x04, 0x00]);
    const withExt = Uint8Array.from([0x30, inner.length + ext.length, ...inner, ...ext]);
    assert.throws(() => parseTimeStampReq(withExt), (e) => isKysoError(e, 'unsupported') && failInfo(e) === 'unacceptedExtension');
    const nonCrit = Uint8Array.from([0xa0, 0x09, 0x30, 0x07, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x04, 0x00]);
    const withNonCrit = Uint8Array.from([0x30, inner.length + nonCrit.length, ...inner, ...nonCrit]);
    assert.deepEqual(parseTimeStampReq(withNonCrit).extensions, [{ oid: '1.2.3.4', critical: false }]);
    // Version 2: badRequest; garbage: badDataFormat; oversized: badRequest.
    const v2 = Uint8Array.from(ok);
    v2[4] = 2;
    assert.throws(() => parseTimeStampReq(v2), (e) => isKysoError(e, 'unsupported') && failInfo(e) === 'badRequest');
    assert.throws(() => parseTimeStampReq(Uint8Array.of(0x30, 0x80, 0, 0)), (e) => isKysoError(e, 'malformed') && failInfo(e) === 'badDataFormat');
    assert.throws(() => parseTimeStampReq(new Uint8Array(TSP_LIMITS.maxRequestBytes + 1)), (e) => failInfo(e) === 'badRequest');
    // A nonce beyond the limit: badRequest.
    const big = encodeTimeStampReq({ hash: 'SHA-256', messageImprint: imprint, nonce: Uint8Array.from({ length: 40 }, (_, i) => i + 1) });
    assert.throws(() => parseTimeStampReq(big), (e) => failInfo(e) === 'badRequest');
  });

  test('TSTInfo: genTime with milliseconds and no trailing zeros; serials; round trip', () => {
    const base = { policy: POLICY, hash: 'SHA-256' as const, messageImprint: new Uint8Array(32).fill(9), serial: 1n };
    const gt = (d: string) => {
      const der = encodeTstInfo({ ...base, genTime: new Date(d) });
      const i = der.indexOf(0x18);
      return new TextDecoder().decode(der.subarray(i + 2, i + 2 + der[i + 1]!));
    };
    assert.equal(gt('2026-11-27T02:15:30.000Z'), '20261127021530Z');
    assert.equal(gt('2026-11-27T02:15:30.120Z'), '20261127021530.12Z');
    assert.equal(gt('2026-11-27T02:15:30.005Z'), '20261127021530.005Z');
    const big = (1n << 159n) + 12345n;
    const der = encodeTstInfo({ ...base, serial: big, genTime: new Date('2026-11-27T02:15:30.5Z'), ordering: true, nonce: Uint8Array.of(0, 0x80), accuracy: { micros: 7 }, tsaNameDer: pki.ec.cert.subjectDer });
    const t = parseTstInfo(der);
    assert.equal(t.serial, big);
    assert.equal(t.genTime.toISOString(), '2026-11-27T02:15:30.500Z');
    assert.equal(t.ordering, true);
    assert.deepEqual(t.nonce, Uint8Array.of(0, 0x80));
    assert.deepEqual(t.accuracy, { micros: 7 });
    assert.deepEqual(t.tsaNameDer, pki.ec.cert.subjectDer);
    assert.throws(() => encodeTstInfo({ ...base, serial: 1n << 160n, genTime: new Date() }), (e) => isKysoError(e, 'invalid-argument'));
    assert.throws(() => encodeTstInfo({ ...base, serial: -1n, genTime: new Date() }), (e) => isKysoError(e, 'invalid-argument'));
    assert.throws(() => encodeTstInfo({ ...base, serial: 1n, genTime: new Date(), accuracy: { millis: 1000 } }), (e) => isKysoError(e, 'invalid-argument'));
  });

  test('fuzz: 5,000 mutated requests end in a result or a KysoError with a failInfo', () => {
    const r = fuzzTimeStampReqParser({ iterations: 5000, seed: 20261127 });
    assert.equal(r.iterations, 5000);
    assert.equal(r.malformed + r.accepted, 5000);
    assert.ok(r.accepted > 100 && r.malformed > 1000, JSON.stringify(r));
    assert.deepEqual(fuzzTimeStampReqParser({ iterations: 500, seed: 7 }).accepted, fuzzTimeStampReqParser({ iterations: 500, seed: 7 }).accepted, 'deterministic');
  });

  test('mutated tokens and responses: verifyTimeStampToken reports, parsers throw only KysoError', async () => {
    const req = encodeTimeStampReq({ hash: 'SHA-256', messageImprint: nodeCrypto.digest('SHA-256', data), nonce: randomNonce(nodeCrypto), certReq: true });
    const { resp } = await respond(req, pki.ec);
    let x = 0x2545f491;
    const rnd = (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
    let ok = 0;
    for (let i = 0; i < 1500; i++) {
      const m = new Uint8Array(i % 3 === 0 ? resp.subarray(0, rnd(resp.length)) : resp);
      for (let k = 1 + rnd(4); k > 0 && m.length; k--) m[rnd(m.length)]! ^= 1 << rnd(8);
      let token: Uint8Array | undefined;
      try { token = parseTimeStampResp(m).token; } catch (e) { assert.ok(isKysoError(e), String(e)); continue; }
      if (!token) continue;
      try { parseSignedData(token); } catch (e) { assert.ok(isKysoError(e), String(e)); }
      const v = verifyTimeStampToken(token, { crypto: nodeCrypto, data });
      if (v.ok) ok++;
    }
    assert.ok(ok < 1500);
  });

  test('cost per token without the signature: a few tens of µs', async () => {
    const fixedSig = signWithKeyObject(pki.ec.key, new Uint8Array(10), pki.ec.alg);
    const fake: Signer = { keySpec: pki.ec.signer.keySpec, publicKey: pki.ec.signer.publicKey, sign: async () => fixedSig };
    const req = encodeTimeStampReq({ hash: 'SHA-256', messageImprint: new Uint8Array(32).fill(7), nonce: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), certReq: true });
    const chain = [pki.issuing.der];
    const genTime = new Date();
    const one = async (i: number) => {
      const r = parseTimeStampReq(req);
      const tstInfo = encodeTstInfo({ policy: POLICY, hash: r.hash, messageImprint: r.messageImprint, serial: BigInt(i), genTime, accuracy: { seconds: 1 }, nonce: r.nonce, tsaNameDer: pki.ec.cert.subjectDer });
      const token = await buildTimeStampToken({ tstInfo, signer: fake, signatureAlgorithm: pki.ec.alg, tsaCert: pki.ec.cert, chain, certReq: r.certReq, crypto: nodeCrypto });
      return encodeTimeStampResp({ status: 'granted', token });
    };
    for (let i = 0; i < 2000; i++) await one(i);
    const n = 4000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await one(i);
    const us = ((performance.now() - t0) * 1000) / n;
    console.log(`# TSA token without the signature: ${us.toFixed(1)} µs`);
    assert.ok(us < 400, `${us} µs per token`);
  });
});
