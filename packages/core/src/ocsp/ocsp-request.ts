/**
 * RFC 6960 §4.1.1 OCSPRequest: a strict reader for the responder and a writer for the client.
 *
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
 *   TBSRequest  ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, requestorName [1] EXPLICIT GeneralName OPTIONAL,
 *                              requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 *   Request     ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *
 * The reader is the responder's first contact with untrusted bytes: every length, tag, INTEGER,
 * BOOLEAN and OID is checked, nothing is read past its container, sizes and counts are bounded,
 * and the only exceptions are KysoError('malformed') and KysoError('unsupported'). Two DEFAULT
 * values written explicitly (version v1, an extension's critical FALSE) are tolerated because
 * deployed clients write them; everything else must be DER.
 */
import { KysoError } from '../errors.ts';
import { readTlv, readWhole, type Tlv } from '../asn1/der.ts';
import { readCertIdAt, type CertId } from './cert-id.ts';
import {
  checkInteger, childrenOf, contentEquals, DER_OID_NONCE, malformed, OCSP_OID, oidContent, onlyChild, putBytes,
  putHeader, readExtensions, tlvSize, type OcspExtension,
} from './ocsp-der.ts';
import { decodeOid } from '../x509/asn1-values.ts';

/**
 * Bounds applied to requests: total size, number of CertIDs, and nonce length (RFC 8954 §2.1:
 * 1..32 octets; a responder rejects longer or empty nonces with malformedRequest).
 */
export const OCSP_LIMITS: { readonly maxRequestBytes: number; readonly maxRequests: number; readonly maxNonceBytes: number } = Object.freeze({
  maxRequestBytes: 8192,
  maxRequests: 20,
  maxNonceBytes: 32,
});

/** What a responder needs from a request (RFC 6960 §4.1.1, §4.4.1). */
export interface ParsedOcspRequest {
  /** The CertIDs asked about, in order; views into the request bytes. */
  requests: CertId[];
  /** The value of the id-pkix-ocsp-nonce OCTET STRING (RFC 6960 §4.4.1, RFC 8954), when present. */
  nonce?: Uint8Array;
  /** Whether optionalSignature is present (its structure is checked; the signature is not verified here). */
  signed: boolean;
  /** DER GeneralName of requestorName (RFC 6960 §4.1.2), when present. */
  requestorName?: Uint8Array;
  /**
   * Dotted OID of the first critical request or single-request extension kyso does not
   * understand; a responder should not answer such a request as if the extension were absent.
   */
  unknownCriticalExtension?: string;
}

const NONCE_CONTENT = oidContent(OCSP_OID.nonce);
/** Extensions kyso understands in requests (RFC 6960 §4.4.1 nonce, §4.4.3 acceptable responses, §4.4.7 preferred signature algorithms). */
const KNOWN_REQUEST_EXTENSIONS = [NONCE_CONTENT, oidContent(OCSP_OID.acceptableResponses), oidContent(OCSP_OID.preferredSignatureAlgorithms)];

/**
 * Parses a DER OCSPRequest (RFC 6960 §4.1.1). Throws KysoError('malformed') for anything that is
 * not a DER OCSPRequest or carries an empty or over-long nonce (RFC 8954 §2.1), and
 * KysoError('unsupported') for a request beyond OCSP_LIMITS (size, number of CertIDs), a version
 * other than v1, or a CertID hash other than SHA-1/256/384/512. Never throws anything else.
 */
