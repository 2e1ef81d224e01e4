/**
 * Path building and validation on freshly generated chains: cross-certificates, alternative
 * (expired) issuers, loops in the bag, the depth bound, revocation by a generated CRL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, AsnParser, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier, AuthorityKeyIdentifier, BasicConstraints, Extension, Extensions, KeyUsage,
  KeyUsageFlags, RevokedCertificate, SubjectAlternativeName, GeneralName, SubjectKeyIdentifier, SubjectPublicKeyInfo,
  TBSCertificate, TBSCertList, Time, Validity, Version, CRLReason, CRLReasons,
} from '@peculiar/asn1-x509';
import { nodeCrypto } from '../../../server/src/crypto/node-crypto.ts';
import { concatBytes, encodeTlv } from '../asn1/der.ts';
import { buildName, parseDnString } from './names.ts';
import { OID } from './oids.ts';
import { loadCertInfo } from './extensions.ts';
import { buildPaths, CertIndex } from './path-building.ts';
import { dnsNameMatches, validatePath, type PathValidationOptions } from './path-validation.ts';

interface Key { priv: KeyObject; spki: Uint8Array; ski: Uint8Array }
function newKey(): Key {
  const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(k.publicKey.export({ type: 'spki', format: 'der' }));
  return { priv: k.privateKey, spki, ski: new Uint8Array(createHash('sha1').update(spki).digest()) };
}

const ECDSA_SHA256 = new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSHA256 });
const algDer = new Uint8Array(AsnConvert.serialize(ECDSA_SHA256));
const ext = (oid: string, critical: boolean, value: unknown) =>
  new Extension({ extnID: oid, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

let serial = 1;
interface IssueOpts {
  subject: string; issuer: string; key: Key; issuerKey: Key;
  ca?: boolean; pathLen?: number; notBefore?: Date; notAfter?: Date; dns?: string[];
}
function issue(o: IssueOpts): Uint8Array {
  const exts = [
    ext(OID.subjectKeyIdentifier, false, new SubjectKeyIdentifier(o.key.ski)),
    ext(OID.authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new OctetString(o.issuerKey.ski) })),
  ];
  if (o.ca) {
    exts.push(ext(OID.basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: o.pathLen })));
    exts.push(ext(OID.keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)));
  } else {
    exts.push(ext(OID.keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)));
  }
  if (o.dns) exts.push(ext(OID.subjectAltName, false, new SubjectAlternativeName(o.dns.map((d) => new GeneralName({ dNSName: d })))));
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.of(serial++).buffer,
    signature: ECDSA_SHA256,
    issuer: buildName(parseDnString(o.issuer)),
    validity: new Validity({ notBefore: o.notBefore ?? new Date('2020-01-01T00:00:00Z'), notAfter: o.notAfter ?? new Date('2040-01-01T00:00:00Z') }),
    subject: buildName(parseDnString(o.subject)),
    subjectPublicKeyInfo: AsnParser.parse(o.key.spki, SubjectPublicKeyInfo),
    extensions: new Extensions(exts),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const sig = sign('sha256', tbsDer, { key: o.issuerKey.priv, dsaEncoding: 'der' });
  return encodeTlv(0x30, concatBytes([tbsDer, algDer, encodeTlv(0x03, concatBytes([Uint8Array.of(0), sig]))]));
}

function crl(issuer: string, key: Key, revoked: Array<{ serial: Uint8Array; reason?: CRLReasons }>, thisUpdate = new Date('2024-01-01T00:00:00Z'), nextUpdate = new Date('2034-01-01T00:00:00Z')): Uint8Array {
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: ECDSA_SHA256,
    issuer: buildName(parseDnString(issuer)),
    thisUpdate: new Time(thisUpdate),
    nextUpdate: new Time(nextUpdate),
    revokedCertificates: revoked.length ? revoked.map((r) => new RevokedCertificate({
      userCertificate: r.serial.slice().buffer,
      revocationDate: new Time(new Date('2024-01-01T00:00:00Z')),
      crlEntryExtensions: r.reason !== undefined ? [ext(OID.crlReason, false, new CRLReason(r.reason))] : undefined,
    })) : undefined,
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const sig = sign('sha256', tbsDer, { key: key.priv, dsaEncoding: 'der' });
  return encodeTlv(0x30, concatBytes([tbsDer, algDer, encodeTlv(0x03, concatBytes([Uint8Array.of(0), sig]))]));
}

const at = new Date('2025-06-01T00:00:00Z');
const rootA = newKey(), rootB = newKey(), ica = newKey(), ee = newKey();
const rootACert = issue({ subject: 'CN=Root A', issuer: 'CN=Root A', key: rootA, issuerKey: rootA, ca: true });
const rootBCert = issue({ subject: 'CN=Root B', issuer: 'CN=Root B', key: rootB, issuerKey: rootB, ca: true });
const icaByA = issue({ subject: 'CN=Issuing CA', issuer: 'CN=Root A', key: ica, issuerKey: rootA, ca: true });
const icaByB = issue({ subject: 'CN=Issuing CA', issuer: 'CN=Root B', key: ica, issuerKey: rootB, ca: true });
const leaf = issue({ subject: 'CN=leaf.example', issuer: 'CN=Issuing CA', key: ee, issuerKey: ica, dns: ['leaf.example.com'] });
const subjects = (r: { path: Array<{ subjectString: string }> }) => r.path.map((c) => c.subjectString);

test('a cross-certificate is chosen when only the other root is trusted', () => {
  const viaB = validatePath({ target: leaf, trustAnchors: [rootBCert], intermediates: [icaByA, icaByB], at, crypto: nodeCrypto });
  assert.equal(viaB.valid, true, viaB.reason);
  assert.deepEqual(subjects(viaB), ['CN=leaf.example', 'CN=Issuing CA', 'CN=Root B']);
  assert.deepEqual(viaB.path[1]!.der, icaByB);
  const viaA = validatePath({ target: leaf, trustAnchors: [rootACert], intermediates: [icaByB, icaByA], at, crypto: nodeCrypto });
  assert.equal(viaA.valid, true, viaA.reason);
  assert.deepEqual(viaA.path[1]!.der, icaByA);
});

test('an expired alternative issuer is skipped for a valid one (backtracking)', () => {
  const expired = issue({ subject: 'CN=Issuing CA', issuer: 'CN=Root A', key: ica, issuerKey: rootA, ca: true, notAfter: new Date('2021-01-01T00:00:00Z') });
  const r = validatePath({ target: leaf, trustAnchors: [rootACert], intermediates: [expired, icaByA], at, crypto: nodeCrypto });
  assert.equal(r.valid, true, r.reason);
  assert.deepEqual(r.path[1]!.der, icaByA);
  const only = validatePath({ target: leaf, trustAnchors: [rootACert], intermediates: [expired], at, crypto: nodeCrypto });
  assert.equal(only.valid, false);
  assert.equal(only.code, 'EXPIRED');
  assert.match(only.reason!, /Issuing CA/);
});

test('a loop in the bag ends with NO_PATH', () => {
  const x = newKey(), y = newKey();
  const xByY = issue({ subject: 'CN=X', issuer: 'CN=Y', key: x, issuerKey: y, ca: true });
  const yByX = issue({ subject: 'CN=Y', issuer: 'CN=X', key: y, issuerKey: x, ca: true });
  const yByX2 = issue({ subject: 'CN=Y', issuer: 'CN=X', key: y, issuerKey: x, ca: true, notBefore: new Date('2021-01-01T00:00:00Z') });
  const target = issue({ subject: 'CN=t', issuer: 'CN=X', key: newKey(), issuerKey: x });
  const r = validatePath({ target, trustAnchors: [rootACert], intermediates: [xByY, yByX, yByX2], at, crypto: nodeCrypto, maxPathLength: 255 });
  assert.equal(r.valid, false);
  assert.equal(r.code, 'NO_PATH');
  // The enumeration itself is finite and never repeats a subject+key pair.
  const paths = [...buildPaths(loadCertInfo(target), new CertIndex([xByY, yByX, yByX2].map(loadCertInfo)), new CertIndex([loadCertInfo(rootACert)]), { maxIntermediates: 255, at })];
  assert.equal(paths.length, 0);
});

test('maxPathLength bounds the intermediates; self-issued ones are not counted', () => {
  const r0 = validatePath({ target: leaf, trustAnchors: [rootACert], intermediates: [icaByA], at, crypto: nodeCrypto, maxPathLength: 0 });
  assert.equal(r0.valid, false);
  assert.equal(r0.code, 'PATH_LENGTH');
  const ica2 = newKey();
  const rollover = issue({ subject: 'CN=Issuing CA', issuer: 'CN=Issuing CA', key: ica2, issuerKey: ica, ca: true });
  const leaf2 = issue({ subject: 'CN=leaf2', issuer: 'CN=Issuing CA', key: newKey(), issuerKey: ica2 });
  const r1 = validatePath({ target: leaf2, trustAnchors: [rootACert], intermediates: [rollover, icaByA], at, crypto: nodeCrypto, maxPathLength: 1 });
  assert.equal(r1.valid, true, r1.reason);
  assert.equal(r1.path.length, 4);
});

test('pathLenConstraint of the trust anchor is enforced', () => {
  const root1 = issue({ subject: 'CN=Root A', issuer: 'CN=Root A', key: rootA, issuerKey: rootA, ca: true, pathLen: 1 });
  const sub = newKey();
  const subCa = issue({ subject: 'CN=Sub', issuer: 'CN=Issuing CA', key: sub, issuerKey: ica, ca: true });
  const leaf3 = issue({ subject: 'CN=leaf3', issuer: 'CN=Sub', key: newKey(), issuerKey: sub });
  assert.equal(validatePath({ target: leaf, trustAnchors: [root1], intermediates: [icaByA], at, crypto: nodeCrypto }).valid, true);
  const r = validatePath({ target: leaf3, trustAnchors: [root1], intermediates: [icaByA, subCa], at, crypto: nodeCrypto });
  assert.equal(r.code, 'PATH_LENGTH');
});

test('a wrong signature is reported as SIGNATURE_INVALID; the target must be DER', () => {
  const forged = issue({ subject: 'CN=leaf.example', issuer: 'CN=Issuing CA', key: ee, issuerKey: rootB });
  const r = validatePath({ target: forged, trustAnchors: [rootACert], intermediates: [icaByA], at, crypto: nodeCrypto });
  assert.equal(r.code, 'SIGNATURE_INVALID');
  assert.throws(() => validatePath({ target: Uint8Array.of(1, 2, 3), trustAnchors: [rootACert], at, crypto: nodeCrypto }), { name: 'KysoError' });
  const junk = validatePath({ target: leaf, trustAnchors: [rootACert, Uint8Array.of(0x30, 0)], intermediates: [Uint8Array.of(5), icaByA], at, crypto: nodeCrypto });
  assert.equal(junk.valid, true, 'unparsable anchors and intermediates are ignored');
});

test('revocation: require-crl needs CRLs, a listed serial is REVOKED, use-crls only checks issuers with a CRL', () => {
  const base: PathValidationOptions = { target: leaf, trustAnchors: [rootACert], intermediates: [icaByA], at, crypto: nodeCrypto };
  const missing = validatePath({ ...base, revocation: 'require-crl' });
  assert.equal(missing.code, 'CRL_MISSING');
  const leafInfo = loadCertInfo(leaf);
  const rootCrl = crl('CN=Root A', rootA, []);
  const good = validatePath({ ...base, revocation: 'require-crl', crls: [rootCrl, crl('CN=Issuing CA', ica, [])] });
  assert.equal(good.valid, true, good.reason);
  const revoked = validatePath({ ...base, revocation: 'require-crl', crls: [rootCrl, crl('CN=Issuing CA', ica, [{ serial: leafInfo.serialBytes, reason: CRLReasons.keyCompromise }])] });
  assert.equal(revoked.code, 'REVOKED');
  assert.equal(revoked.revocation?.serialHex, leafInfo.serialHex);
  assert.equal(revoked.revocation?.reason, 'keyCompromise');
  const soft = validatePath({ ...base, revocation: 'use-crls', crls: [rootCrl] });
  assert.equal(soft.valid, true, 'no CRL from the issuing CA: not checked');
  const forged = validatePath({ ...base, revocation: 'require-crl', crls: [rootCrl, crl('CN=Issuing CA', rootB, [])] });
  assert.equal(forged.code, 'CRL_MISSING', 'a CRL signed by another key is not used');
  const stale = validatePath({ ...base, revocation: 'require-crl', crls: [rootCrl, crl('CN=Issuing CA', ica, [], new Date('2024-01-01T00:00:00Z'), new Date('2024-02-01T00:00:00Z'))] });
  assert.equal(stale.code, 'CRL_MISSING');
});

test('peer names: exact, wildcard as a whole left-most label only, IP addresses', () => {
  assert.ok(dnsNameMatches('leaf.example.com', 'LEAF.example.com.'));
  assert.ok(dnsNameMatches('*.example.com', 'foo.example.com'));
  assert.ok(!dnsNameMatches('*.example.com', 'example.com'));
  assert.ok(!dnsNameMatches('*.example.com', 'a.b.example.com'));
  assert.ok(!dnsNameMatches('f*.example.com', 'foo.example.com'));
  assert.ok(!dnsNameMatches('*.com', 'example.com'));
  const opts: PathValidationOptions = { target: leaf, trustAnchors: [rootACert], intermediates: [icaByA], at, crypto: nodeCrypto };
  const ok = validatePath({ ...opts, peerName: { kind: 'dns', value: 'leaf.example.com' } });
  assert.equal(ok.valid, true, ok.reason);
  const wrong = validatePath({ ...opts, peerName: { kind: 'dns', value: 'other.example.com' } });
  assert.equal(wrong.code, 'NAME_MISMATCH');
  assert.equal(validatePath({ ...opts, peerName: { kind: 'ip', value: '192.0.2.1' } }).code, 'NAME_MISMATCH');
  const eku = validatePath({ ...opts, requiredExtendedKeyUsage: OID.kpServerAuth });
  assert.equal(eku.valid, true, 'no extKeyUsage: any purpose (RFC 5280 §4.2.1.12)');
});
