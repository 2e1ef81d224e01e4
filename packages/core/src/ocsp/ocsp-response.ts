/**
 * RFC 6960 §4.2.1 OCSPResponse and BasicOCSPResponse: a fast writer for the responder, a reader
 * and a verifier (§3.2, §4.2.2.2) for the client.
 *
 *   OCSPResponse       ::= SEQUENCE { responseStatus OCSPResponseStatus, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
 *   ResponseBytes      ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }
 *   BasicOCSPResponse  ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
 *                                     signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 *   ResponseData       ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, responderID ResponderID,
 *                                     producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse,
 *                                     responseExtensions [1] EXPLICIT Extensions OPTIONAL }
 *   SingleResponse     ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate GeneralizedTime,
 *                                     nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT Extensions OPTIONAL }
 *   CertStatus         ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT UnknownInfo }
 *
 * The writer computes every length first and fills one buffer; the constant fragments (OIDs,
 * AlgorithmIdentifiers, status encodings) are precomputed. It never goes through asn1-schema.
 */
import { KysoError } from '../errors.ts';
import type { CryptoPort, SignatureAlgorithm, Signer } from '../ports.ts';
import { readWhole, type Tlv } from '../asn1/der.ts';
import { decodeOid, decodeTime } from '../x509/asn1-values.ts';
import { decodeSignatureAlgorithmDer } from '../x509/algorithms.ts';
import { encodeSignatureAlgorithmDer } from '../x509/certificate-builder.ts';
import {
  certificateSignatureAlgorithm, getExtendedKeyUsage, getKeyUsage, parseCertificate, type ParsedCertificate,
} from '../x509/certificate.ts';
import { namesEqual, parseDistinguishedName } from '../x509/name-matching.ts';
import { OID } from '../x509/oids.ts';
import { certIdMatches, issuerHashes, readCertIdAt, subjectPublicKeyBits, type CertId } from './cert-id.ts';
import {
  bytesEqual, checkInteger, childrenOf, contentEquals, DER_OID_BASIC, DER_OID_NONCE, GENERALIZED_TIME_SIZE, malformed,
  OCSP_OID, oidContent, onlyChild, putBytes, putGeneralizedTime, putHeader, readExtensions, tlvSize,
} from './ocsp-der.ts';

/** RFC 6960 §2.2 certificate status; `reason` is an RFC 5280 §5.3.1 CRLReason code. */
export type OcspCertStatus = { kind: 'good' } | { kind: 'revoked'; revokedAt: Date; reason?: number } | { kind: 'unknown' };

/** One SingleResponse to write (RFC 6960 §4.2.1). */
export interface SingleResponseInput {
  /** Echoed byte for byte (the client's own encoding of its CertID). */
  certId: CertId;
  status: OcspCertStatus;
  thisUpdate: Date;
  nextUpdate?: Date;
}

/** RFC 6960 §4.2.1 OCSPResponseStatus values other than successful. */
export type OcspErrorStatus = 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';

const STATUS_CODES: Record<'successful' | OcspErrorStatus, number> = {
  successful: 0, malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6,
};
const STATUS_NAMES = new Map<number, 'successful' | OcspErrorStatus>(
  (Object.entries(STATUS_CODES) as Array<['successful' | OcspErrorStatus, number]>).map(([k, v]) => [v, k]),
);

const GOOD = Uint8Array.of(0x80, 0x00);
const UNKNOWN = Uint8Array.of(0x82, 0x00);
/** RFC 5280 §5.3.1 CRLReason: 0..10 without 7. */
function checkReason(r: number): void {
  if (!Number.isInteger(r) || r < 0 || r > 10 || r === 7) throw new KysoError('invalid-argument', `OCSP: ${r} is not an RFC 5280 CRLReason code (0-6, 8-10)`);
}

function statusSize(s: OcspCertStatus): number {
  if (s.kind === 'good' || s.kind === 'unknown') return 2;
  if (s.kind !== 'revoked') throw new KysoError('invalid-argument', `OCSP: unknown certificate status ${String((s as { kind: unknown }).kind)}`);
  if (s.reason !== undefined) checkReason(s.reason);
  return tlvSize(GENERALIZED_TIME_SIZE + (s.reason === undefined ? 0 : 5));
}

