/**
 * Certificate revocation lists, RFC 5280 §5: a parsed model that keeps the exact TBSCertList
 * bytes the signature covers (§5.1.1.1), the CRL extensions kyso understands (§5.2: authority key
 * identifier, issuer alternative name, CRL number, delta CRL indicator, issuing distribution
 * point, freshest CRL, authority information access) and the revoked entries with their entry
 * extensions (§5.3: reason code, hold instruction, invalidity date, certificate issuer for
 * indirect CRLs). Also the DistributionPointName / DistributionPoint syntax shared with the
 * certificate's cRLDistributionPoints (§4.2.1.13) and freshestCRL (§4.2.1.15) extensions.
 */
import { KysoError } from '../errors.ts';
import type { CryptoPort } from '../ports.ts';
import { equalBytes, readChildren, readTlv, readWhole, toArrayBuffer, type Tlv } from '../asn1/der.ts';
import { AsnParser } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { decodeSignatureAlgorithm } from './algorithms.ts';
import { decodeBitString, decodeBoolean, decodeInteger, decodeOid, decodeTime, TAG } from './asn1-values.ts';
import { parseGeneralNamesAt, type GeneralName } from './general-names.ts';
import { parseDistinguishedName, parseRdn, type DistinguishedName, type PreparedAttribute } from './name-matching.ts';
import { OID } from './oids.ts';

/** RFC 5280 §5.3.1 CRLReason codes by value. */
export const CRL_REASONS: Record<number, string> = {
  0: 'unspecified', 1: 'keyCompromise', 2: 'cACompromise', 3: 'affiliationChanged', 4: 'superseded',
  5: 'cessationOfOperation', 6: 'certificateHold', 8: 'removeFromCRL', 9: 'privilegeWithdrawn', 10: 'aACompromise',
};

/** RFC 5280 §4.2.1.13 ReasonFlags bit numbers: 1 keyCompromise … 8 aACompromise (bit 0 is unused). */
export const ALL_REASON_BITS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8];

/** RFC 5280 §4.2.1.13 DistributionPointName: either full names or a name relative to the CRL issuer. */
export interface DistributionPointName {
  fullName?: GeneralName[];
  relativeName?: PreparedAttribute[];
}

/** RFC 5280 §4.2.1.13 DistributionPoint. */
export interface DistributionPoint {
  distributionPoint?: DistributionPointName;
  reasons?: Set<number>;
  crlIssuer?: GeneralName[];
}

/** RFC 5280 §5.2.5 IssuingDistributionPoint. */
export interface IssuingDistributionPoint {
  distributionPoint?: DistributionPointName;
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  onlySomeReasons?: Set<number>;
  indirectCRL: boolean;
  onlyContainsAttributeCerts: boolean;
  /** Exact DER, to compare the scope of a complete CRL and a delta CRL (§5.2.4). */
  der: Uint8Array;
}

/** One revokedCertificates entry (RFC 5280 §5.1.2.6, §5.3). */
export interface RevokedEntry {
  /** Lower-case hex of the serial's DER INTEGER content, exactly as encoded. */
  serialHex: string;
  revocationDate: Date;
  /** RFC 5280 §5.3.1 reason code; undefined when the entry has none. */
  reasonCode?: number;
  invalidityDate?: Date;
  /** Keys (DistinguishedName.key) of the certificate issuer this entry applies to (§5.3.3). */
  issuerKeys: string[];
}

/** A parsed CRL (RFC 5280 §5.1). */
export interface ParsedCrl {
  der: Uint8Array;
  /** The exact TBSCertList bytes the signature covers. */
  tbs: Uint8Array;
  version: number;
  tbsSignatureAlgorithmDer: Uint8Array;
  signatureAlgorithmDer: Uint8Array;
  signature: Uint8Array;
  issuer: DistinguishedName;
  thisUpdate: Date;
  nextUpdate?: Date;
  crlNumber?: bigint;
  /** BaseCRLNumber of a delta CRL (§5.2.4). */
  deltaBase?: bigint;
  idp?: IssuingDistributionPoint;
  freshestCrl?: DistributionPoint[];
  authorityKeyIdentifier?: Uint8Array;
  /** OIDs of critical CRL extensions kyso does not process (§5.2: such a CRL must not be used). */
  unknownCriticalExtensions: string[];
  /** OIDs of critical entry extensions kyso does not process (§5.3: such a CRL must not be used). */
  unknownCriticalEntryExtensions: string[];
  /** Entries by `${issuerKey}|${serialHex}`. */
  entries: Map<string, RevokedEntry>;
  entryCount: number;
}

