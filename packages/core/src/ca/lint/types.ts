/**
 * Types and the rule catalogue of kyso's certificate linter (lint-before-sign).
 *
 * Every finding carries a stable, namespaced code: `rfc5280.*` for rules that hold for any
 * certificate (RFC 5280 and the RFCs that profile its algorithms and extensions), `kyso.*` for the
 * rules of kyso's certificate profiles (x509/profiles.ts).
 */
import type { ProfileName } from '../../x509/profiles.ts';
import type { ParsedCertificate } from '../../x509/certificate.ts';

export type LintSeverity = 'error' | 'warning' | 'notice';

export interface LintFinding {
  code: string;
  severity: LintSeverity;
  /** One English sentence. */
  message: string;
  /** Where in the certificate, e.g. 'extensions.keyUsage' or 'subject.C'. */
  path?: string;
}

export interface LintOptions {
  /** kyso profile the certificate claims; undefined = generic RFC 5280 lints only. */
  profile?: ProfileName;
  /** The issuing CA's certificate, for AKI/issuer-name/validity-nesting checks. */
  issuer?: ParsedCertificate;
  /** For renewals: the previous notAfter, to enforce the renewal rule (profile.maxRenewalYears). */
  renewalOf?: { notAfter: Date };
}

interface Rule { severity: LintSeverity; ref: string }

/**
 * The rules: code → default severity and the clause it comes from. Codes are stable; a rule may
 * be reported with a different severity only where noted in its lint.
 */
