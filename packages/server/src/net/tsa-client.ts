/**
 * RFC 3161 TSA client (§3.4 time-stamp protocol via HTTP): POST application/timestamp-query, expect
 * 200 with application/timestamp-reply, a granted status, and a token that verifies against the
 * request (imprint, nonce, policy) — signature, ESS binding and the TSA certificate's critical
 * timeStamping EKU included. Every failure is a KysoError naming the URL; there is never a fallback
 * to the local clock. Chain validation of the TSA certificate is the caller's (validatePath at
 * genTime).
 */
import { KysoError, type CryptoPort, type HashName, type ParsedCertificate } from '@kyso/core';
import { hashLength } from '@kyso/core/x509/algorithms.ts';
import {
  encodeTimeStampReq, parseTimeStampResp, randomNonce, verifyTimeStampToken, type ParsedTimeStampResp, type TstInfo,
} from '@kyso/core/tsp/index.ts';
import { fetchBytes } from './http-fetch.ts';

export interface TimestampRequestOptions {
  url: string;
  /** The data to time-stamp (hashed here with `hash`), or… */
  data?: Uint8Array;
  /** …its digest, already computed with `hash`. */
  digest?: Uint8Array;
  /** Default SHA-256. */
  hash?: HashName;
  crypto: CryptoPort;
  /** Send a random nonce and require it back (default true). */
  nonce?: boolean;
  /** Ask for the TSA certificate in the token (default true; without it, give `tsaCert`). */
  certReq?: boolean;
  /** Required TSA policy OID (reqPolicy); the token must carry it. */
  policy?: string;
  timeoutMs?: number;
  /** Largest response accepted (default 64 KiB). */
  maxBytes?: number;
  /** The expected TSA certificate: the token must be signed by it. */
  tsaCert?: ParsedCertificate;
}

export interface TimestampResult {
  /** The TimeStampToken (ContentInfo), e.g. for a CAdES signature-time-stamp or a PDF document time-stamp. */
  token: Uint8Array;
  tstInfo: TstInfo;
  tsaCert: ParsedCertificate;
}

const CONTENT_TYPE = 'application/timestamp-reply';

/**
 * Asks the TSA at `url` for a time-stamp over `data` (or `digest`), RFC 3161 §2.4 / §3.4.
 * Throws KysoError('io') when the TSA cannot be reached, answers with an HTTP error, or refuses
 * (PKIStatus other than granted/grantedWithMods; details carry status/failInfo/statusString), and
 * KysoError('malformed') when the answer is not a valid response for this request.
 */
export async function requestTimestamp(p: TimestampRequestOptions): Promise<TimestampResult> {
  const hash = p.hash ?? 'SHA-256';
  if ((p.data === undefined) === (p.digest === undefined)) throw new KysoError('invalid-argument', 'give either the data to time-stamp or its digest');
  const imprint = p.digest ?? p.crypto.digest(hash, p.data!);
  if (imprint.length !== hashLength(hash)) throw new KysoError('invalid-argument', `a ${hash} digest has ${hashLength(hash)} bytes, not ${imprint.length}`);
  const certReq = p.certReq ?? true;
  if (!certReq && !p.tsaCert) throw new KysoError('invalid-argument', 'without certReq the TSA certificate must be given to verify the token');
  const nonce = p.nonce === false ? undefined : randomNonce(p.crypto);
  const body = encodeTimeStampReq({ hash, messageImprint: imprint, nonce, certReq, reqPolicy: p.policy });

  const res = await fetchBytes(p.url, {
    method: 'POST', body, contentType: 'application/timestamp-query', accept: CONTENT_TYPE,
    timeoutMs: p.timeoutMs, maxBytes: p.maxBytes ?? 64 * 1024,
  });
  if (res.status !== 200) throw new KysoError('io', `${p.url}: the TSA answered HTTP ${res.status}`, { details: { httpStatus: res.status } });
  const type = (res.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== CONTENT_TYPE) throw new KysoError('malformed', `${p.url}: the TSA answered ${type || 'without a content type'}, not ${CONTENT_TYPE}`);

  let resp: ParsedTimeStampResp;
  try {
    resp = parseTimeStampResp(res.body);
  } catch (e) {
    if (e instanceof KysoError) throw new KysoError('malformed', `${p.url}: the TSA response cannot be read: ${e.message}`, { cause: e });
    throw e;
  }
  if (resp.status !== 'granted' && resp.status !== 'grantedWithMods') {
    const why = [resp.failInfo, resp.statusString].filter(Boolean).join(': ');
    throw new KysoError('io', `${p.url}: the TSA refused the request (${resp.status}${why ? `, ${why}` : ''})`, {
      details: { status: resp.status, failInfo: resp.failInfo, statusString: resp.statusString },
    });
  }
  const v = verifyTimeStampToken(resp.token!, { crypto: p.crypto, messageImprint: imprint, hash, expectedNonce: nonce, tsaCert: p.tsaCert });
  if (!v.ok) throw new KysoError('malformed', `${p.url}: the time-stamp token is not valid for this request: ${v.reason}`);
  if (p.policy && v.tstInfo.policy !== p.policy) throw new KysoError('malformed', `${p.url}: the token is under policy ${v.tstInfo.policy}, not the requested ${p.policy}`);
  return { token: resp.token!, tstInfo: v.tstInfo, tsaCert: v.tsaCert };
}
