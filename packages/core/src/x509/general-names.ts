/**
 * GeneralName (RFC 5280 §4.2.1.6) read from exact DER: the name forms of subjectAltName,
 * nameConstraints (§4.2.1.10), CRL distribution points (§4.2.1.13) and issuing distribution
 * points (§5.2.5). rfc822Name, dNSName and URI must be IA5String (bytes < 0x80); anything else
 * throws KysoError('malformed').
 */
import { KysoError } from '../errors.ts';
import { readChildren, readTlv, readWhole, type Tlv } from '../asn1/der.ts';
import { decodeIa5, TAG } from './asn1-values.ts';
import { parseDistinguishedName, type DistinguishedName } from './name-matching.ts';

/** RFC 5280 §4.2.1.6 GeneralName, one variant per CHOICE alternative (unsupported forms keep their DER as hex). */
export type GeneralName =
  | { type: 'otherName'; der: string }
  | { type: 'rfc822'; value: string }
  | { type: 'dns'; value: string }
  | { type: 'x400'; der: string }
  | { type: 'directory'; name: DistinguishedName }
  | { type: 'ediParty'; der: string }
  | { type: 'uri'; value: string }
  | { type: 'ip'; bytes: Uint8Array }
  | { type: 'registeredId'; der: string };

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Reads the GeneralName at `t` (its tag selects the CHOICE). */
export function parseGeneralName(bytes: Uint8Array, t: Tlv): GeneralName {
  switch (t.tag) {
    case 0xa0: return { type: 'otherName', der: hex(bytes.subarray(t.start, t.end)) };
    case 0x81: return { type: 'rfc822', value: decodeIa5(bytes, t, 'rfc822Name') };
    case 0x82: return { type: 'dns', value: decodeIa5(bytes, t, 'dNSName') };
    case 0xa3: return { type: 'x400', der: hex(bytes.subarray(t.start, t.end)) };
    case 0xa4: {
      // [4] EXPLICIT Name
      const inner = readTlv(bytes, t.valueStart, t.end);
      if (inner.end !== t.end) throw new KysoError('malformed', 'directoryName: trailing data');
      if (inner.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'directoryName: expected a Name');
      return { type: 'directory', name: parseDistinguishedName(bytes.slice(inner.start, inner.end)) };
    }
    case 0xa5: return { type: 'ediParty', der: hex(bytes.subarray(t.start, t.end)) };
    case 0x86: return { type: 'uri', value: decodeIa5(bytes, t, 'uniformResourceIdentifier') };
    case 0x87: return { type: 'ip', bytes: bytes.slice(t.valueStart, t.end) };
    case 0x88: return { type: 'registeredId', der: hex(bytes.subarray(t.start, t.end)) };
    default: throw new KysoError('malformed', `GeneralName: unknown tag 0x${t.tag.toString(16)}`);
  }
}

/** Reads GeneralNames (SEQUENCE SIZE (1..MAX) OF GeneralName) whose TLV is `t` (any constructed tag). */
export function parseGeneralNamesAt(bytes: Uint8Array, t: Tlv): GeneralName[] {
  const kids = readChildren(bytes, t);
  if (kids.length === 0) throw new KysoError('malformed', 'GeneralNames: empty sequence');
  return kids.map((k) => parseGeneralName(bytes, k));
}

/** RFC 5280 §4.2.1.6: the DER of a subjectAltName / issuerAltName extension value. */
export function parseGeneralNames(der: Uint8Array): GeneralName[] {
  const top = readWhole(der, 'GeneralNames');
  if (top.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'GeneralNames: expected a SEQUENCE');
  return parseGeneralNamesAt(der, top);
}

/** Two GeneralNames are the same name (RFC 5280 §6.3.3 (b)(2)(i) distribution-point matching). */
export function generalNamesEqual(a: GeneralName, b: GeneralName): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'directory': return a.name.key === (b as typeof a).name.key;
    case 'rfc822': case 'dns': return a.value.toLowerCase() === (b as typeof a).value.toLowerCase();
    case 'uri': return a.value === (b as typeof a).value;
    case 'ip': {
      const x = a.bytes, y = (b as typeof a).bytes;
      return x.length === y.length && x.every((v, i) => v === y[i]);
    }
    default: return a.der === (b as typeof a).der;
  }
}

/** Dotted IPv4 / colon IPv6 text (with /prefix for 8- or 32-byte constraint values). */
export function formatIp(b: Uint8Array): string {
  const v4 = (x: Uint8Array) => [...x].join('.');
  const v6 = (x: Uint8Array) => { const w: string[] = []; for (let i = 0; i < 16; i += 2) w.push(((x[i]! << 8) | x[i + 1]!).toString(16)); return w.join(':'); };
  if (b.length === 4) return v4(b);
  if (b.length === 16) return v6(b);
  if (b.length === 8) return `${v4(b.subarray(0, 4))}/${v4(b.subarray(4))}`;
  if (b.length === 32) return `${v6(b.subarray(0, 16))}/${v6(b.subarray(16))}`;
  return `<${hex(b)}>`;
}

/** Parses an IPv4 or IPv6 textual address into 4 or 16 bytes; undefined if it is not one. */
export function parseIpAddress(s: string): Uint8Array | undefined {
  const v4 = s.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return Uint8Array.from(parts);
  }
  if (!s.includes(':')) return undefined;
  let head = s, tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) { head = s.slice(0, dbl); tail = s.slice(dbl + 2); if (tail.includes('::')) return undefined; }
  const words = (x: string): number[] | undefined => {
    if (x === '') return [];
    const out: number[] = [];
    const parts = x.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const b = parseIpAddress(p);
        if (!b || b.length !== 4) return undefined;
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const h = words(head), t = words(tail);
  if (!h || !t) return undefined;
  const fill = 8 - h.length - t.length;
  if (dbl >= 0 ? fill < 1 : fill !== 0) return undefined;
  const all = [...h, ...new Array<number>(dbl >= 0 ? fill : 0).fill(0), ...t];
  const out = new Uint8Array(16);
  all.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}
