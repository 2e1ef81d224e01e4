/**
 * CMS attributes (RFC 5652 §5.3, §11) and the ESS signing-certificate attributes that bind a
 * signature to its signer's certificate (RFC 2634 §5.4 ESSCertID, RFC 5035 §3 ESSCertIDv2).
 * Encoded with the DER writer; read from exact bytes.
 */
import { KysoError } from '../errors.ts';
import type { CryptoPort, HashName } from '../ports.ts';
import { equalBytes, fromHex, readChildren, readTlv, readWhole, tlvBytes, type Tlv } from '../asn1/der.ts';
import { derContext, derOctetString, derOid, derSequence, derSetOf, derTime, TAG } from '../asn1/der-writer.ts';
import { encodeTlvParts } from './der-parts.ts';
import { decodeOid } from '../x509/asn1-values.ts';
import { parseCertificate, type ParsedCertificate } from '../x509/certificate.ts';
import { namesEqual, parseDistinguishedName } from '../x509/name-matching.ts';
import { hashLength } from '../x509/algorithms.ts';
import { CMS_OID } from './cms-oids.ts';
import { decodeDigestAlgorithm, digestAlgorithmDer } from './digest-algorithm.ts';

/** Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue } (RFC 5652 §5.3). */
export interface CmsAttribute {
  oid: string;
  /** Exact DER of each AttributeValue. */
  values: Uint8Array[];
}

/** DER of one Attribute (RFC 5652 §5.3); the values are sorted as a DER SET OF (X.690 §11.6). */
export function encodeAttribute(a: CmsAttribute): Uint8Array {
  return derSequence(derOid(a.oid), derSetOf(a.values));
}

/** What ESSCertIDv2 (RFC 5035 §4) / ESSCertID (RFC 2634 §5.4.1) identify a certificate by. */
export interface EssCertId {
  hash: HashName;
  certHash: Uint8Array;
  issuerSerial?: {
    /** Exact DER of each directoryName in the issuer GeneralNames (other name forms are skipped). */
    directoryNames: Uint8Array[];
    /** Lower-case hex of the serial's INTEGER content. */
    serialHex: string;
  };
}

const V2_DEFAULT_HASH: HashName = 'SHA-256';

/** IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber } with issuer = [4] directoryName. */
function encodeIssuerSerial(cert: ParsedCertificate): Uint8Array {
  return derSequence(derSequence(derContext(4, cert.issuerDer, true)), encodeTlvParts(TAG.INTEGER, [fromHex(cert.serialHex)]));
}

/**
 * The AttributeValue of id-aa-signingCertificateV2 (RFC 5035 §3): SigningCertificateV2 with one
 * ESSCertIDv2 for `cert`. The hashAlgorithm field is omitted for SHA-256, its DEFAULT (X.690 §11.5).
 * SHA-1 is refused: RFC 5035 §4 defines ESSCertIDv2 for the hashes that are not SHA-1.
 */
export function encodeSigningCertificateV2(p: { cert: ParsedCertificate; hash?: HashName; issuerSerial?: boolean; crypto: CryptoPort }): Uint8Array {
  const hash = p.hash ?? V2_DEFAULT_HASH;
  if (hash === 'SHA-1') throw new KysoError('invalid-argument', 'ESSCertIDv2 with SHA-1 is not allowed: use SHA-256 or stronger (RFC 5035 §4)');
  const fields: Uint8Array[] = [];
  if (hash !== V2_DEFAULT_HASH) fields.push(digestAlgorithmDer(hash));
  fields.push(derOctetString(p.crypto.digest(hash, p.cert.der)));
  if (p.issuerSerial !== false) fields.push(encodeIssuerSerial(p.cert));
  return derSequence(derSequence(derSequence(...fields)));
}

/**
 * RFC 5652 §5.3 / §5.4 signed attributes: content-type (§11.1), message-digest (§11.2), optionally
 * signing-time (§11.3, UTCTime through 2049) and signing-certificate-v2 (RFC 5035 §3), plus `extra`.
 * `toSign` is the DER SET OF (tag 0x31) the signature covers (§5.4); `embedded` is the same content
 * under the [0] IMPLICIT tag (0xA0) that SignerInfo carries.
 */
