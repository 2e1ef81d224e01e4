/**
 * Distinguished-name lints (RFC 5280 §4.1.2.4, §4.1.2.6 and Appendix A.1): structure, string
 * types per attribute, empty values, upper bounds, country codes.
 */
import { OID } from '../../x509/oids.ts';
import type { LintContext, NameAttributeFact } from './context.ts';
import {
  bytesOf, decodeStringNode, DerError, expectTag, readOid, TAG, type DerNode,
} from './der-tree.ts';
import { attributeName } from './lint-oids.ts';

/** ISO 3166-1 alpha-2 codes (officially assigned). */
const ISO3166 = new Set((
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
  'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ ' +
  'UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' '));

export function isIso3166Alpha2(s: string): boolean {
  return ISO3166.has(s);
}

/** Attributes whose syntax is DirectoryString (X.520; RFC 5280 Appendix A.1; RFC 4519 for uid). */
const DIRECTORY_STRING = new Set<string>([
  OID.commonName, OID.surname, OID.givenName, OID.localityName, OID.stateOrProvinceName, OID.streetAddress,
  OID.organizationName, OID.organizationalUnitName, OID.title, OID.organizationIdentifier, OID.userId,
  '2.5.4.65', '2.5.4.43', '2.5.4.44', '2.5.4.15', '2.5.4.17', '2.5.4.18',
  '1.3.6.1.4.1.311.60.2.1.1', '1.3.6.1.4.1.311.60.2.1.2',
]);
/** PrintableString-only attributes. */
const PRINTABLE_ONLY = new Set<string>([OID.countryName, OID.serialNumber, '2.5.4.46', '1.3.6.1.4.1.311.60.2.1.3']);
/** IA5String-only attributes (PKCS #9 emailAddress; RFC 4519 domainComponent). */
const IA5_ONLY = new Set<string>([OID.emailAddress, OID.domainComponent]);
const COUNTRY = new Set<string>([OID.countryName, '1.3.6.1.4.1.311.60.2.1.3']);

/** Upper bounds in characters (RFC 5280 Appendix A.1, X.520). */
const UPPER_BOUNDS: Record<string, number> = {
  [OID.commonName]: 64, [OID.surname]: 32768, [OID.givenName]: 32768, [OID.localityName]: 128,
  [OID.stateOrProvinceName]: 128, [OID.organizationName]: 64, [OID.organizationalUnitName]: 64,
  [OID.title]: 64, [OID.serialNumber]: 64, [OID.emailAddress]: 255, '2.5.4.65': 128, '2.5.4.43': 32768,
  '2.5.4.44': 32768, [OID.streetAddress]: 128, '2.5.4.17': 40, '2.5.4.18': 40, '2.5.4.15': 128, [OID.userId]: 256,
};

/** X.690 §11.6: SET OF components sorted by their encodings (shorter ones padded with 0s). */
function compareEncodings(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}

export interface NameResult { empty: boolean; attributes: NameAttributeFact[] }

/**
 * Lints one Name (RFC 5280 §4.1.2.4). `prefix` is the finding path ('subject', 'issuer',
 * 'extensions.subjectAltName[2]'). Throws DerError when the structure is not a Name at all.
 */
export function lintName(ctx: LintContext, buf: Uint8Array, node: DerNode, prefix: string): NameResult {
  const sink = ctx.sink;
  expectTag(node, TAG.SEQUENCE, `${prefix}: Name`);
  const attributes: NameAttributeFact[] = [];
  const rdns = node.children ?? [];
  rdns.forEach((rdn, ri) => {
    expectTag(rdn, TAG.SET, `${prefix}: RelativeDistinguishedName`);
    const atvs = rdn.children ?? [];
    if (atvs.length === 0) {
      sink.add('rfc5280.name_rdn_empty', `The ${prefix} name contains an empty RDN, which RDN SIZE (1..MAX) forbids.`, prefix);
      return;
    }
    if (atvs.length > 1) {
      sink.add('rfc5280.name_multi_valued_rdn', `The ${prefix} name contains a multi-valued RDN, which many relying parties handle poorly.`, prefix);
      for (let i = 1; i < atvs.length; i++) {
        if (compareEncodings(bytesOf(buf, atvs[i - 1]!), bytesOf(buf, atvs[i]!)) > 0) {
          sink.add('rfc5280.der_invalid', `A multi-valued RDN in the ${prefix} name is not sorted as DER requires for SET OF (X.690 §11.6).`, prefix);
          break;
        }
      }
    }
    for (const atv of atvs) {
      expectTag(atv, TAG.SEQUENCE, `${prefix}: AttributeTypeAndValue`);
      const [typeNode, valueNode, extra] = atv.children ?? [];
      if (!valueNode || extra) throw new DerError(`${prefix}: AttributeTypeAndValue must hold exactly a type and a value`, atv.start);
      const oid = readOid(buf, typeNode, `${prefix}: attribute type`);
      const name = attributeName(oid);
      const path = `${prefix}.${name}`;
      const s = decodeStringNode(buf, valueNode);
      if (!s) {
        attributes.push({ oid, kind: 'other', text: '', rdn: ri });
        if (DIRECTORY_STRING.has(oid) || PRINTABLE_ONLY.has(oid) || IA5_ONLY.has(oid)) {
          sink.add('rfc5280.name_attribute_encoding', `The ${prefix} attribute ${name} is not encoded as a character string.`, path);
        }
        continue;
      }
      attributes.push({ oid, kind: s.kind, text: s.text, rdn: ri });
      if (s.invalid) {
        sink.add('rfc5280.string_invalid', `The ${prefix} attribute ${name} is a ${s.kind} that ${s.invalid}.`, path);
        continue;
      }
      if (s.text.length === 0) {
        sink.add('rfc5280.name_attribute_empty', `The ${prefix} attribute ${name} has an empty value.`, path);
        continue;
      }
      if (PRINTABLE_ONLY.has(oid) && s.kind !== 'PrintableString') {
        sink.add('rfc5280.name_attribute_encoding', `The ${prefix} attribute ${name} must be a PrintableString, not a ${s.kind}.`, path);
      } else if (IA5_ONLY.has(oid) && s.kind !== 'IA5String') {
        sink.add('rfc5280.name_attribute_encoding', `The ${prefix} attribute ${name} must be an IA5String, not a ${s.kind}.`, path);
      } else if (DIRECTORY_STRING.has(oid)) {
        if (s.kind === 'TeletexString' || s.kind === 'BMPString' || s.kind === 'UniversalString') {
          sink.add('rfc5280.name_legacy_string_type', `The ${prefix} attribute ${name} uses ${s.kind}; new certificates use UTF8String or PrintableString.`, path);
        } else if (s.kind !== 'UTF8String' && s.kind !== 'PrintableString') {
          sink.add('rfc5280.name_attribute_encoding', `The ${prefix} attribute ${name} is a ${s.kind}, which is not a DirectoryString choice.`, path);
        }
      }
      if (COUNTRY.has(oid) && !(/^[A-Z]{2}$/.test(s.text) && isIso3166Alpha2(s.text))) {
        sink.add('rfc5280.country_name_invalid', `The ${prefix} country "${s.text}" is not an ISO 3166-1 alpha-2 code.`, path);
      }
      const ub = UPPER_BOUNDS[oid];
      const len = [...s.text].length;
      if (ub !== undefined && len > ub) {
        sink.add('rfc5280.name_attribute_too_long', `The ${prefix} attribute ${name} has ${len} characters, more than its upper bound of ${ub}.`, path);
      }
    }
  });
  return { empty: rdns.length === 0, attributes };
}