const KNOWN_CRL_EXTENSIONS = new Set<string>([
  OID.authorityKeyIdentifier, OID.issuerAltName, OID.crlNumber, OID.deltaCrlIndicator,
  OID.issuingDistributionPoint, OID.freshestCrl, OID.authorityInfoAccess,
]);
const HOLD_INSTRUCTION_CODE = '2.5.29.23';
const KNOWN_ENTRY_EXTENSIONS = new Set<string>([OID.crlReason, HOLD_INSTRUCTION_CODE, OID.invalidityDate, OID.certificateIssuer]);

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Reads a DistributionPointName whose [0] wrapper TLV is `t` (RFC 5280 §4.2.1.13). */
export function parseDistributionPointName(bytes: Uint8Array, t: Tlv): DistributionPointName {
  const inner = readChildren(bytes, t);
  if (inner.length !== 1) throw new KysoError('malformed', 'DistributionPointName: expected one choice');
  const c = inner[0]!;
  if (c.tag === 0xa0) return { fullName: parseGeneralNamesAt(bytes, c) };
  if (c.tag === 0xa1) return { relativeName: parseRdn(bytes, c) };
  throw new KysoError('malformed', 'DistributionPointName: unknown choice');
}

/** RFC 5280 §4.2.1.13: the DER value of a cRLDistributionPoints (or freshestCRL) extension. */
export function parseDistributionPoints(der: Uint8Array): DistributionPoint[] {
  const top = readWhole(der, 'CRLDistributionPoints');
  if (top.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'CRLDistributionPoints: expected a SEQUENCE');
  const dps = readChildren(der, top);
  if (dps.length === 0) throw new KysoError('malformed', 'CRLDistributionPoints: empty');
  return dps.map((dpT) => {
    if (dpT.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'DistributionPoint: expected a SEQUENCE');
    const dp: DistributionPoint = {};
    for (const f of readChildren(der, dpT)) {
      if (f.tag === 0xa0) dp.distributionPoint = parseDistributionPointName(der, f);
      else if (f.tag === 0x81) dp.reasons = decodeBitString(der, f);
      else if (f.tag === 0xa2) dp.crlIssuer = parseGeneralNamesAt(der, f);
      else throw new KysoError('malformed', 'DistributionPoint: unexpected field');
    }
    // §4.2.1.13: "either distributionPoint or cRLIssuer MUST be present".
    if (!dp.distributionPoint && !dp.crlIssuer) throw new KysoError('malformed', 'DistributionPoint: neither distributionPoint nor cRLIssuer');
    return dp;
  });
}

/** RFC 5280 §5.2.5: the DER value of an issuingDistributionPoint extension. */
export function parseIssuingDistributionPoint(der: Uint8Array): IssuingDistributionPoint {
  const top = readWhole(der, 'IssuingDistributionPoint');
  if (top.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'IssuingDistributionPoint: expected a SEQUENCE');
  const idp: IssuingDistributionPoint = {
    onlyContainsUserCerts: false, onlyContainsCACerts: false, indirectCRL: false, onlyContainsAttributeCerts: false, der,
  };
  for (const f of readChildren(der, top)) {
    switch (f.tag) {
      case 0xa0: idp.distributionPoint = parseDistributionPointName(der, f); break;
      case 0x81: idp.onlyContainsUserCerts = decodeBoolean(der, f); break;
      case 0x82: idp.onlyContainsCACerts = decodeBoolean(der, f); break;
      case 0x83: idp.onlySomeReasons = decodeBitString(der, f); break;
      case 0x84: idp.indirectCRL = decodeBoolean(der, f); break;
      case 0x85: idp.onlyContainsAttributeCerts = decodeBoolean(der, f); break;
      default: throw new KysoError('malformed', 'IssuingDistributionPoint: unexpected field');
    }
  }
  return idp;
}

interface RawExtension { oid: string; critical: boolean; value: Uint8Array }

