/**
 * Building complete (full) v2 CRLs, RFC 5280 §5, in the same two phases as certificates:
 * `encodeTbsCertList` gives the exact bytes to sign, `assembleCrl` wraps a signature made wherever
 * the CA key lives, `buildCrl` does both with a `Signer`.
 *
 * Everything outside the list of revoked certificates is encoded with the DER writer. The list
 * itself can hold a six-figure number of entries for a province CA, so it is written by hand into
 * one buffer sized in advance: no per-entry arrays, no repeated concatenation, times written from
 * integer arithmetic (the writer's `derTime` builds a string per call, which dominated the cost of
 * a 100,000-entry CRL). `writeTime` produces exactly the bytes `derTime` does; the tests check that.
 *
 * The output is read back by `x509/crl.ts` (parseCrl), which path validation uses — there is one
 * CRL parser in kyso, and this module does not add another.
 */
import { KysoError } from '../errors.ts';
import type { SignatureAlgorithm, Signer } from '../ports.ts';
import { concatBytes, encodeTlv, equalBytes, readTlv } from '../asn1/der.ts';
import { civilFromDays, derLengthSize, putTwoDigits,
  DER_TRUE, derBitString, derContext, derGeneralizedTime, derOctetString, derOid, derSequence, derSmallInteger, derTime, TAG,
} from '../asn1/der-writer.ts';
import { authorityKeyIdentifierExtension, encodeSignatureAlgorithmDer } from '../x509/certificate-builder.ts';
import type { CertificateExtension } from '../x509/certificate.ts';
import { OID } from '../x509/oids.ts';

/** RFC 5280 §5.3.1 CRLReason names a full CRL may carry (removeFromCRL belongs to delta CRLs only). */
export type CrlReasonName =
  | 'unspecified' | 'keyCompromise' | 'cACompromise' | 'affiliationChanged' | 'superseded'
  | 'cessationOfOperation' | 'certificateHold' | 'privilegeWithdrawn' | 'aACompromise';

/** RFC 5280 §5.3.1 CRLReason ENUMERATED values (7 is unused; 8 removeFromCRL is delta-only). */
export const CRL_REASON_CODES: Readonly<Record<CrlReasonName, number>> = {
  unspecified: 0, keyCompromise: 1, cACompromise: 2, affiliationChanged: 3, superseded: 4,
  cessationOfOperation: 5, certificateHold: 6, privilegeWithdrawn: 9, aACompromise: 10,
};

/** One revoked certificate (RFC 5280 §5.1.2.6 revokedCertificates entry, §5.3 entry extensions). */
export interface CrlEntryInput {
  /**
   * The certificate's serial number in hex (any case; leading zeros allowed, so "00ff" and "ff" are
   * the same serial). Written as the minimal positive INTEGER, which is how a DER certificate
   * carries it (§4.1.2.2), so the entry matches the certificate byte for byte.
   */
  serialHex: string;
  /** §5.1.2.6 revocationDate (whole seconds are kept). */
  revokedAt: Date;
  /** §5.3.1; 'unspecified' is written as no reasonCode extension, as §5.3.1 recommends. */
  reason: CrlReasonName;
  /** §5.3.2 invalidityDate: when the key is known or suspected to have been compromised. */
  invalidityDate?: Date;
}

/** What a full CRL says (RFC 5280 §5.1.2). */
export interface CrlTemplate {
  /** §5.1.2.3 issuer: the DER Name of the CA, exactly as in its certificate's subject. */
  issuerDer: Uint8Array;
  /** §5.2.1 authorityKeyIdentifier keyIdentifier: the CA certificate's subjectKeyIdentifier. */
  authorityKeyId: Uint8Array;
  /** §5.1.1.2 / §5.1.2.2 signature algorithm (written in both places). */
  signatureAlgorithm: SignatureAlgorithm;
  /** §5.1.2.4 */
  thisUpdate: Date;
  /** §5.1.2.5 (always present in kyso CRLs; must be later than thisUpdate). */
  nextUpdate: Date;
  /** §5.2.3 cRLNumber: monotonically increasing, 0 ≤ n, at most 20 octets. */
  crlNumber: bigint;
  entries: CrlEntryInput[];
}

const DER_V2 = derSmallInteger(1); // §5.1.2.1: Version v2 is INTEGER 1
const OID_CRL_REASON = derOid(OID.crlReason);
const OID_INVALIDITY_DATE = derOid(OID.invalidityDate);
const MAX_SERIAL = 20;
const REASONS = new Map<string, number>(Object.entries(CRL_REASON_CODES));

