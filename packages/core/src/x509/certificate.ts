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
import { readChildren, readWhole, tlvBytes, toArrayBuffer, toHex, type Tlv } from '../asn1/der.ts';
import { decodeInteger, decodeOid, decodeTime } from './asn1-values.ts';
import { decodeSignatureAlgorithmDer } from './algorithms.ts';
import { OID } from './oids.ts';
import { formatNameDer, parseNameDer } from './names.ts';

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
  /** The asn1-schema model, decoded on first use (for reading; never re-encode it to verify). */
  readonly asn: Certificate;
  version: number; // 1, 2 or 3
  /** Lower-case hex of the serial's DER INTEGER content (may carry a leading 00). */
  serialHex: string;
  /** Outer signatureAlgorithm, as an asn1-schema model (decoded on first use). */
  readonly signatureAlgorithmId: AlgorithmIdentifier;
  /** Outer signatureAlgorithm, exact DER. */
  signatureAlgorithmDer: Uint8Array;
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

/**
 * The certificate as read from DER with kyso's own reader: the fields every caller needs are
 * decoded at once (fast: this is on the CA's and the verifier's hot paths); the asn1-schema model,
 * the Name models and their display strings are decoded on first use.
 */
class DerCertificate implements ParsedCertificate {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly version: number;
  readonly serialHex: string;
  readonly signature: Uint8Array;
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Uint8Array;
  readonly extensions: CertificateExtension[];
  readonly signatureAlgorithmDer: Uint8Array;
  #asn?: Certificate;
  #issuer?: Name;
  #subject?: Name;
  #sigAlg?: AlgorithmIdentifier;

  constructor(der: Uint8Array) {
    this.der = der;
    const outer = readWhole(der, 'certificate');
    if (outer.tag !== 0x30) throw new KysoError('malformed', 'certificate: not a SEQUENCE');
    const top = readChildren(der, outer);
    if (top.length !== 3 || top[0]!.tag !== 0x30 || top[1]!.tag !== 0x30 || top[2]!.tag !== 0x03) {
      throw new KysoError('malformed', 'certificate: expected tbsCertificate, signatureAlgorithm, signatureValue');
    }
    const [tbsTlv, algTlv, sigTlv] = top as [Tlv, Tlv, Tlv];
    this.tbs = tlvBytes(der, tbsTlv);
    this.signatureAlgorithmDer = tlvBytes(der, algTlv);
    // A signature with unused bits cannot verify; that is a verdict for the verifier, not a parse error.
    if (sigTlv.end === sigTlv.valueStart) throw new KysoError('malformed', 'certificate: empty signatureValue');
    this.signature = der.subarray(sigTlv.valueStart + 1, sigTlv.end);
    const parts = readChildren(der, tbsTlv);
    let i = 0;
    if (parts[0]?.tag === 0xa0) {
      const v = readChildren(der, parts[0]);
      if (v.length !== 1 || v[0]!.tag !== 0x02) throw new KysoError('malformed', 'certificate: bad version');
      this.version = Number(decodeInteger(der, v[0]!)) + 1;
      i = 1;
    } else this.version = 1;
    const serial = parts[i];
    const sigAlg = parts[i + 1];
    const issuer = parts[i + 2];
    const validity = parts[i + 3];
    const subject = parts[i + 4];
    const spki = parts[i + 5];
    if (!serial || serial.tag !== 0x02 || !sigAlg || sigAlg.tag !== 0x30 || !issuer || issuer.tag !== 0x30 || !validity || validity.tag !== 0x30
      || !subject || subject.tag !== 0x30 || !spki || spki.tag !== 0x30) {
      throw new KysoError('malformed', 'certificate: tbsCertificate fields are missing or out of order');
    }
    this.serialHex = toHex(der.subarray(serial.valueStart, serial.end));
    this.issuerDer = tlvBytes(der, issuer);
    this.subjectDer = tlvBytes(der, subject);
    const times = readChildren(der, validity);
    if (times.length !== 2) throw new KysoError('malformed', 'certificate: validity needs notBefore and notAfter');
    this.notBefore = decodeTimeLeniently(der, times[0]!);
    this.notAfter = decodeTimeLeniently(der, times[1]!);
    this.spki = tlvBytes(der, spki);
    this.extensions = [];
    for (const p of parts.slice(i + 6)) {
      if (p.tag === 0x81 || p.tag === 0x82) continue; // issuerUniqueID / subjectUniqueID
      if (p.tag !== 0xa3) throw new KysoError('malformed', `certificate: unexpected field [${p.tag & 0x1f}] in tbsCertificate`);
      const [seq] = readChildren(der, p);
      if (!seq || seq.tag !== 0x30) throw new KysoError('malformed', 'certificate: extensions are not a SEQUENCE');
      for (const e of readChildren(der, seq)) {
        const f = readChildren(der, e);
        const oid = f[0];
        const last = f[f.length - 1];
        if (!oid || !last || last.tag !== 0x04 || f.length > 3 || (f.length === 3 && f[1]!.tag !== 0x01)) {
          throw new KysoError('malformed', 'certificate: malformed extension');
        }
        this.extensions.push({
          oid: decodeOid(der, oid),
          critical: f.length === 3 && der[f[1]!.valueStart] !== 0,
          value: der.subarray(last.valueStart, last.end),
        });
      }
    }
  }

  get asn(): Certificate {
    this.#asn ??= AsnParser.parse(toArrayBuffer(this.der), Certificate);
    return this.#asn;
  }
  get signatureAlgorithmId(): AlgorithmIdentifier {
    this.#sigAlg ??= AsnParser.parse(toArrayBuffer(this.signatureAlgorithmDer), AlgorithmIdentifier);
    return this.#sigAlg;
  }
  get issuer(): Name {
    this.#issuer ??= parseNameDer(this.issuerDer);
    return this.#issuer;
  }
  get subject(): Name {
    this.#subject ??= parseNameDer(this.subjectDer);
    return this.#subject;
  }
  get issuerString(): string { return formatNameDer(this.issuerDer); }
  get subjectString(): string { return formatNameDer(this.subjectDer); }
}

/**
 * RFC 5280 §4.1.2.5 times; encodings the RFC forbids but that still name one instant (no seconds,
 * a numeric offset) are read so the linter can report them — refusing them is the linter's job.
 */
function decodeTimeLeniently(der: Uint8Array, t: Tlv): Date {
  try {
    return decodeTime(der, t);
  } catch (e) {
    const s = String.fromCharCode(...der.subarray(t.valueStart, t.end));
    const m = (t.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?(Z|[+-]\d{4})?$/).exec(s);
    if (!m) throw e;
    let year = Number(m[1]);
    if (t.tag === 0x17) year += year >= 50 ? 1900 : 2000;
    const zone = m[7] ?? 'Z';
    const offset = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
    const ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)) - offset * 60_000;
    if (Number.isNaN(ms)) throw e;
    return new Date(ms);
  }
}

/** Parses a DER certificate. Throws KysoError('malformed') with a reason for anything unreadable. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  try {
    return new DerCertificate(der);
  } catch (e) {
    if (e instanceof KysoError) throw e;
    throw new KysoError('malformed', `certificate is not valid DER: ${(e as Error).message}`, { cause: e });
  }
}

/** The decoded signature algorithm of a certificate; throws KysoError('unsupported') for unknown ones. */
export function certificateSignatureAlgorithm(c: ParsedCertificate): SignatureAlgorithm {
  return decodeSignatureAlgorithmDer(c.signatureAlgorithmDer);
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
