/**
 * A parsed X.509 v3 certificate (RFC 5280 §4.1) that keeps the exact received bytes of the parts
 * signatures and comparisons depend on: the TBSCertificate (§4.1.1.1), issuer and subject Names,
 * and the SubjectPublicKeyInfo.
 */
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, Certificate,
  CertificatePolicies, CRLDistributionPoints, ExtendedKeyUsage, KeyUsage, Name, SubjectAlternativeName,
  SubjectKeyIdentifier, type Extension,
} from '@peculiar/asn1-x509';
import { KysoError } from '../errors.ts';
import type { SignatureAlgorithm } from '../ports.ts';
import { readChildren, readWhole, tlvBytes, toArrayBuffer, toHex } from '../asn1/der.ts';
import { decodeSignatureAlgorithm } from './algorithms.ts';
import { OID } from './oids.ts';
import { formatName } from './names.ts';

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** The DER inside extnValue's OCTET STRING. */
  value: Uint8Array;
}

export interface ParsedCertificate {
  der: Uint8Array;
  /** The exact TBSCertificate bytes the signature covers. */
  tbs: Uint8Array;
  /** The asn1-schema model (for reading; never re-encode it to verify). */
  asn: Certificate;
  version: number; // 1, 2 or 3
  /** Lower-case hex of the serial's DER INTEGER content (may carry a leading 00). */
  serialHex: string;
  /** Outer signatureAlgorithm (decoded lazily: unsupported algorithms throw only when used). */
  signatureAlgorithmId: AlgorithmIdentifier;
  signature: Uint8Array;
  issuer: Name;
  subject: Name;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  /** RFC 4514-style strings for display. */
  issuerString: string;
  subjectString: string;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  extensions: CertificateExtension[];
}

/** Parses a DER certificate. Throws KysoError('malformed') with a reason for anything unreadable. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  let asn: Certificate;
  let tbs: Uint8Array;
  let issuerDer: Uint8Array;
  let subjectDer: Uint8Array;
  let spki: Uint8Array;
  try {
    const outer = readWhole(der, 'certificate');
    const [tbsTlv, , sigTlv] = readChildren(der, outer);
    if (!tbsTlv || !sigTlv) throw new KysoError('malformed', 'certificate: expected tbsCertificate, signatureAlgorithm, signatureValue');
    tbs = tlvBytes(der, tbsTlv);
    const parts = readChildren(der, tbsTlv);
    const off = parts[0]?.tag === 0xa0 ? 1 : 0;
    // serial, signature, issuer, validity, subject, spki
    issuerDer = tlvBytes(der, parts[off + 2]!);
    subjectDer = tlvBytes(der, parts[off + 4]!);
    spki = tlvBytes(der, parts[off + 5]!);
    asn = AsnParser.parse(toArrayBuffer(der), Certificate);
  } catch (e) {
    if (e instanceof KysoError) throw e;
    throw new KysoError('malformed', `certificate is not valid DER: ${(e as Error).message}`, { cause: e });
  }
  const t = asn.tbsCertificate;
  const serial = new Uint8Array(t.serialNumber);
  const extensions = (t.extensions ?? []).map((x: Extension) => ({
    oid: x.extnID,
    critical: x.critical,
    value: new Uint8Array(x.extnValue.buffer),
  }));
  return {
    der, tbs, asn,
    version: t.version + 1,
    serialHex: toHex(serial),
    signatureAlgorithmId: asn.signatureAlgorithm,
    signature: new Uint8Array(asn.signatureValue),
    issuer: t.issuer,
    subject: t.subject,
    issuerDer, subjectDer,
    issuerString: formatName(t.issuer),
    subjectString: formatName(t.subject),
    notBefore: t.validity.notBefore.getTime(),
    notAfter: t.validity.notAfter.getTime(),
    spki,
    extensions,
  };
}

/** The decoded signature algorithm of a certificate; throws KysoError('unsupported') for unknown ones. */
export function certificateSignatureAlgorithm(c: ParsedCertificate): SignatureAlgorithm {
  return decodeSignatureAlgorithm(c.signatureAlgorithmId);
}

export function findExtension(c: ParsedCertificate, oid: string): CertificateExtension | undefined {
  return c.extensions.find((e) => e.oid === oid);
}

