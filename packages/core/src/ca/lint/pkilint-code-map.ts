/**
 * pkilint finding codes → the kyso lint codes that implement the same rule, used to measure
 * per-rule agreement against pkilint's test corpus (pkilint-corpus.test.ts). Only rules kyso
 * implements are listed. Where pkilint folds many checks into one code (itu.invalid_asn1_syntax:
 * any ASN.1/DER decoding failure), the value lists every kyso code for that family of problems.
 */
import type { LintCode } from './types.ts';

const ASN1_SYNTAX: LintCode[] = [
  'rfc5280.der_invalid', 'rfc5280.extension_value_invalid', 'rfc5280.der_bit_string_trailing_zero',
  'rfc5280.der_boolean_not_ff', 'rfc5280.der_default_value_encoded', 'rfc5280.der_integer_not_minimal',
  'rfc5280.signature_algorithm_parameters', 'rfc5280.public_key_parameters_not_absent',
  'rfc5280.public_key_invalid_length', 'rfc5280.string_invalid', 'rfc5280.name_attribute_too_long',
];

const KU_FOR_KEY: LintCode[] = ['rfc5280.key_usage_inconsistent_with_key'];

export const PKILINT_CODE_MAP: Readonly<Record<string, readonly LintCode[]>> = {
  // ASN.1 / DER
  'itu.invalid_asn1_syntax': ASN1_SYNTAX,
  // RFC 5280 certificate fields
  'pkix.certificate_version_is_not_v3': ['rfc5280.version_not_v3', 'rfc5280.version_extensions_require_v3'],
  'pkix.certificate_serial_number_out_of_range': ['rfc5280.serial_not_positive', 'rfc5280.serial_too_long'],
  'pkix.certificate_signature_algorithm_mismatch': ['rfc5280.signature_algorithm_mismatch'],
  'pkix.certificate_negative_validity_period': ['rfc5280.validity_negative'],
  'pkix.name_empty': ['rfc5280.issuer_empty'],
  'pkix.san_extension_not_critical_empty_subject': ['rfc5280.subject_empty_san_not_critical'],
  'pkix.san_extension_is_critical_non_empty_subject': ['rfc5280.san_critical_with_subject'],
  'etsi.en_319_412_2.gen-4.3.5-1.san_extension_is_critical': ['rfc5280.san_critical_with_subject'],
  'pkix.subject_email_address_not_in_san': ['rfc5280.email_not_in_san'],
  // key identifiers
  'pkix.authority_key_identifier_extension_absent': ['rfc5280.aki_missing'],
  'pkix.certificate_skid_end_entity_missing': ['rfc5280.ski_missing'],
  // key usage / basic constraints
  'pkix.ca_certificate_no_ku_extension': ['rfc5280.ca_key_usage_missing'],
  'pkix.key_usage_value_prohibited_for_ec': KU_FOR_KEY,
  'pkix.key_usage_value_prohibited_for_edwards_curve': KU_FOR_KEY,
  'pkix.key_usage_value_prohibited_for_mldsa': KU_FOR_KEY,
  'pkix.key_usage_value_prohibited_for_hash_mldsa': KU_FOR_KEY,
  'pkix.key_usage_value_prohibited_for_mlkem': KU_FOR_KEY,
  // public keys
  'pkix.public_key_nist_ipd_algorithm_present': ['rfc5280.public_key_obsolete_algorithm'],
  'pkix.public_key_nist_round3_algorithm_present': ['rfc5280.public_key_obsolete_algorithm'],
  'pkix.hash_mldsa_ca_key_prohibited': ['rfc5280.public_key_prehash_in_ca'],
  'ts_119_312.8.4.rsa_small_modulus': ['rfc5280.rsa_key_too_small'],
  'ts_119_312.6.2.2.1.rsa_exponent_of_range': ['rfc5280.rsa_exponent_invalid', 'rfc5280.rsa_exponent_unusual'],
  // extensions
  'pkix.end_entity_policy_mappings_extension_present': ['rfc5280.policy_mappings_in_end_entity'],
  'pkix.certificate_name_constraints_extension_not_critical': ['rfc5280.name_constraints_not_critical'],
  'pkix.certificate_crldp_extension_critical': ['rfc5280.crldp_critical'],
  'etsi.en_319_412_2.gen-4.3.11-5.crl_extension_is_critical': ['rfc5280.crldp_critical'],
  'pkix.issuer_alt_name_extension_critical': ['rfc5280.issuer_alt_name_critical'],
  'etsi.en_319_412_2.gen-4.3.6-1.ian_extension_is_critical': ['rfc5280.issuer_alt_name_critical'],
  'pkix.distribution_point_does_not_contain_name_or_issuer': ['rfc5280.crldp_point_empty'],
  'pkix.sct_list_empty': ['rfc5280.sct_list_invalid'],
  'pkix.rfc5280_certificate_policies_invalid_explicit_text_encoding': ['rfc5280.policy_explicit_text_encoding'],
  'pkix.prohibited_qualified_statement_present': ['rfc5280.qc_statement_obsolete'],
  // general names
  'pkix.invalid_email_address_syntax': ['rfc5280.rfc822_name_invalid'],
  'pkix.dnsname_domain_name_too_long': ['rfc5280.dns_name_too_long'],
  'pkix.rfc822name_domain_part_too_long': ['rfc5280.rfc822_name_domain_too_long'],
  'pkix.uri_domain_name_too_long': ['rfc5280.uri_host_too_long'],
  'pkix.smtp_utf8_mailbox_domain_part_invalid_syntax': ['rfc5280.smtp_utf8_mailbox_invalid'],
  'cabf.serverauth.invalid_dnsname_syntax': ['rfc5280.dns_name_invalid'],
  'cabf.serverauth.dnsname_contains_prohibited_reserved_label': ['rfc5280.dns_name_invalid'],
  'cabf.serverauth.invalid_plabel_encoding': ['rfc5280.dns_name_invalid'],
  // names
  'etsi.en_319_412_3.leg-4.2.1-4.unknown_country_code': ['rfc5280.country_name_invalid'],
};
