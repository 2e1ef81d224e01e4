/**
 * CMS SignedData (RFC 5652 §5): assembling one with a signature made elsewhere (any Signer: file
 * key, PKCS#11 token, remote device), reading one from exact bytes (BER from the wild is normalised
 * to DER first), and verifying a SignerInfo (§5.4, §5.6). Used for RFC 3161 time-stamp tokens and,
 * later, CAdES signatures in PAdES.
 */
import { KysoError } from '../errors.ts';
import type { CryptoPort, HashName, SignatureAlgorithm } from '../ports.ts';
import { equalBytes, fromHex, readChildren, readTlv, readWhole, tlvBytes, toHex, type Tlv } from '../asn1/der.ts';
import { derOid, derSetOf, TAG } from '../asn1/der-writer.ts';
import { decodeInteger, decodeOid } from '../x509/asn1-values.ts';
import { decodeSignatureAlgorithmDer } from '../x509/algorithms.ts';
import { encodeSignatureAlgorithmDer } from '../x509/certificate-builder.ts';
import { getSubjectKeyIdentifier, parseCertificate, type ParsedCertificate } from '../x509/certificate.ts';
import { OID } from '../x509/oids.ts';
import { CMS_OID } from './cms-oids.ts';
import { decodeDigestAlgorithm, digestAlgorithmDer } from './digest-algorithm.ts';
import { allocBytes, encodeTlvParts, lengthOctets, writeHeader } from './der-parts.ts';
import { checkSigningCertificateBinding, encodeAttribute, parseAttributes, type CmsAttribute } from './signed-attributes.ts';
import { normaliseBer } from './ber.ts';

/** SignerIdentifier (RFC 5652 §5.3): issuerAndSerialNumber or [0] subjectKeyIdentifier. */
export type SignerIdentifier = { issuerDer: Uint8Array; serialHex: string } | { subjectKeyId: Uint8Array };

/** One SignerInfo (RFC 5652 §5.3), every field from the exact received bytes. */
export interface ParsedSignerInfo {
  /** Exact DER of the SignerInfo. */
  der: Uint8Array;
  version: number;
  sid: SignerIdentifier;
  digestAlgorithm: HashName;
  /** The signed attributes re-tagged as the DER SET OF (0x31) the signature covers (§5.4). */
  signedAttrsDer?: Uint8Array;
  signedAttrs: CmsAttribute[];
  signatureAlgorithm: SignatureAlgorithm;
  signatureAlgorithmDer: Uint8Array;
  /** The signature value (content of the OCTET STRING): what a CAdES-T time-stamp imprints. */
  signature: Uint8Array;
  unsignedAttrs: CmsAttribute[];
}

/** SignedData (RFC 5652 §5.1) inside its ContentInfo (§3). */
export interface ParsedSignedData {
  /** DER of the ContentInfo (the normalised encoding when the input was BER). */
  der: Uint8Array;
  /** The input used BER (indefinite lengths, constructed strings) and was re-encoded as DER. */
  berNormalised: boolean;
  version: number;
  digestAlgorithms: HashName[];
  eContentType: string;
  /** The encapsulated content; undefined for a detached signature. */
  eContent?: Uint8Array;
  /** DER certificates (CertificateChoices `certificate` only; attribute certificates are skipped). */
  certificates: Uint8Array[];
  /** DER CertificateLists (RevocationInfoChoice `crl`). */
  crls: Uint8Array[];
  /** RevocationInfoChoice `other` (RFC 5652 §10.2.1), e.g. OCSP responses (RFC 5940). */
  otherRevocationInfo: Array<{ format: string; info: Uint8Array }>;
  signerInfos: ParsedSignerInfo[];
}

// ---- assembling ----

const SIGNED_DATA_OID = derOid(CMS_OID.signedData);
const ISSUER_AND_SERIAL = new WeakMap<ParsedCertificate, Uint8Array>();

/** IssuerAndSerialNumber (RFC 5652 §10.2.4) of a certificate, cached per parsed certificate. */
function issuerAndSerial(cert: ParsedCertificate): Uint8Array {
  let out = ISSUER_AND_SERIAL.get(cert);
  if (!out) {
    out = encodeTlvParts(TAG.SEQUENCE, [cert.issuerDer, encodeTlvParts(TAG.INTEGER, [fromHex(cert.serialHex)])]);
    ISSUER_AND_SERIAL.set(cert, out);
  }
  return out;
}