/** reasonCode Extension (§5.3.1, non-critical): SEQUENCE { extnID, extnValue OCTET STRING { ENUMERATED } }. */
function reasonCodeExtension(code: number): Uint8Array {
  return derSequence(OID_CRL_REASON, derOctetString(Uint8Array.of(0x0a, 0x01, code)));
}

/** The whole crlEntryExtensions field for each reason code without an invalidity date, encoded once. */
const REASON_ONLY_EXTENSIONS: Array<Uint8Array | undefined> = [];
for (const code of REASONS.values()) if (code !== 0) REASON_ONLY_EXTENSIONS[code] = derSequence(reasonCodeExtension(code));

// ---- times ----

const SECONDS_PER_DAY = 86_400;
/** Whole-second bounds of what an X.509 Time can carry: 0000-01-01T00:00:00Z … 9999-12-31T23:59:59Z. */
const MIN_SECONDS = -62_167_219_200;
const MAX_SECONDS = 253_402_300_799;
/** §5.1.2.4: UTCTime for 1950-01-01 … 2049-12-31, GeneralizedTime otherwise. */
const UTC_FROM = -631_152_000;
const UTC_UNTIL = 2_524_608_000;

/** Whole seconds since the epoch of a writable Date, or NaN for anything else. */
function epochSeconds(d: unknown): number {
  if (!(d instanceof Date)) return Number.NaN;
  const s = Math.floor(d.getTime() / 1000);
  return s >= MIN_SECONDS && s <= MAX_SECONDS ? s : Number.NaN;
}

function dateError(d: unknown, what: string): KysoError {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) return new KysoError('invalid-argument', `${what} is not a valid date`);
  return new KysoError('invalid-argument', `${what} ${d.toISOString()} cannot be written as an X.509 time (years 0000-9999)`);
}

function checkDate(d: unknown, what: string): number {
  const s = epochSeconds(d);
  if (Number.isNaN(s)) throw dateError(d, what);
  return s;
}

/**
 * Writes the Time TLV of `secs` at `o` (the same bytes as `derTime`), returning the offset after
 * it. Civil date from a day count: H. Hinnant's days-to-civil algorithm (proleptic Gregorian).
 */
function writeTime(buf: Uint8Array, o: number, secs: number): number {
  const days = Math.floor(secs / SECONDS_PER_DAY);
  const sod = secs - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  if (secs >= UTC_FROM && secs < UTC_UNTIL) {
    buf[o++] = TAG.UTCTime;
    buf[o++] = 13;
    o = putTwoDigits(buf, o, year % 100);
  } else {
    buf[o++] = TAG.GeneralizedTime;
    buf[o++] = 15;
    o = putTwoDigits(buf, o, Math.floor(year / 100));
    o = putTwoDigits(buf, o, year % 100);
  }
  o = putTwoDigits(buf, o, month);
  o = putTwoDigits(buf, o, day);
  o = putTwoDigits(buf, o, Math.floor(sod / 3600));
  o = putTwoDigits(buf, o, Math.floor(sod / 60) % 60);
  o = putTwoDigits(buf, o, sod % 60);
  buf[o] = 0x5a; // 'Z'
  return o + 1;
}

const timeTlvSize = (secs: number) => (secs >= UTC_FROM && secs < UTC_UNTIL ? 15 : 17);

// ---- serial numbers ----

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Serial magnitudes (no sign octet) of all entries, packed: entry i at [i*20, i*20 + len[i]). */
interface Serials { mag: Uint8Array; len: Uint8Array }

function serialText(s: Serials, i: number): string {
  let h = '';
  for (let j = 0; j < s.len[i]!; j++) h += s.mag[i * MAX_SERIAL + j]!.toString(16).padStart(2, '0');
  return h.replace(/^0/, '');
}

function notHex(input: unknown, i: number): KysoError {
  return new KysoError('invalid-argument', `CRL entry ${i}: serial "${String(input).slice(0, 60)}" is not a hexadecimal number`);
}

/**
 * Reads entry i's serial into `s`: RFC 5280 §4.1.2.2, a positive INTEGER of at most 20 octets
 * (sign octet included), here given in hex. Throws KysoError('invalid-argument') otherwise.
 */
