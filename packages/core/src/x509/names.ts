/**
 * Distinguished names: RFC 4514 strings ⇄ X.501 Name (RFC 5280 §4.1.2.4).
 *
 * Strings are written most-specific first (`CN=…,O=…,C=VN`), as RFC 4514 §2.1 prescribes, so the
 * encoded RDNSequence is the reverse of the string. Encodings follow RFC 5280 §4.1.2.4 / §A.1:
 * countryName and serialNumber are PrintableString, emailAddress and domainComponent IA5String,
 * everything else UTF8String (Vietnamese names need it).
 */
import { AsnParser } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { KysoError } from '../errors.ts';
import { readChildren, readWhole, tlvBytes, toArrayBuffer, toHex } from '../asn1/der.ts';
import { decodeOid } from './asn1-values.ts';
import { decodeDirectoryString } from './name-matching.ts';
import { NAME_ATTRIBUTES, OID } from './oids.ts';
import { TAG, derOid, derSequence, derSetOf, derString } from '../asn1/der-writer.ts';

export interface NameAttribute { oid: string; value: string }
/** A name as RDNs in DER order (most general first); each RDN may hold several attributes. */
export type NameRdns = NameAttribute[][];

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function typeOf(key: string): string {
  const k = key.trim().toUpperCase();
  if (/^\d+(\.\d+)+$/.test(k)) return k;
  if (k.startsWith('OID.') && /^\d+(\.\d+)+$/.test(k.slice(4))) return k.slice(4);
  const found = NAME_ATTRIBUTES.find((a) => a.short === k || a.aliases?.includes(k));
  if (!found) throw new KysoError('malformed', `unknown attribute type "${key.trim()}" in distinguished name`);
  return found.oid;
}

function shortOf(oid: string): string {
  const found = NAME_ATTRIBUTES.find((a) => a.oid === oid);
  return found ? (found.short === 'ORGANIZATIONIDENTIFIER' ? 'organizationIdentifier' : found.short) : oid;
}

/** Parses an RFC 4514 string into RDNs in DER order. */
export function parseDnString(dn: string): NameRdns {
  const rdns: NameRdns = [];
  let rdn: NameAttribute[] = [];
  let key = '';
  let value = '';
  let inValue = false;
  let escaped = false;
  const flush = (endRdn: boolean) => {
    if (!inValue) throw new KysoError('malformed', `distinguished name "${dn}": expected TYPE=value`);
    const v = value.trim();
    if (v === '') throw new KysoError('malformed', `distinguished name "${dn}": empty value for ${key.trim()}`);
    rdn.push({ oid: typeOf(key), value: v });
    key = ''; value = ''; inValue = false;
    if (endRdn) { rdns.push(rdn); rdn = []; }
  };
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i]!;
    if (escaped) {
      const hex = dn.slice(i, i + 2);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        // A run of \XX escapes is UTF-8: collect them and decode together.
        const bytes: number[] = [parseInt(hex, 16)];
        i += 2;
        while (dn[i] === '\\' && /^[0-9a-fA-F]{2}$/.test(dn.slice(i + 1, i + 3))) { bytes.push(parseInt(dn.slice(i + 1, i + 3), 16)); i += 3; }
        i -= 1;
        value += new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
      } else value += ch;
      escaped = false;
      continue;
    }
    if (!inValue) {
      if (ch === '=') { inValue = true; continue; }
      if (ch === ',' || ch === '+' || ch === '\\') throw new KysoError('malformed', `distinguished name "${dn}": expected TYPE=value`);
      key += ch;
      continue;
    }
    if (ch === '\\') { escaped = true; continue; }
    if (ch === ',' || ch === ';') { flush(true); continue; }
    if (ch === '+') { flush(false); continue; }
    value += ch;
  }
  if (escaped) throw new KysoError('malformed', `distinguished name "${dn}": dangling escape`);
  if (key.trim() === '' && !inValue && rdn.length === 0 && rdns.length === 0) throw new KysoError('malformed', 'empty distinguished name');
  flush(true);
  return rdns.reverse();
}