const V1 = Uint8Array.of(0x02, 0x01, 0x01);
const V3 = Uint8Array.of(0x02, 0x01, 0x03);

/**
 * Assembles ContentInfo { id-signedData, SignedData } (RFC 5652 §3, §5.1) around a signature made
 * elsewhere over `signedAttrs` (the `toSign` form of `encodeSignedAttributes`). SignerInfo is v1 with
 * issuerAndSerialNumber (§5.3); SignedData is v1 for id-data content and v3 otherwise (§5.1).
 * `certificates` go in as given (sorted as a DER SET OF); `eContent` undefined makes it detached.
 * `signedAttrs` may be given embedded ([0] IMPLICIT, 0xA0) or as the SET (0x31).
 */
export function assembleSignedData(p: {
  eContentType: string;
  eContent?: Uint8Array;
  digestAlgorithm: HashName;
  signerCert: ParsedCertificate;
  certificates: Uint8Array[];
  signedAttrs: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  signature: Uint8Array;
  unsignedAttrs?: CmsAttribute[];
  /** `encodeCertificateSet(certificates)` computed once, for callers that reuse the same set. */
  certificateSet?: Uint8Array;
}): Uint8Array {
  if (p.signedAttrs[0] !== 0xa0 && p.signedAttrs[0] !== 0x31) throw new KysoError('invalid-argument', 'signedAttrs must be an encoded SET OF Attribute');
  const digestAi = digestAlgorithmDer(p.digestAlgorithm);
  const sigAi = signatureAlgorithmDer(p.signatureAlgorithm);
  const sidDer = issuerAndSerial(p.signerCert);
  const unsigned = p.unsignedAttrs?.length ? retag(derSetOf(p.unsignedAttrs.map(encodeAttribute)), 0xa1) : undefined;

  // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs }
  const sigLen = 1 + lengthOctets(p.signature.length) + p.signature.length;
  const siLen = V1.length + sidDer.length + digestAi.length + p.signedAttrs.length + sigAi.length + sigLen + (unsigned?.length ?? 0);
  const siSetLen = 1 + lengthOctets(siLen) + siLen;
  // EncapsulatedContentInfo ::= SEQUENCE { eContentType, [0] EXPLICIT OCTET STRING OPTIONAL }
  const ctOid = derOid(p.eContentType);
  const octLen = p.eContent ? 1 + lengthOctets(p.eContent.length) + p.eContent.length : 0;
  const encapLen = ctOid.length + (p.eContent ? 1 + lengthOctets(octLen) + octLen : 0);
  const certs = p.certificateSet ?? (p.certificates.length ? encodeCertificateSet(p.certificates) : undefined);
  const certsLen = certs ? certs.length : 0;
  const digestSetLen = digestAi.length;
  const sdLen = 3 + (1 + lengthOctets(digestSetLen) + digestSetLen) + (1 + lengthOctets(encapLen) + encapLen) + certsLen + (1 + lengthOctets(siSetLen) + siSetLen);
  const ciContentLen = SIGNED_DATA_OID.length + 1 + lengthOctets(1 + lengthOctets(sdLen) + sdLen) + 1 + lengthOctets(sdLen) + sdLen;

  // Written in place, without closures (this runs once per time-stamp token).
  const out = allocBytes(1 + lengthOctets(ciContentLen) + ciContentLen);
  let pos = writeHeader(out, 0, TAG.SEQUENCE, ciContentLen);
  pos = put(out, pos, SIGNED_DATA_OID);
  pos = writeHeader(out, pos, 0xa0, 1 + lengthOctets(sdLen) + sdLen);
  pos = writeHeader(out, pos, TAG.SEQUENCE, sdLen);
  pos = put(out, pos, p.eContentType === CMS_OID.data ? V1 : V3);
  pos = writeHeader(out, pos, TAG.SET, digestSetLen);
  pos = put(out, pos, digestAi);
  pos = writeHeader(out, pos, TAG.SEQUENCE, encapLen);
  pos = put(out, pos, ctOid);
  if (p.eContent) {
    pos = writeHeader(out, pos, 0xa0, octLen);
    pos = writeHeader(out, pos, TAG.OCTET_STRING, p.eContent.length);
    pos = put(out, pos, p.eContent);
  }
  if (certs) {
    if (certs[0] !== 0xa0) throw new KysoError('invalid-argument', 'certificateSet must come from encodeCertificateSet');
    pos = put(out, pos, certs);
  }
  pos = writeHeader(out, pos, TAG.SET, siSetLen);
  pos = writeHeader(out, pos, TAG.SEQUENCE, siLen);
  pos = put(out, pos, V1);
  pos = put(out, pos, sidDer);
  pos = put(out, pos, digestAi);
  out[pos] = 0xa0;
  pos = put(out, pos, p.signedAttrs.subarray(1), 1);
  pos = put(out, pos, sigAi);
  pos = writeHeader(out, pos, TAG.OCTET_STRING, p.signature.length);
  pos = put(out, pos, p.signature);
  if (unsigned) pos = put(out, pos, unsigned);
  if (pos !== out.length) throw new KysoError('internal', 'SignedData length mismatch');
  return out;
}

