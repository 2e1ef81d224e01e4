/**
 * The parts of a certificate that RFC 5280 §6.1 path validation reads, decoded once from the
 * exact DER: names prepared for comparison (§7.1), the raw serial, both signature
 * AlgorithmIdentifiers (§4.1.1.2), and the §4.2 extensions the algorithm processes
 * (basicConstraints, keyUsage, certificatePolicies, policyMappings, policyConstraints,
 * inhibitAnyPolicy, nameConstraints, subjectAltName, extKeyUsage, key identifiers,
 * cRLDistributionPoints, freshestCRL). A malformed or duplicated extension is recorded in
 * `problems` instead of throwing, so the validator can report it against the certificate.
 */
import { KysoError } from '../errors.ts';
import { concatBytes, encodeTlv, readChildren, readTlv, readWhole, type Tlv } from '../asn1/der.ts';
import { parseCertificate, KEY_USAGE_BITS, type CertificateExtension, type KeyUsageName, type ParsedCertificate } from './certificate.ts';
import { decodeBitString, decodeBoolean, decodeOid, decodeSmallInteger, TAG } from './asn1-values.ts';
import { parseDistributionPoints, type DistributionPoint } from './crl.ts';
import { parseGeneralName, parseGeneralNames, parseGeneralNamesAt, type GeneralName } from './general-names.ts';
import { parseNameConstraints, type NameConstraints } from './name-constraints.ts';
import { parseDistinguishedName, type DistinguishedName } from './name-matching.ts';
import { OID } from './oids.ts';

/** RFC 5280 §4.2.1.1 AuthorityKeyIdentifier. */
export interface AuthorityKeyId {
  keyIdentifier?: Uint8Array;
  hasIssuer: boolean;
  hasSerial: boolean;
}

/** A certificate as path validation sees it. */
export interface CertInfo {
  cert: ParsedCertificate;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  /** RFC 5280 §6.1: issuer and subject names are the same (compared as §7.1 names). */
  selfIssued: boolean;
  /** Lower-case hex of the serial's INTEGER content octets, exactly as encoded (CRL matching). */
  serialHex: string;
  serialBytes: Uint8Array;
  tbsSignatureAlgorithmDer: Uint8Array;
  signatureAlgorithmDer: Uint8Array;
  spkiAlgorithmOid: string;
  /** True when the SPKI AlgorithmIdentifier has no parameters (DSA parameter inheritance, §6.1.4 (f)). */
  spkiParamsAbsent: boolean;
  /** Why the certificate cannot be used as it is (malformed or duplicated extensions…). */
  problems: string[];
  extensions: Map<string, CertificateExtension>;
  basicConstraints?: { ca: boolean; pathLen?: number };
  keyUsage?: Set<KeyUsageName>;
  subjectKeyIdentifier?: Uint8Array;
  authorityKeyIdentifier?: AuthorityKeyId;
  /** certificatePolicies policy identifiers (§4.2.1.4). */
  policies?: string[];
  /** policyMappings pairs issuerDomainPolicy → subjectDomainPolicy (§4.2.1.5). */
  policyMappings?: Array<[string, string]>;
  policyConstraints?: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number };
  inhibitAnyPolicy?: number;
  nameConstraints?: NameConstraints;
  subjectAltNames?: GeneralName[];
  extKeyUsage?: string[];
  crlDistributionPoints?: DistributionPoint[];
  freshestCrl?: DistributionPoint[];
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function whole(der: Uint8Array, tag: number, what: string): Tlv {
  const t = readWhole(der, what);
  if (t.tag !== tag) throw new KysoError('malformed', `${what}: unexpected tag`);
  return t;
}

function decodeBasicConstraints(v: Uint8Array): { ca: boolean; pathLen?: number } {
  const t = whole(v, TAG.SEQUENCE, 'basicConstraints');
  const parts = readChildren(v, t);
  let ca = false;
  let pathLen: number | undefined;
  let i = 0;
  if (parts[i]?.tag === TAG.BOOLEAN) { ca = decodeBoolean(v, parts[i]!); i++; }
  if (parts[i]?.tag === TAG.INTEGER) { pathLen = decodeSmallInteger(v, parts[i]!, 'pathLenConstraint'); i++; }
  if (i !== parts.length) throw new KysoError('malformed', 'basicConstraints: unexpected field');
  return pathLen === undefined ? { ca } : { ca, pathLen };
}

function decodeKeyUsage(v: Uint8Array): Set<KeyUsageName> {
  const bits = decodeBitString(v, whole(v, TAG.BIT_STRING, 'keyUsage'));
  const out = new Set<KeyUsageName>();
  KEY_USAGE_BITS.forEach((name, i) => { if (bits.has(i)) out.add(name); });
  return out;
}

function decodeAki(v: Uint8Array): AuthorityKeyId {
  const t = whole(v, TAG.SEQUENCE, 'authorityKeyIdentifier');
  const out: AuthorityKeyId = { hasIssuer: false, hasSerial: false };
  for (const p of readChildren(v, t)) {
    if (p.tag === 0x80) out.keyIdentifier = v.slice(p.valueStart, p.end);
    else if (p.tag === 0xa1) { parseGeneralNamesAt(v, p); out.hasIssuer = true; }
    else if (p.tag === 0x82) out.hasSerial = true;
    else throw new KysoError('malformed', 'authorityKeyIdentifier: unexpected field');
  }
  return out;
}

