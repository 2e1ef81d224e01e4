import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCertificate } from '../../x509/certificate.ts';
import { OID } from '../../x509/oids.ts';
import { hasErrors, lintCertificate, LINT_RULES, type LintCode, type LintOptions, type LintSeverity } from './index.ts';
import {
  build, buildDer, d, dn, dnRdns, ext, fixtureChain, gn, goodSpec, issuingSpec, kuValue, rootSpec, testKey, time, withExt,
  withoutExt, type CertSpec, type Ext,
} from './test-certs.ts';

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const bytes = (n: number, fill = 0x11) => new Uint8Array(n).fill(fill);
const ee = () => goodSpec('official');
const ca = () => issuingSpec();
const rsaSpki = (n: bigint, e: bigint, params: Uint8Array[] = [d.null()]) =>
  d.seq(d.seq(d.oid(OID.rsaEncryption), ...params), d.bits(d.seq(d.int(n), d.int(e))));
const BIG_ODD = (1n << 2047n) + 12345n;

interface Case {
  code: LintCode;
  title: string;
  spec: () => CertSpec;
  opts?: () => LintOptions;
  severity?: LintSeverity;
}

const extWith = (oid: string, value: Uint8Array, critical?: Ext['critical']): Ext => ({ oid, value, critical });

const CASES: Case[] = [
  // --- encoding ---
  { code: 'rfc5280.der_invalid', title: 'unsorted multi-valued RDN', spec: () => ({ ...ee(), subject: dnRdns([[OID.commonName, 'Zed'], [OID.organizationName, 'a']]) }) },
  {
    code: 'rfc5280.der_invalid', title: 'non-minimal length inside the subject',
    spec: () => ({ ...ee(), subject: d.seq(d.set(d.seq(d.oid(OID.commonName), Uint8Array.of(0x0c, 0x81, 0x03, 0x41, 0x42, 0x43)))) }),
  },
  { code: 'rfc5280.der_boolean_not_ff', title: 'critical BOOLEAN encoded 0x01', spec: () => withExt(ee(), { ...ext.ku(['digitalSignature', 'nonRepudiation']), critical: 0x01 }) },
  { code: 'rfc5280.der_default_value_encoded', title: 'critical FALSE encoded', spec: () => withExt(ee(), { ...ext.ski(bytes(20)), critical: 'explicit-false' }) },
  { code: 'rfc5280.der_default_value_encoded', title: 'basicConstraints cA FALSE encoded', spec: () => withExt(ee(), extWith(OID.basicConstraints, d.seq(d.bool(false)), true)) },
  { code: 'rfc5280.der_default_value_encoded', title: 'version v1 encoded', spec: () => ({ ...ee(), version: d.explicit(0, d.int(0)), extensions: null }) },
  { code: 'rfc5280.der_integer_not_minimal', title: 'serial with a superfluous leading zero', spec: () => ({ ...ee(), serial: d.tlv(0x02, Uint8Array.of(0x00, 0x01, 0x02)) }) },
  { code: 'rfc5280.der_bit_string_trailing_zero', title: 'keyUsage with a trailing zero bit', spec: () => withExt(ee(), extWith(OID.keyUsage, d.bits(Uint8Array.of(0xc0), 5), true)) },
  { code: 'rfc5280.extension_value_invalid', title: 'keyUsage with a trailing octet', spec: () => withExt(ee(), extWith(OID.keyUsage, Uint8Array.of(0x03, 0x02, 0x06, 0xc0, 0x00), true)) },
  { code: 'rfc5280.extension_value_invalid', title: 'basicConstraints of the wrong type', spec: () => withExt(ee(), extWith(OID.basicConstraints, d.int(1), true)) },
  // --- TBSCertificate fields ---
  { code: 'rfc5280.version_not_v3', title: 'v1 certificate', spec: () => ({ ...ee(), version: null, extensions: null }) },
  { code: 'rfc5280.version_extensions_require_v3', title: 'v2 certificate with extensions', spec: () => ({ ...ee(), version: d.explicit(0, d.int(1)) }) },
  { code: 'rfc5280.serial_not_positive', title: 'zero serial', spec: () => ({ ...ee(), serial: d.int(0) }) },
  { code: 'rfc5280.serial_not_positive', title: 'negative serial', spec: () => ({ ...ee(), serial: d.int(-5) }) },
  { code: 'rfc5280.serial_too_long', title: '21-octet serial', spec: () => ({ ...ee(), serial: d.tlv(0x02, bytes(21, 0x7f)) }) },
  { code: 'rfc5280.signature_algorithm_mismatch', title: 'outer algorithm differs', spec: () => ({ ...ee(), outerSignature: d.seq(d.oid(OID.ecdsaWithSHA256)) }) },
  { code: 'rfc5280.signature_algorithm_weak', title: 'ecdsa-with-SHA1', spec: () => ({ ...ee(), signature: d.seq(d.oid(OID.ecdsaWithSHA1)) }) },
  { code: 'rfc5280.signature_algorithm_weak', title: 'md5WithRSAEncryption', spec: () => ({ ...ee(), signature: d.seq(d.oid(OID.md5WithRSAEncryption), d.null()) }) },
  { code: 'rfc5280.signature_algorithm_unknown', title: 'unknown signature algorithm', spec: () => ({ ...ee(), signature: d.seq(d.oid('1.2.3.4.5')) }) },
  { code: 'rfc5280.signature_algorithm_parameters', title: 'ECDSA with NULL parameters', spec: () => ({ ...ee(), signature: d.seq(d.oid(OID.ecdsaWithSHA384), d.null()) }) },
  { code: 'rfc5280.signature_algorithm_parameters', title: 'RSA PKCS#1 with absent parameters', spec: () => ({ ...ee(), signature: d.seq(d.oid(OID.sha256WithRSAEncryption)) }) },
  {
    code: 'rfc5280.rsassa_pss_parameters', title: 'PSS with a different MGF1 hash',
    spec: () => ({ ...ee(), signature: d.seq(d.oid(OID.rsassaPss), d.seq(
      d.explicit(0, d.seq(d.oid(OID.sha256), d.null())), d.explicit(1, d.seq(d.oid(OID.mgf1), d.seq(d.oid(OID.sha384), d.null()))), d.explicit(2, d.int(32)))) }),
  },
  {
    code: 'rfc5280.rsassa_pss_parameters', title: 'PSS salt length differs from the hash length', severity: 'warning',
    spec: () => ({ ...ee(), signature: d.seq(d.oid(OID.rsassaPss), d.seq(
      d.explicit(0, d.seq(d.oid(OID.sha256), d.null())), d.explicit(1, d.seq(d.oid(OID.mgf1), d.seq(d.oid(OID.sha256), d.null()))), d.explicit(2, d.int(64)))) }),
  },
  {
    code: 'rfc5280.signature_algorithm_key_mismatch', title: "RSA signature from the issuer's EC key",
    spec: () => ({ ...ee(), signature: d.seq(d.oid(OID.sha256WithRSAEncryption), d.null()) }), opts: () => ({ issuer: fixtureChain().issuing }),
  },
  { code: 'rfc5280.validity_time_encoding', title: 'GeneralizedTime before 2050', spec: () => ({ ...ee(), notAfter: d.gen('20300101000000Z') }) },
  { code: 'rfc5280.validity_time_encoding', title: 'UTCTime without seconds', spec: () => ({ ...ee(), notAfter: d.utc('3001010000Z') }) },
  { code: 'rfc5280.validity_time_encoding', title: 'GeneralizedTime with fractional seconds', spec: () => ({ ...ee(), notAfter: d.gen('20550101000000.5Z') }) },
  { code: 'rfc5280.validity_negative', title: 'notBefore after notAfter', spec: () => ({ ...ee(), notBefore: time(new Date('2029-01-01T00:00:00Z')) }) },
  { code: 'rfc5280.validity_negative', title: 'notBefore equal to notAfter', spec: () => ({ ...ee(), notBefore: time(new Date('2028-06-01T00:00:00Z')) }) },
  { code: 'rfc5280.issuer_empty', title: 'empty issuer', spec: () => ({ ...ee(), issuer: d.seq() }) },
  { code: 'rfc5280.unique_identifier_present', title: 'issuerUniqueID', spec: () => ({ ...ee(), extraFields: [d.implicit(1, Uint8Array.of(0x00, 0xab))] }) },
  // --- names ---
  { code: 'rfc5280.subject_empty_without_san', title: 'empty subject, no SAN', spec: () => ({ ...ee(), subject: d.seq() }) },
  { code: 'rfc5280.subject_empty_san_not_critical', title: 'empty subject, non-critical SAN', spec: () => withExt({ ...ee(), subject: d.seq() }, ext.san([gn.email('an@example.gov.vn')])) },
  { code: 'rfc5280.san_critical_with_subject', title: 'critical SAN with a subject', spec: () => withExt(ee(), ext.san([gn.email('an@example.gov.vn')], true)) },
  { code: 'rfc5280.name_attribute_empty', title: 'empty CN', spec: () => ({ ...ee(), subject: dn([OID.countryName, 'VN'], [OID.commonName, '']) }) },
  { code: 'rfc5280.name_attribute_too_long', title: 'CN over 64 characters', spec: () => ({ ...ee(), subject: dn([OID.countryName, 'VN'], [OID.commonName, 'Đ'.repeat(65)]) }) },
  { code: 'rfc5280.name_attribute_encoding', title: 'country as UTF8String', spec: () => ({ ...ee(), subject: dn([OID.countryName, 'VN', 'utf8'], [OID.commonName, 'A']) }) },
  { code: 'rfc5280.name_attribute_encoding', title: 'emailAddress as UTF8String', spec: () => ({ ...ee(), subject: dn([OID.commonName, 'A'], [OID.emailAddress, 'a@b.vn', 'utf8']) }) },
  { code: 'rfc5280.name_attribute_encoding', title: 'CN as IA5String', spec: () => ({ ...ee(), subject: dn([OID.commonName, 'A', 'ia5']) }) },
  { code: 'rfc5280.name_legacy_string_type', title: 'O as BMPString', spec: () => ({ ...ee(), subject: dn([OID.countryName, 'VN'], [OID.organizationName, 'Bo', 'bmp']) }) },
  { code: 'rfc5280.string_invalid', title: 'UTF8String with invalid UTF-8', spec: () => ({ ...ee(), subject: dn([OID.commonName, '0c02c3ff', 'raw']) }) },
  { code: 'rfc5280.string_invalid', title: 'PrintableString with "@"', spec: () => ({ ...ee(), subject: dn([OID.countryName, 'VN'], [OID.commonName, 'a@b', 'printable']) }) },
  { code: 'rfc5280.string_invalid', title: 'non-ASCII rfc822Name', spec: () => withExt(ee(), ext.san([gn.email('ân@example.vn')])) },
  { code: 'rfc5280.country_name_invalid', title: 'unassigned country code', spec: () => ({ ...ee(), subject: dn([OID.countryName, 'XY'], [OID.commonName, 'A']) }) },
  { code: 'rfc5280.country_name_invalid', title: 'three-letter country', spec: () => ({ ...ee(), subject: dn([OID.countryName, 'VNM'], [OID.commonName, 'A']) }) },
  { code: 'rfc5280.name_multi_valued_rdn', title: 'multi-valued RDN', spec: () => ({ ...ee(), subject: dnRdns([[OID.organizationName, 'a'], [OID.commonName, 'Zed']]) }) },
  { code: 'rfc5280.name_rdn_empty', title: 'empty RDN', spec: () => ({ ...ee(), subject: d.seq(d.set(), d.set(d.seq(d.oid(OID.commonName), d.utf8('A')))) }) },
  // --- extensions ---
  { code: 'rfc5280.extensions_empty', title: 'empty extensions', spec: () => ({ ...ee(), extensions: [] }) },
  { code: 'rfc5280.extension_duplicate', title: 'SKI twice', spec: () => ({ ...ee(), extensions: [...ee().extensions!, ext.ski(bytes(20))] }) },
  { code: 'rfc5280.extension_unknown_critical', title: 'unknown critical extension', spec: () => withExt(ee(), extWith('1.2.3.4.5', d.null(), true)) },
  { code: 'rfc5280.aki_critical', title: 'critical AKI', spec: () => withExt(ee(), { ...ext.aki(bytes(20)), critical: true }) },
  { code: 'rfc5280.ski_critical', title: 'critical SKI', spec: () => withExt(ee(), { ...ext.ski(bytes(20)), critical: true }) },
  { code: 'rfc5280.key_usage_not_critical', title: 'non-critical KU', spec: () => withExt(ee(), ext.ku(['digitalSignature', 'nonRepudiation'], false)) },
  { code: 'rfc5280.policy_mappings_not_critical', title: 'non-critical policyMappings', spec: () => withExt(ca(), extWith(OID.policyMappings, d.seq(d.seq(d.oid('2.16.704.1.1'), d.oid('2.16.704.1.2'))))) },
  { code: 'rfc5280.issuer_alt_name_critical', title: 'critical IAN', spec: () => withExt(ee(), extWith(OID.issuerAltName, d.seq(gn.uri('http://ca.kyso.gov.vn/')), true)) },
  {
    code: 'rfc5280.subject_directory_attributes_critical', title: 'critical subjectDirectoryAttributes',
    spec: () => withExt(ee(), extWith('2.5.29.9', d.seq(d.seq(d.oid('1.3.6.1.5.5.7.9.1'), d.set(d.gen('19800101000000Z')))), true)),
  },
  { code: 'rfc5280.name_constraints_not_critical', title: 'non-critical nameConstraints', spec: () => withExt(ca(), extWith(OID.nameConstraints, d.seq(d.explicit(0, d.seq(gn.dns('gov.vn')))))) },
  { code: 'rfc5280.policy_constraints_not_critical', title: 'non-critical policyConstraints', spec: () => withExt(ca(), extWith(OID.policyConstraints, d.seq(d.implicit(0, Uint8Array.of(0))))) },
  { code: 'rfc5280.crldp_critical', title: 'critical CRL DP', spec: () => withExt(ee(), { ...ext.crldp(['http://ca.kyso.gov.vn/a.crl']), critical: true }) },
  { code: 'rfc5280.inhibit_any_policy_not_critical', title: 'non-critical inhibitAnyPolicy', spec: () => withExt(ca(), extWith(OID.inhibitAnyPolicy, d.int(0))) },
  { code: 'rfc5280.freshest_crl_critical', title: 'critical freshestCRL', spec: () => withExt(ee(), { ...ext.crldp(['http://ca.kyso.gov.vn/d.crl']), oid: OID.freshestCrl, critical: true }) },
  { code: 'rfc5280.aia_critical', title: 'critical AIA', spec: () => withExt(ee(), { ...ext.aia([[OID.adOcsp, 'http://ocsp.kyso.gov.vn']]), critical: true }) },
  { code: 'rfc5280.sia_critical', title: 'critical SIA', spec: () => withExt(ee(), extWith(OID.subjectInfoAccess, d.seq(d.seq(d.oid('1.3.6.1.5.5.7.48.5'), gn.uri('http://repo.kyso.gov.vn/'))), true)) },
  { code: 'rfc5280.private_key_usage_period_critical', title: 'critical privateKeyUsagePeriod', spec: () => withExt(ee(), extWith(OID.privateKeyUsagePeriod, d.seq(d.implicit(0, ascii('20250101000000Z'))), true)) },
  { code: 'rfc5280.ct_poison_not_critical', title: 'non-critical CT poison', spec: () => withExt(ee(), extWith('1.3.6.1.4.1.11129.2.4.3', d.null())) },
  { code: 'rfc5280.ocsp_nocheck_critical', title: 'critical ocsp-nocheck', spec: () => withExt(goodSpec('ocsp'), { ...ext.ocspNoCheck(), critical: true }) },
  // --- basic constraints / key usage ---
  { code: 'rfc5280.basic_constraints_not_critical', title: 'CA with non-critical BC', spec: () => withExt(ca(), ext.bc(true, 0, false)) },
  { code: 'rfc5280.path_len_without_ca', title: 'pathLen with cA false', spec: () => withExt(ee(), extWith(OID.basicConstraints, d.seq(d.int(0)), true)) },
  { code: 'rfc5280.ca_key_usage_missing', title: 'CA without KU', spec: () => withoutExt(ca(), OID.keyUsage) },
  { code: 'rfc5280.ca_key_cert_sign_missing', title: 'CA KU without keyCertSign', spec: () => withExt(ca(), ext.ku(['cRLSign'])) },
  { code: 'rfc5280.key_cert_sign_without_ca', title: 'EE asserting keyCertSign', spec: () => withExt(ee(), ext.ku(['digitalSignature', 'keyCertSign'])) },
  { code: 'rfc5280.key_usage_empty', title: 'KU with no bit', spec: () => withExt(ee(), extWith(OID.keyUsage, kuValue([]), true)) },
  { code: 'rfc5280.key_usage_encipher_decipher_without_key_agreement', title: 'encipherOnly alone', spec: () => withExt(ee(), ext.ku(['digitalSignature', 'encipherOnly'])) },
  { code: 'rfc5280.key_usage_inconsistent_with_key', title: 'EC key with keyEncipherment', spec: () => withExt(ee(), ext.ku(['digitalSignature', 'keyEncipherment'])) },
  { code: 'rfc5280.key_usage_inconsistent_with_key', title: 'Ed25519 key with keyAgreement', spec: () => withExt({ ...ee(), spki: testKey('ed25519').spki }, ext.ku(['keyAgreement'])) },
  // --- key identifiers ---
  { code: 'rfc5280.ski_missing_ca', title: 'CA without SKI', spec: () => withoutExt(ca(), OID.subjectKeyIdentifier) },
  { code: 'rfc5280.ski_missing', title: 'EE without SKI', spec: () => withoutExt(ee(), OID.subjectKeyIdentifier) },
  { code: 'rfc5280.ski_empty', title: 'empty SKI', spec: () => withExt(ee(), ext.ski(new Uint8Array(0))) },
  { code: 'rfc5280.aki_missing', title: 'EE without AKI', spec: () => withoutExt(ee(), OID.authorityKeyIdentifier) },
  { code: 'rfc5280.aki_key_identifier_missing', title: 'AKI without keyIdentifier', spec: () => withExt(ee(), extWith(OID.authorityKeyIdentifier, d.seq())) },
  {
    code: 'rfc5280.aki_issuer_serial_pairing', title: 'AKI with a serial but no issuer',
    spec: () => withExt(ee(), extWith(OID.authorityKeyIdentifier, d.seq(d.implicit(0, bytes(20)), d.implicit(2, Uint8Array.of(5))))),
  },
  { code: 'rfc5280.aki_mismatch', title: "AKI differs from the issuer's SKI", spec: () => withExt(ee(), ext.aki(bytes(20, 0x99))), opts: () => ({ issuer: fixtureChain().issuing }) },
  { code: 'rfc5280.issuer_name_mismatch', title: 'issuer name differs', spec: () => ({ ...ee(), issuer: dn([OID.countryName, 'VN'], [OID.commonName, 'Other CA']) }), opts: () => ({ issuer: fixtureChain().issuing }) },
  { code: 'rfc5280.issuer_not_ca', title: 'issued by an end-entity certificate', spec: ee, opts: () => ({ issuer: build(goodSpec('agency')) }) },
  // --- EKU ---
  { code: 'rfc5280.eku_empty', title: 'empty EKU', spec: () => withExt(ee(), ext.eku([])) },
  { code: 'rfc5280.eku_any_critical', title: 'critical EKU with anyExtendedKeyUsage', spec: () => withExt(ee(), ext.eku([OID.anyExtendedKeyUsage], true)), severity: 'warning' },
  { code: 'rfc5280.eku_duplicate', title: 'EKU purpose twice', spec: () => withExt(ee(), ext.eku([OID.kpEmailProtection, OID.kpEmailProtection])) },
  // --- general names ---
  { code: 'rfc5280.general_names_empty', title: 'empty SAN', spec: () => withExt(ee(), ext.san([])) },
  { code: 'rfc5280.general_name_empty', title: 'empty dNSName', spec: () => withExt(ee(), ext.san([gn.dns('')])) },
  { code: 'rfc5280.dns_name_invalid', title: 'underscore in dNSName', spec: () => withExt(ee(), ext.san([gn.dns('bad_name.example.vn')])) },
  { code: 'rfc5280.dns_name_invalid', title: 'invalid A-label', spec: () => withExt(ee(), ext.san([gn.dns('xn--jrigrg-xn.example.vn')])) },
  { code: 'rfc5280.dns_name_invalid', title: 'reserved LDH label', spec: () => withExt(ee(), ext.san([gn.dns('ab--cd.example.vn')])) },
  { code: 'rfc5280.dns_name_too_long', title: 'dNSName over 253 characters', spec: () => withExt(ee(), ext.san([gn.dns(Array(5).fill('a'.repeat(60)).join('.'))])) },
  { code: 'rfc5280.rfc822_name_invalid', title: 'rfc822Name without @', spec: () => withExt(ee(), ext.san([gn.email('not-an-address')])) },
  { code: 'rfc5280.rfc822_name_invalid', title: 'name constraint "..example"', spec: () => withExt(ca(), extWith(OID.nameConstraints, d.seq(d.explicit(0, d.seq(gn.email('..example.vn')))), true)) },
  { code: 'rfc5280.rfc822_name_domain_too_long', title: 'rfc822Name domain over 253 characters', spec: () => withExt(ee(), ext.san([gn.email('a@' + Array(5).fill('b'.repeat(60)).join('.'))])) },
  { code: 'rfc5280.uri_invalid', title: 'URI without a scheme', spec: () => withExt(ee(), ext.san([gn.uri('www.kyso.gov.vn/path')])) },
  { code: 'rfc5280.uri_invalid', title: 'URI with a space', spec: () => withExt(ee(), ext.san([gn.uri('http://kyso.gov.vn/a b')])) },
  { code: 'rfc5280.uri_host_too_long', title: 'URI host over 253 characters', spec: () => withExt(ee(), ext.crldp(['http://' + Array(5).fill('c'.repeat(60)).join('.') + '/x.crl'])) },
  { code: 'rfc5280.ip_address_invalid', title: 'iPAddress of 5 octets', spec: () => withExt(ee(), ext.san([gn.ip([10, 0, 0, 1, 2])])) },
  { code: 'rfc5280.ip_address_invalid', title: 'iPAddress constraint with a non-contiguous mask', spec: () => withExt(ca(), extWith(OID.nameConstraints, d.seq(d.explicit(0, d.seq(gn.ip([10, 0, 0, 0, 255, 0, 255, 0])))), true)) },
  { code: 'rfc5280.smtp_utf8_mailbox_invalid', title: 'SmtpUTF8Mailbox with a U-label domain', spec: () => withExt(ee(), ext.san([gn.other('1.3.6.1.5.5.7.8.9', d.utf8('người@bộ.gov.vn'))])) },
  { code: 'rfc5280.smtp_utf8_mailbox_invalid', title: 'SmtpUTF8Mailbox with an ASCII local part', spec: () => withExt(ee(), ext.san([gn.other('1.3.6.1.5.5.7.8.9', d.utf8('an@kyso.gov.vn'))])) },
  { code: 'rfc5280.email_not_in_san', title: 'subject e-mail not in SAN', spec: () => ({ ...ee(), subject: dn([OID.countryName, 'VN'], [OID.commonName, 'A'], [OID.emailAddress, 'a@kyso.gov.vn']) }) },
  // --- CRL DP / AIA ---
  { code: 'rfc5280.crldp_point_empty', title: 'empty DistributionPoint', spec: () => withExt(ee(), extWith(OID.crlDistributionPoints, d.seq(d.seq()))) },
  { code: 'rfc5280.crldp_uri_invalid', title: 'ftp CRL URI', spec: () => withExt(ee(), ext.crldp(['ftp://ca.kyso.gov.vn/a.crl'])) },
  { code: 'rfc5280.aia_uri_invalid', title: 'ldap OCSP URI', spec: () => withExt(ee(), ext.aia([[OID.adOcsp, 'ldap://ocsp.kyso.gov.vn'], [OID.adCaIssuers, 'http://ca.kyso.gov.vn/a.cer']])) },
  // --- policies / constraints ---
  { code: 'rfc5280.policy_duplicate', title: 'policy OID twice', spec: () => withExt(ee(), ext.policies(['2.16.704.1.99.1.1', '2.16.704.1.99.1.1'])) },
  {
    code: 'rfc5280.policy_explicit_text_encoding', title: 'explicitText as IA5String',
    spec: () => withExt(ee(), extWith(OID.certificatePolicies, d.seq(d.seq(d.oid('2.16.704.1.99.1.1'), d.seq(d.seq(d.oid('1.3.6.1.5.5.7.2.2'), d.seq(d.ia5('Notice')))))))),
  },
  {
    code: 'rfc5280.policy_explicit_text_too_long', title: 'explicitText over 200 characters',
    spec: () => withExt(ee(), extWith(OID.certificatePolicies, d.seq(d.seq(d.oid('2.16.704.1.99.1.1'), d.seq(d.seq(d.oid('1.3.6.1.5.5.7.2.2'), d.seq(d.utf8('x'.repeat(201))))))))),
  },
  { code: 'rfc5280.policy_mappings_in_end_entity', title: 'EE with policyMappings', spec: () => withExt(ee(), extWith(OID.policyMappings, d.seq(d.seq(d.oid('2.16.704.1.1'), d.oid('2.16.704.1.2'))), true)) },
  { code: 'rfc5280.policy_mappings_any_policy', title: 'mapping from anyPolicy', spec: () => withExt(ca(), extWith(OID.policyMappings, d.seq(d.seq(d.oid(OID.anyPolicy), d.oid('2.16.704.1.2'))), true)) },
  { code: 'rfc5280.name_constraints_in_end_entity', title: 'EE with nameConstraints', spec: () => withExt(ee(), extWith(OID.nameConstraints, d.seq(d.explicit(0, d.seq(gn.dns('gov.vn')))), true)) },
  { code: 'rfc5280.name_constraints_empty', title: 'empty nameConstraints', spec: () => withExt(ca(), extWith(OID.nameConstraints, d.seq(), true)) },
  { code: 'rfc5280.name_constraints_min_max', title: 'GeneralSubtree with a maximum', spec: () => withExt(ca(), extWith(OID.nameConstraints, d.seq(d.explicit(0, d.seq(gn.dns('gov.vn'), d.implicit(1, Uint8Array.of(2))))), true)) },
  { code: 'rfc5280.policy_constraints_empty', title: 'empty policyConstraints', spec: () => withExt(ca(), extWith(OID.policyConstraints, d.seq(), true)) },
  { code: 'rfc5280.sct_list_invalid', title: 'empty SCT list', spec: () => withExt(ee(), extWith('1.3.6.1.4.1.11129.2.4.2', d.octet(Uint8Array.of(0, 0)))) },
  { code: 'rfc5280.qc_statement_obsolete', title: 'pkixQCSyntax-v1 statement', spec: () => withExt(ee(), extWith(OID.qcStatements, d.seq(d.seq(d.oid('1.3.6.1.5.5.7.11.1'))))) },
  // --- public key ---
  { code: 'rfc5280.rsa_parameters_not_null', title: 'rsaEncryption with absent parameters', spec: () => ({ ...ee(), spki: rsaSpki(BIG_ODD, 65537n, []) }) },
  { code: 'rfc5280.rsa_key_too_small', title: 'RSA 1024', spec: () => ({ ...ee(), spki: testKey('rsa1024').spki }) },
  { code: 'rfc5280.rsa_key_invalid', title: 'even modulus', spec: () => ({ ...ee(), spki: rsaSpki(BIG_ODD + 1n, 65537n) }) },
  { code: 'rfc5280.rsa_exponent_invalid', title: 'even exponent', spec: () => ({ ...ee(), spki: rsaSpki(BIG_ODD, 65536n) }) },
  { code: 'rfc5280.rsa_exponent_invalid', title: 'exponent 1', spec: () => ({ ...ee(), spki: rsaSpki(BIG_ODD, 1n) }) },
  { code: 'rfc5280.rsa_exponent_unusual', title: 'exponent 3', spec: () => ({ ...ee(), spki: rsaSpki(BIG_ODD, 3n) }), severity: 'warning' },
  { code: 'rfc5280.ec_curve_not_allowed', title: 'secp256k1', spec: () => ({ ...ee(), spki: testKey('secp256k1').spki }) },
  { code: 'rfc5280.ec_curve_not_allowed', title: 'implicitCurve', spec: () => ({ ...ee(), spki: d.seq(d.seq(d.oid(OID.ecPublicKey), d.null()), d.bits(bytes(65, 4))) }) },
  { code: 'rfc5280.ec_point_invalid', title: 'truncated P-256 point', spec: () => ({ ...ee(), spki: d.seq(d.seq(d.oid(OID.ecPublicKey), d.oid(OID.secp256r1)), d.bits(bytes(33, 4))) }) },
  { code: 'rfc5280.public_key_parameters_not_absent', title: 'Ed25519 with NULL parameters', spec: () => ({ ...ee(), spki: d.seq(d.seq(d.oid(OID.ed25519), d.null()), d.bits(bytes(32))) }) },
  { code: 'rfc5280.public_key_invalid_length', title: 'Ed25519 key of 31 octets', spec: () => ({ ...ee(), spki: d.seq(d.seq(d.oid(OID.ed25519)), d.bits(bytes(31))) }) },
  { code: 'rfc5280.public_key_invalid_length', title: 'ML-DSA-44 key of 1313 octets', spec: () => ({ ...ee(), spki: d.seq(d.seq(d.oid('2.16.840.1.101.3.4.3.17')), d.bits(bytes(1313))) }) },
  { code: 'rfc5280.public_key_obsolete_algorithm', title: 'round-3 Dilithium identifier', spec: () => ({ ...ee(), spki: d.seq(d.seq(d.oid('1.3.6.1.4.1.2.267.7.4.4')), d.bits(bytes(64))) }) },
  { code: 'rfc5280.public_key_obsolete_algorithm', title: 'DSA key', spec: () => ({ ...ee(), spki: d.seq(d.seq(d.oid(OID.dsa)), d.bits(d.int(12345))) }) },
  { code: 'rfc5280.public_key_algorithm_unknown', title: 'unknown key algorithm', spec: () => ({ ...ee(), spki: d.seq(d.seq(d.oid('1.2.3.4')), d.bits(bytes(16))) }), severity: 'notice' },
  { code: 'rfc5280.public_key_prehash_in_ca', title: 'HashML-DSA key in a CA', spec: () => ({ ...ca(), spki: d.seq(d.seq(d.oid('2.16.840.1.101.3.4.3.32')), d.bits(bytes(1312))) }) },
];

