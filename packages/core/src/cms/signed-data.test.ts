import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derOctetString, derOid, derSequence, derSetOf, isKysoError, readChildren, readWhole, type HashName, type SignatureAlgorithm } from '@kyso/core';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { signWithKeyObject } from '@kyso/server/keys/key-object-signer.ts';
import { CMS_OID } from './cms-oids.ts';
import { encodeSignedAttributes, parseAttributes, parseSigningCertificate, encodeAttribute } from './signed-attributes.ts';
import { assembleSignedData, parseSignedData, verifySignerInfo } from './signed-data.ts';
import { normaliseBer } from './ber.ts';
import { generateTestKey, issueTestCertificate, writeCertPem, writeKeyPem, type TestIdentity } from './test-cms-certs.ts';

function openssl(args: string[], input?: Uint8Array) {
  const r = spawnSync('openssl', args, { input, encoding: 'buffer' });
  return { status: r.status, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1'), out: new Uint8Array(r.stdout) };
}

const PSS: SignatureAlgorithm = { scheme: 'RSASSA-PSS', hash: 'SHA-256', saltLength: 32 };

describe('CMS SignedData (RFC 5652)', () => {
  let dir: string;
  let root: TestIdentity;
  let rsa: TestIdentity;
  let ec: TestIdentity;
  let other: TestIdentity;
  let rootPem: string;
  const data = new TextEncoder().encode('Công văn số 123/UBND-VP — nội dung cần ký.\n');
  let dataPath: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kyso-cms-'));
    root = issueTestCertificate({ subject: 'CN=CMS Test Root,O=Kyso,C=VN', key: generateTestKey('p256'), ca: true });
    rsa = issueTestCertificate({ subject: 'CN=Người ký RSA,O=Kyso,C=VN', key: generateTestKey('rsa2048'), issuer: root, keyUsage: ['digitalSignature', 'nonRepudiation'] });
    ec = issueTestCertificate({ subject: 'CN=Người ký EC,O=Kyso,C=VN', key: generateTestKey('p256'), issuer: root, keyUsage: ['digitalSignature', 'nonRepudiation'] });
    other = issueTestCertificate({ subject: 'CN=Someone else,O=Kyso,C=VN', key: generateTestKey('p256'), issuer: root });
    rootPem = writeCertPem(dir, 'root.pem', root.cert);
    dataPath = join(dir, 'data.txt');
    writeFileSync(dataPath, data);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A SignedData made by kyso: contentType, messageDigest, signingTime, signingCertificateV2. */
  function kysoSign(id: TestIdentity, alg: SignatureAlgorithm, opts: { attached?: boolean; essHash?: HashName; essCert?: TestIdentity } = {}) {
    const hash = alg.hash!;
    const attrs = encodeSignedAttributes({
      contentType: CMS_OID.data, messageDigest: nodeCrypto.digest(hash, data), signingTime: new Date(Date.now() - 1000),
      signingCertificate: { cert: (opts.essCert ?? id).cert, hash: opts.essHash ?? 'SHA-256' }, crypto: nodeCrypto,
    });
    return assembleSignedData({
      eContentType: CMS_OID.data, eContent: opts.attached ? data : undefined, digestAlgorithm: hash, signerCert: id.cert,
      certificates: [id.cert.der], signedAttrs: attrs.embedded, signatureAlgorithm: alg, signature: signWithKeyObject(id.key, attrs.toSign, alg),
    });
  }

  test('signed attributes: DER SET order, both forms, ESSCertIDv2 defaults (RFC 5035)', () => {
    const a = encodeSignedAttributes({ contentType: CMS_OID.data, messageDigest: new Uint8Array(32).fill(1), signingTime: new Date('2026-01-01T00:00:00Z'), signingCertificate: { certDer: ec.cert.der, hash: 'SHA-256' }, crypto: nodeCrypto });
    assert.equal(a.toSign[0], 0x31);
    assert.equal(a.embedded[0], 0xa0);
    assert.deepEqual(a.toSign.subarray(1), a.embedded.subarray(1));
    const top = readWhole(a.toSign, 'attrs');
    const kids = readChildren(a.toSign, top).map((t) => Buffer.from(a.toSign.subarray(t.start, t.end)));
    assert.deepEqual([...kids].sort(Buffer.compare), kids, 'sorted as a DER SET OF');
    const attrs = parseAttributes(a.toSign, top, 'attrs');
    assert.deepEqual(attrs.map((x) => x.oid).sort(), [CMS_OID.contentType, CMS_OID.messageDigest, CMS_OID.signingTime, CMS_OID.signingCertificateV2].sort());
    const ess = attrs.find((x) => x.oid === CMS_OID.signingCertificateV2)!.values[0]!;
    const [id] = parseSigningCertificate(ess, true);
    assert.equal(id!.hash, 'SHA-256');
    assert.deepEqual(id!.certHash, nodeCrypto.digest('SHA-256', ec.cert.der));
    assert.equal(id!.issuerSerial!.serialHex, ec.cert.serialHex);
    // SHA-256 is the DEFAULT: no AlgorithmIdentifier in front of certHash (X.690 §11.5).
    assert.equal(ess[6], 0x04);
    const b = encodeSignedAttributes({ contentType: CMS_OID.data, messageDigest: new Uint8Array(48), signingCertificate: { certDer: ec.cert.der, hash: 'SHA-384', issuerSerial: false }, crypto: nodeCrypto });
    const essB = parseAttributes(b.toSign, readWhole(b.toSign, 'x'), 'x').find((x) => x.oid === CMS_OID.signingCertificateV2)!.values[0]!;
    const [idB] = parseSigningCertificate(essB, true);
    assert.equal(idB!.hash, 'SHA-384');
    assert.equal(idB!.issuerSerial, undefined);
    assert.throws(() => encodeSignedAttributes({ contentType: CMS_OID.data, messageDigest: new Uint8Array(32), extra: [{ oid: CMS_OID.messageDigest, values: [Uint8Array.of(4, 0)] }], crypto: nodeCrypto }), (e) => isKysoError(e, 'invalid-argument'));
  });

  for (const [name, pick, alg] of [
    ['RSA PKCS#1 v1.5', () => rsa, { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }],
    ['RSA-PSS', () => rsa, PSS],
    ['ECDSA P-256', () => ec, { scheme: 'ECDSA', hash: 'SHA-256' }],
    ['ECDSA P-256 with SHA-384 and ESSCertIDv2 SHA-512', () => ec, { scheme: 'ECDSA', hash: 'SHA-384' }],
  ] as Array<[string, () => TestIdentity, SignatureAlgorithm]>) {
    test(`kyso ${name} detached and attached SignedData verify in openssl cms and in kyso`, () => {
      const id = pick();
      for (const attached of [false, true]) {
        const der = kysoSign(id, alg, { attached, essHash: alg.hash === 'SHA-384' ? 'SHA-512' : 'SHA-256' });
        const p7s = join(dir, `sig-${attached}.p7s`);
        writeFileSync(p7s, der);
        const r = openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', p7s, ...(attached ? [] : ['-content', dataPath]), '-CAfile', rootPem, '-purpose', 'any', '-out', join(dir, 'out.bin')]);
        assert.match(r.stderr, /CMS Verification successful/, r.stderr);
        assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'out.bin'))), data);
        const sd = parseSignedData(der);
        assert.equal(sd.version, 1);
        assert.equal(sd.eContent !== undefined, attached);
        const v = verifySignerInfo(sd, 0, { crypto: nodeCrypto, detachedContent: attached ? undefined : data });
        assert.equal(v.ok, true, v.reason);
        assert.equal(v.signerCert!.serialHex, id.cert.serialHex);
        if (!attached) assert.equal(verifySignerInfo(sd, 0, { crypto: nodeCrypto, contentDigest: nodeCrypto.digest(alg.hash!, data) }).ok, true);
      }
    });
  }

  const opensslCases: Array<{ name: string; who: () => TestIdentity; args: string[]; attached?: boolean; noattr?: boolean }> = [
    { name: 'RSA PKCS#1 v1.5 detached', who: () => rsa, args: [] },
    { name: 'RSA PKCS#1 v1.5 -nodetach -nosmimecap', who: () => rsa, args: ['-nodetach', '-nosmimecap'], attached: true },
    { name: 'RSA-PSS', who: () => rsa, args: ['-keyopt', 'rsa_padding_mode:pss'] },
    { name: 'RSA-PSS -noattr', who: () => rsa, args: ['-keyopt', 'rsa_padding_mode:pss', '-noattr'], noattr: true },
    { name: 'ECDSA -cades (ESSCertIDv2)', who: () => ec, args: ['-cades'] },
    { name: 'ECDSA -noattr -nodetach', who: () => ec, args: ['-noattr', '-nodetach'], attached: true, noattr: true },
    { name: 'ECDSA -stream -nodetach (BER, indefinite lengths)', who: () => ec, args: ['-stream', '-nodetach'], attached: true },
  ];
  for (const c of opensslCases) {
    test(`openssl cms -sign ${c.name} verifies in kyso`, () => {
      const id = c.who();
      const cert = writeCertPem(dir, 'signer.pem', id.cert);
      const key = writeKeyPem(dir, 'signer.key', id.key);
      const out = join(dir, 'o.p7s');
      const r = openssl(['cms', '-sign', '-binary', '-outform', 'DER', '-md', 'sha256', '-in', dataPath, '-signer', cert, '-inkey', key, '-out', out, ...c.args]);
      assert.equal(r.status, 0, r.stderr);
      const der = new Uint8Array(readFileSync(out));
      const sd = parseSignedData(der);
      assert.equal(sd.berNormalised, c.args.includes('-stream'));
      assert.equal(sd.signerInfos.length, 1);
      const si = sd.signerInfos[0]!;
      assert.equal(si.signedAttrsDer === undefined, c.noattr === true);
      if (c.args.includes('-cades')) assert.ok(si.signedAttrs.some((a) => a.oid === CMS_OID.signingCertificateV2));
      if (c.args.includes('rsa_padding_mode:pss')) assert.equal(si.signatureAlgorithm.scheme, 'RSASSA-PSS');
      const v = verifySignerInfo(sd, 0, { crypto: nodeCrypto, detachedContent: c.attached ? undefined : data });
      assert.equal(v.ok, true, v.reason);
      if (c.attached) assert.deepEqual(sd.eContent, data);
      // Tampered content: the digest (or, without attributes, the signature) no longer matches.
      const tampered = new Uint8Array(data);
      tampered[3]! ^= 1;
      if (c.attached) {
        const bad = verifySignerInfo({ ...sd, eContent: tampered }, 0, { crypto: nodeCrypto });
        assert.equal(bad.ok, false);
      } else {
        const bad = verifySignerInfo(sd, 0, { crypto: nodeCrypto, detachedContent: tampered });
        assert.equal(bad.ok, false);
        assert.match(bad.reason!, c.noattr ? /signature/ : /message digest mismatch/);
      }
    });
  }

  test('unsigned attributes (a CAdES-T time-stamp slot) are carried and do not change the signature', () => {
    const alg: SignatureAlgorithm = { scheme: 'ECDSA', hash: 'SHA-256' };
    const attrs = encodeSignedAttributes({ contentType: CMS_OID.data, messageDigest: nodeCrypto.digest('SHA-256', data), signingCertificate: { cert: ec.cert }, crypto: nodeCrypto });
    const fakeToken = derSequence(derOid(CMS_OID.signedData));
    const der = assembleSignedData({
      eContentType: CMS_OID.data, digestAlgorithm: 'SHA-256', signerCert: ec.cert, certificates: [ec.cert.der, root.cert.der], signedAttrs: attrs.toSign,
      signatureAlgorithm: alg, signature: signWithKeyObject(ec.key, attrs.toSign, alg), unsignedAttrs: [{ oid: CMS_OID.timeStampToken, values: [fakeToken] }],
    });
    const sd = parseSignedData(der);
    assert.deepEqual(sd.signerInfos[0]!.unsignedAttrs, [{ oid: CMS_OID.timeStampToken, values: [fakeToken] }]);
    assert.equal(sd.certificates.length, 2);
    assert.equal(verifySignerInfo(sd, 0, { crypto: nodeCrypto, detachedContent: data }).ok, true);
    const p7s = join(dir, 'unsigned.p7s');
    writeFileSync(p7s, der);
    const r = openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', p7s, '-content', dataPath, '-CAfile', rootPem, '-purpose', 'any', '-out', join(dir, 'out2.bin')]);
    assert.match(r.stderr, /CMS Verification successful/, r.stderr);
  });

  test('tampered signed attributes, wrong ESSCertIDv2, wrong signer certificate', () => {
    const der = kysoSign(ec, { scheme: 'ECDSA', hash: 'SHA-256' });
    const sd = parseSignedData(der);
    // Flip one digit of signingTime inside the signed attributes.
    const attrs = new Uint8Array(sd.signerInfos[0]!.signedAttrsDer!);
    const i = Buffer.from(attrs).indexOf(Buffer.from([0x17, 0x0d])) + 4;
    attrs[i] = attrs[i] === 0x31 ? 0x32 : 0x31;
    const tampered = { ...sd, signerInfos: [{ ...sd.signerInfos[0]!, signedAttrsDer: attrs }] };
    const r1 = verifySignerInfo(tampered, 0, { crypto: nodeCrypto, detachedContent: data });
    assert.equal(r1.ok, false);
    assert.match(r1.reason!, /signature does not verify/);
    // Correctly signed, but ESSCertIDv2 names another certificate.
    const wrongEss = parseSignedData(kysoSign(ec, { scheme: 'ECDSA', hash: 'SHA-256' }, { essCert: other }));
    const r2 = verifySignerInfo(wrongEss, 0, { crypto: nodeCrypto, detachedContent: data });
    assert.equal(r2.ok, false);
    assert.match(r2.reason!, /certHash does not match/);
    // Given signer certificate that is not the one named by the SignerInfo.
    const r3 = verifySignerInfo(sd, 0, { crypto: nodeCrypto, detachedContent: data, signerCert: other.cert });
    assert.equal(r3.ok, false);
    // Signer certificate absent from the SignedData.
    const noCerts = parseSignedData(assembleSignedData({
      eContentType: CMS_OID.data, digestAlgorithm: 'SHA-256', signerCert: ec.cert, certificates: [], signedAttrs: sd.signerInfos[0]!.signedAttrsDer!,
      signatureAlgorithm: { scheme: 'ECDSA', hash: 'SHA-256' }, signature: sd.signerInfos[0]!.signature,
    }));
    assert.match(verifySignerInfo(noCerts, 0, { crypto: nodeCrypto, detachedContent: data }).reason!, /not in the SignedData/);
    assert.equal(verifySignerInfo(noCerts, 0, { crypto: nodeCrypto, detachedContent: data, certificates: [ec.cert] }).ok, true);
    assert.throws(() => verifySignerInfo(sd, 0, { crypto: nodeCrypto }), (e) => isKysoError(e, 'invalid-argument'));
  });

  test('content-type attribute must match eContentType and appear once', () => {
    const attrs = encodeSignedAttributes({ contentType: '1.2.3.4', messageDigest: nodeCrypto.digest('SHA-256', data), crypto: nodeCrypto });
    const alg: SignatureAlgorithm = { scheme: 'ECDSA', hash: 'SHA-256' };
    const sd = parseSignedData(assembleSignedData({
      eContentType: CMS_OID.data, digestAlgorithm: 'SHA-256', signerCert: ec.cert, certificates: [ec.cert.der], signedAttrs: attrs.embedded,
      signatureAlgorithm: alg, signature: signWithKeyObject(ec.key, attrs.toSign, alg),
    }));
    assert.match(verifySignerInfo(sd, 0, { crypto: nodeCrypto, detachedContent: data }).reason!, /content-type attribute does not match/);
    // A message-digest attribute with two values (RFC 5652 §11.2: exactly one).
    const md = nodeCrypto.digest('SHA-256', data);
    const set = derSetOf([
      encodeAttribute({ oid: CMS_OID.contentType, values: [derOid(CMS_OID.data)] }),
      encodeAttribute({ oid: CMS_OID.messageDigest, values: [derOctetString(md), derOctetString(new Uint8Array(32))] }),
    ]);
    const two = parseSignedData(assembleSignedData({
      eContentType: CMS_OID.data, digestAlgorithm: 'SHA-256', signerCert: ec.cert, certificates: [ec.cert.der], signedAttrs: set,
      signatureAlgorithm: alg, signature: signWithKeyObject(ec.key, set, alg),
    }));
    assert.match(verifySignerInfo(two, 0, { crypto: nodeCrypto, detachedContent: data }).reason!, /message-digest attribute must appear once/);
  });

  test('BER: indefinite lengths and constructed OCTET STRINGs are normalised to DER', () => {
    const der = kysoSign(ec, { scheme: 'ECDSA', hash: 'SHA-256' }, { attached: true });
    // Rewrite by hand: outer SEQUENCE with indefinite length, eContent as two constructed chunks.
    const sd = parseSignedData(der);
    const half = data.length >> 1;
    const chunked = Buffer.concat([Buffer.from([0x24, 0x80]), Buffer.from([0x04, half]), Buffer.from(data.subarray(0, half)), Buffer.from([0x04, data.length - half]), Buffer.from(data.subarray(half)), Buffer.from([0, 0])]);
    const derBuf = Buffer.from(der);
    const octet = Buffer.concat([Buffer.from([0x04, data.length]), Buffer.from(data)]);
    const at = derBuf.indexOf(octet);
    assert.ok(at > 0);
    // Replace the primitive OCTET STRING, then fix the definite lengths by going fully indefinite
    // on every enclosing constructed value: easiest by re-encoding the ContentInfo structure.
    const ber = toIndefinite(derBuf, at, octet.length, chunked);
    const parsed = parseSignedData(ber);
    assert.equal(parsed.berNormalised, true);
    assert.deepEqual(parsed.eContent, data);
    assert.deepEqual(parsed.der, sd.der);
    assert.equal(verifySignerInfo(parsed, 0, { crypto: nodeCrypto }).ok, true);
    // Zero padding after the structure, as in a PDF /Contents string, for DER and for BER.
    const padded = new Uint8Array(der.length + 300);
    padded.set(der);
    assert.deepEqual(parseSignedData(padded).der, sd.der);
    const paddedBer = new Uint8Array(ber.length + 64);
    paddedBer.set(ber);
    assert.deepEqual(parseSignedData(paddedBer).der, sd.der);
    padded[padded.length - 1] = 1;
    assert.throws(() => parseSignedData(padded), (e) => isKysoError(e, 'malformed'));
    assert.throws(() => normaliseBer(Uint8Array.of(0x30, 0x80, 0x04, 0x01, 0x00)), (e) => isKysoError(e, 'malformed'));
    const deep = new Uint8Array(400);
    for (let i = 0; i < 200; i++) { deep[2 * i] = 0x30; deep[2 * i + 1] = 0x80; }
    assert.throws(() => parseSignedData(deep), (e) => isKysoError(e, 'malformed'));
  });

  test('malformed and unsupported inputs throw KysoError', () => {
    const der = kysoSign(ec, { scheme: 'ECDSA', hash: 'SHA-256' });
    assert.throws(() => parseSignedData(der.subarray(0, der.length - 3)), (e) => isKysoError(e, 'malformed'));
    assert.throws(() => parseSignedData(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01)), (e) => isKysoError(e, 'malformed'));
    // ContentInfo of id-data, not SignedData.
    assert.throws(() => parseSignedData(Uint8Array.from([0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x02, 0x04, 0x00])), (e) => isKysoError(e, 'unsupported'));
    for (let cut = 1; cut < der.length; cut += 37) {
      assert.throws(() => parseSignedData(der.subarray(0, cut)), (e) => isKysoError(e));
    }
  });
});

/**
 * Replaces bytes [at, at+len) of a DER ContentInfo with `replacement`, turning every constructed
 * value on the path into indefinite-length BER so the lengths stay right.
 */
function toIndefinite(der: Buffer, at: number, len: number, replacement: Buffer): Uint8Array {
  const walk = (start: number, end: number): Buffer => {
    const parts: Buffer[] = [];
    let p = start;
    while (p < end) {
      const tag = der[p]!;
      let l = der[p + 1]!;
      let hs = 2;
      if (l & 0x80) { const n = l & 0x7f; l = 0; for (let i = 0; i < n; i++) l = l * 256 + der[p + 2 + i]!; hs += n; }
      const tEnd = p + hs + l;
      if (p === at && tEnd === at + len) parts.push(replacement);
      else if ((tag & 0x20) && p < at && at < tEnd) parts.push(Buffer.from([tag, 0x80]), walk(p + hs, tEnd), Buffer.from([0, 0]));
      else parts.push(der.subarray(p, tEnd));
      p = tEnd;
    }
    return Buffer.concat(parts);
  };
  return new Uint8Array(walk(0, der.length));
}