function readSerial(input: unknown, s: Serials, i: number): void {
  if (typeof input !== 'string' || input.length === 0) throw notHex(input, i);
  let start = 0;
  while (start < input.length && input.charCodeAt(start) === 0x30) start++;
  const digits = input.length - start;
  if (digits === 0) throw new KysoError('invalid-argument', `CRL entry ${i}: serial 0 is not a positive serial number (RFC 5280 §4.1.2.2)`);
  if (digits > 2 * MAX_SERIAL && !/^[0-9a-fA-F]+$/.test(input)) throw notHex(input, i);
  if (digits > 2 * MAX_SERIAL) throw new KysoError('invalid-argument', `CRL entry ${i}: serial ${input.slice(start, start + 60)} is longer than 20 octets (RFC 5280 §4.1.2.2)`);
  let o = i * MAX_SERIAL;
  let j = start;
  if (digits % 2) {
    const c = input.charCodeAt(j++);
    const v = c < 128 ? HEX_VALUE[c]! : -1;
    if (v < 0) throw notHex(input, i);
    s.mag[o++] = v;
  }
  for (; j < input.length; j += 2) {
    const c1 = input.charCodeAt(j);
    const c2 = input.charCodeAt(j + 1);
    const hi = c1 < 128 ? HEX_VALUE[c1]! : -1;
    const lo = c2 < 128 ? HEX_VALUE[c2]! : -1;
    if (hi < 0 || lo < 0) throw notHex(input, i);
    s.mag[o++] = (hi << 4) | lo;
  }
  const n = (digits + 1) >> 1;
  if (n === MAX_SERIAL && s.mag[i * MAX_SERIAL]! >= 0x80) {
    throw new KysoError('invalid-argument', `CRL entry ${i}: serial ${input.slice(start).toLowerCase()} is longer than 20 octets with its sign octet (RFC 5280 §4.1.2.2)`);
  }
  s.len[i] = n;
}

/** Numeric order of two serials (the first `from` octets known equal), then input order. */
function compareFrom(s: Serials, a: number, b: number, from: number): number {
  const la = s.len[a]!;
  const lb = s.len[b]!;
  if (la !== lb) return la - lb;
  const oa = a * MAX_SERIAL;
  const ob = b * MAX_SERIAL;
  for (let j = from; j < la; j++) {
    const d = s.mag[oa + j]! - s.mag[ob + j]!;
    if (d !== 0) return d;
  }
  return a - b;
}

function sameSerial(s: Serials, a: number, b: number): boolean {
  const n = s.len[a]!;
  if (n !== s.len[b]!) return false;
  for (let j = 0; j < n; j++) if (s.mag[a * MAX_SERIAL + j] !== s.mag[b * MAX_SERIAL + j]) return false;
  return true;
}

/**
 * The entries' indexes in serial-number order (input order among equal serials, which the caller
 * then refuses). A comparison sort of
 * 100,000 entries costs a few hundred milliseconds on a small CI machine, so large lists are first
 * distributed (stably) by length and two leading octets, leaving only tiny buckets to compare.
 */
function serialOrder(s: Serials, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 512) return order.sort((a, b) => compareFrom(s, a, b, 0));
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const len = s.len[i]!;
    keys[i] = ((len - 1) << 16) | (s.mag[i * MAX_SERIAL]! << 8) | (len > 1 ? s.mag[i * MAX_SERIAL + 1]! : 0);
  }
  const starts = new Uint32Array((MAX_SERIAL << 16) + 1);
  for (let i = 0; i < n; i++) starts[keys[i]! + 1]!++;
  for (let b = 1; b < starts.length; b++) starts[b]! += starts[b - 1]!;
  for (let i = 0; i < n; i++) order[starts[keys[i]!]!++] = i;
  const byRest = (x: number, y: number) => compareFrom(s, x, y, 2);
  for (let k = 0; k < n;) {
    const b = keys[order[k]!]!;
    let e = k + 1;
    while (e < n && keys[order[e]!] === b) e++;
    if (e - k > 1) order.subarray(k, e).sort(byRest);
    k = e;
  }
  return order;
}

// ---- DER pieces ----