function decodePolicies(v: Uint8Array): string[] {
  const t = whole(v, TAG.SEQUENCE, 'certificatePolicies');
  const out: string[] = [];
  const infos = readChildren(v, t);
  if (infos.length === 0) throw new KysoError('malformed', 'certificatePolicies: empty');
  for (const pi of infos) {
    const parts = readChildren(v, pi);
    if (parts.length < 1 || parts.length > 2) throw new KysoError('malformed', 'certificatePolicies: bad PolicyInformation');
    const oid = decodeOid(v, parts[0]!);
    if (parts[1] && parts[1].tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'certificatePolicies: bad policyQualifiers');
    // §4.2.1.4: "A certificate policy OID MUST NOT appear more than once".
    if (out.includes(oid)) throw new KysoError('malformed', `certificatePolicies: ${oid} appears twice`);
    out.push(oid);
  }
  return out;
}

function decodeMappings(v: Uint8Array): Array<[string, string]> {
  const t = whole(v, TAG.SEQUENCE, 'policyMappings');
  const maps = readChildren(v, t);
  if (maps.length === 0) throw new KysoError('malformed', 'policyMappings: empty');
  return maps.map((m) => {
    const parts = readChildren(v, m);
    if (parts.length !== 2) throw new KysoError('malformed', 'policyMappings: bad PolicyMapping');
    return [decodeOid(v, parts[0]!), decodeOid(v, parts[1]!)];
  });
}

function decodePolicyConstraints(v: Uint8Array): { requireExplicitPolicy?: number; inhibitPolicyMapping?: number } {
  const t = whole(v, TAG.SEQUENCE, 'policyConstraints');
  const out: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number } = {};
  const parts = readChildren(v, t);
  // §4.2.1.11: "Conforming CAs MUST NOT issue certificates where policy constraints is an empty sequence."
  if (parts.length === 0) throw new KysoError('malformed', 'policyConstraints: empty sequence');
  for (const p of parts) {
    if (p.tag === 0x80) out.requireExplicitPolicy = decodeSmallInteger(v, { ...p, tag: TAG.INTEGER }, 'requireExplicitPolicy');
    else if (p.tag === 0x81) out.inhibitPolicyMapping = decodeSmallInteger(v, { ...p, tag: TAG.INTEGER }, 'inhibitPolicyMapping');
    else throw new KysoError('malformed', 'policyConstraints: unexpected field');
  }
  return out;
}

function decodeEku(v: Uint8Array): string[] {
  const t = whole(v, TAG.SEQUENCE, 'extKeyUsage');
  const kids = readChildren(v, t);
  if (kids.length === 0) throw new KysoError('malformed', 'extKeyUsage: empty');
  return kids.map((k) => decodeOid(v, k));
}

function decodeAia(v: Uint8Array): void {
  const t = whole(v, TAG.SEQUENCE, 'authorityInfoAccess');
  const kids = readChildren(v, t);
  if (kids.length === 0) throw new KysoError('malformed', 'authorityInfoAccess: empty');
  for (const k of kids) {
    const parts = readChildren(v, k);
    if (parts.length !== 2) throw new KysoError('malformed', 'authorityInfoAccess: bad AccessDescription');
    decodeOid(v, parts[0]!);
    parseGeneralName(v, parts[1]!);
  }
}

/** Extensions whose semantics kyso's validator implements; any *other* critical extension fails §6.1.4 (o) / §6.1.5 (f). */
export const PROCESSED_EXTENSIONS: ReadonlySet<string> = new Set<string>([
  OID.basicConstraints, OID.keyUsage, OID.certificatePolicies, OID.policyMappings, OID.policyConstraints,
  OID.inhibitAnyPolicy, OID.nameConstraints, OID.subjectAltName, OID.extKeyUsage, OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier, OID.crlDistributionPoints, OID.freshestCrl, OID.issuerAltName,
]);