export const LINT_RULES = {
  // --- encoding (X.690 DER as RFC 5280 §4.1 requires) ---
  'rfc5280.der_invalid': { severity: 'error', ref: 'RFC 5280 §4.1; X.690 §10' },
  'rfc5280.der_boolean_not_ff': { severity: 'error', ref: 'X.690 §11.1' },
  'rfc5280.der_default_value_encoded': { severity: 'error', ref: 'X.690 §11.5' },
  'rfc5280.der_integer_not_minimal': { severity: 'error', ref: 'X.690 §8.3.2' },
  'rfc5280.der_bit_string_trailing_zero': { severity: 'error', ref: 'X.690 §11.2.2' },
  'rfc5280.extension_value_invalid': { severity: 'error', ref: 'RFC 5280 §4.2' },
  // --- TBSCertificate fields ---
  'rfc5280.version_not_v3': { severity: 'error', ref: 'RFC 5280 §4.1.2.1' },
  'rfc5280.version_extensions_require_v3': { severity: 'error', ref: 'RFC 5280 §4.1.2.1' },
  'rfc5280.serial_not_positive': { severity: 'error', ref: 'RFC 5280 §4.1.2.2' },
  'rfc5280.serial_too_long': { severity: 'error', ref: 'RFC 5280 §4.1.2.2' },
  'rfc5280.signature_algorithm_mismatch': { severity: 'error', ref: 'RFC 5280 §4.1.1.2' },
  'rfc5280.signature_algorithm_weak': { severity: 'error', ref: 'RFC 6194; RFC 6151; RFC 6149' },
  'rfc5280.signature_algorithm_unknown': { severity: 'notice', ref: 'RFC 5280 §4.1.1.2' },
  'rfc5280.signature_algorithm_parameters': { severity: 'error', ref: 'RFC 4055 §5; RFC 5758 §3.2; RFC 8410 §3' },
  'rfc5280.rsassa_pss_parameters': { severity: 'error', ref: 'RFC 4055 §3.1' },
  'rfc5280.signature_algorithm_key_mismatch': { severity: 'error', ref: 'RFC 5280 §4.1.1.2, §6.1.3 (a)(1)' },
  'rfc5280.validity_time_encoding': { severity: 'error', ref: 'RFC 5280 §4.1.2.5' },
  'rfc5280.validity_negative': { severity: 'error', ref: 'RFC 5280 §4.1.2.5' },
  'rfc5280.issuer_empty': { severity: 'error', ref: 'RFC 5280 §4.1.2.4' },
  'rfc5280.unique_identifier_present': { severity: 'error', ref: 'RFC 5280 §4.1.2.8' },
  // --- names ---
  'rfc5280.subject_empty_without_san': { severity: 'error', ref: 'RFC 5280 §4.1.2.6' },
  'rfc5280.subject_empty_san_not_critical': { severity: 'error', ref: 'RFC 5280 §4.2.1.6' },
  'rfc5280.san_critical_with_subject': { severity: 'warning', ref: 'RFC 5280 §4.2.1.6' },
  'rfc5280.name_attribute_empty': { severity: 'error', ref: 'RFC 5280 §4.1.2.4; X.520' },
  'rfc5280.name_attribute_too_long': { severity: 'error', ref: 'RFC 5280 Appendix A.1 (upper bounds)' },
  'rfc5280.name_attribute_encoding': { severity: 'error', ref: 'RFC 5280 §4.1.2.4, Appendix A.1' },
  'rfc5280.name_legacy_string_type': { severity: 'warning', ref: 'RFC 5280 §4.1.2.4' },
  'rfc5280.string_invalid': { severity: 'error', ref: 'X.680 §41; RFC 5280 §4.1.2.4' },
  'rfc5280.country_name_invalid': { severity: 'error', ref: 'RFC 5280 Appendix A.1; X.520 §6.3.1 (ISO 3166)' },
  'rfc5280.name_multi_valued_rdn': { severity: 'notice', ref: 'RFC 5280 §4.1.2.4' },
  'rfc5280.name_rdn_empty': { severity: 'error', ref: 'RFC 5280 §4.1.2.4 (RDN SIZE (1..MAX))' },
  // --- extensions, generic ---
  'rfc5280.extensions_empty': { severity: 'error', ref: 'RFC 5280 §4.1' },
  'rfc5280.extension_duplicate': { severity: 'error', ref: 'RFC 5280 §4.2' },
  'rfc5280.extension_unknown_critical': { severity: 'error', ref: 'RFC 5280 §4.2' },
  // --- criticality (RFC 5280 §4.2.1.x, one code per rule) ---
  'rfc5280.aki_critical': { severity: 'error', ref: 'RFC 5280 §4.2.1.1' },
  'rfc5280.ski_critical': { severity: 'error', ref: 'RFC 5280 §4.2.1.2' },
  'rfc5280.policy_mappings_not_critical': { severity: 'warning', ref: 'RFC 5280 §4.2.1.5' },
  'rfc5280.issuer_alt_name_critical': { severity: 'warning', ref: 'RFC 5280 §4.2.1.7' },
  'rfc5280.subject_directory_attributes_critical': { severity: 'error', ref: 'RFC 5280 §4.2.1.8' },
  'rfc5280.name_constraints_not_critical': { severity: 'error', ref: 'RFC 5280 §4.2.1.10' },
  'rfc5280.policy_constraints_not_critical': { severity: 'error', ref: 'RFC 5280 §4.2.1.11' },
  'rfc5280.crldp_critical': { severity: 'warning', ref: 'RFC 5280 §4.2.1.13' },
  'rfc5280.inhibit_any_policy_not_critical': { severity: 'error', ref: 'RFC 5280 §4.2.1.14' },
  'rfc5280.freshest_crl_critical': { severity: 'error', ref: 'RFC 5280 §4.2.1.15' },
  'rfc5280.aia_critical': { severity: 'error', ref: 'RFC 5280 §4.2.2.1' },
  'rfc5280.sia_critical': { severity: 'error', ref: 'RFC 5280 §4.2.2.2' },
  'rfc5280.private_key_usage_period_critical': { severity: 'error', ref: 'RFC 3280 §4.2.1.4 (retired in RFC 5280)' },
  'rfc5280.ct_poison_not_critical': { severity: 'error', ref: 'RFC 6962 §3.1' },
  'rfc5280.ocsp_nocheck_critical': { severity: 'warning', ref: 'RFC 6960 §4.2.2.2.1' },
  // --- basic constraints / key usage ---
  'rfc5280.basic_constraints_not_critical': { severity: 'error', ref: 'RFC 5280 §4.2.1.9' },
  'rfc5280.path_len_without_ca': { severity: 'error', ref: 'RFC 5280 §4.2.1.9' },
  'rfc5280.ca_key_usage_missing': { severity: 'error', ref: 'RFC 5280 §4.2.1.3' },
  'rfc5280.ca_key_cert_sign_missing': { severity: 'error', ref: 'RFC 5280 §4.2.1.3, §4.2.1.9' },
  'rfc5280.key_cert_sign_without_ca': { severity: 'error', ref: 'RFC 5280 §4.2.1.3' },
  'rfc5280.key_usage_empty': { severity: 'error', ref: 'RFC 5280 §4.2.1.3' },
  'rfc5280.key_usage_not_critical': { severity: 'warning', ref: 'RFC 5280 §4.2.1.3' },
  'rfc5280.key_usage_encipher_decipher_without_key_agreement': { severity: 'warning', ref: 'RFC 5280 §4.2.1.3' },
  'rfc5280.key_usage_inconsistent_with_key': { severity: 'error', ref: 'RFC 3279 §2.3; RFC 4055 §1.2; RFC 5480 §3; RFC 8410 §5; RFC 9881; draft-ietf-lamps-kyber-certificates' },
  // --- key identifiers ---
  'rfc5280.ski_missing_ca': { severity: 'error', ref: 'RFC 5280 §4.2.1.2' },
  'rfc5280.ski_missing': { severity: 'warning', ref: 'RFC 5280 §4.2.1.2' },
  'rfc5280.ski_empty': { severity: 'error', ref: 'RFC 5280 §4.2.1.2' },
  'rfc5280.aki_missing': { severity: 'error', ref: 'RFC 5280 §4.2.1.1' },
  'rfc5280.aki_key_identifier_missing': { severity: 'error', ref: 'RFC 5280 §4.2.1.1' },
  'rfc5280.aki_issuer_serial_pairing': { severity: 'error', ref: 'RFC 5280 §4.2.1.1 (ASN.1 comment)' },
  'rfc5280.aki_mismatch': { severity: 'error', ref: 'RFC 5280 §4.2.1.1' },
  'rfc5280.issuer_name_mismatch': { severity: 'error', ref: 'RFC 5280 §4.1.2.4, §6.1.3' },
  'rfc5280.issuer_not_ca': { severity: 'error', ref: 'RFC 5280 §6.1.4 (k), (n)' },
  // --- EKU ---
  'rfc5280.eku_empty': { severity: 'error', ref: 'RFC 5280 §4.2.1.12' },
  'rfc5280.eku_any_critical': { severity: 'warning', ref: 'RFC 5280 §4.2.1.12' },
  'rfc5280.eku_duplicate': { severity: 'warning', ref: 'RFC 5280 §4.2.1.12' },
  // --- general names (SAN, IAN, CRL DP, AIA, name constraints) ---
  'rfc5280.general_names_empty': { severity: 'error', ref: 'RFC 5280 §4.2.1.6' },
  'rfc5280.general_name_empty': { severity: 'error', ref: 'RFC 5280 §4.2.1.6' },
  'rfc5280.dns_name_invalid': { severity: 'error', ref: 'RFC 5280 §4.2.1.6; RFC 1034 §3.5; RFC 5890 §2.3' },
  'rfc5280.dns_name_too_long': { severity: 'error', ref: 'RFC 1034 §3.1; RFC 5280 §4.2.1.6' },
  'rfc5280.rfc822_name_invalid': { severity: 'error', ref: 'RFC 5280 §4.2.1.6; RFC 5321 §4.1.2' },
  'rfc5280.rfc822_name_domain_too_long': { severity: 'error', ref: 'RFC 5321 §4.5.3.1.2' },
  'rfc5280.uri_invalid': { severity: 'error', ref: 'RFC 5280 §4.2.1.6; RFC 3986 §3' },
  'rfc5280.uri_host_too_long': { severity: 'error', ref: 'RFC 1034 §3.1; RFC 3986 §3.2.2' },
  'rfc5280.ip_address_invalid': { severity: 'error', ref: 'RFC 5280 §4.2.1.6, §4.2.1.10' },
  'rfc5280.smtp_utf8_mailbox_invalid': { severity: 'error', ref: 'RFC 9598 §3' },
  'rfc5280.email_not_in_san': { severity: 'error', ref: 'RFC 5280 §4.1.2.6' },
  // --- CRL DP / AIA ---
  'rfc5280.crldp_point_empty': { severity: 'error', ref: 'RFC 5280 §4.2.1.13' },
  'rfc5280.crldp_uri_invalid': { severity: 'error', ref: 'RFC 5280 §4.2.1.13' },
  'rfc5280.aia_uri_invalid': { severity: 'error', ref: 'RFC 5280 §4.2.2.1' },
  // --- policies / constraints ---
  'rfc5280.policy_duplicate': { severity: 'error', ref: 'RFC 5280 §4.2.1.4' },
  'rfc5280.policy_explicit_text_encoding': { severity: 'error', ref: 'RFC 5280 §4.2.1.4 as updated by RFC 6818 §3' },
  'rfc5280.policy_explicit_text_too_long': { severity: 'error', ref: 'RFC 5280 §4.2.1.4 (DisplayText SIZE (1..200))' },
  'rfc5280.policy_mappings_in_end_entity': { severity: 'error', ref: 'RFC 5280 §4.2.1.5' },
  'rfc5280.policy_mappings_any_policy': { severity: 'error', ref: 'RFC 5280 §4.2.1.5' },
  'rfc5280.name_constraints_in_end_entity': { severity: 'error', ref: 'RFC 5280 §4.2.1.10' },
  'rfc5280.name_constraints_empty': { severity: 'error', ref: 'RFC 5280 §4.2.1.10' },
  'rfc5280.name_constraints_min_max': { severity: 'error', ref: 'RFC 5280 §4.2.1.10' },
  'rfc5280.policy_constraints_empty': { severity: 'error', ref: 'RFC 5280 §4.2.1.11' },
  'rfc5280.sct_list_invalid': { severity: 'error', ref: 'RFC 6962 §3.3' },
  'rfc5280.qc_statement_obsolete': { severity: 'warning', ref: 'RFC 3739 §3.2.6.1 (pkixQCSyntax-v1 superseded by v2)' },
  // --- public key ---
  'rfc5280.rsa_parameters_not_null': { severity: 'error', ref: 'RFC 3279 §2.3.1' },
  'rfc5280.rsa_key_too_small': { severity: 'error', ref: 'NIST SP 800-131A Rev. 2; kyso key policy (RSA ≥ 2048)' },
  'rfc5280.rsa_key_invalid': { severity: 'error', ref: 'RFC 8017 §3.1' },
  'rfc5280.rsa_exponent_invalid': { severity: 'error', ref: 'RFC 8017 §3.1' },
  'rfc5280.rsa_exponent_unusual': { severity: 'warning', ref: 'FIPS 186-4 Appendix B.3.1 (2^16 < e < 2^256)' },
  'rfc5280.ec_curve_not_allowed': { severity: 'error', ref: 'RFC 5480 §2.1.1' },
  'rfc5280.ec_point_invalid': { severity: 'error', ref: 'RFC 5480 §2.2' },
  'rfc5280.public_key_parameters_not_absent': { severity: 'error', ref: 'RFC 8410 §3; RFC 9881; draft-ietf-lamps-kyber-certificates; draft-ietf-lamps-x509-slhdsa' },
  'rfc5280.public_key_invalid_length': { severity: 'error', ref: 'RFC 8410 §4; FIPS 203/204/205 key sizes' },
  'rfc5280.public_key_obsolete_algorithm': { severity: 'error', ref: 'pre-standard (NIST round 3 / IPD) post-quantum identifiers' },
  'rfc5280.public_key_algorithm_unknown': { severity: 'notice', ref: 'RFC 5280 §4.1.2.7' },
  'rfc5280.public_key_prehash_in_ca': { severity: 'error', ref: 'HashML-DSA / HashSLH-DSA keys are not defined for certificate or CRL signing (RFC 9881)' },

  // --- kyso profiles ---
  'kyso.key_algorithm_not_allowed': { severity: 'error', ref: 'kyso key policy (Circular 15/2025)' },
  'kyso.signature_algorithm_not_allowed': { severity: 'error', ref: 'kyso key policy (Circular 15/2025)' },
  'kyso.basic_constraints_mismatch': { severity: 'error', ref: 'kyso profile ca/pathLen; RFC 5280 §4.2.1.9' },
  'kyso.path_len_mismatch': { severity: 'error', ref: 'kyso profile pathLen' },
  'kyso.key_usage_missing': { severity: 'error', ref: 'kyso profile keyUsage; RFC 5280 §4.2.1.3' },
  'kyso.key_usage_not_critical': { severity: 'error', ref: 'kyso profile keyUsage' },
  'kyso.key_usage_bit_missing': { severity: 'error', ref: 'kyso profile keyUsage' },
  'kyso.key_usage_bit_not_allowed': { severity: 'error', ref: 'kyso profile keyUsage/keyUsageAllowed' },
  'kyso.eku_missing': { severity: 'error', ref: 'kyso profile extendedKeyUsage' },
  'kyso.eku_unexpected': { severity: 'error', ref: 'kyso profile extendedKeyUsage' },
  'kyso.eku_mismatch': { severity: 'error', ref: 'kyso profile extendedKeyUsage; RFC 3161 §2.3; RFC 6960 §4.2.2.2' },
  'kyso.eku_criticality': { severity: 'error', ref: 'kyso profile extendedKeyUsageCritical; RFC 3161 §2.3' },
  'kyso.ocsp_nocheck_missing': { severity: 'error', ref: 'RFC 6960 §4.2.2.2.1' },
  'kyso.ocsp_nocheck_invalid': { severity: 'error', ref: 'RFC 6960 §4.2.2.2.1' },
  'kyso.ocsp_nocheck_unexpected': { severity: 'error', ref: 'RFC 6960 §4.2.2.2.1' },
  'kyso.validity_exceeds_profile': { severity: 'error', ref: 'Decree 68/2024/NĐ-CP; kyso profile maxYears' },
  'kyso.renewal_exceeds_limit': { severity: 'error', ref: 'Decree 68/2024/NĐ-CP; kyso profile maxRenewalYears' },
  'kyso.validity_exceeds_issuer': { severity: 'error', ref: 'kyso CA policy (validity nesting)' },
  'kyso.validity_starts_before_issuer': { severity: 'warning', ref: 'kyso CA policy (validity nesting)' },
  'kyso.subject_attribute_missing': { severity: 'error', ref: 'kyso profile subjectRequired' },
  'kyso.subject_attribute_not_allowed': { severity: 'error', ref: 'kyso profile subjectAllowed' },
  'kyso.subject_attribute_duplicate': { severity: 'error', ref: 'kyso profile subject' },
  'kyso.country_not_vn': { severity: 'error', ref: 'kyso profiles: C=VN' },
  'kyso.official.uid_missing': { severity: 'error', ref: 'kyso official profile: UID CCCD:<12 digits>' },
  'kyso.uid_invalid': { severity: 'error', ref: 'kyso IDENTITY_FORMATS (CCCD / MST)' },
  'kyso.agency.organization_identifier_missing': { severity: 'error', ref: 'kyso agency profile: organizationIdentifier VN:<agency code>' },
  'kyso.organization_identifier_invalid': { severity: 'error', ref: 'kyso IDENTITY_FORMATS.organizationIdentifier' },
  'kyso.name_not_nfc': { severity: 'error', ref: 'kyso names: Unicode NFC (UAX #15)' },
  'kyso.name_string_type': { severity: 'error', ref: 'kyso names: UTF8String (RFC 5280 §4.1.2.4)' },
  'kyso.crldp_missing': { severity: 'error', ref: 'kyso profile revocationPointers; RFC 5280 §4.2.1.13' },
  'kyso.aia_ocsp_missing': { severity: 'error', ref: 'kyso profile revocationPointers; RFC 5280 §4.2.2.1' },
  'kyso.aia_ca_issuers_missing': { severity: 'error', ref: 'kyso profile revocationPointers; RFC 5280 §4.2.2.1' },
  'kyso.revocation_pointers_unexpected': { severity: 'error', ref: 'kyso profile revocationPointers; RFC 6960 §4.2.2.2.1' },
  'kyso.certificate_policies_missing': { severity: 'warning', ref: 'kyso subscriber profiles; RFC 5280 §4.2.1.4' },
  'kyso.ski_missing': { severity: 'error', ref: 'kyso profiles; RFC 5280 §4.2.1.2' },
  'kyso.aki_missing': { severity: 'error', ref: 'kyso profiles; RFC 5280 §4.2.1.1' },
} as const satisfies Record<string, Rule>;

export type LintCode = keyof typeof LINT_RULES;

/** Collects findings; severities default to the catalogue's. */
export class FindingSink {
  readonly findings: LintFinding[] = [];
  add(code: LintCode, message: string, path?: string, severity?: LintSeverity): void {
    const f: LintFinding = { code, severity: severity ?? LINT_RULES[code].severity, message };
    if (path !== undefined) f.path = path;
    this.findings.push(f);
  }
  has(code: LintCode): boolean {
    return this.findings.some((f) => f.code === code);
  }
}