function singleResponseLength(r: SingleResponseInput): number {
  return r.certId.der.length + statusSize(r.status) + GENERALIZED_TIME_SIZE + (r.nextUpdate ? 2 + GENERALIZED_TIME_SIZE : 0);
}

/**
 * Encodes tbsResponseData (RFC 6960 §4.2.1 ResponseData), the exact bytes to sign: version v1
 * (omitted, DEFAULT), ResponderID byKey [2] (§4.2.2.3: SHA-1 of the responder's subjectPublicKey),
 * producedAt, one SingleResponse per input, and the nonce extension (§4.4.1) when echoing one.
 * Times are GeneralizedTime with whole seconds and 'Z' (§4.2.2.1, RFC 5280 §4.1.2.5.2).
 */
export function encodeResponseData(p: { responderKeyHash: Uint8Array; producedAt: Date; responses: SingleResponseInput[]; nonce?: Uint8Array }): Uint8Array {
  return writeResponseData(p, (n) => new Uint8Array(n));
}

/**
 * Short-lived buffers (the tbsResponseData that is signed, then copied into the response) come
 * from Node's Buffer pool when there is one: a typed array over 64 bytes is allocated off-heap,
 * which costs more than encoding the whole structure. Anything kept by a caller is a plain array.
 */
const allocTransient: (n: number) => Uint8Array = typeof Buffer === 'function' && typeof Buffer.allocUnsafe === 'function'
  ? (n) => Buffer.allocUnsafe(n)
  : (n) => new Uint8Array(n);

function writeResponseData(p: { responderKeyHash: Uint8Array; producedAt: Date; responses: SingleResponseInput[]; nonce?: Uint8Array }, alloc: (n: number) => Uint8Array): Uint8Array {
  if (p.responses.length === 0) throw new KysoError('invalid-argument', 'OCSP: a response needs at least one SingleResponse');
  if (p.responderKeyHash.length === 0) throw new KysoError('invalid-argument', 'OCSP: empty responder key hash');
  if (p.nonce && p.nonce.length === 0) throw new KysoError('invalid-argument', 'OCSP: empty nonce');
  const kh = p.responderKeyHash;
  const responderIdContent = tlvSize(kh.length);
  let listLen = 0;
  const lengths: number[] = new Array(p.responses.length);
  for (let i = 0; i < p.responses.length; i++) {
    const r = p.responses[i]!;
    if (r.nextUpdate && r.nextUpdate.getTime() < r.thisUpdate.getTime()) throw new KysoError('invalid-argument', 'OCSP: nextUpdate before thisUpdate');
    const n = singleResponseLength(r);
    lengths[i] = n;
    listLen += tlvSize(n);
  }
  const nonce = p.nonce;
  const valueLen = nonce ? tlvSize(nonce.length) : 0;
  const extLen = nonce ? DER_OID_NONCE.length + tlvSize(valueLen) : 0;
  const extsLen = tlvSize(extLen);
  const wrapperLen = tlvSize(extsLen);
  const rdLen = tlvSize(responderIdContent) + GENERALIZED_TIME_SIZE + tlvSize(listLen) + (nonce ? tlvSize(wrapperLen) : 0);

  const out = alloc(tlvSize(rdLen));
  let off = putHeader(out, 0, 0x30, rdLen);
  off = putHeader(out, off, 0xa2, responderIdContent);
  off = putHeader(out, off, 0x04, kh.length);
  off = putBytes(out, off, kh);
  off = putGeneralizedTime(out, off, p.producedAt);
  off = putHeader(out, off, 0x30, listLen);
  for (let i = 0; i < p.responses.length; i++) {
    const r = p.responses[i]!;
    off = putHeader(out, off, 0x30, lengths[i]!);
    off = putBytes(out, off, r.certId.der);
    const s = r.status;
    if (s.kind === 'good') off = putBytes(out, off, GOOD);
    else if (s.kind === 'unknown') off = putBytes(out, off, UNKNOWN);
    else {
      off = putHeader(out, off, 0xa1, GENERALIZED_TIME_SIZE + (s.reason === undefined ? 0 : 5));
      off = putGeneralizedTime(out, off, s.revokedAt);
      if (s.reason !== undefined) {
        out[off++] = 0xa0; out[off++] = 3; out[off++] = 0x0a; out[off++] = 1; out[off++] = s.reason;
      }
    }
    off = putGeneralizedTime(out, off, r.thisUpdate);
    if (r.nextUpdate) {
      out[off++] = 0xa0; out[off++] = GENERALIZED_TIME_SIZE;
      off = putGeneralizedTime(out, off, r.nextUpdate);
    }
  }
  if (nonce) {
    off = putHeader(out, off, 0xa1, wrapperLen);
    off = putHeader(out, off, 0x30, extsLen);
    off = putHeader(out, off, 0x30, extLen);
    off = putBytes(out, off, DER_OID_NONCE);
    off = putHeader(out, off, 0x04, valueLen);
    off = putHeader(out, off, 0x04, nonce.length);
    off = putBytes(out, off, nonce);
  }
  if (off !== out.length) throw new KysoError('internal', 'OCSP: response length computation is inconsistent');
  return out;
}

