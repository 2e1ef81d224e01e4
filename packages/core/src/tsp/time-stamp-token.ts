/**
 * TimeStampToken (RFC 3161 §2.4.2): a CMS SignedData (RFC 5652) over a TSTInfo, with the ESS
 * signing-certificate-v2 attribute (RFC 5816 §2.2.1, RFC 5035). Building one is the TSA's hot
 * path: everything that depends only on the TSA certificate is encoded once and cached, so a token
 * costs one hash of the TSTInfo, one signature and a few copies.
 */
import { KysoError } from '../errors.ts';
import type { CryptoPort, HashName, SignatureAlgorithm, Signer } from '../ports.ts';
import { equalBytes } from '../asn1/der.ts';
import { derOid, TAG } from '../asn1/der-writer.ts';
import { requireAcceptableHash } from '../x509/algorithms.ts';
import { getExtendedKeyUsage, type ParsedCertificate } from '../x509/certificate.ts';
import { namesEqual, parseDistinguishedName } from '../x509/name-matching.ts';
import { OID } from '../x509/oids.ts';
import { CMS_OID } from '../cms/cms-oids.ts';
import { allocBytes, lengthOctets, writeHeader } from '../cms/der-parts.ts';
import { encodeAttribute, encodeSigningCertificateV2 } from '../cms/signed-attributes.ts';
import { assembleSignedData, encodeCertificateSet, parseSignedData, verifySignerInfo } from '../cms/signed-data.ts';
import { parseTstInfo, type TstInfo } from './tst-info.ts';

const CONTENT_TYPE_ATTR = encodeAttribute({ oid: CMS_OID.contentType, values: [derOid(CMS_OID.tstInfo)] });
const MD_OID = derOid(CMS_OID.messageDigest);

