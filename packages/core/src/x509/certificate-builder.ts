/**
 * Building X.509 v3 certificates (RFC 5280 §4.1) from a template, in two phases so the key can be
 * anywhere: `encodeTbsCertificate` gives the bytes to sign, `assembleCertificate` wraps the
 * signature made elsewhere (file key, PKCS#11 token…). Encoded directly with the DER writer: this
 * is the CA's hot path.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { KysoError } from '../errors.ts';
import type { CryptoPort, SignatureAlgorithm } from '../ports.ts';
import { concatBytes, encodeTlv, readChildren, readWhole } from '../asn1/der.ts';
import {
  DER_NULL, DER_TRUE, derBitString, derContext, derNamedBits, derOctetString, derOid, derSequence, derSmallInteger,
  derTime, TAG,
} from '../asn1/der-writer.ts';
import { encodeSignatureAlgorithm } from './algorithms.ts';
import { KEY_USAGE_BITS, type CertificateExtension, type KeyUsageName } from './certificate.ts';
import { OID } from './oids.ts';

export interface CertificateTemplate {
  /** Serial number content bytes (positive, minimal: a leading 0x00 only before a high bit). */
  serial: Uint8Array;
  /** DER Names. */
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo of the subject. */
  spki: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  extensions: CertificateExtension[];
}

const algCache = new Map<string, Uint8Array>();
/** DER AlgorithmIdentifier of a signature algorithm (RFC 5280 §4.1.1.2), cached. */
export function encodeSignatureAlgorithmDer(alg: SignatureAlgorithm): Uint8Array {
  const id = `${alg.scheme}/${alg.hash}/${alg.saltLength ?? ''}`;
  let der = algCache.get(id);
  if (!der) {
    der = new Uint8Array(AsnConvert.serialize(encodeSignatureAlgorithm(alg)));
    algCache.set(id, der);
  }
  return der;
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
function encodeExtension(e: CertificateExtension): Uint8Array {
  return e.critical ? derSequence(derOid(e.oid), DER_TRUE, derOctetString(e.value)) : derSequence(derOid(e.oid), derOctetString(e.value));
}

/** DER TBSCertificate for a template (RFC 5280 §4.1.1.1). */
export function encodeTbsCertificate(t: CertificateTemplate): Uint8Array {
  if (t.serial.length === 0 || t.serial.length > 20 || (t.serial[0]! & 0x80) !== 0 || (t.serial.length > 1 && t.serial[0] === 0 && (t.serial[1]! & 0x80) === 0)) {
    throw new KysoError('invalid-argument', 'serial number must be a positive, minimally encoded integer of at most 20 octets');
  }
  const notBefore = new Date(Math.floor(t.notBefore.getTime() / 1000) * 1000);
  const notAfter = new Date(Math.floor(t.notAfter.getTime() / 1000) * 1000);
  const parts = [
    derContext(0, derSmallInteger(2), true), // version v3
    encodeTlv(TAG.INTEGER, t.serial),
    encodeSignatureAlgorithmDer(t.signatureAlgorithm),
    t.issuer,
    derSequence(derTime(notBefore), derTime(notAfter)),
    t.subject,
    t.spki,
  ];
  if (t.extensions.length) parts.push(derContext(3, derSequence(...t.extensions.map(encodeExtension)), true));
  return derSequence(...parts);
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING } */
export function assembleCertificate(tbs: Uint8Array, algorithm: SignatureAlgorithm, signature: Uint8Array): Uint8Array {
  return encodeTlv(TAG.SEQUENCE, concatBytes([tbs, encodeSignatureAlgorithmDer(algorithm), derBitString(signature)]));
}

// ---- extension builders (RFC 5280 §4.2) ----

/** §4.2.1.9 basicConstraints, always critical when present. */
export function basicConstraintsExtension(ca: boolean, pathLen?: number): CertificateExtension {
  const inner = ca ? (pathLen === undefined ? [DER_TRUE] : [DER_TRUE, derSmallInteger(pathLen)]) : [];
  return { oid: OID.basicConstraints, critical: true, value: derSequence(...inner) };
}

/** §4.2.1.3 keyUsage, critical. */
export function keyUsageExtension(bits: readonly KeyUsageName[]): CertificateExtension {
  return { oid: OID.keyUsage, critical: true, value: derNamedBits(bits.map((b) => KEY_USAGE_BITS.indexOf(b))) };
}

/** §4.2.1.12 extKeyUsage. */
export function extendedKeyUsageExtension(oids: readonly string[], critical: boolean): CertificateExtension {
  return { oid: OID.extKeyUsage, critical, value: derSequence(...oids.map(derOid)) };
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

export function subjectKeyIdentifierExtension(keyId: Uint8Array): CertificateExtension {
  return { oid: OID.subjectKeyIdentifier, critical: false, value: derOctetString(keyId) };
}

/** §4.2.1.1 authorityKeyIdentifier with the keyIdentifier [0] only. */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): CertificateExtension {
  return { oid: OID.authorityKeyIdentifier, critical: false, value: derSequence(derContext(0, keyId, false)) };
}

/** GeneralName uniformResourceIdentifier [6] IA5String. */
function uriName(uri: string): Uint8Array {
  if (!/^[\x21-\x7e]+$/.test(uri)) throw new KysoError('invalid-argument', `URI "${uri}" must be printable ASCII without spaces`);
  return derContext(6, new TextEncoder().encode(uri), false);
}

/** §4.2.1.13 cRLDistributionPoints: one DistributionPoint per URI, with a fullName [0] [0]. */
export function crlDistributionPointsExtension(uris: readonly string[]): CertificateExtension {
  return {
    oid: OID.crlDistributionPoints, critical: false,
    value: derSequence(...uris.map((u) => derSequence(derContext(0, derContext(0, uriName(u), true), true)))),
  };
}

/** §4.2.2.1 authorityInfoAccess: OCSP first, then caIssuers. */
export function authorityInfoAccessExtension(ocsp: readonly string[], caIssuers: readonly string[]): CertificateExtension {
  return {
    oid: OID.authorityInfoAccess, critical: false,
    value: derSequence(
      ...ocsp.map((u) => derSequence(derOid(OID.adOcsp), uriName(u))),
      ...caIssuers.map((u) => derSequence(derOid(OID.adCaIssuers), uriName(u))),
    ),
  };
}

/** §4.2.1.4 certificatePolicies with bare policy identifiers. */
export function certificatePoliciesExtension(oids: readonly string[]): CertificateExtension {
  return { oid: OID.certificatePolicies, critical: false, value: derSequence(...oids.map((o) => derSequence(derOid(o)))) };
}

/** RFC 6960 §4.2.2.2.1 id-pkix-ocsp-nocheck, value NULL. */
export function ocspNoCheckExtension(): CertificateExtension {
  return { oid: OID.ocspNoCheck, critical: false, value: DER_NULL };
}