/**
 * Wraps signed tbsResponseData into a complete OCSPResponse (RFC 6960 §4.2.1): responseStatus
 * successful, responseType id-pkix-ocsp-basic, BasicOCSPResponse with the signature and, for a
 * delegated responder (§4.2.2.2), its certificate in `certs`.
 */
export function assembleOcspResponse(p: { tbsResponseData: Uint8Array; signatureAlgorithm: SignatureAlgorithm; signature: Uint8Array; certs?: Uint8Array[] }): Uint8Array {
  const alg = signatureAlgorithmDer(p.signatureAlgorithm);
  const sig = p.signature;
  let certsLen = 0;
  const certs = p.certs && p.certs.length ? p.certs : undefined;
  if (certs) for (const c of certs) certsLen += c.length;
  const basicLen = p.tbsResponseData.length + alg.length + tlvSize(sig.length + 1) + (certs ? tlvSize(tlvSize(certsLen)) : 0);
  const basicSize = tlvSize(basicLen);
  const rbLen = DER_OID_BASIC.length + tlvSize(basicSize);
  const outerLen = 3 + tlvSize(tlvSize(rbLen));
  const out = new Uint8Array(tlvSize(outerLen));
  let off = putHeader(out, 0, 0x30, outerLen);
  out[off++] = 0x0a; out[off++] = 1; out[off++] = 0; // responseStatus successful
  off = putHeader(out, off, 0xa0, tlvSize(rbLen));
  off = putHeader(out, off, 0x30, rbLen);
  off = putBytes(out, off, DER_OID_BASIC);
  off = putHeader(out, off, 0x04, basicSize);
  off = putHeader(out, off, 0x30, basicLen);
  off = putBytes(out, off, p.tbsResponseData);
  off = putBytes(out, off, alg);
  off = putHeader(out, off, 0x03, sig.length + 1);
  out[off++] = 0;
  off = putBytes(out, off, sig);
  if (certs) {
    off = putHeader(out, off, 0xa0, tlvSize(certsLen));
    off = putHeader(out, off, 0x30, certsLen);
    for (const c of certs) off = putBytes(out, off, c);
  }
  return out;
}

/** A responder passes the same SignatureAlgorithm object every time: its DER is remembered per object. */
const algDerByObject = new WeakMap<SignatureAlgorithm, { scheme: string; hash: string | null; salt: number | undefined; der: Uint8Array }>();
function signatureAlgorithmDer(alg: SignatureAlgorithm): Uint8Array {
  const hit = algDerByObject.get(alg);
  // The object may have been changed since: the key fields are compared every time.
  if (hit && hit.scheme === alg.scheme && hit.hash === alg.hash && hit.salt === alg.saltLength) return hit.der;
  const der = encodeSignatureAlgorithmDer(alg);
  algDerByObject.set(alg, { scheme: alg.scheme, hash: alg.hash, salt: alg.saltLength, der });
  return der;
}

/**
 * Encodes, signs and assembles a BasicOCSPResponse (RFC 6960 §4.2.1) in one call. The signer is
 * the issuing CA itself or a delegated responder whose certificate goes in `certs` (§4.2.2.2).
 */