/**
 * CertificateSet (RFC 5652 §10.2.3) as the [0] IMPLICIT field of SignedData, elements in DER SET OF
 * order (X.690 §11.6). Computed once per certificate chain by callers that sign repeatedly.
 */
export function encodeCertificateSet(certificates: readonly Uint8Array[]): Uint8Array {
  return retag(derSetOf([...certificates]), 0xa0);
}

function put(out: Uint8Array, pos: number, b: Uint8Array, skip = 0): number {
  out.set(b, pos + skip);
  return pos + skip + b.length;
}

const sigAlgCache = new WeakMap<SignatureAlgorithm, { scheme: string; hash: string | null; salt?: number; der: Uint8Array }>();
/** The SignatureAlgorithmIdentifier, cached per algorithm object (re-checked: a caller may mutate theirs). */
function signatureAlgorithmDer(alg: SignatureAlgorithm): Uint8Array {
  const c = sigAlgCache.get(alg);
  if (c && c.scheme === alg.scheme && c.hash === alg.hash && c.salt === alg.saltLength) return c.der;
  const der = encodeSignatureAlgorithmDer(alg);
  sigAlgCache.set(alg, { scheme: alg.scheme, hash: alg.hash, salt: alg.saltLength, der });
  return der;
}

function retag(der: Uint8Array, tag: number): Uint8Array {
  const out = new Uint8Array(der);
  out[0] = tag;
  return out;
}

// ---- reading ----

function bad(msg: string): never {
  throw new KysoError('malformed', `SignedData: ${msg}`);
}

/** The signature algorithm of a SignerInfo (RFC 5652 §10.1.2; RFC 3370 §3.2: rsaEncryption means PKCS#1 v1.5 with the digest algorithm). */
function signerSignatureAlgorithm(der: Uint8Array, digest: HashName): SignatureAlgorithm {
  const t = readWhole(der, 'signatureAlgorithm');
  const [oidTlv] = readChildren(der, t);
  if (t.tag !== 0x30 || !oidTlv) bad('bad signatureAlgorithm');
  const oid = decodeOid(der, oidTlv);
  if (oid === OID.rsaEncryption) return { scheme: 'RSASSA-PKCS1-v1_5', hash: digest };
  if (oid === OID.ecPublicKey) return { scheme: 'ECDSA', hash: digest };
  try {
    return decodeSignatureAlgorithmDer(der);
  } catch (e) {
    if (e instanceof KysoError) throw e;
    throw new KysoError('malformed', `SignedData: unreadable signature algorithm parameters (${(e as Error).message})`, { cause: e });
  }
}

