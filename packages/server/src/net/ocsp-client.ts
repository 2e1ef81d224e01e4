/**
 * OCSP client (RFC 6960): asks a responder for the status of one certificate and believes the
 * answer only after verifying it (RFC 6960 §3.2, §4.2.2.2). Every failure — network, HTTP status,
 * content type, a non-successful OCSP status, a bad or unauthorized signature, a nonce mismatch, a
 * stale or future response — throws a KysoError naming the URL and the reason. It never answers
 * "good" for a response it could not verify.
 */
import { KysoError, type Clock, type CryptoPort, type ParsedCertificate } from '@kyso/core';
import { computeCertId } from '@kyso/core/ocsp/cert-id.ts';
import { encodeOcspRequest } from '@kyso/core/ocsp/ocsp-request.ts';
import { parseOcspResponse, verifyOcspResponse, type OcspCertStatus, type ParsedOcspResponse } from '@kyso/core/ocsp/ocsp-response.ts';
import { namesEqual, parseDistinguishedName } from '@kyso/core/x509/name-matching.ts';
import { fetchBytes, type FetchedBytes } from './http-fetch.ts';

export interface OcspQueryOptions {
  /** The responder URL (the certificate's AIA id-ad-ocsp, RFC 5280 §4.2.2.1). */
  url: string;
  /** The CA that issued `certificate`. */
  issuer: ParsedCertificate;
  certificate: ParsedCertificate;
  crypto: CryptoPort;
  clock: Clock;
  /** CertID hash (RFC 6960 §4.1.1); default SHA-256. */
  hash?: 'SHA-1' | 'SHA-256';
  /** Send a 32-octet nonce (RFC 8954) and require it echoed; default true. */
  nonce?: boolean;
  /** POST (default) or GET (RFC 6960 Appendix A.1). */
  method?: 'POST' | 'GET';
  /** Whole-request timeout, ms (default 10 s). */
  timeoutMs?: number;
  /** Largest response accepted, bytes (default 64 KiB). */
  maxBytes?: number;
  /** Refuse a response whose thisUpdate is older than this, seconds (none by default). */
  maxAgeSeconds?: number;
}

export interface OcspQueryResult {
  status: OcspCertStatus;
  thisUpdate: Date;
  nextUpdate?: Date;
  producedAt: Date;
  /** The DER OCSPResponse as received (for archiving, e.g. in a PAdES DSS). */
  responseDer: Uint8Array;
  responder: 'issuer' | 'delegated';
}

const OCSP_RESPONSE_TYPE = 'application/ocsp-response';

/**
 * Queries an OCSP responder for `certificate` (RFC 6960 §4.1 request, §4.2 response, Appendix A
 * HTTP transport) and verifies the answer against `issuer` at `clock.now()`.
 * Throws KysoError('io') for transport and HTTP failures and non-successful OCSP statuses,
 * KysoError('malformed') for a response that cannot be read or must not be believed.
 */
export async function queryOcsp(p: OcspQueryOptions): Promise<OcspQueryResult> {
  const hash = p.hash ?? 'SHA-256';
  if (hash !== 'SHA-1' && hash !== 'SHA-256') throw new KysoError('invalid-argument', `OCSP CertID hash must be SHA-1 or SHA-256, not ${String(hash)}`);
  if (!issuedBy(p.certificate, p.issuer)) {
    throw new KysoError('invalid-argument', `certificate ${p.certificate.subjectString} was not issued by ${p.issuer.subjectString}`);
  }
  const certId = computeCertId({ issuerNameDer: p.issuer.subjectDer, issuerSpki: p.issuer.spki, serialHex: p.certificate.serialHex, hash, crypto: p.crypto });
  const nonce = p.nonce === false ? undefined : p.crypto.randomBytes(32);
  const request = encodeOcspRequest({ certIds: [certId], nonce });
  const where = `OCSP responder ${p.url}`;

  let res: FetchedBytes;
  try {
    const common = { accept: OCSP_RESPONSE_TYPE, timeoutMs: p.timeoutMs ?? 10_000, maxBytes: p.maxBytes ?? 64 * 1024 };
    res = p.method === 'GET'
      ? await fetchBytes(getUrl(p.url, request), { ...common, method: 'GET' })
      : await fetchBytes(p.url, { ...common, method: 'POST', body: request, contentType: 'application/ocsp-request' });
  } catch (e) {
    if (e instanceof KysoError && e.kind === 'io') throw new KysoError('io', `${where}: ${stripUrl(e.message, p.url)}`, { cause: e, details: { url: p.url } });
    throw new KysoError('io', `${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { url: p.url } });
  }
  if (res.status !== 200) throw new KysoError('io', `${where}: HTTP status ${res.status}`, { details: { url: p.url, status: res.status } });
  const type = (res.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== OCSP_RESPONSE_TYPE) {
    throw new KysoError('io', `${where}: content type ${res.contentType ? `"${res.contentType}"` : 'missing'}, expected ${OCSP_RESPONSE_TYPE}`, { details: { url: p.url } });
  }

  let parsed: ParsedOcspResponse;
  try {
    parsed = parseOcspResponse(res.body);
  } catch (e) {
    throw new KysoError('malformed', `${where}: unreadable response: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { url: p.url } });
  }
  if (parsed.status !== 'successful') {
    throw new KysoError('io', `${where}: the responder answered ${parsed.status}`, { details: { url: p.url, status: parsed.status } });
  }
  const v = verifyOcspResponse(parsed, {
    issuer: p.issuer, certId, crypto: p.crypto, at: p.clock.now(), expectedNonce: nonce, maxAgeSeconds: p.maxAgeSeconds,
  });
  if (!v.ok) throw new KysoError('malformed', `${where}: response refused: ${v.reason}`, { details: { url: p.url, reason: v.reason } });
  const out: OcspQueryResult = { status: v.status, thisUpdate: v.thisUpdate, producedAt: v.producedAt, responseDer: res.body, responder: v.responder };
  if (v.nextUpdate) out.nextUpdate = v.nextUpdate;
  return out;
}

/** RFC 6960 Appendix A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}. */
export function getUrl(url: string, request: Uint8Array): string {
  const b64 = Buffer.from(request.buffer, request.byteOffset, request.byteLength).toString('base64');
  return `${url.endsWith('/') ? url : `${url}/`}${encodeURIComponent(b64)}`;
}

function issuedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const a = cert.issuerDer, b = issuer.subjectDer;
  if (a.length === b.length && a.every((x, i) => x === b[i])) return true;
  try { return namesEqual(parseDistinguishedName(a), parseDistinguishedName(b)); } catch { return false; }
}

/** fetchBytes prefixes its messages with the URL (the GET URL is long): keep one mention. */
function stripUrl(message: string, url: string): string {
  const i = message.indexOf(': ');
  return i > 0 && message.startsWith(url) ? message.slice(i + 2) : message;
}