export function encodeSignedAttributes(p: {
  contentType: string;
  messageDigest: Uint8Array;
  signingCertificate?: { certDer: Uint8Array; hash?: HashName; issuerSerial?: boolean } | { cert: ParsedCertificate; hash?: HashName; issuerSerial?: boolean };
  signingTime?: Date;
  extra?: CmsAttribute[];
  crypto: CryptoPort;
}): { toSign: Uint8Array; embedded: Uint8Array } {
  const attrs: Uint8Array[] = [
    encodeAttribute({ oid: CMS_OID.contentType, values: [derOid(p.contentType)] }),
    encodeAttribute({ oid: CMS_OID.messageDigest, values: [derOctetString(p.messageDigest)] }),
  ];
  if (p.signingTime) attrs.push(encodeAttribute({ oid: CMS_OID.signingTime, values: [derTime(p.signingTime)] }));
  if (p.signingCertificate) {
    const sc = p.signingCertificate;
    const cert = 'cert' in sc ? sc.cert : parseCertificate(sc.certDer);
    attrs.push(encodeAttribute({
      oid: CMS_OID.signingCertificateV2,
      values: [encodeSigningCertificateV2({ cert, hash: sc.hash, issuerSerial: sc.issuerSerial, crypto: p.crypto })],
    }));
  }
  const seen = new Set<string>([CMS_OID.contentType, CMS_OID.messageDigest]);
  if (p.signingTime) seen.add(CMS_OID.signingTime);
  if (p.signingCertificate) seen.add(CMS_OID.signingCertificateV2);
  for (const a of p.extra ?? []) {
    if (seen.has(a.oid)) throw new KysoError('invalid-argument', `signed attribute ${a.oid} is given twice`);
    if (a.values.length === 0) throw new KysoError('invalid-argument', `signed attribute ${a.oid} has no value`);
    seen.add(a.oid);
    attrs.push(encodeAttribute(a));
  }
  return signedAttributesForms(derSetOf(attrs));
}

/** Both forms of an encoded SET OF Attribute: the DER SET to sign and the [0] IMPLICIT form to embed. */
export function signedAttributesForms(set: Uint8Array): { toSign: Uint8Array; embedded: Uint8Array } {
  const embedded = new Uint8Array(set);
  embedded[0] = 0xa0;
  return { toSign: set, embedded };
}

/**
 * Reads a SET OF Attribute (RFC 5652 §5.3) at `t` (any tag: 0x31, [0] or [1] IMPLICIT).
 * Every attribute must have at least one value.
 */
export function parseAttributes(bytes: Uint8Array, t: Tlv, what: string): CmsAttribute[] {
  const out: CmsAttribute[] = [];
  for (const a of readChildren(bytes, t)) {
    if (a.tag !== 0x30) throw new KysoError('malformed', `${what}: attribute is not a SEQUENCE`);
    const f = readChildren(bytes, a);
    if (f.length !== 2 || f[0]!.tag !== 0x06 || f[1]!.tag !== 0x31) throw new KysoError('malformed', `${what}: attribute needs a type and a SET of values`);
    const values = readChildren(bytes, f[1]!).map((v) => tlvBytes(bytes, v));
    if (values.length === 0) throw new KysoError('malformed', `${what}: attribute without values`);
    out.push({ oid: decodeOid(bytes, f[0]!), values });
  }
  return out;
}

/**
 * Reads a SigningCertificateV2 (RFC 5035 §3, `v2`) or SigningCertificate (RFC 2634 §5.4) value.
 * Throws KysoError('malformed' | 'unsupported').
 */