export function parseOcspRequest(der: Uint8Array): ParsedOcspRequest {
  if (!(der instanceof Uint8Array)) throw new KysoError('malformed', 'OCSP request: expected bytes');
  if (der.length > OCSP_LIMITS.maxRequestBytes) {
    throw new KysoError('unsupported', `OCSP request of ${der.length} bytes exceeds the ${OCSP_LIMITS.maxRequestBytes}-byte limit`);
  }
  const outer = readWhole(der, 'OCSP request');
  if (outer.tag !== 0x30) malformed('OCSP request: not a SEQUENCE');
  const top = childrenOf(der, outer, 'OCSP request', 2);
  const tbs = top[0];
  if (!tbs || tbs.tag !== 0x30) malformed('OCSP request: tbsRequest is not a SEQUENCE');
  const sig = top[1];
  if (sig) {
    if (sig.tag !== 0xa0) malformed('OCSP request: unexpected element after tbsRequest');
    checkSignature(der, sig);
  }

  const f = childrenOf(der, tbs, 'OCSP tbsRequest', 4);
  let i = 0;
  if (f[i]?.tag === 0xa0) {
    const v = onlyChild(der, f[i]!, 'OCSP request version');
    checkInteger(der, v, 'OCSP request version');
    if (v.end - v.valueStart !== 1 || der[v.valueStart] !== 0) throw new KysoError('unsupported', 'OCSP request: only version v1 is supported');
    i++;
  }
  let requestorName: Uint8Array | undefined;
  if (f[i]?.tag === 0xa1) {
    const g = onlyChild(der, f[i]!, 'OCSP requestorName');
    // GeneralName (RFC 5280 §4.2.1.6): a context-specific [0]..[8].
    if ((g.tag & 0xc0) !== 0x80 || (g.tag & 0x1f) > 8) malformed('OCSP requestorName is not a GeneralName');
    requestorName = der.subarray(g.start, g.end);
    i++;
  }
  const list = f[i];
  if (!list || list.tag !== 0x30) malformed('OCSP request: requestList is missing');
  i++;
  const result: ParsedOcspRequest = { requests: [], signed: sig !== undefined };
  if (requestorName) result.requestorName = requestorName;
  if (f[i]?.tag === 0xa2) {
    readRequestExtensions(der, f[i]!, result);
    i++;
  }
  if (i !== f.length) malformed('OCSP request: unexpected element in tbsRequest');

  let pos = list.valueStart;
  while (pos < list.end) {
    const req = readTlv(der, pos, list.end);
    pos = req.end;
    if (result.requests.length >= OCSP_LIMITS.maxRequests) {
      throw new KysoError('unsupported', `OCSP request asks about more than ${OCSP_LIMITS.maxRequests} certificates`);
    }
    if (req.tag !== 0x30) malformed('OCSP request: a Request is not a SEQUENCE');
    const rf = childrenOf(der, req, 'OCSP Request', 2);
    const certId = rf[0];
    if (!certId) malformed('OCSP request: a Request has no CertID');
    const single = rf[1];
    if (single) {
      if (single.tag !== 0xa0) malformed('OCSP request: unexpected element in a Request');
      for (const e of readExtensions(der, single, 'OCSP singleRequestExtensions')) noteUnknownCritical(der, e, result);
    }
    result.requests.push(readCertIdAt(der, certId));
  }
  if (result.requests.length === 0) malformed('OCSP request: requestList is empty');
  return result;
}

function readRequestExtensions(der: Uint8Array, wrapper: Tlv, result: ParsedOcspRequest): void {
  for (const e of readExtensions(der, wrapper, 'OCSP requestExtensions')) {
    if (contentEquals(der, e.oidTlv, NONCE_CONTENT)) {
      // RFC 6960 §4.4.1 / RFC 8954 §2.1: extnValue holds an OCTET STRING of 1..32 octets.
      const inner = onlyChild(der, e.value, 'OCSP nonce');
      if (inner.tag !== 0x04) malformed('OCSP nonce: extnValue is not an OCTET STRING (RFC 8954)');
      const n = inner.end - inner.valueStart;
      if (n === 0) malformed('OCSP nonce is empty (RFC 8954 §2.1)');
      if (n > OCSP_LIMITS.maxNonceBytes) malformed(`OCSP nonce of ${n} octets exceeds ${OCSP_LIMITS.maxNonceBytes} (RFC 8954 §2.1)`);
      result.nonce = der.subarray(inner.valueStart, inner.end);
    } else {
      noteUnknownCritical(der, e, result);
    }
  }
}

function noteUnknownCritical(der: Uint8Array, e: OcspExtension, result: ParsedOcspRequest): void {
  if (!e.critical || result.unknownCriticalExtension !== undefined) return;
  for (const k of KNOWN_REQUEST_EXTENSIONS) if (contentEquals(der, e.oidTlv, k)) return;
  result.unknownCriticalExtension = decodeOid(der, e.oidTlv);
}