export async function buildOcspResponse(p: Parameters<typeof encodeResponseData>[0] & { signer: Signer; signatureAlgorithm: SignatureAlgorithm; certs?: Uint8Array[] }): Promise<Uint8Array> {
  const tbsResponseData = writeResponseData(p, allocTransient);
  const signature = await p.signer.sign(tbsResponseData, p.signatureAlgorithm);
  return assembleOcspResponse({ tbsResponseData, signatureAlgorithm: p.signatureAlgorithm, signature, certs: p.certs });
}

const ERROR_RESPONSES = new Map<OcspErrorStatus, Uint8Array>(
  (['malformedRequest', 'internalError', 'tryLater', 'sigRequired', 'unauthorized'] as const)
    .map((s) => [s, Uint8Array.of(0x30, 0x03, 0x0a, 0x01, STATUS_CODES[s])]),
);

/**
 * An unsuccessful OCSPResponse (RFC 6960 §4.2.1, §2.3): only responseStatus, no responseBytes
 * and no signature. Returns a fresh copy of a precomputed constant.
 */
export function ocspErrorResponse(status: OcspErrorStatus): Uint8Array {
  const r = ERROR_RESPONSES.get(status);
  if (!r) throw new KysoError('invalid-argument', `OCSP: ${String(status)} is not an error status`);
  return r.slice();
}

// ---------------------------------------------------------------------------------------------
// Reading

/** A single response as read (RFC 6960 §4.2.1 SingleResponse). */
export interface ParsedSingleResponse {
  certId: CertId;
  status: OcspCertStatus;
  thisUpdate: Date;
  nextUpdate?: Date;
}

/** An OCSPResponse as read (RFC 6960 §4.2.1); `basic` is present exactly when status is successful. */
export interface ParsedOcspResponse {
  status: 'successful' | OcspErrorStatus;
  basic?: {
    /** Exact bytes the signature covers. */
    tbsResponseData: Uint8Array;
    signatureAlgorithm: SignatureAlgorithm;
    signature: Uint8Array;
    /** DER certificates in `certs`, exact bytes. */
    certs: Uint8Array[];
    /** ResponderID byKey (§4.2.2.3). */
    responderKeyHash?: Uint8Array;
    /** ResponderID byName: the DER Name. */
    responderNameDer?: Uint8Array;
    producedAt: Date;
    responses: ParsedSingleResponse[];
    /** Value of the id-pkix-ocsp-nonce OCTET STRING (§4.4.1), when present. */
    nonce?: Uint8Array;
    /** First critical response or single extension kyso does not understand (the response must then be refused, §4.4). */
    unknownCriticalExtension?: string;
  };
}

const NONCE_CONTENT = oidContent(OCSP_OID.nonce);
const BASIC_CONTENT = oidContent(OCSP_OID.basic);
/** Response and single extensions kyso understands (RFC 6960 §4.4; RFC 5280 §5.3 CRL entry extensions). */
const KNOWN_RESPONSE_EXTENSIONS = [
  OCSP_OID.nonce, OCSP_OID.crlId, OCSP_OID.archiveCutoff, OCSP_OID.extendedRevoke, OID.crlReason, OID.invalidityDate,
].map(oidContent);

/**
 * Parses a DER OCSPResponse (RFC 6960 §4.2.1) with a basic response (§4.2.1 BasicOCSPResponse).
 * Checks structure only — verifyOcspResponse decides whether to believe it. Throws
 * KysoError('malformed') for anything unreadable, including an unknown responseType or signature
 * algorithm (nothing else).
 */