/** §5.2.3 CRLNumber ::= INTEGER (0..MAX), at most 20 octets: its content octets. */
function crlNumberContent(n: unknown): Uint8Array {
  if (typeof n !== 'bigint' || n < 0n) throw new KysoError('invalid-argument', `the CRL number must be a non-negative bigint, got ${String(n)}`);
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  if (HEX_VALUE[h.charCodeAt(0)]! >= 8) h = `00${h}`;
  if (h.length > 2 * MAX_SERIAL) throw new KysoError('invalid-argument', `the CRL number ${n} is longer than 20 octets (RFC 5280 §5.2.3)`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (HEX_VALUE[h.charCodeAt(2 * i)]! << 4) | HEX_VALUE[h.charCodeAt(2 * i + 1)]!;
  return out;
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
function encodeExtension(e: CertificateExtension): Uint8Array {
  return e.critical ? derSequence(derOid(e.oid), DER_TRUE, derOctetString(e.value)) : derSequence(derOid(e.oid), derOctetString(e.value));
}

function writeLength(buf: Uint8Array, o: number, n: number): number {
  const size = derLengthSize(n);
  if (size === 1) { buf[o] = n; return o + 1; }
  buf[o++] = 0x80 | (size - 1);
  for (let k = size - 2; k >= 0; k--) buf[o++] = Math.floor(n / 2 ** (8 * k)) & 0xff;
  return o;
}

/** A revokedCertificates field, sized and ready to be written into the TBSCertList's buffer. */
interface RevokedPlan { size: number; write(out: Uint8Array, at: number): number }

/**
 * revokedCertificates (§5.1.2.6) in serial order. Entries are read and checked, ordered and sized
 * here; `write` then puts them straight into the TBSCertList's buffer.
 */
function planRevokedCertificates(entries: readonly CrlEntryInput[]): RevokedPlan {
  const n = entries.length;
  const serials: Serials = { mag: new Uint8Array(n * MAX_SERIAL), len: new Uint8Array(n) };
  const when = new Float64Array(n);
  const exts: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(n).fill(undefined);
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    if (e === null || typeof e !== 'object') throw new KysoError('invalid-argument', `CRL entry ${i} is not an object`);
    readSerial(e.serialHex, serials, i);
    const secs = epochSeconds(e.revokedAt);
    if (Number.isNaN(secs)) throw dateError(e.revokedAt, `the revocation date of serial ${serialText(serials, i)}`);
    when[i] = secs;
    const code = typeof e.reason === 'string' ? REASONS.get(e.reason) : undefined;
    if (code === undefined) {
      throw new KysoError('invalid-argument', `serial ${serialText(serials, i)}: "${String(e.reason)}" is not a CRL reason (use ${[...REASONS.keys()].join(', ')})`);
    }
    if (e.invalidityDate !== undefined) {
      checkDate(e.invalidityDate, `the invalidity date of serial ${serialText(serials, i)}`);
      const inv = derSequence(OID_INVALIDITY_DATE, derOctetString(derGeneralizedTime(e.invalidityDate)));
      exts[i] = code === 0 ? derSequence(inv) : derSequence(reasonCodeExtension(code), inv);
    } else exts[i] = REASON_ONLY_EXTENSIONS[code];
  }
  const order = serialOrder(serials, n);
  const sizes = new Uint32Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (k > 0 && sameSerial(serials, order[k - 1]!, i)) throw new KysoError('invalid-argument', `serial ${serialText(serials, i)} is listed twice in the CRL`);
    const x = exts[i];
    const content = 2 + serials.len[i]! + (serials.mag[i * MAX_SERIAL]! >= 0x80 ? 1 : 0) + timeTlvSize(when[i]!) + (x ? x.length : 0);
    sizes[k] = content;
    total += 1 + derLengthSize(content) + content;
  }
  const size = 1 + derLengthSize(total) + total;
  const write = (out: Uint8Array, at: number): number => {
    out[at] = TAG.SEQUENCE;
    let o = writeLength(out, at + 1, total);
    const mag = serials.mag;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      out[o++] = TAG.SEQUENCE;
      o = writeLength(out, o, sizes[k]!);
      const len = serials.len[i]!;
      const base = i * MAX_SERIAL;
      out[o++] = TAG.INTEGER;
      if (mag[base]! >= 0x80) { out[o++] = len + 1; out[o++] = 0; } else out[o++] = len;
      for (let j = 0; j < len; j++) out[o++] = mag[base + j]!;
      o = writeTime(out, o, when[i]!);
      const x = exts[i];
      if (x) for (let j = 0; j < x.length; j++) out[o++] = x[j]!;
    }
    if (o !== at + size) throw new KysoError('internal', `CRL entry encoding is ${o - at} octets, expected ${size}`);
    return o;
  };
  return { size, write };
}

/**
 * DER TBSCertList (RFC 5280 §5.1.2) of a v2 full CRL:
 * - thisUpdate, nextUpdate and each revocationDate as UTCTime through 2049 and GeneralizedTime from
 *   2050 (§5.1.2.4, §5.1.2.5, §5.1.2.6), whole seconds; invalidityDate as GeneralizedTime (§5.3.2);
 * - revokedCertificates sorted numerically by serial number (a serial listed twice is refused), so
 *   the same entries in any order give the same bytes; omitted when there are none (§5.1.2.6);
 * - per entry a reasonCode extension (§5.3.1) unless the reason is unspecified, then invalidityDate;
 * - crlExtensions: authorityKeyIdentifier (§5.2.1) and cRLNumber (§5.2.3), both non-critical.
 * Throws KysoError('invalid-argument') for a bad or duplicated serial, nextUpdate not after
 * thisUpdate, a CRL number out of range, an unknown reason, or an issuer that is not a non-empty Name.
 */