function parseSignerInfo(bytes: Uint8Array, t: Tlv): ParsedSignerInfo {
  if (t.tag !== 0x30) bad('SignerInfo is not a SEQUENCE');
  const f = readChildren(bytes, t);
  let i = 0;
  const v = f[i++];
  if (!v || v.tag !== 0x02) bad('SignerInfo without a version');
  const version = Number(decodeInteger(bytes, v));
  const sidTlv = f[i++];
  let sid: SignerIdentifier;
  if (sidTlv?.tag === 0x30) {
    const [issuer, serial, more] = readChildren(bytes, sidTlv);
    if (!issuer || issuer.tag !== 0x30 || !serial || serial.tag !== 0x02 || more) bad('bad issuerAndSerialNumber');
    sid = { issuerDer: tlvBytes(bytes, issuer), serialHex: toHex(bytes.subarray(serial.valueStart, serial.end)) };
  } else if (sidTlv?.tag === 0x80) {
    sid = { subjectKeyId: bytes.subarray(sidTlv.valueStart, sidTlv.end) };
  } else bad('SignerInfo without a signer identifier');
  const dTlv = f[i++];
  if (!dTlv) bad('SignerInfo without a digestAlgorithm');
  const digestAlgorithm = decodeDigestAlgorithm(bytes, dTlv, 'SignerInfo digestAlgorithm').hash;
  let signedAttrsDer: Uint8Array | undefined;
  let signedAttrs: CmsAttribute[] = [];
  if (f[i]?.tag === 0xa0) {
    const sa = f[i++]!;
    signedAttrs = parseAttributes(bytes, sa, 'signedAttrs');
    if (signedAttrs.length === 0) bad('empty signedAttrs');
    signedAttrsDer = retag(tlvBytes(bytes, sa), 0x31);
  }
  const algTlv = f[i++];
  if (!algTlv || algTlv.tag !== 0x30) bad('SignerInfo without a signatureAlgorithm');
  const signatureAlgorithmDer = tlvBytes(bytes, algTlv);
  const signatureAlgorithm = signerSignatureAlgorithm(signatureAlgorithmDer, digestAlgorithm);
  const sigTlv = f[i++];
  if (!sigTlv || sigTlv.tag !== 0x04) bad('SignerInfo without a signature');
  let unsignedAttrs: CmsAttribute[] = [];
  if (f[i]?.tag === 0xa1) unsignedAttrs = parseAttributes(bytes, f[i++]!, 'unsignedAttrs');
  if (i !== f.length) bad('unexpected field in SignerInfo');
  return {
    der: tlvBytes(bytes, t), version, sid, digestAlgorithm, signedAttrsDer, signedAttrs, signatureAlgorithm, signatureAlgorithmDer,
    signature: bytes.subarray(sigTlv.valueStart, sigTlv.end), unsignedAttrs,
  };
}

function parseStrict(der: Uint8Array, berNormalised: boolean): ParsedSignedData {
  const top = readWhole(der, 'ContentInfo');
  if (top.tag !== 0x30) bad('ContentInfo is not a SEQUENCE');
  const ci = readChildren(der, top);
  let sdTlv: Tlv;
  if (ci[0]?.tag === 0x06) {
    const ct = decodeOid(der, ci[0]);
    if (ct !== CMS_OID.signedData) throw new KysoError('unsupported', `ContentInfo holds ${ct}, not SignedData (${CMS_OID.signedData})`);
    const wrap = ci[1];
    if (!wrap || wrap.tag !== 0xa0 || ci.length !== 2) bad('ContentInfo needs [0] content');
    sdTlv = readTlv(der, wrap.valueStart, wrap.end);
    if (sdTlv.end !== wrap.end) bad('trailing data in ContentInfo content');
  } else sdTlv = top; // a bare SignedData
  if (sdTlv.tag !== 0x30) bad('not a SEQUENCE');
  const f = readChildren(der, sdTlv);
  let i = 0;
  const v = f[i++];
  if (!v || v.tag !== 0x02) bad('missing version');
  const version = Number(decodeInteger(der, v));
  const algs = f[i++];
  if (!algs || algs.tag !== 0x31) bad('missing digestAlgorithms');
  const digestAlgorithms: HashName[] = [];
  for (const a of readChildren(der, algs)) {
    try { digestAlgorithms.push(decodeDigestAlgorithm(der, a, 'digestAlgorithms').hash); } catch (e) {
      if (!(e instanceof KysoError && e.kind === 'unsupported')) throw e; // an unknown hash no SignerInfo uses is not an error
    }
  }
  const encap = f[i++];
  if (!encap || encap.tag !== 0x30) bad('missing encapContentInfo');
  const [ectTlv, ecTlv, extra] = readChildren(der, encap);
  if (!ectTlv || extra) bad('bad encapContentInfo');
  const eContentType = decodeOid(der, ectTlv);
  let eContent: Uint8Array | undefined;
  if (ecTlv) {
    if (ecTlv.tag !== 0xa0) bad('bad eContent');
    const oct = readTlv(der, ecTlv.valueStart, ecTlv.end);
    if (oct.tag !== 0x04 || oct.end !== ecTlv.end) bad('eContent is not an OCTET STRING');
    eContent = der.subarray(oct.valueStart, oct.end);
  }
  const certificates: Uint8Array[] = [];
  if (f[i]?.tag === 0xa0) {
    for (const c of readChildren(der, f[i++]!)) if (c.tag === 0x30) certificates.push(tlvBytes(der, c));
  }
  const crls: Uint8Array[] = [];
  const otherRevocationInfo: ParsedSignedData['otherRevocationInfo'] = [];
  if (f[i]?.tag === 0xa1) {
    for (const c of readChildren(der, f[i++]!)) {
      if (c.tag === 0x30) crls.push(tlvBytes(der, c));
      else if (c.tag === 0xa1) {
        const [fmt, info] = readChildren(der, c);
        if (!fmt || !info) bad('bad OtherRevocationInfoFormat');
        otherRevocationInfo.push({ format: decodeOid(der, fmt), info: tlvBytes(der, info) });
      }
    }
  }
  const sis = f[i++];
  if (!sis || sis.tag !== 0x31) bad('missing signerInfos');
  if (i !== f.length) bad('unexpected field after signerInfos');
  const signerInfos = readChildren(der, sis).map((s) => parseSignerInfo(der, s));
  return { der, berNormalised, version, digestAlgorithms, eContentType, eContent, certificates, crls, otherRevocationInfo, signerInfos };
}