export function parseOcspResponse(der: Uint8Array): ParsedOcspResponse {
  try {
    return readOcspResponse(der);
  } catch (e) {
    if (e instanceof KysoError && e.kind === 'malformed') throw e;
    throw new KysoError('malformed', `OCSP response: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function readOcspResponse(der: Uint8Array): ParsedOcspResponse {
  const outer = readWhole(der, 'OCSP response');
  if (outer.tag !== 0x30) malformed('OCSP response: not a SEQUENCE');
  const top = childrenOf(der, outer, 'OCSP response', 2);
  const st = top[0];
  if (!st || st.tag !== 0x0a || st.end - st.valueStart !== 1) malformed('OCSP response: responseStatus is not a one-octet ENUMERATED');
  const status = STATUS_NAMES.get(der[st.valueStart]!);
  if (!status) malformed(`OCSP response: unknown responseStatus ${der[st.valueStart]}`);
  const rb = top[1];
  if (status !== 'successful') {
    if (rb) malformed(`OCSP response: ${status} with responseBytes`);
    return { status };
  }
  if (!rb || rb.tag !== 0xa0) malformed('OCSP response: successful without responseBytes');
  const rbSeq = onlyChild(der, rb, 'OCSP responseBytes');
  if (rbSeq.tag !== 0x30) malformed('OCSP responseBytes is not a SEQUENCE');
  const [type, octets, extra] = childrenOf(der, rbSeq, 'OCSP responseBytes', 2);
  if (!type || !octets || extra || type.tag !== 0x06 || octets.tag !== 0x04) malformed('OCSP responseBytes needs responseType and response');
  if (!contentEquals(der, type, BASIC_CONTENT)) malformed(`OCSP responseType ${decodeOid(der, type)} is not id-pkix-ocsp-basic`);

  const basicTlv = onlyChild(der, octets, 'BasicOCSPResponse');
  if (basicTlv.tag !== 0x30) malformed('BasicOCSPResponse is not a SEQUENCE');
  const bf = childrenOf(der, basicTlv, 'BasicOCSPResponse', 4);
  const [tbs, alg, sig, certsTlv] = bf;
  if (!tbs || !alg || !sig || tbs.tag !== 0x30 || alg.tag !== 0x30 || sig.tag !== 0x03) {
    malformed('BasicOCSPResponse needs tbsResponseData, signatureAlgorithm and signature');
  }
  if (sig.end === sig.valueStart || der[sig.valueStart] !== 0) malformed('BasicOCSPResponse: signature BIT STRING with unused bits');
  const certs: Uint8Array[] = [];
  if (certsTlv) {
    if (certsTlv.tag !== 0xa0) malformed('BasicOCSPResponse: unexpected element after signature');
    const seq = onlyChild(der, certsTlv, 'BasicOCSPResponse certs');
    if (seq.tag !== 0x30) malformed('BasicOCSPResponse certs is not a SEQUENCE');
    for (const c of childrenOf(der, seq, 'BasicOCSPResponse certs')) {
      if (c.tag !== 0x30) malformed('BasicOCSPResponse: a certificate is not a SEQUENCE');
      certs.push(der.subarray(c.start, c.end));
    }
  }
  let signatureAlgorithm: SignatureAlgorithm;
  try {
    signatureAlgorithm = decodeSignatureAlgorithmDer(der.subarray(alg.start, alg.end));
  } catch (e) {
    throw new KysoError('malformed', `BasicOCSPResponse: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const basic: NonNullable<ParsedOcspResponse['basic']> = {
    tbsResponseData: der.subarray(tbs.start, tbs.end),
    signatureAlgorithm,
    signature: der.subarray(sig.valueStart + 1, sig.end),
    certs,
    producedAt: new Date(0),
    responses: [],
  };

  const f = childrenOf(der, tbs, 'ResponseData', 5);
  let i = 0;
  if (f[i]?.tag === 0xa0) {
    const v = onlyChild(der, f[i]!, 'ResponseData version');
    checkInteger(der, v, 'ResponseData version');
    if (v.end - v.valueStart !== 1 || der[v.valueStart] !== 0) malformed('ResponseData: only version v1 is known');
    i++;
  }
  const rid = f[i++];
  if (rid?.tag === 0xa1) {
    const name = onlyChild(der, rid, 'ResponderID byName');
    if (name.tag !== 0x30) malformed('ResponderID byName is not a Name');
    basic.responderNameDer = der.subarray(name.start, name.end);
  } else if (rid?.tag === 0xa2) {
    const kh = onlyChild(der, rid, 'ResponderID byKey');
    if (kh.tag !== 0x04) malformed('ResponderID byKey is not an OCTET STRING');
    basic.responderKeyHash = der.subarray(kh.valueStart, kh.end);
  } else malformed('ResponseData: responderID is missing');
  const produced = f[i++];
  basic.producedAt = readGeneralizedTime(der, produced, 'producedAt');
  const list = f[i++];
  if (!list || list.tag !== 0x30) malformed('ResponseData: responses is missing');
  for (const sr of childrenOf(der, list, 'ResponseData responses')) basic.responses.push(readSingleResponse(der, sr, basic));
  if (f[i]?.tag === 0xa1) {
    for (const e of readExtensions(der, f[i]!, 'responseExtensions')) {
      if (contentEquals(der, e.oidTlv, NONCE_CONTENT)) {
        const inner = onlyChild(der, e.value, 'OCSP nonce');
        if (inner.tag !== 0x04) malformed('OCSP nonce: extnValue is not an OCTET STRING (RFC 8954)');
        basic.nonce = der.subarray(inner.valueStart, inner.end);
      } else noteUnknownCritical(der, e.oidTlv, e.critical, basic);
    }
    i++;
  }
  if (i !== f.length) malformed('ResponseData: unexpected element');
  return { status, basic };
}

function readGeneralizedTime(der: Uint8Array, t: Tlv | undefined, what: string): Date {
  if (!t || t.tag !== 0x18) malformed(`OCSP ${what} is not a GeneralizedTime`);
  const d = decodeTime(der, t);
  if (Number.isNaN(d.getTime())) malformed(`OCSP ${what} is not a valid time`);
  return d;
}

function noteUnknownCritical(der: Uint8Array, oid: Tlv, critical: boolean, basic: { unknownCriticalExtension?: string }): void {
  if (!critical || basic.unknownCriticalExtension !== undefined) return;
  for (const k of KNOWN_RESPONSE_EXTENSIONS) if (contentEquals(der, oid, k)) return;
  basic.unknownCriticalExtension = decodeOid(der, oid);
}

function readSingleResponse(der: Uint8Array, t: Tlv, basic: { unknownCriticalExtension?: string }): ParsedSingleResponse {
  if (t.tag !== 0x30) malformed('SingleResponse is not a SEQUENCE');
  const f = childrenOf(der, t, 'SingleResponse', 5);
  const [idTlv, st] = f;
  if (!idTlv || !st) malformed('SingleResponse needs certID and certStatus');
  const certId = readCertIdAt(der, idTlv);
  let status: OcspCertStatus;
  if (st.tag === 0x80 || st.tag === 0x82) {
    if (st.end !== st.valueStart) malformed('SingleResponse: good/unknown status must be empty');
    status = st.tag === 0x80 ? { kind: 'good' } : { kind: 'unknown' };
  } else if (st.tag === 0xa1) {
    const rf = childrenOf(der, st, 'RevokedInfo', 2);
    const revokedAt = readGeneralizedTime(der, rf[0], 'revocationTime');
    status = { kind: 'revoked', revokedAt };
    if (rf[1]) {
      if (rf[1].tag !== 0xa0) malformed('RevokedInfo: unexpected element');
      const e = onlyChild(der, rf[1], 'revocationReason');
      if (e.tag !== 0x0a || e.end - e.valueStart !== 1) malformed('RevokedInfo: revocationReason is not a CRLReason');
      status.reason = der[e.valueStart]!;
    }
  } else malformed('SingleResponse: unknown certStatus');
  const thisUpdate = readGeneralizedTime(der, f[2], 'thisUpdate');
  const out: ParsedSingleResponse = { certId, status, thisUpdate };
  let i = 3;
  if (f[i]?.tag === 0xa0) {
    out.nextUpdate = readGeneralizedTime(der, onlyChild(der, f[i]!, 'nextUpdate'), 'nextUpdate');
    i++;
  }
  if (f[i]?.tag === 0xa1) {
    for (const e of readExtensions(der, f[i]!, 'singleExtensions')) noteUnknownCritical(der, e.oidTlv, e.critical, basic);
    i++;
  }
  if (i !== f.length) malformed('SingleResponse: unexpected element');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Verifying

/** Result of verifyOcspResponse: the status to act on, or why the response must not be believed. */
export type OcspVerification =
  | { ok: true; status: OcspCertStatus; thisUpdate: Date; nextUpdate?: Date; producedAt: Date; responder: 'issuer' | 'delegated' }
  | { ok: false; reason: string };

/** Default tolerance for clock differences between responder and client (as OpenSSL's 5 minutes). */
const DEFAULT_SKEW_SECONDS = 300;

/**
 * Decides whether a parsed response answers for `certId` and may be believed (RFC 6960 §3.2,
 * §4.2.2.2): the responder is the issuer itself, or a delegated responder whose certificate is in
 * `certs`, was issued and signed by the issuer, carries id-kp-OCSPSigning and is valid at `at`;
 * the signature verifies; a SingleResponse for `certId` is present; thisUpdate and producedAt are
 * not in the future and nextUpdate has not passed (± `skewSeconds`, default 300); thisUpdate is at
 * most `maxAgeSeconds` old when given; the nonce equals `expectedNonce` when given (RFC 8954).
 * Revocation of a delegated responder's own certificate is not checked (kyso's responder
 * certificates carry id-pkix-ocsp-nocheck, §4.2.2.2.1). Never throws for a bad response.
 */
export function verifyOcspResponse(r: ParsedOcspResponse, p: { issuer: ParsedCertificate; certId: CertId; crypto: CryptoPort; at: Date; expectedNonce?: Uint8Array; maxAgeSeconds?: number; skewSeconds?: number }): OcspVerification {
  const fail = (reason: string): OcspVerification => ({ ok: false, reason });
  try {
    if (r.status !== 'successful') return fail(`the responder answered ${r.status}`);
    const b = r.basic;
    if (!b) return fail('the response carries no basic response');
    if (b.unknownCriticalExtension) return fail(`the response has an unknown critical extension ${b.unknownCriticalExtension}`);

    const expected = issuerHashes({ issuerNameDer: p.issuer.subjectDer, issuerSpki: p.issuer.spki, hash: p.certId.hash, crypto: p.crypto });
    if (!bytesEqual(expected.issuerNameHash, p.certId.issuerNameHash) || !bytesEqual(expected.issuerKeyHash, p.certId.issuerKeyHash)) {
      return fail(`the CertID does not name ${p.issuer.subjectString} as issuer`);
    }

    // §4.2.2.3 ResponderID → the signing certificate: the issuer, or one of `certs`.
    const matchesResponder = (c: ParsedCertificate): boolean => {
      if (b.responderKeyHash) return bytesEqual(b.responderKeyHash, p.crypto.digest('SHA-1', subjectPublicKeyBits(c.spki)));
      return b.responderNameDer !== undefined && sameName(b.responderNameDer, c.subjectDer);
    };
    let responder: 'issuer' | 'delegated' | undefined;
    const problems: string[] = [];
    if (matchesResponder(p.issuer)) {
      if (verifySignature(p.crypto, b, p.issuer.spki)) responder = 'issuer';
      else problems.push(`the response signature does not verify with the key of ${p.issuer.subjectString}`);
    }
    for (let i = 0; !responder && i < b.certs.length; i++) {
      let c: ParsedCertificate;
      try { c = parseCertificate(b.certs[i]!); } catch { continue; }
      if (!matchesResponder(c)) continue;
      const problem = delegationProblem(c, p.issuer, p.crypto, p.at);
      if (problem) problems.push(problem);
      else if (verifySignature(p.crypto, b, c.spki)) responder = 'delegated';
      else problems.push(`the response signature does not verify with the key of ${c.subjectString}`);
    }
    if (!responder) {
      return fail(problems.length ? problems.join('; ') : 'the responder is neither the issuer nor a responder certificate included in the response');
    }

    // Some responders answer with their own CertID hash (often SHA-1) whatever the request used:
    // the same serial under the same issuer, hashed differently, is the same certificate.
    const issuerByHash = new Map<CertId['hash'], { issuerNameHash: Uint8Array; issuerKeyHash: Uint8Array }>([[p.certId.hash, expected]]);
    const sameCertificate = (id: CertId): boolean => {
      if (id.hash === p.certId.hash || id.serialHex !== p.certId.serialHex) return false;
      let h = issuerByHash.get(id.hash);
      if (!h) {
        h = issuerHashes({ issuerNameDer: p.issuer.subjectDer, issuerSpki: p.issuer.spki, hash: id.hash, crypto: p.crypto });
        issuerByHash.set(id.hash, h);
      }
      return bytesEqual(h.issuerNameHash, id.issuerNameHash) && bytesEqual(h.issuerKeyHash, id.issuerKeyHash);
    };
    const single = b.responses.find((s) => certIdMatches(s.certId, p.certId)) ?? b.responses.find((s) => sameCertificate(s.certId));
    if (!single) return fail(`the response has no status for serial ${p.certId.serialHex}`);

    const at = p.at.getTime();
    const skew = (p.skewSeconds ?? DEFAULT_SKEW_SECONDS) * 1000;
    if (single.thisUpdate.getTime() > at + skew) return fail(`thisUpdate ${single.thisUpdate.toISOString()} is in the future`);
    if (b.producedAt.getTime() > at + skew) return fail(`producedAt ${b.producedAt.toISOString()} is in the future`);
    if (single.nextUpdate) {
      if (single.nextUpdate.getTime() < single.thisUpdate.getTime()) return fail('nextUpdate is before thisUpdate');
      if (single.nextUpdate.getTime() < at - skew) return fail(`the response expired: nextUpdate ${single.nextUpdate.toISOString()} has passed`);
    }
    if (p.maxAgeSeconds !== undefined && at - single.thisUpdate.getTime() > p.maxAgeSeconds * 1000) {
      return fail(`the response is stale: thisUpdate ${single.thisUpdate.toISOString()} is older than ${p.maxAgeSeconds} s`);
    }
    if (p.expectedNonce) {
      if (!b.nonce) return fail('the responder did not echo the nonce');
      if (!bytesEqual(b.nonce, p.expectedNonce)) return fail('the nonce in the response does not match the request');
    }
    const out: OcspVerification = { ok: true, status: single.status, thisUpdate: single.thisUpdate, producedAt: b.producedAt, responder };
    if (single.nextUpdate) out.nextUpdate = single.nextUpdate;
    return out;
  } catch (e) {
    return fail(`the response cannot be checked: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function verifySignature(crypto: CryptoPort, b: NonNullable<ParsedOcspResponse['basic']>, spki: Uint8Array): boolean {
  try {
    return crypto.verify({ algorithm: b.signatureAlgorithm, spki, data: b.tbsResponseData, signature: b.signature });
  } catch {
    return false;
  }
}

function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (bytesEqual(a, b)) return true;
  try { return namesEqual(parseDistinguishedName(a), parseDistinguishedName(b)); } catch { return false; }
}

/** RFC 6960 §4.2.2.2: why `c` may not answer for certificates of `issuer`, or undefined when it may. */
function delegationProblem(c: ParsedCertificate, issuer: ParsedCertificate, crypto: CryptoPort, at: Date): string | undefined {
  const who = `responder certificate ${c.subjectString}`;
  if (!sameName(c.issuerDer, issuer.subjectDer)) return `${who} was not issued by ${issuer.subjectString}`;
  let ok: boolean;
  try {
    ok = crypto.verify({ algorithm: certificateSignatureAlgorithm(c), spki: issuer.spki, data: c.tbs, signature: c.signature });
  } catch {
    ok = false;
  }
  if (!ok) return `${who} is not signed by ${issuer.subjectString}`;
  let eku: string[] | undefined;
  try { eku = getExtendedKeyUsage(c); } catch { eku = undefined; }
  if (!eku || !eku.includes(OID.kpOcspSigning)) return `${who} lacks extended key usage id-kp-OCSPSigning`;
  let ku;
  try { ku = getKeyUsage(c); } catch { return `${who} has an unreadable key usage`; }
  if (ku && !ku.has('digitalSignature')) return `${who} key usage lacks digitalSignature`;
  if (at.getTime() < c.notBefore.getTime()) return `${who} is not valid before ${c.notBefore.toISOString()}`;
  if (at.getTime() > c.notAfter.getTime()) return `${who} expired on ${c.notAfter.toISOString()}`;
  return undefined;
}