export function encodeTbsCertList(t: CrlTemplate): Uint8Array {
  const issuer = t.issuerDer;
  let issuerTlv;
  try { issuerTlv = issuer instanceof Uint8Array ? readTlv(issuer, 0) : undefined; } catch { issuerTlv = undefined; }
  if (!issuerTlv || issuerTlv.tag !== TAG.SEQUENCE || issuerTlv.end !== issuer.length || issuerTlv.valueStart === issuerTlv.end) {
    throw new KysoError('invalid-argument', 'the CRL issuer must be a non-empty DER Name (RFC 5280 §5.1.2.3)');
  }
  if (!(t.authorityKeyId instanceof Uint8Array) || t.authorityKeyId.length === 0) {
    throw new KysoError('invalid-argument', 'the CRL needs the issuer\'s key identifier for authorityKeyIdentifier (RFC 5280 §5.2.1)');
  }
  const thisUpdate = checkDate(t.thisUpdate, 'thisUpdate');
  const nextUpdate = checkDate(t.nextUpdate, 'nextUpdate');
  if (nextUpdate <= thisUpdate) {
    throw new KysoError('invalid-argument', `nextUpdate ${t.nextUpdate.toISOString()} must be later than thisUpdate ${t.thisUpdate.toISOString()} (RFC 5280 §5.1.2.5)`);
  }
  const crlNumber = crlNumberContent(t.crlNumber);
  if (!Array.isArray(t.entries)) throw new KysoError('invalid-argument', 'the CRL entries must be an array');

  const head = concatBytes([DER_V2, encodeSignatureAlgorithmDer(t.signatureAlgorithm), issuer, derTime(t.thisUpdate), derTime(t.nextUpdate)]);
  const revoked = t.entries.length > 0 ? planRevokedCertificates(t.entries) : undefined;
  const extensions: CertificateExtension[] = [
    authorityKeyIdentifierExtension(t.authorityKeyId),
    { oid: OID.crlNumber, critical: false, value: encodeTlv(TAG.INTEGER, crlNumber) },
  ];
  const tail = derContext(0, derSequence(...extensions.map(encodeExtension)), true);
  if (!revoked) return derSequence(head, tail);
  // One buffer for the whole TBSCertList: the entries are written in place, never copied.
  const content = head.length + revoked.size + tail.length;
  const out = new Uint8Array(1 + derLengthSize(content) + content);
  out[0] = TAG.SEQUENCE;
  let o = writeLength(out, 1, content);
  out.set(head, o);
  o = revoked.write(out, o + head.length);
  out.set(tail, o);
  return out;
}

/**
 * CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 * (RFC 5280 §5.1.1). Refuses a TBSCertList whose inner signature field differs from `alg`: §5.1.1.2
 * requires the two to be the same.
 */
export function assembleCrl(tbs: Uint8Array, alg: SignatureAlgorithm, signature: Uint8Array): Uint8Array {
  const algDer = encodeSignatureAlgorithmDer(alg);
  let ok = false;
  try {
    const outer = readTlv(tbs, 0);
    if (outer.tag === TAG.SEQUENCE && outer.end === tbs.length) {
      let f = readTlv(tbs, outer.valueStart, outer.end);
      if (f.tag === TAG.INTEGER) f = readTlv(tbs, f.end, outer.end);
      ok = equalBytes(tbs.subarray(f.start, f.end), algDer);
    }
  } catch { ok = false; }
  if (!ok) throw new KysoError('invalid-argument', 'the TBSCertList is not a DER SEQUENCE naming this signature algorithm (RFC 5280 §5.1.1.2)');
  if (signature.length === 0) throw new KysoError('invalid-argument', 'the CRL signature is empty');
  return encodeTlv(TAG.SEQUENCE, concatBytes([tbs, algDer, derBitString(signature)]));
}

/**
 * Encodes, signs and assembles a full CRL (RFC 5280 §5.1). The signer holds the CRL issuer's key:
 * the CA key, whose certificate must allow cRLSign (§4.2.1.3) for relying parties to accept it.
 */
export async function buildCrl(t: CrlTemplate & { signer: Signer }): Promise<Uint8Array> {
  const tbs = encodeTbsCertList(t);
  const signature = await t.signer.sign(tbs, t.signatureAlgorithm);
  return assembleCrl(tbs, t.signatureAlgorithm, signature);
}