/**
 * Reads a ContentInfo holding SignedData (RFC 5652 §3, §5), or a bare SignedData. DER is read as
 * is; BER (indefinite lengths, constructed OCTET STRINGs, X.690 §8) is normalised to DER first and
 * `berNormalised` says so. Throws KysoError('malformed') for anything unreadable and
 * KysoError('unsupported') for another content type or an unknown digest/signature algorithm.
 * Zero padding after the structure (a PDF /Contents string) is ignored.
 */
export function parseSignedData(der: Uint8Array): ParsedSignedData {
  der = withoutZeroPadding(der);
  try {
    return parseStrict(der, false);
  } catch (first) {
    if (!(first instanceof KysoError) || first.kind !== 'malformed') throw first;
    let normalised: Uint8Array;
    try { normalised = normaliseBer(der, { allowZeroPadding: true }); } catch { throw first; }
    if (equalBytes(normalised, der)) throw first;
    return parseStrict(normalised, true);
  }
}

/**
 * A PDF signature's /Contents is the CMS followed by zero padding (ISO 32000-1 §12.8.1): the bytes
 * after a complete definite-length top-level TLV are dropped when they are all zero.
 */
function withoutZeroPadding(der: Uint8Array): Uint8Array {
  let end: number;
  try { end = readTlv(der, 0).end; } catch { return der; }
  if (end >= der.length) return der;
  for (let i = end; i < der.length; i++) if (der[i] !== 0) return der;
  return der.subarray(0, end);
}

// ---- verifying ----

/** Certificates that match a SignerIdentifier (RFC 5652 §5.3), from the SignedData and `extra`. */
export function findSignerCertificate(sd: ParsedSignedData, sid: SignerIdentifier, extra: readonly ParsedCertificate[] = []): ParsedCertificate | undefined {
  const candidates: ParsedCertificate[] = [...extra];
  for (const der of sd.certificates) {
    try { candidates.push(parseCertificate(der)); } catch { /* an unreadable certificate cannot be the signer's */ }
  }
  return candidates.find((c) => {
    if ('issuerDer' in sid) return c.serialHex === sid.serialHex && equalBytes(c.issuerDer, sid.issuerDer);
    try {
      const ski = getSubjectKeyIdentifier(c);
      return ski !== undefined && equalBytes(ski, sid.subjectKeyId);
    } catch { return false; }
  });
}

function singleValue(attrs: readonly CmsAttribute[], oid: string, name: string): Uint8Array | string | undefined {
  const found = attrs.filter((a) => a.oid === oid);
  if (found.length === 0) return undefined;
  if (found.length > 1 || found[0]!.values.length !== 1) return `the ${name} attribute must appear once with a single value (RFC 5652 §11)`;
  return found[0]!.values[0]!;
}