for (const c of CASES) {
  test(`${c.code}: ${c.title}`, () => {
    const cert = build(c.spec());
    const findings = lintCertificate(cert, c.opts?.());
    const hit = findings.find((f) => f.code === c.code);
    assert.ok(hit, `expected ${c.code}; got ${JSON.stringify(findings.map((f) => f.code))}`);
    assert.equal(hit.severity, c.severity ?? LINT_RULES[c.code].severity);
    assert.match(hit.message, /^[A-Z"'`a-z0-9].*\.$/s, 'messages are one sentence ending with a period');
  });
}

test('every rfc5280.* rule has a triggering test', () => {
  const covered = new Set(CASES.map((c) => c.code));
  const missing = (Object.keys(LINT_RULES) as LintCode[]).filter((k) => k.startsWith('rfc5280.') && !covered.has(k));
  assert.deepEqual(missing, []);
});

test('good certificates of every kyso profile have no generic findings at all', () => {
  const { root, issuing } = fixtureChain();
  assert.deepEqual(lintCertificate(root), []);
  assert.deepEqual(lintCertificate(issuing, { issuer: root }), []);
  for (const p of ['official', 'agency', 'service', 'tsa', 'ocsp'] as const) {
    assert.deepEqual(lintCertificate(build(goodSpec(p)), { issuer: issuing }), [], p);
  }
});

test('self-issued certificates may omit the AKI; others may not', () => {
  const root = withoutExt(rootSpec(), OID.authorityKeyIdentifier);
  assert.equal(lintCertificate(build(root)).some((f) => f.code === 'rfc5280.aki_missing'), false);
});

test('valid edge cases pass: wildcard dNSName, A-label, IPv6 URI host, GeneralizedTime from 2050, UTF-8 mailbox', () => {
  const spec = withExt({ ...ee(), notAfter: d.gen('20500101000000Z') }, ext.san([
    gn.dns('*.dichvucong.gov.vn'), gn.dns('xn--bcher-kva.example'), gn.uri('https://[2001:db8::1]:8443/a?b#c'),
    gn.email('"quoted local"@example.vn'), gn.ip([10, 0, 0, 1]), gn.other('1.3.6.1.5.5.7.8.9', d.utf8('nguyễn@kyso.gov.vn')),
  ]));
  const codes = lintCertificate(build(spec)).map((f) => f.code);
  assert.deepEqual(codes, []);
});

test('UTCTime is required for 2049 and GeneralizedTime accepted for 2050', () => {
  const ok = lintCertificate(build({ ...ee(), notAfter: d.utc('491231235959Z') }));
  assert.equal(ok.some((f) => f.code === 'rfc5280.validity_time_encoding'), false);
});

test('a CRL DP with an LDAP URI is accepted', () => {
  const spec = withExt(ee(), ext.crldp(['ldap://ldap.kyso.gov.vn/cn=CRL,o=Kyso,c=VN?certificateRevocationList;binary']));
  assert.deepEqual(lintCertificate(build(spec)).map((f) => f.code), []);
});

test('hasErrors distinguishes errors from warnings and notices', () => {
  assert.equal(hasErrors([]), false);
  assert.equal(hasErrors([{ code: 'x', severity: 'warning', message: 'w.' }, { code: 'y', severity: 'notice', message: 'n.' }]), false);
  assert.equal(hasErrors([{ code: 'x', severity: 'error', message: 'e.' }]), true);
  const findings = lintCertificate(build(withoutExt(ee(), OID.subjectKeyIdentifier)));
  assert.equal(hasErrors(findings), false, 'a missing EE SKI is only a warning');
});

test('findings come errors first and carry paths', () => {
  const spec = withoutExt({ ...ee(), serial: d.int(0) }, OID.subjectKeyIdentifier);
  const findings = lintCertificate(build(spec));
  assert.equal(findings[0]!.severity, 'error');
  assert.equal(findings.find((f) => f.code === 'rfc5280.serial_not_positive')!.path, 'serialNumber');
});

test('an issuer-signed certificate matching its issuer passes the issuer checks', () => {
  const { issuing } = fixtureChain();
  const findings = lintCertificate(build(goodSpec('tsa')), { issuer: issuing });
  assert.deepEqual(findings, []);
  // The fixture root is RSA; an ECDSA signature claimed by a self-signed RSA root is a mismatch.
  const root = { ...rootSpec(), signature: d.seq(d.oid(OID.ecdsaWithSHA256)) };
  assert.ok(lintCertificate(build(root)).some((f) => f.code === 'rfc5280.signature_algorithm_key_mismatch'));
});

test('the linter never throws on mutated certificates (deterministic byte-flip fuzzing)', () => {
  const { issuing } = fixtureChain();
  const seeds = (['official', 'agency', 'service', 'tsa', 'ocsp', 'issuing'] as const).map((p) => buildDer(goodSpec(p)));
  let state = 20250601;
  const rnd = () => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state; };
  let linted = 0;
  for (let i = 0; i < 600; i++) {
    const b = seeds[rnd() % seeds.length]!.slice();
    for (let j = 1 + (rnd() % 3); j > 0; j--) b[rnd() % b.length] = rnd() & 0xff;
    let cert;
    try { cert = parseCertificate(b); } catch { continue; }
    linted++;
    assert.doesNotThrow(() => lintCertificate(cert, i % 2 ? { profile: 'official', issuer: issuing } : {}));
  }
  assert.ok(linted > 300, `only ${linted} mutants parsed`);
});