/** The string type kyso writes for an attribute (RFC 5280 §4.1.2.4 / §A.1), after checking the value. */
function attributeString(oid: string, value: string): { kind: 'printableString' | 'ia5String' | 'utf8String'; tag: number; text: string } {
  const nfc = value.normalize('NFC');
  if (oid === OID.countryName) {
    if (!/^[A-Z]{2}$/.test(nfc)) throw new KysoError('malformed', `country must be two capital letters (ISO 3166), got "${value}"`);
    return { kind: 'printableString', tag: TAG.PrintableString, text: nfc };
  }
  if (oid === OID.serialNumber) {
    if (!PRINTABLE.test(nfc)) throw new KysoError('malformed', `serialNumber "${value}" is not a PrintableString`);
    return { kind: 'printableString', tag: TAG.PrintableString, text: nfc };
  }
  if (oid === OID.emailAddress || oid === OID.domainComponent) {
    if (!/^[\x20-\x7e]*$/.test(nfc)) throw new KysoError('malformed', `${shortOf(oid)} "${value}" must be ASCII`);
    return { kind: 'ia5String', tag: TAG.IA5String, text: nfc };
  }
  return { kind: 'utf8String', tag: TAG.UTF8String, text: nfc };
}

/** Builds an X.501 Name model with kyso's string encodings, validating values as it goes. */
export function buildName(rdns: NameRdns): Name {
  return new Name(rdns.map((rdn) => new RelativeDistinguishedName(rdn.map(({ oid, value }) => {
    const a = attributeString(oid, value);
    return new AttributeTypeAndValue({ type: oid, value: new AttributeValue({ [a.kind]: a.text }) });
  }))));
}

/** DER of the Name `buildName` describes, encoded directly (the CA's hot path). */
export function encodeName(rdns: NameRdns): Uint8Array {
  return derSequence(...rdns.map((rdn) => derSetOf(rdn.map(({ oid, value }) => {
    const a = attributeString(oid, value);
    return derSequence(derOid(oid), derString(a.tag, a.text));
  }))));
}

/** The value of an AttributeValue as text (hex with '#' for values that are not strings). */
export function attributeValueText(v: AttributeValue): string {
  const s = v.utf8String ?? v.printableString ?? v.ia5String ?? v.teletexString ?? v.bmpString ?? v.universalString;
  if (s !== undefined) return s;
  return v.anyValue ? '#' + toHex(new Uint8Array(v.anyValue)) : '';
}

function escapeValue(s: string): string {
  let out = s.replace(/[\\,+"<>;=]/g, (c) => '\\' + c);
  if (out.startsWith(' ') || out.startsWith('#')) out = '\\' + out;
  if (out.endsWith(' ')) out = out.slice(0, -1) + '\\ ';
  return out;
}

/** RFC 4514 string of a Name: most specific RDN first. */
export function formatName(name: Name): string {
  return [...name].reverse().map((rdn) =>
    [...rdn].map((atv) => `${shortOf(atv.type)}=${escapeValue(attributeValueText(atv.value))}`).join('+'),
  ).join(', ');
}

/** RDNs of a DER Name, in DER order, read with the DER reader (non-string values as '#hex'). */
export function rdnsFromNameDer(der: Uint8Array): NameRdns {
  const top = readWhole(der, 'Name');
  if (top.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'Name: expected a SEQUENCE');
  return readChildren(der, top).map((set) => {
    if (set.tag !== TAG.SET) throw new KysoError('malformed', 'Name: expected a SET for an RDN');
    return readChildren(der, set).map((atv) => {
      const [type, value] = readChildren(der, atv);
      if (!type || !value) throw new KysoError('malformed', 'Name: AttributeTypeAndValue needs a type and a value');
      return { oid: decodeOid(der, type), value: decodeDirectoryString(der, value) ?? '#' + toHex(tlvBytes(der, value)) };
    });
  });
}

/** RFC 4514 string of a DER Name (most specific RDN first), without building a Name model. */
export function formatNameDer(der: Uint8Array): string {
  return rdnsFromNameDer(der).reverse().map((rdn) => rdn.map((a) => `${shortOf(a.oid)}=${a.value.startsWith('#') ? a.value : escapeValue(a.value)}`).join('+')).join(', ');
}

/** RDNs of a Name, in DER order. */
export function nameToRdns(name: Name): NameRdns {
  return [...name].map((rdn) => [...rdn].map((atv) => ({ oid: atv.type, value: attributeValueText(atv.value) })));
}

/** Parses a DER Name. */
export function parseNameDer(der: Uint8Array): Name {
  try {
    return AsnParser.parse(toArrayBuffer(der), Name);
  } catch (e) {
    throw new KysoError('malformed', 'Name is not valid DER', { cause: e });
  }
}

/** First value of an attribute type in a Name, if any. */
export function nameAttribute(name: Name | NameRdns, oid: string): string | undefined {
  const rdns = name instanceof Name ? nameToRdns(name) : name;
  for (const rdn of rdns) for (const a of rdn) if (a.oid === oid) return a.value;
  return undefined;
}