/** 30 L { OID messageDigest, 31 L { 04 L digest } } for a digest of `len` bytes (≤ 64), without the digest. */
function messageDigestAttrHeader(len: number): Uint8Array {
  const out = new Uint8Array(2 + MD_OID.length + 4);
  out[0] = TAG.SEQUENCE; out[1] = MD_OID.length + 4 + len;
  out.set(MD_OID, 2);
  let p = 2 + MD_OID.length;
  out[p++] = TAG.SET; out[p++] = 2 + len;
  out[p++] = TAG.OCTET_STRING; out[p++] = len;
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * RFC 3161 §2.3: the TSA certificate has exactly one extended key usage, id-kp-timeStamping, in a
 * critical extension. Returns undefined when it does, else the reason.
 */
export function checkTsaCertificate(cert: ParsedCertificate): string | undefined {
  const ext = cert.extensions.filter((e) => e.oid === OID.extKeyUsage);
  if (ext.length !== 1) return 'the TSA certificate has no extended key usage extension (RFC 3161 §2.3)';
  if (!ext[0]!.critical) return 'the TSA certificate extended key usage is not critical (RFC 3161 §2.3)';
  let eku: string[] | undefined;
  try { eku = getExtendedKeyUsage(cert); } catch { return 'the TSA certificate extended key usage cannot be read'; }
  if (!eku || eku.length !== 1 || eku[0] !== OID.kpTimeStamping) return 'the TSA certificate extended key usage must be id-kp-timeStamping only (RFC 3161 §2.3)';
  return undefined;
}

/**
 * The signed attributes of one digest length, in DER SET OF order (X.690 §11.6). The order is the
 * same for every digest value: the encodings differ in their lengths or attribute OIDs before the
 * digest octets, so it is computed once. `null` marks where the digest goes.
 */
interface AttrLayout { parts: Array<Uint8Array | null>; setLen: number; header: Uint8Array }

interface TsaContext {
  essAttr: Uint8Array;
  layouts: Map<number, AttrLayout>;
  chain?: readonly Uint8Array[];
  certificateSet?: Uint8Array;
}
const contexts = new WeakMap<ParsedCertificate, TsaContext>();

function tsaContext(cert: ParsedCertificate, signer: Signer, crypto: CryptoPort): TsaContext {
  let c = contexts.get(cert);
  if (!c) {
    const problem = checkTsaCertificate(cert);
    if (problem) throw new KysoError('policy', `refusing to issue time-stamps: ${problem}`);
    if (signer.publicKey.length && !equalBytes(signer.publicKey, cert.spki)) throw new KysoError('invalid-argument', 'the TSA signer key does not match the TSA certificate');
    const ess = encodeSigningCertificateV2({ cert, hash: 'SHA-256', issuerSerial: true, crypto });
    c = { essAttr: encodeAttribute({ oid: CMS_OID.signingCertificateV2, values: [ess] }), layouts: new Map() };
    contexts.set(cert, c);
  }
  return c;
}

function attributeLayout(ctx: TsaContext, digestLength: number): AttrLayout {
  let layout = ctx.layouts.get(digestLength);
  if (!layout) {
    const mdHeader = messageDigestAttrHeader(digestLength);
    const probe = new Uint8Array(mdHeader.length + digestLength);
    probe.set(mdHeader);
    const sorted = [CONTENT_TYPE_ATTR, probe, ctx.essAttr].sort(compareBytes);
    const parts: Array<Uint8Array | null> = [];
    for (const a of sorted) {
      if (a === probe) parts.push(mdHeader, null);
      else parts.push(a);
    }
    const setLen = CONTENT_TYPE_ATTR.length + probe.length + ctx.essAttr.length;
    const header = new Uint8Array(1 + lengthOctets(setLen));
    writeHeader(header, 0, TAG.SET, setLen);
    layout = { parts, setLen, header };
    ctx.layouts.set(digestLength, layout);
  }
  return layout;
}

/**
 * Builds a TimeStampToken (RFC 3161 §2.4.2): ContentInfo { SignedData v3 } with eContentType
 * id-ct-TSTInfo, one SignerInfo (issuerAndSerialNumber) whose signed attributes are content-type,
 * message-digest (RFC 5652 §11.1, §11.2) and signing-certificate-v2 with an ESSCertIDv2 over the
 * TSA certificate (SHA-256, issuerSerial; RFC 5816 §2.2.1, RFC 5035 §4). The TSA certificate and
 * `chain` are included only when the request set certReq (RFC 3161 §2.4.1). The digest algorithm
 * is the signature's hash (SHA-512 for Ed25519, RFC 8419 §3).
 * Throws KysoError('policy') if the certificate is not a TSA certificate (§2.3).
 */
export async function buildTimeStampToken(p: {
  tstInfo: Uint8Array;
  signer: Signer;
  signatureAlgorithm: SignatureAlgorithm;
  tsaCert: ParsedCertificate;
  chain?: Uint8Array[];
  certReq: boolean;
  crypto: CryptoPort;
}): Promise<Uint8Array> {
  const ctx = tsaContext(p.tsaCert, p.signer, p.crypto);
  const hash: HashName = p.signatureAlgorithm.hash ?? 'SHA-512';
  requireAcceptableHash(hash);
  const digest = p.crypto.digest(hash, p.tstInfo);
  const layout = attributeLayout(ctx, digest.length);
  const toSign = allocBytes(layout.header.length + layout.setLen);
  toSign.set(layout.header, 0);
  let pos = layout.header.length;
  for (const part of layout.parts) {
    if (part === null) { toSign.set(digest, pos); pos += digest.length; } else { toSign.set(part, pos); pos += part.length; }
  }
  const signature = await p.signer.sign(toSign, p.signatureAlgorithm);
  let certificateSet: Uint8Array | undefined;
  if (p.certReq) {
    if (ctx.certificateSet === undefined || ctx.chain !== p.chain) {
      ctx.chain = p.chain;
      ctx.certificateSet = encodeCertificateSet([p.tsaCert.der, ...(p.chain ?? [])]);
    }
    certificateSet = ctx.certificateSet;
  }
  return assembleSignedData({
    eContentType: CMS_OID.tstInfo, eContent: p.tstInfo, digestAlgorithm: hash, signerCert: p.tsaCert,
    certificates: [], certificateSet, signedAttrs: toSign, signatureAlgorithm: p.signatureAlgorithm, signature,
  });
}

function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (equalBytes(a, b)) return true;
  try { return namesEqual(parseDistinguishedName(a), parseDistinguishedName(b)); } catch { return false; }
}