function parseExtensions(bytes: Uint8Array, seq: Tlv, what: string): RawExtension[] {
  if (seq.tag !== TAG.SEQUENCE) throw new KysoError('malformed', `${what}: expected a SEQUENCE of Extension`);
  const out: RawExtension[] = [];
  const seen = new Set<string>();
  for (const e of readChildren(bytes, seq)) {
    const parts = readChildren(bytes, e);
    if (parts.length < 2 || parts.length > 3) throw new KysoError('malformed', `${what}: bad Extension`);
    const oid = decodeOid(bytes, parts[0]!);
    let critical = false;
    let valT = parts[1]!;
    if (parts.length === 3) {
      if (parts[1]!.tag !== TAG.BOOLEAN) throw new KysoError('malformed', `${what}: bad critical flag`);
      critical = decodeBoolean(bytes, parts[1]!);
      valT = parts[2]!;
    }
    if (valT.tag !== TAG.OCTET_STRING) throw new KysoError('malformed', `${what}: extnValue is not an OCTET STRING`);
    if (seen.has(oid)) throw new KysoError('malformed', `${what}: extension ${oid} appears twice`);
    seen.add(oid);
    out.push({ oid, critical, value: bytes.slice(valT.valueStart, valT.end) });
  }
  return out;
}

function intValue(der: Uint8Array): bigint {
  const t = readWhole(der, 'INTEGER');
  return decodeInteger(der, t);
}

/** Parses a DER CRL (RFC 5280 §5.1). Throws KysoError('malformed') for anything unreadable. */
export function parseCrl(der: Uint8Array): ParsedCrl {
  try {
    return parseCrlInner(der);
  } catch (e) {
    if (e instanceof KysoError) throw e;
    throw new KysoError('malformed', `CRL is not valid DER: ${(e as Error).message}`, { cause: e });
  }
}

