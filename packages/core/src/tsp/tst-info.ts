/**
 * TSTInfo (RFC 3161 §2.4.2): the time-stamp a TSA signs. Encoded per token on the TSA's hot path
 * (one allocation for the outer SEQUENCE), read strictly from exact bytes when verifying.
 */
import { KysoError } from '../errors.ts';
import type { HashName } from '../ports.ts';
import { readChildren, readTlv, readWhole, tlvBytes, type Tlv } from '../asn1/der.ts';
import { derOid, DER_TRUE, TAG } from '../asn1/der-writer.ts';
import { decodeBoolean, decodeInteger, decodeOid } from '../x509/asn1-values.ts';
import { hashLength } from '../x509/algorithms.ts';
import { decodeDigestAlgorithm, digestAlgorithmDer } from '../cms/digest-algorithm.ts';
import { allocBytes, encodeTlvParts, lengthOctets, writeHeader } from '../cms/der-parts.ts';
import { isMinimalInteger } from './time-stamp-req.ts';

/** Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL, micros [1] INTEGER (1..999) OPTIONAL } */
export interface TstAccuracy { seconds?: number; millis?: number; micros?: number }

/** A TSTInfo as read (RFC 3161 §2.4.2). */
export interface TstInfo {
  policy: string;
  hash: HashName;
  messageImprint: Uint8Array;
  serial: bigint;
  genTime: Date;
  accuracy?: TstAccuracy;
  ordering: boolean;
  /** Content octets of the nonce INTEGER. */
  nonce?: Uint8Array;
  /** The TSA's Name when the tsa field is a directoryName. */
  tsaNameDer?: Uint8Array;
  /** The tsa GeneralName, exact DER, whatever its form. */
  tsaGeneralName?: Uint8Array;
  extensions: Array<{ oid: string; critical: boolean; value: Uint8Array }>;
}

const VERSION_1 = Uint8Array.of(TAG.INTEGER, 1, 1);