/** Result of verifying one SignerInfo: a report, never an exception for a bad signature. */
export interface SignerInfoVerification {
  ok: boolean;
  reason?: string;
  signerCert?: ParsedCertificate;
}

/**
 * Verifies SignerInfo `i` (RFC 5652 §5.4, §5.6): finds the signer certificate (in the SignedData,
 * or `p.signerCert`/`p.certificates`), checks the content-type (§11.1) and message-digest (§11.2)
 * attributes against the content (encapsulated, `detachedContent`, or its `contentDigest`), the
 * signature over the DER signed attributes, and the ESS signing-certificate(-v2) binding
 * (RFC 2634 §5.4, RFC 5035 §3) when present. Without signed attributes the content must be id-data
 * and the signature covers the content itself (§5.4). Certificate path validation is the caller's.
 */
export function verifySignerInfo(sd: ParsedSignedData, i: number, p: {
  crypto: CryptoPort;
  detachedContent?: Uint8Array;
  contentDigest?: Uint8Array;
  signerCert?: ParsedCertificate;
  certificates?: readonly ParsedCertificate[];
}): SignerInfoVerification {
  const si = sd.signerInfos[i];
  if (!si) throw new KysoError('invalid-argument', `SignedData has no SignerInfo #${i}`);
  const content = sd.eContent ?? p.detachedContent;
  if (!content && !p.contentDigest) throw new KysoError('invalid-argument', 'detached SignedData: give the content or its digest');
  const cert = p.signerCert ?? findSignerCertificate(sd, si.sid, p.certificates);
  if (!cert) return { ok: false, reason: 'the signer certificate is not in the SignedData' };
  if (p.signerCert && !findSignerCertificate({ ...sd, certificates: [] }, si.sid, [p.signerCert])) {
    return { ok: false, reason: 'the given signer certificate does not match the SignerInfo signer identifier', signerCert: cert };
  }
  const fail = (reason: string): SignerInfoVerification => ({ ok: false, reason, signerCert: cert });
  let signed: Uint8Array;
  if (si.signedAttrsDer) {
    const ct = singleValue(si.signedAttrs, CMS_OID.contentType, 'content-type');
    if (ct === undefined) return fail('the content-type signed attribute is missing (RFC 5652 §11.1)');
    if (typeof ct === 'string') return fail(ct);
    if (!equalBytes(ct, derOid(sd.eContentType))) return fail('the content-type attribute does not match eContentType');
    const md = singleValue(si.signedAttrs, CMS_OID.messageDigest, 'message-digest');
    if (md === undefined) return fail('the message-digest signed attribute is missing (RFC 5652 §11.2)');
    if (typeof md === 'string') return fail(md);
    const mdTlv = readTlv(md, 0);
    if (mdTlv.tag !== 0x04 || mdTlv.end !== md.length) return fail('the message-digest attribute is not an OCTET STRING');
    const digest = content ? p.crypto.digest(si.digestAlgorithm, content) : p.contentDigest!;
    if (!equalBytes(md.subarray(mdTlv.valueStart), digest)) return fail('message digest mismatch: the content is not what was signed');
    const st = singleValue(si.signedAttrs, CMS_OID.signingTime, 'signing-time');
    if (typeof st === 'string') return fail(st);
    signed = si.signedAttrsDer;
  } else {
    if (sd.eContentType !== CMS_OID.data) return fail('signed attributes are required when the content is not id-data (RFC 5652 §5.3)');
    if (!content) return fail('without signed attributes the signature covers the content itself: give the content, not its digest');
    signed = content;
  }
  let ok: boolean;
  try {
    ok = p.crypto.verify({ algorithm: si.signatureAlgorithm, spki: cert.spki, data: signed, signature: si.signature });
  } catch (e) {
    if (e instanceof KysoError) return fail(`the signature cannot be checked: ${e.message}`);
    throw e;
  }
  if (!ok) return fail('the signature does not verify with the signer certificate key');
  const binding = checkSigningCertificateBinding(si.signedAttrs, cert, p.crypto);
  if (binding) return fail(binding);
  return { ok: true, signerCert: cert };
}