/** Builds the CertInfo of an already parsed certificate. Never throws for bad extensions. */
export function certInfoOf(cert: ParsedCertificate): CertInfo {
  const der = cert.der;
  const outer = readWhole(der, 'certificate');
  const [tbsT, algT] = readChildren(der, outer) as [Tlv, Tlv];
  const parts = readChildren(der, tbsT);
  const off = parts[0]?.tag === 0xa0 ? 1 : 0;
  const serialT = parts[off]!;
  const sigT = parts[off + 1]!;
  const spkiT = parts[off + 5]!;
  const spkiParts = readChildren(der, spkiT);
  const spkiAlg = readChildren(der, spkiParts[0]!);
  const subject = parseDistinguishedName(cert.subjectDer);
  const issuer = parseDistinguishedName(cert.issuerDer);
  const serialBytes = der.slice(serialT.valueStart, serialT.end);
  const info: CertInfo = {
    cert, subject, issuer,
    selfIssued: subject.key === issuer.key,
    serialHex: hex(serialBytes),
    serialBytes,
    tbsSignatureAlgorithmDer: der.subarray(sigT.start, sigT.end),
    signatureAlgorithmDer: der.subarray(algT.start, algT.end),
    spkiAlgorithmOid: decodeOid(der, spkiAlg[0]!),
    spkiParamsAbsent: spkiAlg.length < 2,
    problems: [],
    extensions: new Map(),
  };
  if (cert.version < 3 && cert.extensions.length > 0) info.problems.push(`a version ${cert.version} certificate carries extensions`);
  for (const e of cert.extensions) {
    if (info.extensions.has(e.oid)) {
      info.problems.push(`extension ${e.oid} appears more than once (RFC 5280 §4.2)`);
      continue;
    }
    info.extensions.set(e.oid, e);
    try {
      decodeOne(info, e);
    } catch (err) {
      info.problems.push(`extension ${e.oid} is malformed: ${(err as Error).message}`);
    }
  }
  return info;
}

function decodeOne(info: CertInfo, e: CertificateExtension): void {
  const v = e.value;
  switch (e.oid) {
    case OID.basicConstraints: info.basicConstraints = decodeBasicConstraints(v); break;
    case OID.keyUsage: info.keyUsage = decodeKeyUsage(v); break;
    case OID.subjectKeyIdentifier: info.subjectKeyIdentifier = v.slice(whole(v, TAG.OCTET_STRING, 'subjectKeyIdentifier').valueStart); break;
    case OID.authorityKeyIdentifier: info.authorityKeyIdentifier = decodeAki(v); break;
    case OID.certificatePolicies: info.policies = decodePolicies(v); break;
    case OID.policyMappings: info.policyMappings = decodeMappings(v); break;
    case OID.policyConstraints: info.policyConstraints = decodePolicyConstraints(v); break;
    case OID.inhibitAnyPolicy: info.inhibitAnyPolicy = decodeSmallInteger(v, whole(v, TAG.INTEGER, 'inhibitAnyPolicy'), 'inhibitAnyPolicy'); break;
    case OID.nameConstraints: info.nameConstraints = parseNameConstraints(v); break;
    case OID.subjectAltName: info.subjectAltNames = parseGeneralNames(v); break;
    case OID.issuerAltName: parseGeneralNames(v); break;
    case OID.extKeyUsage: info.extKeyUsage = decodeEku(v); break;
    case OID.crlDistributionPoints: info.crlDistributionPoints = parseDistributionPoints(v); break;
    case OID.freshestCrl: info.freshestCrl = parseDistributionPoints(v); break;
    case OID.authorityInfoAccess: case OID.subjectInfoAccess: decodeAia(v); break;
    default: break;
  }
}

const byObject = new WeakMap<Uint8Array, CertInfo>();
const byContent = new Map<string, CertInfo>();
const MAX_CONTENT_CACHE = 2048;

/**
 * Parses DER into a CertInfo, memoised per Uint8Array object and, in a bounded cache, per content
 * (the same certificate passed again is not re-parsed). The bytes must not be modified afterwards.
 * Throws KysoError('malformed') only when the certificate itself is not DER.
 */
export function loadCertInfo(der: Uint8Array): CertInfo {
  let info = byObject.get(der);
  if (info) return info;
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
  info = byContent.get(key);
  if (!info) {
    const copy = der.slice();
    const cert = parseCertificate(copy);
    try {
      info = certInfoOf(cert);
    } catch (e) {
      if (e instanceof KysoError) throw e;
      throw new KysoError('malformed', `certificate is not valid DER: ${(e as Error).message}`, { cause: e });
    }
    if (byContent.size >= MAX_CONTENT_CACHE) byContent.clear();
    byContent.set(key, info);
  }
  byObject.set(der, info);
  return info;
}

/** Builds a SubjectPublicKeyInfo with `params` inserted (DSA parameter inheritance, RFC 5280 §6.1.4 (f) / RFC 3279 §2.3.2). */
export function spkiWithParameters(spki: Uint8Array, params: Uint8Array): Uint8Array {
  const top = readWhole(spki, 'SubjectPublicKeyInfo');
  const [algT, keyT] = readChildren(spki, top) as [Tlv, Tlv];
  const oidT = readTlv(spki, algT.valueStart, algT.end);
  const alg = encodeTlv(TAG.SEQUENCE, concatBytes([spki.subarray(oidT.start, oidT.end), params]));
  return encodeTlv(TAG.SEQUENCE, concatBytes([alg, spki.subarray(keyT.start, keyT.end)]));
}

/** The parameters TLV of an SPKI's AlgorithmIdentifier, if any. */
export function spkiParameters(spki: Uint8Array): Uint8Array | undefined {
  const top = readWhole(spki, 'SubjectPublicKeyInfo');
  const [algT] = readChildren(spki, top) as [Tlv];
  const parts = readChildren(spki, algT);
  return parts[1] ? spki.subarray(parts[1].start, parts[1].end) : undefined;
}