/** Result of verifying a time-stamp token: a report, not an exception. */
export type TimeStampTokenVerification =
  | { ok: true; tstInfo: TstInfo; tsaCert: ParsedCertificate }
  | { ok: false; reason: string };

/**
 * Verifies a TimeStampToken (RFC 3161 §2.4.2, RFC 5816): exactly one SignerInfo over an
 * id-ct-TSTInfo; its signature and message-digest over the eContent (RFC 5652 §5.4); a
 * signing-certificate(-v2) attribute present and binding the signer certificate (RFC 3161 §2.4.1,
 * RFC 5816 §2.2.1); the signer certificate has the critical, timeStamping-only EKU (§2.3) and was
 * valid at genTime; the tsa name, when a directoryName, is that certificate's subject (§2.4.2); no
 * critical TSTInfo extension; and, when given, the imprint (`messageImprint` or hash of `data`,
 * with `hash` if given) and the nonce. Chain validation to a trust anchor is the caller's
 * (`validatePath`, at genTime).
 */
export function verifyTimeStampToken(token: Uint8Array, p: {
  crypto: CryptoPort;
  messageImprint?: Uint8Array;
  hash?: HashName;
  data?: Uint8Array;
  expectedNonce?: Uint8Array;
  tsaCert?: ParsedCertificate;
}): TimeStampTokenVerification {
  const fail = (reason: string): TimeStampTokenVerification => ({ ok: false, reason });
  let sd;
  let tstInfo: TstInfo;
  try {
    sd = parseSignedData(token);
  } catch (e) {
    if (e instanceof KysoError) return fail(`the token is not a readable SignedData: ${e.message}`);
    throw e;
  }
  if (sd.eContentType !== CMS_OID.tstInfo) return fail(`the token content is ${sd.eContentType}, not id-ct-TSTInfo`);
  if (!sd.eContent) return fail('the token has no encapsulated TSTInfo');
  if (sd.signerInfos.length !== 1) return fail(`a time-stamp token has exactly one signature, not ${sd.signerInfos.length} (RFC 3161 §2.4.2)`);
  try {
    tstInfo = parseTstInfo(sd.eContent);
  } catch (e) {
    if (e instanceof KysoError) return fail(`the TSTInfo is not readable: ${e.message}`);
    throw e;
  }
  const si = sd.signerInfos[0]!;
  if (!si.signedAttrs.some((a) => a.oid === CMS_OID.signingCertificateV2 || a.oid === CMS_OID.signingCertificate)) {
    return fail('the token has no signing-certificate(-v2) attribute binding the TSA certificate (RFC 3161 §2.4.1, RFC 5816)');
  }
  const v = verifySignerInfo(sd, 0, { crypto: p.crypto, signerCert: p.tsaCert });
  if (!v.ok) return fail(v.reason ?? 'the token signature does not verify');
  const cert = v.signerCert!;
  const problem = checkTsaCertificate(cert);
  if (problem) return fail(problem);
  if (tstInfo.genTime < cert.notBefore || tstInfo.genTime > cert.notAfter) return fail('genTime is outside the validity of the TSA certificate');
  if (tstInfo.tsaNameDer && !sameName(tstInfo.tsaNameDer, cert.subjectDer)) return fail('the tsa name in TSTInfo is not the subject of the TSA certificate (RFC 3161 §2.4.2)');
  const critical = tstInfo.extensions.find((e) => e.critical);
  if (critical) return fail(`the TSTInfo has an unknown critical extension ${critical.oid}`);
  if (p.hash && p.hash !== tstInfo.hash) return fail(`the token imprint uses ${tstInfo.hash}, not ${p.hash}`);
  if (p.messageImprint && !equalBytes(p.messageImprint, tstInfo.messageImprint)) return fail('message imprint mismatch: the token is for other data');
  if (p.data && !equalBytes(p.crypto.digest(tstInfo.hash, p.data), tstInfo.messageImprint)) return fail('message imprint mismatch: the token is for other data');
  if (p.expectedNonce) {
    if (!tstInfo.nonce) return fail('the token has no nonce but the request had one');
    if (!equalBytes(p.expectedNonce, tstInfo.nonce)) return fail('nonce mismatch: the token does not answer this request');
  }
  return { ok: true, tstInfo, tsaCert: cert };
}
