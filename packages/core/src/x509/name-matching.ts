/**
 * Distinguished-name comparison for path validation: RFC 5280 §7.1 (names are compared after
 * RFC 4518 LDAP string preparation — Unicode NFKC, case folding, insignificant-space handling),
 * the name chaining of §6.1.3 (a)(4), and the directoryName subtree test of §4.2.1.10.
 *
 * Names are read from their exact DER bytes (never re-encoded). Each attribute value of a
 * DirectoryString type (PrintableString, UTF8String, TeletexString, BMPString, UniversalString,
 * plus IA5String/VisibleString/NumericString) becomes a prepared string; any other value is
 * compared by its exact encoding. An RDN is a *set* of attributes, so its key is order-free;
 * a Name is the ordered sequence of RDN keys.
 */
import { KysoError } from '../errors.ts';
import { readChildren, readWhole, type Tlv } from '../asn1/der.ts';
import { decodeOid, TAG } from './asn1-values.ts';
import { OID } from './oids.ts';

/** One attribute of an RDN after preparation. */
export interface PreparedAttribute {
  oid: string;
  /** 's:' + prepared string, or 'x:' + hex of the value's DER for non-string values. */
  value: string;
  /** The value as text when it is a string type (unprepared), for display and e-mail extraction. */
  text?: string;
}

/** A parsed, comparison-ready X.501 Name (RFC 5280 §4.1.2.4). */
export interface DistinguishedName {
  der: Uint8Array;
  /** Per RDN, in DER order (most general first). */
  rdns: PreparedAttribute[][];
  /** Per RDN, an order-independent key. */
  rdnKeys: string[];
  /** Key of the whole name: equal keys ⇔ equal names under RFC 5280 §7.1. */
  key: string;
  /** True for an empty RDNSequence. */
  empty: boolean;
}

const HEX = '0123456789abcdef';
function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += HEX[x >> 4]! + HEX[x & 15]!;
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a string-typed attribute value; undefined for non-string tags or undecodable bytes. */
export function decodeDirectoryString(bytes: Uint8Array, t: Tlv): string | undefined {
  const v = bytes.subarray(t.valueStart, t.end);
  try {
    switch (t.tag) {
      case TAG.UTF8String: return utf8.decode(v);
      case TAG.PrintableString: case TAG.IA5String: case TAG.VisibleString: case 0x12 /* NumericString */: {
        let s = '';
        for (const b of v) { if (b >= 0x80) return undefined; s += String.fromCharCode(b); }
        return s;
      }
      case TAG.TeletexString: {
        // T.61 is treated as ISO 8859-1, as most implementations do.
        let s = '';
        for (const b of v) s += String.fromCharCode(b);
        return s;
      }
      case TAG.BMPString: {
        if (v.length % 2) return undefined;
        let s = '';
        for (let i = 0; i < v.length; i += 2) s += String.fromCharCode((v[i]! << 8) | v[i + 1]!);
        return s;
      }
      case TAG.UniversalString: {
        if (v.length % 4) return undefined;
        let s = '';
        for (let i = 0; i < v.length; i += 4) s += String.fromCodePoint(((v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!) >>> 0);
        return s;
      }
      default: return undefined;
    }
  } catch {
    return undefined;
  }
}

/**
 * RFC 4518 string preparation, as RFC 5280 §7.1 requires for PrintableString and UTF8String
 * (applied here to every string type): NFKC, case folding, and insignificant space handling
 * (leading/trailing spaces dropped, inner runs of white space reduced to one space).
 */
export function prepareString(s: string): string {
  // §2.2 map: control characters and some format characters map to nothing; other white space to SPACE.
  // eslint-disable-next-line no-control-regex
  let out = s.replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u00ad\u200b-\u200d\u2060\ufeff]/g, '');
  out = out.replace(/[\t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/g, ' ');
  out = out.normalize('NFKC').toUpperCase().toLowerCase();
  return out.trim().replace(/ +/g, ' ');
}

function rdnKey(rdn: PreparedAttribute[]): string {
  return rdn.map((a) => `${a.oid}=${a.value}`).sort().join('\u0001');
}

/** Parses the exact DER of a Name. Throws KysoError('malformed') if it is not an RDNSequence. */
export function parseDistinguishedName(der: Uint8Array): DistinguishedName {
  const top = readWhole(der, 'Name');
  if (top.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'Name: expected a SEQUENCE');
  const rdns: PreparedAttribute[][] = [];
  const rdnKeys: string[] = [];
  for (const set of readChildren(der, top)) {
    if (set.tag !== TAG.SET) throw new KysoError('malformed', 'Name: expected a SET for an RDN');
    const attrs = parseRdn(der, set);
    rdns.push(attrs);
    rdnKeys.push(rdnKey(attrs));
  }
  return { der, rdns, rdnKeys, key: rdnKeys.join('\u0002'), empty: rdns.length === 0 };
}

/** RFC 5280 §7.1: two names match when they have the same RDNs in the same order, values compared after preparation. */
export function namesEqual(a: DistinguishedName, b: DistinguishedName): boolean {
  return a.key === b.key;
}

/** RFC 5280 §4.2.1.10 directoryName: `name` is within the subtree `base` when `base`'s RDNs are its leading RDNs. */
export function isWithinDirectorySubtree(name: DistinguishedName, base: DistinguishedName): boolean {
  if (base.rdnKeys.length > name.rdnKeys.length) return false;
  for (let i = 0; i < base.rdnKeys.length; i++) if (base.rdnKeys[i] !== name.rdnKeys[i]) return false;
  return true;
}

/** Values of the emailAddress attribute (PKCS #9) in a name: RFC 5280 §4.2.1.10 applies rfc822Name constraints to them. */
export function emailAddresses(name: DistinguishedName): string[] {
  const out: string[] = [];
  for (const rdn of name.rdns) for (const a of rdn) if (a.oid === OID.emailAddress && a.text !== undefined) out.push(a.text);
  return out;
}

/** A name made of one RDN appended to a base (RFC 5280 §4.2.1.13 nameRelativeToCRLIssuer). */
export function appendRdn(base: DistinguishedName, rdn: PreparedAttribute[]): DistinguishedName {
  const rdnKeys = [...base.rdnKeys, rdnKey(rdn)];
  return { der: base.der, rdns: [...base.rdns, rdn], rdnKeys, key: rdnKeys.join('\u0002'), empty: false };
}

/** Reads one RDN (a SET of AttributeTypeAndValue) at a TLV, e.g. an implicitly tagged [1] RelativeDistinguishedName. */
export function parseRdn(bytes: Uint8Array, set: Tlv): PreparedAttribute[] {
  const attrs: PreparedAttribute[] = [];
  for (const atv of readChildren(bytes, set)) {
    if (atv.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'Name: expected AttributeTypeAndValue');
    const parts = readChildren(bytes, atv);
    if (parts.length !== 2) throw new KysoError('malformed', 'Name: AttributeTypeAndValue needs a type and a value');
    const oid = decodeOid(bytes, parts[0]!);
    const vt = parts[1]!;
    const text = decodeDirectoryString(bytes, vt);
    attrs.push(text !== undefined ? { oid, value: 's:' + prepareString(text), text } : { oid, value: 'x:' + hex(bytes.subarray(vt.start, vt.end)) });
  }
  if (attrs.length === 0) throw new KysoError('malformed', 'Name: empty RDN');
  return attrs;
}