/** INTEGER of a non-negative bigint (X.690 §8.3), at most 20 content octets (RFC 3161 §2.4.2 serialNumber). */
function encodeSerial(n: bigint): Uint8Array {
  if (n < 0n) throw new KysoError('invalid-argument', 'a time-stamp serial number is not negative');
  if (n <= 0xffffffffffffn) {
    // Counter-sized serials: number arithmetic, no string round trip.
    let v = Number(n);
    let len = 1;
    while (len < 6 && v >= 2 ** (8 * len)) len++;
    const high = Math.floor(v / 2 ** (8 * (len - 1))) >= 0x80;
    const total = len + (high ? 1 : 0);
    const out = new Uint8Array(2 + total);
    out[0] = TAG.INTEGER;
    out[1] = total;
    for (let i = 1 + total; i >= 2 + (high ? 1 : 0); i--) { out[i] = v % 256; v = Math.floor(v / 256); }
    return out;
  }
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const high = parseInt(hex.slice(0, 2), 16) >= 0x80;
  const len = hex.length / 2 + (high ? 1 : 0);
  if (len > 21 || (len === 21 && !high)) throw new KysoError('invalid-argument', 'a time-stamp serial number has at most 160 bits');
  const out = new Uint8Array(2 + len);
  out[0] = TAG.INTEGER;
  out[1] = len;
  let o = high ? 3 : 2;
  for (let i = 0; i < hex.length; i += 2) out[o++] = parseInt(hex.slice(i, i + 2), 16);
  return out;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * GeneralizedTime for genTime (RFC 3161 §2.4.2): "YYYYMMDDhhmmss[.s...]Z", milliseconds when not
 * zero, with no trailing zeros (X.690 §11.7).
 */
export function encodeGenTime(d: Date): Uint8Array {
  const t = d.getTime();
  if (!Number.isFinite(t)) throw new KysoError('invalid-argument', 'genTime is not a valid date');
  const second = Math.floor(t / 1000);
  // A TSA stamps many tokens per second: the "YYYYMMDDhhmmss" part is computed once per second.
  if (second !== lastSecond) {
    const y = d.getUTCFullYear();
    if (y < 1 || y > 9999) throw new KysoError('invalid-argument', 'genTime year is out of range');
    const s = `${String(y).padStart(4, '0')}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`;
    for (let i = 0; i < 14; i++) lastSecondText[i] = s.charCodeAt(i);
    lastSecond = second;
  }
  const ms = t - second * 1000;
  const fraction = ms === 0 ? 0 : ms % 100 === 0 ? 2 : ms % 10 === 0 ? 3 : 4; // ".d", ".dd", ".ddd"
  const len = 15 + fraction;
  const out = new Uint8Array(2 + len);
  out[0] = TAG.GeneralizedTime;
  out[1] = len;
  out.set(lastSecondText, 2);
  if (fraction) {
    out[16] = 0x2e;
    out[17] = 0x30 + Math.floor(ms / 100);
    if (fraction > 2) out[18] = 0x30 + (Math.floor(ms / 10) % 10);
    if (fraction > 3) out[19] = 0x30 + (ms % 10);
  }
  out[1 + len] = 0x5a;
  return out;
}
let lastSecond = Number.NaN;
const lastSecondText = new Uint8Array(14);

function smallInt(tag: number, n: number, what: string, min: number, max: number): Uint8Array {
  if (!Number.isInteger(n) || n < min || n > max) throw new KysoError('invalid-argument', `accuracy ${what} must be an integer from ${min} to ${max}`);
  const bytes: number[] = [];
  do { bytes.unshift(n & 0xff); n = Math.floor(n / 256); } while (n > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return Uint8Array.of(tag, bytes.length, ...bytes);
}

const accuracyCache = new Map<string, Uint8Array>();
let lastAccuracy: { seconds?: number; millis?: number; micros?: number; der: Uint8Array | undefined } | undefined;
function encodeAccuracy(a: TstAccuracy): Uint8Array | undefined {
  const l = lastAccuracy;
  if (l && l.seconds === a.seconds && l.millis === a.millis && l.micros === a.micros) return l.der;
  const der = encodeAccuracyUncached(a);
  lastAccuracy = { seconds: a.seconds, millis: a.millis, micros: a.micros, der };
  return der;
}
function encodeAccuracyUncached(a: TstAccuracy): Uint8Array | undefined {
  const key = `${a.seconds ?? ''}/${a.millis ?? ''}/${a.micros ?? ''}`;
  let out = accuracyCache.get(key);
  if (out) return out;
  const parts: Uint8Array[] = [];
  if (a.seconds !== undefined && a.seconds !== 0) parts.push(smallInt(TAG.INTEGER, a.seconds, 'seconds', 0, 0x7fffffff));
  if (a.millis !== undefined && a.millis !== 0) parts.push(smallInt(0x80, a.millis, 'millis', 1, 999));
  if (a.micros !== undefined && a.micros !== 0) parts.push(smallInt(0x81, a.micros, 'micros', 1, 999));
  if (parts.length === 0) return undefined; // RFC 3161: a missing field means zero; an all-zero accuracy says nothing
  out = encodeTlvParts(TAG.SEQUENCE, parts);
  if (accuracyCache.size < 64) accuracyCache.set(key, out);
  return out;
}

const tsaNameCache = new WeakMap<Uint8Array, Uint8Array>();
/** tsa [0] GeneralName: the explicit [0] around directoryName [4] (a CHOICE is always explicitly tagged). */
function encodeTsaName(name: Uint8Array): Uint8Array {
  let out = tsaNameCache.get(name);
  if (!out) {
    if (name[0] !== TAG.SEQUENCE) throw new KysoError('invalid-argument', 'tsaNameDer must be a DER Name');
    const inner = encodeTlvParts(0xa4, [name]);
    out = encodeTlvParts(0xa0, [inner]);
    tsaNameCache.set(name, out);
  }
  return out;
}

/**
 * Encodes a TSTInfo (RFC 3161 §2.4.2): v1, policy, messageImprint (hash parameters NULL unless
 * `hashParamsNull` is false: echo the request's), serialNumber (≤ 160 bits), genTime (see
 * `encodeGenTime`), accuracy (zero fields omitted), ordering only when TRUE (DEFAULT FALSE), nonce
 * (INTEGER content octets, echoed from the request), tsa as a directoryName.
 */
export function encodeTstInfo(p: {
  policy: string;
  hash: HashName;
  messageImprint: Uint8Array;
  hashParamsNull?: boolean;
  serial: bigint;
  genTime: Date;
  accuracy?: TstAccuracy;
  ordering?: boolean;
  nonce?: Uint8Array;
  tsaNameDer?: Uint8Array;
}): Uint8Array {
  if (p.messageImprint.length !== hashLength(p.hash)) throw new KysoError('invalid-argument', `a ${p.hash} imprint has ${hashLength(p.hash)} bytes, not ${p.messageImprint.length}`);
  const ai = digestAlgorithmDer(p.hash, p.hashParamsNull !== false);
  const policy = derOid(p.policy);
  const serial = encodeSerial(p.serial);
  const genTime = encodeGenTime(p.genTime);
  const accuracy = p.accuracy ? encodeAccuracy(p.accuracy) : undefined;
  if (p.nonce && !isMinimalInteger(p.nonce)) throw new KysoError('invalid-argument', 'nonce must be minimal INTEGER content octets');
  const tsa = p.tsaNameDer ? encodeTsaName(p.tsaNameDer) : undefined;
  const imprintLen = p.messageImprint.length;
  const miContent = ai.length + 2 + imprintLen; // imprints are ≤ 64 bytes: one length octet
  let len = VERSION_1.length + policy.length + 2 + miContent + serial.length + genTime.length;
  if (accuracy) len += accuracy.length;
  if (p.ordering) len += DER_TRUE.length;
  if (p.nonce) len += 1 + lengthOctets(p.nonce.length) + p.nonce.length;
  if (tsa) len += tsa.length;
  const out = allocBytes(1 + lengthOctets(len) + len);
  let pos = writeHeader(out, 0, TAG.SEQUENCE, len);
  out.set(VERSION_1, pos); pos += VERSION_1.length;
  out.set(policy, pos); pos += policy.length;
  out[pos++] = TAG.SEQUENCE; out[pos++] = miContent;
  out.set(ai, pos); pos += ai.length;
  out[pos++] = TAG.OCTET_STRING; out[pos++] = imprintLen;
  out.set(p.messageImprint, pos); pos += imprintLen;
  out.set(serial, pos); pos += serial.length;
  out.set(genTime, pos); pos += genTime.length;
  if (accuracy) { out.set(accuracy, pos); pos += accuracy.length; }
  if (p.ordering) { out.set(DER_TRUE, pos); pos += DER_TRUE.length; }
  if (p.nonce) { pos = writeHeader(out, pos, TAG.INTEGER, p.nonce.length); out.set(p.nonce, pos); pos += p.nonce.length; }
  if (tsa) out.set(tsa, pos);
  return out;
}

// ---- reading ----

function bad(msg: string): never {
  throw new KysoError('malformed', `TSTInfo: ${msg}`);
}

/** GeneralizedTime of genTime (RFC 3161 §2.4.2), fraction kept to the millisecond. */
function decodeGenTime(bytes: Uint8Array, t: Tlv): Date {
  if (t.tag !== TAG.GeneralizedTime) bad('genTime is not a GeneralizedTime');
  const s = String.fromCharCode(...bytes.subarray(t.valueStart, t.end));
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(s);
  if (!m) bad(`genTime "${s}" is not YYYYMMDDhhmmss[.s]Z`);
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) bad(`genTime "${s}" is out of range`);
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se, ms));
  if (y < 100) date.setUTCFullYear(y);
  return date;
}

