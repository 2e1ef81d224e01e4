/**
 * TimeStampResp and PKIStatusInfo (RFC 3161 §2.4.2): what a TSA answers, granted or not.
 */
import { KysoError } from '../errors.ts';
import { readChildren, readWhole, tlvBytes } from '../asn1/der.ts';
import { derNamedBits, derString, TAG } from '../asn1/der-writer.ts';
import { decodeBitString, decodeInteger } from '../x509/asn1-values.ts';
import { allocBytes, encodeTlvParts, lengthOctets, writeHeader } from '../cms/der-parts.ts';

/** PKIFailureInfo named bits (RFC 3161 §2.4.2). */
export type PkiFailureInfo = 'badAlg' | 'badRequest' | 'badDataFormat' | 'timeNotAvailable' | 'unacceptedPolicy' | 'unacceptedExtension' | 'addInfoNotAvailable' | 'systemFailure';
/** PKIStatus values (RFC 3161 §2.4.2). */
export type PkiStatus = 'granted' | 'grantedWithMods' | 'rejection' | 'waiting' | 'revocationWarning' | 'revocationNotification';

const STATUSES: readonly PkiStatus[] = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];
const FAIL_BITS: Readonly<Record<PkiFailureInfo, number>> = {
  badAlg: 0, badRequest: 2, badDataFormat: 5, timeNotAvailable: 14, unacceptedPolicy: 15, unacceptedExtension: 16, addInfoNotAvailable: 17, systemFailure: 25,
};
const BIT_NAMES = new Map<number, PkiFailureInfo>(Object.entries(FAIL_BITS).map(([k, v]) => [v, k as PkiFailureInfo]));

const GRANTED_STATUS = Uint8Array.of(TAG.SEQUENCE, 3, TAG.INTEGER, 1, 0);

/**
 * Encodes a TimeStampResp (RFC 3161 §2.4.2): PKIStatusInfo { status, statusString (one
 * UTF8String), failInfo (one named bit) } and the token, which must be present exactly when the
 * status is granted or grantedWithMods.
 */
export function encodeTimeStampResp(p: { status: PkiStatus; failInfo?: PkiFailureInfo; statusString?: string; token?: Uint8Array }): Uint8Array {
  const code = STATUSES.indexOf(p.status);
  if (code < 0) throw new KysoError('invalid-argument', `unknown PKIStatus ${p.status}`);
  const granted = code <= 1;
  if (granted !== (p.token !== undefined)) throw new KysoError('invalid-argument', 'a time-stamp token goes with granted/grantedWithMods, and only with them (RFC 3161 §2.4.2)');
  if (p.status === 'granted' && !p.failInfo && !p.statusString) {
    const token = p.token!;
    const len = GRANTED_STATUS.length + token.length;
    const out = allocBytes(1 + lengthOctets(len) + len);
    const pos = writeHeader(out, 0, TAG.SEQUENCE, len);
    out.set(GRANTED_STATUS, pos);
    out.set(token, pos + GRANTED_STATUS.length);
    return out;
  }
  const status: Uint8Array[] = [Uint8Array.of(TAG.INTEGER, 1, code)];
  if (p.statusString) status.push(encodeTlvParts(TAG.SEQUENCE, [derString(TAG.UTF8String, p.statusString)]));
  if (p.failInfo) {
    const bit = FAIL_BITS[p.failInfo];
    if (bit === undefined) throw new KysoError('invalid-argument', `unknown PKIFailureInfo ${p.failInfo}`);
    status.push(derNamedBits([bit]));
  }
  const parts = [encodeTlvParts(TAG.SEQUENCE, status)];
  if (p.token) parts.push(p.token);
  return encodeTlvParts(TAG.SEQUENCE, parts);
}

/** A TimeStampResp as read. `failInfo` is the lowest named bit set; `token` is the exact ContentInfo. */
export interface ParsedTimeStampResp {
  status: PkiStatus;
  failInfo?: PkiFailureInfo;
  statusString?: string;
  token?: Uint8Array;
}

function bad(msg: string): never {
  throw new KysoError('malformed', `TimeStampResp: ${msg}`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a DER TimeStampResp (RFC 3161 §2.4.2). Throws KysoError('malformed'). */
export function parseTimeStampResp(der: Uint8Array): ParsedTimeStampResp {
  const top = readWhole(der, 'TimeStampResp');
  if (top.tag !== TAG.SEQUENCE) bad('not a SEQUENCE');
  const [si, token, extra] = readChildren(der, top);
  if (!si || si.tag !== TAG.SEQUENCE || extra) bad('expected PKIStatusInfo and an optional token');
  const f = readChildren(der, si);
  if (!f[0] || f[0].tag !== TAG.INTEGER) bad('missing status');
  const code = decodeInteger(der, f[0]);
  if (code < 0n || code > 5n) bad(`unknown status ${code}`);
  const out: ParsedTimeStampResp = { status: STATUSES[Number(code)]! };
  let i = 1;
  if (f[i]?.tag === TAG.SEQUENCE) {
    const texts: string[] = [];
    for (const s of readChildren(der, f[i++]!)) {
      if (s.tag !== TAG.UTF8String) bad('statusString holds something other than UTF8String');
      try { texts.push(utf8.decode(der.subarray(s.valueStart, s.end))); } catch { bad('statusString is not UTF-8'); }
    }
    if (texts.length === 0) bad('empty statusString');
    out.statusString = texts.join('; ');
  }
  if (f[i]?.tag === TAG.BIT_STRING) {
    const bits = [...decodeBitString(der, f[i++]!)].sort((a, b) => a - b);
    for (const b of bits) {
      const name = BIT_NAMES.get(b);
      if (name) { out.failInfo = name; break; }
    }
  }
  if (i !== f.length) bad('unexpected field in PKIStatusInfo');
  const granted = code <= 1n;
  if (granted && !token) bad(`status ${out.status} without a time-stamp token`);
  if (!granted && token) bad(`status ${out.status} with a time-stamp token`);
  if (token) {
    if (token.tag !== TAG.SEQUENCE) bad('the token is not a ContentInfo');
    out.token = tlvBytes(der, token);
  }
  return out;
}