function parseCrlInner(der: Uint8Array): ParsedCrl {
  const outer = readWhole(der, 'CRL');
  if (outer.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'CRL: expected a SEQUENCE');
  const top = readChildren(der, outer);
  if (top.length !== 3) throw new KysoError('malformed', 'CRL: expected tbsCertList, signatureAlgorithm, signatureValue');
  const [tbsT, algT, sigT] = top as [Tlv, Tlv, Tlv];
  if (tbsT.tag !== TAG.SEQUENCE || algT.tag !== TAG.SEQUENCE || sigT.tag !== TAG.BIT_STRING) throw new KysoError('malformed', 'CRL: bad top-level structure');
  if (der[sigT.valueStart] !== 0) throw new KysoError('malformed', 'CRL: signature BIT STRING has unused bits');
  const f = readChildren(der, tbsT);
  let i = 0;
  let version = 1;
  if (f[i]?.tag === TAG.INTEGER) {
    const v = decodeInteger(der, f[i]!);
    if (v !== 1n) throw new KysoError('malformed', `CRL: unsupported version ${v}`);
    version = 2;
    i++;
  }
  const sigAlgT = f[i++];
  const issuerT = f[i++];
  const thisT = f[i++];
  if (!sigAlgT || sigAlgT.tag !== TAG.SEQUENCE || !issuerT || issuerT.tag !== TAG.SEQUENCE || !thisT) throw new KysoError('malformed', 'CRL: truncated TBSCertList');
  const issuer = parseDistinguishedName(der.slice(issuerT.start, issuerT.end));
  const thisUpdate = decodeTime(der, thisT);
  let nextUpdate: Date | undefined;
  if (f[i] && (f[i]!.tag === TAG.UTCTime || f[i]!.tag === TAG.GeneralizedTime)) nextUpdate = decodeTime(der, f[i++]!);
  let revokedT: Tlv | undefined;
  if (f[i]?.tag === TAG.SEQUENCE) revokedT = f[i++];
  let extsT: Tlv | undefined;
  if (f[i]?.tag === 0xa0) {
    const inner = readTlv(der, f[i]!.valueStart, f[i]!.end);
    if (inner.end !== f[i]!.end) throw new KysoError('malformed', 'CRL: trailing data in crlExtensions');
    extsT = inner;
    i++;
  }
  if (i !== f.length) throw new KysoError('malformed', 'CRL: unexpected field in TBSCertList');
  if (extsT && version === 1) throw new KysoError('malformed', 'CRL: a v1 CRL cannot carry extensions');

  const crl: ParsedCrl = {
    der,
    tbs: der.subarray(tbsT.start, tbsT.end),
    version,
    tbsSignatureAlgorithmDer: der.subarray(sigAlgT.start, sigAlgT.end),
    signatureAlgorithmDer: der.subarray(algT.start, algT.end),
    signature: der.subarray(sigT.valueStart + 1, sigT.end),
    issuer, thisUpdate, nextUpdate,
    unknownCriticalExtensions: [],
    unknownCriticalEntryExtensions: [],
    entries: new Map(),
    entryCount: 0,
  };
  for (const ext of extsT ? parseExtensions(der, extsT, 'crlExtensions') : []) {
    switch (ext.oid) {
      case OID.crlNumber: crl.crlNumber = intValue(ext.value); break;
      case OID.deltaCrlIndicator: crl.deltaBase = intValue(ext.value); break;
      case OID.issuingDistributionPoint: crl.idp = parseIssuingDistributionPoint(ext.value); break;
      case OID.freshestCrl: crl.freshestCrl = parseDistributionPoints(ext.value); break;
      case OID.authorityKeyIdentifier: {
        const t = readWhole(ext.value, 'AuthorityKeyIdentifier');
        for (const p of readChildren(ext.value, t)) if (p.tag === 0x80) crl.authorityKeyIdentifier = ext.value.slice(p.valueStart, p.end);
        break;
      }
      default:
        if (ext.critical && !KNOWN_CRL_EXTENSIONS.has(ext.oid)) crl.unknownCriticalExtensions.push(ext.oid);
    }
  }
  if (revokedT) {
    let currentIssuerKeys = [issuer.key];
    const unknownEntry = new Set<string>();
    for (const e of readChildren(der, revokedT)) {
      const parts = readChildren(der, e);
      if (parts.length < 2 || parts.length > 3 || parts[0]!.tag !== TAG.INTEGER) throw new KysoError('malformed', 'CRL: bad revokedCertificates entry');
      const serialHex = hex(der.subarray(parts[0]!.valueStart, parts[0]!.end));
      const entry: RevokedEntry = { serialHex, revocationDate: decodeTime(der, parts[1]!), issuerKeys: currentIssuerKeys };
      if (parts[2]) {
        if (version === 1) throw new KysoError('malformed', 'CRL: a v1 CRL cannot carry entry extensions');
        for (const ext of parseExtensions(der, parts[2], 'crlEntryExtensions')) {
          switch (ext.oid) {
            case OID.crlReason: {
              const t = readWhole(ext.value, 'CRLReason');
              if (t.tag !== 0x0a || t.end - t.valueStart !== 1) throw new KysoError('malformed', 'CRL: bad reasonCode');
              entry.reasonCode = ext.value[t.valueStart]!;
              if (CRL_REASONS[entry.reasonCode] === undefined) throw new KysoError('malformed', `CRL: unknown reasonCode ${entry.reasonCode}`);
              break;
            }
            case OID.invalidityDate: entry.invalidityDate = decodeTime(ext.value, readWhole(ext.value, 'InvalidityDate')); break;
            case OID.certificateIssuer: {
              const t = readWhole(ext.value, 'CertificateIssuer');
              const names = parseGeneralNamesAt(ext.value, t);
              currentIssuerKeys = names.flatMap((n) => (n.type === 'directory' ? [n.name.key] : []));
              entry.issuerKeys = currentIssuerKeys;
              break;
            }
            default:
              if (ext.critical && !KNOWN_ENTRY_EXTENSIONS.has(ext.oid)) unknownEntry.add(ext.oid);
          }
        }
      }
      for (const k of entry.issuerKeys) crl.entries.set(`${k}|${serialHex}`, entry);
      crl.entryCount++;
    }
    crl.unknownCriticalEntryExtensions = [...unknownEntry];
  }
  return crl;
}

/** The entry for a certificate (by issuer name key and exact serial hex), if the CRL lists it. */
export function findRevokedEntry(crl: ParsedCrl, issuerKey: string, serialHex: string): RevokedEntry | undefined {
  return crl.entries.get(`${issuerKey}|${serialHex}`);
}

/**
 * Verifies a CRL signature (RFC 5280 §6.3.3 (g)) with the signer's SubjectPublicKeyInfo. Also
 * requires the TBSCertList signature AlgorithmIdentifier to equal the outer one (§5.1.1.2).
 * Returns false (never throws) for a wrong signature or an algorithm kyso cannot verify.
 */
export function verifyCrlSignature(crl: ParsedCrl, spki: Uint8Array, crypto: CryptoPort): boolean {
  if (!equalBytes(crl.tbsSignatureAlgorithmDer, crl.signatureAlgorithmDer)) return false;
  try {
    const algorithm = decodeSignatureAlgorithm(AsnParser.parse(toArrayBuffer(crl.signatureAlgorithmDer), AlgorithmIdentifier));
    return crypto.verify({ algorithm, spki, data: crl.tbs, signature: crl.signature });
  } catch {
    return false;
  }
}