function smallValue(bytes: Uint8Array, t: Tlv, what: string, min: number, max: number): number {
  const v = decodeInteger(bytes, { ...t, tag: TAG.INTEGER });
  if (v < BigInt(min) || v > BigInt(max)) bad(`accuracy ${what} out of range`);
  return Number(v);
}

/** Reads a DER TSTInfo (RFC 3161 §2.4.2). Throws KysoError('malformed' | 'unsupported'). */
export function parseTstInfo(der: Uint8Array): TstInfo {
  const top = readWhole(der, 'TSTInfo');
  if (top.tag !== TAG.SEQUENCE) bad('not a SEQUENCE');
  const f = readChildren(der, top);
  let i = 0;
  const v = f[i++];
  if (!v || v.tag !== TAG.INTEGER || decodeInteger(der, v) !== 1n) bad('version must be 1');
  const pol = f[i++];
  if (!pol || pol.tag !== TAG.OID) bad('missing policy');
  const policy = decodeOid(der, pol);
  const mi = f[i++];
  if (!mi || mi.tag !== TAG.SEQUENCE) bad('missing messageImprint');
  const [alg, hm, more] = readChildren(der, mi);
  if (!alg || !hm || hm.tag !== TAG.OCTET_STRING || more) bad('bad messageImprint');
  const { hash } = decodeDigestAlgorithm(der, alg, 'TSTInfo messageImprint');
  const messageImprint = der.subarray(hm.valueStart, hm.end);
  if (messageImprint.length !== hashLength(hash)) bad(`imprint length does not fit ${hash}`);
  const sn = f[i++];
  if (!sn || sn.tag !== TAG.INTEGER) bad('missing serialNumber');
  const serial = decodeInteger(der, sn);
  const gt = f[i++];
  if (!gt) bad('missing genTime');
  const genTime = decodeGenTime(der, gt);
  const out: TstInfo = { policy, hash, messageImprint, serial, genTime, ordering: false, extensions: [] };
  if (f[i]?.tag === TAG.SEQUENCE) {
    const acc: TstAccuracy = {};
    let last = -1;
    for (const a of readChildren(der, f[i++]!)) {
      const order = a.tag === TAG.INTEGER ? 0 : a.tag === 0x80 ? 1 : a.tag === 0x81 ? 2 : -1;
      if (order <= last) bad('bad accuracy');
      last = order;
      if (order === 0) acc.seconds = smallValue(der, a, 'seconds', 0, 0x7fffffff);
      else if (order === 1) acc.millis = smallValue(der, a, 'millis', 1, 999);
      else acc.micros = smallValue(der, a, 'micros', 1, 999);
    }
    out.accuracy = acc;
  }
  if (f[i]?.tag === TAG.BOOLEAN) out.ordering = decodeBoolean(der, f[i++]!);
  if (f[i]?.tag === TAG.INTEGER) {
    const n = f[i++]!;
    out.nonce = der.subarray(n.valueStart, n.end);
    if (!isMinimalInteger(out.nonce)) bad('nonce is not a DER INTEGER');
  }
  if (f[i]?.tag === 0xa0) {
    const w = f[i++]!;
    const g = readTlv(der, w.valueStart, w.end);
    if (g.end !== w.end) bad('bad tsa name');
    out.tsaGeneralName = tlvBytes(der, g);
    if (g.tag === 0xa4) {
      const n = readTlv(der, g.valueStart, g.end);
      if (n.tag !== TAG.SEQUENCE || n.end !== g.end) bad('bad tsa directoryName');
      out.tsaNameDer = tlvBytes(der, n);
    }
  }
  if (f[i]?.tag === 0xa1) {
    for (const e of readChildren(der, f[i++]!)) {
      const ef = readChildren(der, e);
      const last = ef[ef.length - 1];
      if (e.tag !== TAG.SEQUENCE || !ef[0] || !last || last.tag !== TAG.OCTET_STRING || ef.length > 3 || (ef.length === 3 && ef[1]!.tag !== TAG.BOOLEAN)) bad('bad extension');
      out.extensions.push({ oid: decodeOid(der, ef[0]), critical: ef.length === 3 && decodeBoolean(der, ef[1]!), value: der.subarray(last.valueStart, last.end) });
    }
  }
  if (i !== f.length) bad('unexpected field');
  return out;
}