export function parseSigningCertificate(value: Uint8Array, v2: boolean): EssCertId[] {
  const what = v2 ? 'SigningCertificateV2' : 'SigningCertificate';
  const top = readWhole(value, what);
  if (top.tag !== 0x30) throw new KysoError('malformed', `${what}: not a SEQUENCE`);
  const [certs, policies, extra] = readChildren(value, top);
  if (!certs || certs.tag !== 0x30 || extra || (policies && policies.tag !== 0x30)) throw new KysoError('malformed', `${what}: expected certs and optional policies`);
  const ids = readChildren(value, certs);
  if (ids.length === 0) throw new KysoError('malformed', `${what}: no certificate identifier`);
  return ids.map((id) => {
    if (id.tag !== 0x30) throw new KysoError('malformed', `${what}: ESSCertID is not a SEQUENCE`);
    const f = readChildren(value, id);
    let i = 0;
    let hash: HashName = v2 ? V2_DEFAULT_HASH : 'SHA-1';
    if (v2 && f[0]?.tag === 0x30) hash = decodeDigestAlgorithm(value, f[i++]!, what).hash;
    const h = f[i++];
    if (!h || h.tag !== 0x04) throw new KysoError('malformed', `${what}: missing certHash`);
    const certHash = value.subarray(h.valueStart, h.end);
    if (certHash.length !== hashLength(hash)) throw new KysoError('malformed', `${what}: certHash length does not fit ${hash}`);
    const out: EssCertId = { hash, certHash };
    const is = f[i++];
    if (is) {
      if (is.tag !== 0x30) throw new KysoError('malformed', `${what}: bad IssuerSerial`);
      const [names, serial, more] = readChildren(value, is);
      if (!names || names.tag !== 0x30 || !serial || serial.tag !== 0x02 || more) throw new KysoError('malformed', `${what}: IssuerSerial needs GeneralNames and a serial number`);
      const directoryNames: Uint8Array[] = [];
      for (const g of readChildren(value, names)) {
        if (g.tag !== 0xa4) continue;
        const n = readTlv(value, g.valueStart, g.end);
        if (n.end !== g.end || n.tag !== 0x30) throw new KysoError('malformed', `${what}: bad directoryName`);
        directoryNames.push(tlvBytes(value, n));
      }
      out.issuerSerial = { directoryNames, serialHex: hexOf(value.subarray(serial.valueStart, serial.end)) };
    }
    if (f.length > i) throw new KysoError('malformed', `${what}: unexpected field in ESSCertID`);
    return out;
  });
}

function hexOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

/**
 * RFC 2634 §5.4 / RFC 5035 §3: the first ESSCertID(v2) of each signing-certificate attribute present
 * must identify `cert` (hash of the whole certificate, and issuer + serial when given).
 * Returns undefined when the binding holds (or no such attribute is present), else the reason.
 */
export function checkSigningCertificateBinding(attrs: readonly CmsAttribute[], cert: ParsedCertificate, crypto: CryptoPort): string | undefined {
  for (const [oid, v2] of [[CMS_OID.signingCertificateV2, true], [CMS_OID.signingCertificate, false]] as const) {
    const found = attrs.filter((a) => a.oid === oid);
    if (found.length === 0) continue;
    const name = v2 ? 'signingCertificateV2' : 'signingCertificate';
    if (found.length > 1 || found[0]!.values.length !== 1) return `${name} attribute must appear once with one value`;
    let ids: EssCertId[];
    try { ids = parseSigningCertificate(found[0]!.values[0]!, v2); } catch (e) {
      if (e instanceof KysoError) return `${name} attribute: ${e.message}`;
      throw e;
    }
    const id = ids[0]!;
    if (!equalBytes(crypto.digest(id.hash, cert.der), id.certHash)) return `${name} (ESSCertID${v2 ? 'v2' : ''}) certHash does not match the signer certificate`;
    if (id.issuerSerial) {
      if (id.issuerSerial.serialHex !== cert.serialHex) return `${name} issuerSerial names another serial number`;
      if (!id.issuerSerial.directoryNames.some((n) => sameName(n, cert.issuerDer))) return `${name} issuerSerial names another issuer`;
    }
  }
  return undefined;
}

/** Byte equality first; else RFC 5280 §7.1 name comparison (a re-encoded Name still matches). */
function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (equalBytes(a, b)) return true;
  try { return namesEqual(parseDistinguishedName(a), parseDistinguishedName(b)); } catch { return false; }
}