/** Signature ::= SEQUENCE { signatureAlgorithm AlgorithmIdentifier, signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL } */
function checkSignature(der: Uint8Array, wrapper: Tlv): void {
  const s = onlyChild(der, wrapper, 'OCSP optionalSignature');
  if (s.tag !== 0x30) malformed('OCSP optionalSignature is not a SEQUENCE');
  const f = childrenOf(der, s, 'OCSP optionalSignature', 3);
  if (f.length < 2 || f[0]!.tag !== 0x30 || f[1]!.tag !== 0x03 || f[1]!.end === f[1]!.valueStart) {
    malformed('OCSP optionalSignature needs an AlgorithmIdentifier and a BIT STRING');
  }
  if (der[f[1]!.valueStart]! > 7) malformed('OCSP optionalSignature: bad BIT STRING');
  const alg = childrenOf(der, f[0]!, 'OCSP optionalSignature algorithm', 2);
  if (!alg[0]) malformed('OCSP optionalSignature: empty AlgorithmIdentifier');
  checkOidTag(der, alg[0]);
  if (f[2]) {
    if (f[2].tag !== 0xa0) malformed('OCSP optionalSignature: unexpected element');
    const certs = onlyChild(der, f[2], 'OCSP optionalSignature certs');
    if (certs.tag !== 0x30) malformed('OCSP optionalSignature certs is not a SEQUENCE');
    for (const c of childrenOf(der, certs, 'OCSP optionalSignature certs')) if (c.tag !== 0x30) malformed('OCSP optionalSignature: a certificate is not a SEQUENCE');
  }
}

function checkOidTag(der: Uint8Array, t: Tlv): void {
  if (t.tag !== 0x06) malformed('OCSP: expected an OBJECT IDENTIFIER');
  decodeOid(der, t);
}

/**
 * Encodes an unsigned OCSPRequest (RFC 6960 §4.1.1) for the CertIDs, with the nonce extension
 * (RFC 6960 §4.4.1; RFC 8954 asks clients for 32 octets) when given. Version v1 is omitted (DEFAULT).
 */
export function encodeOcspRequest(p: { certIds: CertId[]; nonce?: Uint8Array }): Uint8Array {
  if (p.certIds.length === 0) throw new KysoError('invalid-argument', 'an OCSP request needs at least one CertID');
  if (p.nonce && (p.nonce.length === 0 || p.nonce.length > OCSP_LIMITS.maxNonceBytes)) {
    throw new KysoError('invalid-argument', `an OCSP nonce must have 1 to ${OCSP_LIMITS.maxNonceBytes} octets (RFC 8954)`);
  }
  let listLen = 0;
  for (const c of p.certIds) listLen += tlvSize(c.der.length);
  // [2] { Extensions SEQUENCE { Extension SEQUENCE { extnID, extnValue OCTET STRING { OCTET STRING nonce } } } }
  const valueLen = p.nonce ? tlvSize(p.nonce.length) : 0;
  const extLen = p.nonce ? DER_OID_NONCE.length + tlvSize(valueLen) : 0;
  const extsLen = tlvSize(extLen);
  const wrapperLen = tlvSize(extsLen);
  const tbsLen = tlvSize(listLen) + (p.nonce ? tlvSize(wrapperLen) : 0);
  const reqLen = tlvSize(tbsLen);
  const out = new Uint8Array(tlvSize(reqLen));
  let off = putHeader(out, 0, 0x30, reqLen);
  off = putHeader(out, off, 0x30, tbsLen);
  off = putHeader(out, off, 0x30, listLen);
  for (const c of p.certIds) {
    off = putHeader(out, off, 0x30, c.der.length);
    off = putBytes(out, off, c.der);
  }
  if (p.nonce) {
    off = putHeader(out, off, 0xa2, wrapperLen);
    off = putHeader(out, off, 0x30, extsLen);
    off = putHeader(out, off, 0x30, extLen);
    off = putBytes(out, off, DER_OID_NONCE);
    off = putHeader(out, off, 0x04, valueLen);
    off = putHeader(out, off, 0x04, p.nonce.length);
    off = putBytes(out, off, p.nonce);
  }
  return out;
}
