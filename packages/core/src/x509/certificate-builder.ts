/**
 * Building X.509 v3 certificates (RFC 5280 §4.1) from a template, in two phases so the key can be
 * anywhere: `encodeTbsCertificate` gives the bytes to sign, `assembleCertificate` wraps the
 * signature made elsewhere (file key, PKCS#11 token…).
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityInfoAccessSyntax, AccessDescription, AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies,
  CRLDistributionPoints, DistributionPoint, DistributionPointName, ExtendedKeyUsage, Extension, Extensions,
  GeneralName, KeyIdentifier, KeyUsage, KeyUsageFlags, Name, PolicyInformation, SubjectKeyIdentifier,
  SubjectPublicKeyInfo, TBSCertificate, Time, Validity, Version,
} from '@peculiar/asn1-x509';
import { AsnParser, OctetString } from '@peculiar/asn1-schema';
import { KysoError } from '../errors.ts';
import type { CryptoPort, SignatureAlgorithm } from '../ports.ts';
import { concatBytes, encodeTlv, readChildren, readWhole, toArrayBuffer } from '../asn1/der.ts';
import { encodeSignatureAlgorithm } from './algorithms.ts';
import { KEY_USAGE_BITS, type KeyUsageName } from './certificate.ts';
import { OID } from './oids.ts';

export interface CertificateTemplate {
  /** Serial number content bytes (positive, minimal: a leading 0x00 only before a high bit). */
  serial: Uint8Array;
  issuer: Name;
  subject: Name;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo of the subject. */
  spki: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  extensions: Extension[];
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (asn1-x509's Time does this). */
function time(d: Date): Time {
  const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
  return new Time(whole);
}

/** DER TBSCertificate for a template (RFC 5280 §4.1.1.1). */
export function encodeTbsCertificate(t: CertificateTemplate): Uint8Array {
  if (t.serial.length === 0 || t.serial.length > 20 || (t.serial[0]! & 0x80) !== 0) {
    throw new KysoError('invalid-argument', 'serial number must be a positive integer of at most 20 octets');
  }
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(t.serial),
    signature: encodeSignatureAlgorithm(t.signatureAlgorithm),
    issuer: t.issuer,
    validity: new Validity({ notBefore: t.notBefore, notAfter: t.notAfter }),
    subject: t.subject,
    subjectPublicKeyInfo: AsnParser.parse(toArrayBuffer(t.spki), SubjectPublicKeyInfo),
    extensions: t.extensions.length ? new Extensions(t.extensions) : undefined,
  });
  tbs.validity.notBefore = time(t.notBefore);
  tbs.validity.notAfter = time(t.notAfter);
  return new Uint8Array(AsnConvert.serialize(tbs));
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING } */
export function assembleCertificate(tbs: Uint8Array, algorithm: SignatureAlgorithm, signature: Uint8Array): Uint8Array {
  const alg = new Uint8Array(AsnConvert.serialize(encodeSignatureAlgorithm(algorithm)));
  const bits = encodeTlv(0x03, concatBytes([Uint8Array.of(0), signature]));
  return encodeTlv(0x30, concatBytes([tbs, alg, bits]));
}

// ---- extension builders (RFC 5280 §4.2) ----

function ext(oid: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** §4.2.1.9 basicConstraints, always critical when present. */
export function basicConstraintsExtension(ca: boolean, pathLen?: number): Extension {
  return ext(OID.basicConstraints, true, new BasicConstraints(ca ? (pathLen === undefined ? { cA: true } : { cA: true, pathLenConstraint: pathLen }) : {}));
}

/** §4.2.1.3 keyUsage, critical. */
export function keyUsageExtension(bits: readonly KeyUsageName[]): Extension {
  let flags = 0;
  for (const b of bits) flags |= 1 << KEY_USAGE_BITS.indexOf(b);
  return ext(OID.keyUsage, true, new KeyUsage(flags as KeyUsageFlags));
}

/** §4.2.1.12 extKeyUsage. */
export function extendedKeyUsageExtension(oids: readonly string[], critical: boolean): Extension {
  return ext(OID.extKeyUsage, critical, new ExtendedKeyUsage([...oids]));
}

/**
 * §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. SHA-1 here is an identifier,
 * not a security function.
 */
export function computeKeyIdentifier(spki: Uint8Array, crypto: CryptoPort): Uint8Array {
  const outer = readWhole(spki, 'SubjectPublicKeyInfo');
  const bitString = readChildren(spki, outer)[1];
  if (!bitString || bitString.tag !== 0x03) throw new KysoError('malformed', 'SubjectPublicKeyInfo without a subjectPublicKey');
  return crypto.digest('SHA-1', spki.subarray(bitString.valueStart + 1, bitString.end));
}

export function subjectKeyIdentifierExtension(keyId: Uint8Array): Extension {
  return ext(OID.subjectKeyIdentifier, false, new SubjectKeyIdentifier(toArrayBuffer(keyId)));
}

/** §4.2.1.1 authorityKeyIdentifier with the keyIdentifier only. */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): Extension {
  return ext(OID.authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(keyId)) }));
}

/** §4.2.1.13 cRLDistributionPoints with one full-name URI per point. */
export function crlDistributionPointsExtension(uris: readonly string[]): Extension {
  return ext(OID.crlDistributionPoints, false, new CRLDistributionPoints(uris.map((u) => new DistributionPoint({
    distributionPoint: new DistributionPointName({ fullName: [new GeneralName({ uniformResourceIdentifier: u })] }),
  }))));
}

/** §4.2.2.1 authorityInfoAccess: OCSP first, then caIssuers. */
export function authorityInfoAccessExtension(ocsp: readonly string[], caIssuers: readonly string[]): Extension {
  return ext(OID.authorityInfoAccess, false, new AuthorityInfoAccessSyntax([
    ...ocsp.map((u) => new AccessDescription({ accessMethod: OID.adOcsp, accessLocation: new GeneralName({ uniformResourceIdentifier: u }) })),
    ...caIssuers.map((u) => new AccessDescription({ accessMethod: OID.adCaIssuers, accessLocation: new GeneralName({ uniformResourceIdentifier: u }) })),
  ]));
}

/** §4.2.1.4 certificatePolicies with bare policy identifiers. */
export function certificatePoliciesExtension(oids: readonly string[]): Extension {
  return ext(OID.certificatePolicies, false, new CertificatePolicies(oids.map((o) => new PolicyInformation({ policyIdentifier: o }))));
}

/** RFC 6960 §4.2.2.2.1 id-pkix-ocsp-nocheck, value NULL. */
export function ocspNoCheckExtension(): Extension {
  return new Extension({ extnID: OID.ocspNoCheck, critical: false, extnValue: new OctetString(Uint8Array.of(0x05, 0x00)) });
}