function decodeExt<T>(c: ParsedCertificate, oid: string, type: new () => T): T | undefined {
  const e = findExtension(c, oid);
  if (!e) return undefined;
  try {
    return AsnParser.parse(toArrayBuffer(e.value), type);
  } catch (err) {
    throw new KysoError('malformed', `extension ${oid} is not valid DER`, { cause: err });
  }
}

/** RFC 5280 §4.2.1.9 */
export function getBasicConstraints(c: ParsedCertificate): { ca: boolean; pathLen?: number } | undefined {
  const bc = decodeExt(c, OID.basicConstraints, BasicConstraints);
  if (!bc) return undefined;
  return bc.pathLenConstraint === undefined ? { ca: bc.cA } : { ca: bc.cA, pathLen: bc.pathLenConstraint };
}

/** RFC 5280 §4.2.1.3 key usage bits by name. */
export const KEY_USAGE_BITS = [
  'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement',
  'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];

export function getKeyUsage(c: ParsedCertificate): Set<KeyUsageName> | undefined {
  const ku = decodeExt(c, OID.keyUsage, KeyUsage);
  if (!ku) return undefined;
  const out = new Set<KeyUsageName>();
  KEY_USAGE_BITS.forEach((name, i) => { if (ku.toNumber() & (1 << i)) out.add(name); });
  return out;
}

/** RFC 5280 §4.2.1.12 */
export function getExtendedKeyUsage(c: ParsedCertificate): string[] | undefined {
  const eku = decodeExt(c, OID.extKeyUsage, ExtendedKeyUsage);
  return eku ? [...eku] : undefined;
}

/** RFC 5280 §4.2.1.2 */
export function getSubjectKeyIdentifier(c: ParsedCertificate): Uint8Array | undefined {
  const ski = decodeExt(c, OID.subjectKeyIdentifier, SubjectKeyIdentifier);
  return ski ? new Uint8Array(ski.buffer) : undefined;
}

/** RFC 5280 §4.2.1.1 */
export function getAuthorityKeyIdentifier(c: ParsedCertificate): Uint8Array | undefined {
  const aki = decodeExt(c, OID.authorityKeyIdentifier, AuthorityKeyIdentifier);
  return aki?.keyIdentifier ? new Uint8Array(aki.keyIdentifier.buffer) : undefined;
}

/** RFC 5280 §4.2.1.4: policy OIDs. */
export function getCertificatePolicies(c: ParsedCertificate): string[] | undefined {
  const cp = decodeExt(c, OID.certificatePolicies, CertificatePolicies);
  return cp ? cp.map((p) => p.policyIdentifier) : undefined;
}

/** RFC 5280 §4.2.1.13: the URIs of the full names of the distribution points. */
export function getCrlDistributionUris(c: ParsedCertificate): string[] {
  const dp = decodeExt(c, OID.crlDistributionPoints, CRLDistributionPoints);
  const out: string[] = [];
  for (const p of dp ?? []) for (const g of p.distributionPoint?.fullName ?? []) if (g.uniformResourceIdentifier) out.push(g.uniformResourceIdentifier);
  return out;
}

/** RFC 5280 §4.2.2.1: OCSP and caIssuers URIs. */
export function getAuthorityInfoAccess(c: ParsedCertificate): { ocsp: string[]; caIssuers: string[] } {
  const aia = decodeExt(c, OID.authorityInfoAccess, AuthorityInfoAccessSyntax);
  const out = { ocsp: [] as string[], caIssuers: [] as string[] };
  for (const ad of aia ?? []) {
    const uri = ad.accessLocation.uniformResourceIdentifier;
    if (!uri) continue;
    if (ad.accessMethod === OID.adOcsp) out.ocsp.push(uri);
    else if (ad.accessMethod === OID.adCaIssuers) out.caIssuers.push(uri);
  }
  return out;
}

/** RFC 5280 §4.2.1.6 */
export function getSubjectAltNames(c: ParsedCertificate): SubjectAlternativeName | undefined {
  return decodeExt(c, OID.subjectAltName, SubjectAlternativeName);
}

export function encodeCertificate(cert: Certificate): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(cert));
}
