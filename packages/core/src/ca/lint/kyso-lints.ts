/**
 * kyso profile lints (x509/profiles.ts): what a certificate of each kyso profile must and must not
 * contain, on top of the generic RFC 5280 lints. Rules cite the profile field they enforce.
 */
import { certificateSignatureAlgorithm, type KeyUsageName } from '../../x509/certificate.ts';
import { requireAcceptableKey } from '../../x509/algorithms.ts';
import { OID } from '../../x509/oids.ts';
import { addYears, IDENTITY_FORMATS, SUBSCRIBER_PROFILES, type CertificateProfile } from '../../x509/profiles.ts';
import type { LintContext } from './context.ts';
import { attributeName } from './lint-oids.ts';

const DIRECTORY_STRING_ATTRS = new Set<string>([
  OID.commonName, OID.surname, OID.givenName, OID.localityName, OID.stateOrProvinceName, OID.streetAddress,
  OID.organizationName, OID.organizationalUnitName, OID.title, OID.organizationIdentifier, OID.userId,
]);
/** Attributes a kyso subject holds at most once. */
const SINGLE_VALUED = new Set<string>([
  OID.countryName, OID.organizationName, OID.commonName, OID.userId, OID.organizationIdentifier, OID.serialNumber,
  OID.stateOrProvinceName, OID.localityName, OID.title, OID.emailAddress,
]);

function fmtDate(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** Lints `ctx.cert` against a kyso certificate profile. */
export function lintProfile(ctx: LintContext, profile: CertificateProfile): void {
  const sink = ctx.sink;
  const f = ctx.facts;
  const cert = ctx.cert;
  const label = `the ${profile.name} profile`;

  // Key and signature policy (Circular 15/2025 as implemented in x509/algorithms.ts).
  try {
    requireAcceptableKey(cert.spki);
  } catch (e) {
    sink.add('kyso.key_algorithm_not_allowed', `${(e as Error).message.replace(/\.$/, '')}.`, 'subjectPublicKeyInfo');
  }
  try {
    const alg = certificateSignatureAlgorithm(cert);
    const okScheme = alg.scheme === 'RSASSA-PKCS1-v1_5' || alg.scheme === 'RSASSA-PSS' || alg.scheme === 'ECDSA';
    const okHash = alg.hash === 'SHA-256' || alg.hash === 'SHA-384' || alg.hash === 'SHA-512';
    if (!okScheme || !okHash) {
      sink.add('kyso.signature_algorithm_not_allowed', `The signature algorithm ${alg.scheme} with ${alg.hash ?? 'no hash'} is not allowed; kyso signs with RSA or ECDSA and SHA-256/384/512.`, 'signatureAlgorithm');
    }
  } catch (e) {
    sink.add('kyso.signature_algorithm_not_allowed', `The signature algorithm is not one kyso signs with: ${(e as Error).message}.`, 'signatureAlgorithm');
  }

  // basicConstraints (RFC 5280 §4.2.1.9)
  const bc = f.basicConstraints;
  if (profile.ca && !bc?.ca) {
    sink.add('kyso.basic_constraints_mismatch', `A certificate of ${label} must carry basicConstraints with cA asserted.`, 'extensions.basicConstraints');
  } else if (!profile.ca && bc?.ca) {
    sink.add('kyso.basic_constraints_mismatch', `A certificate of ${label} must not assert cA.`, 'extensions.basicConstraints');
  }
  if (profile.ca && bc?.ca && profile.pathLen !== undefined && bc.pathLen !== profile.pathLen) {
    sink.add('kyso.path_len_mismatch', `The pathLenConstraint is ${bc.pathLen ?? 'absent'}; ${label} requires ${profile.pathLen}.`, 'extensions.basicConstraints');
  }

  // keyUsage
  const kuExt = ctx.extension(OID.keyUsage);
  const ku = f.keyUsage;
  if (!kuExt) {
    sink.add('kyso.key_usage_missing', `A certificate of ${label} must carry a keyUsage extension.`, 'extensions');
  } else if (ku) {
    if (!kuExt.critical) sink.add('kyso.key_usage_not_critical', `The keyUsage extension must be critical in ${label}.`, 'extensions.keyUsage');
    const missing = profile.keyUsage.filter((b) => !ku.bits.has(b));
    if (missing.length) sink.add('kyso.key_usage_bit_missing', `keyUsage lacks ${missing.join(', ')}, required by ${label}.`, 'extensions.keyUsage');
    const allowed = new Set<KeyUsageName>([...profile.keyUsage, ...profile.keyUsageAllowed]);
    const extra = [...ku.bits].filter((b) => !allowed.has(b));
    if (extra.length) sink.add('kyso.key_usage_bit_not_allowed', `keyUsage asserts ${extra.join(', ')}, which ${label} does not allow.`, 'extensions.keyUsage');
  }

  // extKeyUsage (RFC 3161 §2.3 for TSA, RFC 6960 §4.2.2.2 for OCSP)
  const ekuExt = ctx.extension(OID.extKeyUsage);
  const eku = f.extKeyUsage;
  if (!profile.extendedKeyUsage) {
    if (ekuExt) sink.add('kyso.eku_unexpected', `A certificate of ${label} must not carry an extKeyUsage extension.`, 'extensions.extKeyUsage');
  } else if (!ekuExt) {
    sink.add('kyso.eku_missing', `A certificate of ${label} must carry extKeyUsage ${profile.extendedKeyUsage.join(', ')}.`, 'extensions');
  } else if (eku) {
    const want = new Set(profile.extendedKeyUsage);
    const have = new Set(eku.oids);
    const missing = [...want].filter((o) => !have.has(o));
    const extra = [...have].filter((o) => !want.has(o));
    if (missing.length || extra.length) {
      const parts = [missing.length ? `lacks ${missing.join(', ')}` : '', extra.length ? `has ${extra.join(', ')} in excess` : ''].filter(Boolean);
      sink.add('kyso.eku_mismatch', `extKeyUsage ${parts.join(' and ')} for ${label}.`, 'extensions.extKeyUsage');
    }
    const wantCritical = profile.extendedKeyUsageCritical === true;
    if (ekuExt.critical !== wantCritical) {
      sink.add('kyso.eku_criticality', `The extKeyUsage extension must ${wantCritical ? '' : 'not '}be critical in ${label}.`, 'extensions.extKeyUsage');
    }
  }

  // id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1)
  const nocheck = ctx.extension(OID.ocspNoCheck);
  if (profile.ocspNoCheck) {
    if (!nocheck) sink.add('kyso.ocsp_nocheck_missing', `A certificate of ${label} must carry id-pkix-ocsp-nocheck.`, 'extensions');
    else if (nocheck.invalid) sink.add('kyso.ocsp_nocheck_invalid', 'The id-pkix-ocsp-nocheck extension value must be NULL.', 'extensions.ocspNoCheck');
  } else if (nocheck) {
    sink.add('kyso.ocsp_nocheck_unexpected', `Only OCSP responder certificates carry id-pkix-ocsp-nocheck, not ${label}.`, 'extensions.ocspNoCheck');
  }

  // Validity (Decree 68/2024/NĐ-CP)
  const renewal = ctx.opts.renewalOf;
  if (renewal) {
    const limit = addYears(renewal.notAfter, profile.maxRenewalYears);
    if (cert.notAfter.getTime() > limit.getTime()) {
      sink.add('kyso.renewal_exceeds_limit', `A renewal under ${label} may end at ${fmtDate(limit)} at the latest (${profile.maxRenewalYears} years after the previous notAfter), not ${fmtDate(cert.notAfter)}.`, 'validity.notAfter');
    }
  } else {
    const limit = addYears(cert.notBefore, profile.maxYears);
    if (cert.notAfter.getTime() > limit.getTime()) {
      sink.add('kyso.validity_exceeds_profile', `The validity period exceeds the ${profile.maxYears} years allowed by ${label} (notAfter must be at most ${fmtDate(limit)}).`, 'validity.notAfter');
    }
  }

  lintSubject(ctx, profile);

  // Revocation pointers (RFC 5280 §4.2.1.13, §4.2.2.1)
  const hasCrldp = !!ctx.extension(OID.crlDistributionPoints);
  const hasAia = !!ctx.extension(OID.authorityInfoAccess);
  if (profile.revocationPointers) {
    if (f.crldpUris.length === 0) sink.add('kyso.crldp_missing', `A certificate of ${label} must carry a CRL distribution point URI.`, 'extensions.cRLDistributionPoints');
    if (f.aiaOcsp.length === 0) sink.add('kyso.aia_ocsp_missing', `A certificate of ${label} must carry an OCSP URI in authorityInfoAccess.`, 'extensions.authorityInfoAccess');
    if (f.aiaCaIssuers.length === 0) sink.add('kyso.aia_ca_issuers_missing', `A certificate of ${label} must carry a caIssuers URI in authorityInfoAccess.`, 'extensions.authorityInfoAccess');
  } else if (hasCrldp || hasAia) {
    sink.add('kyso.revocation_pointers_unexpected', `A certificate of ${label} must not carry ${[hasCrldp ? 'cRLDistributionPoints' : '', hasAia ? 'authorityInfoAccess' : ''].filter(Boolean).join(' or ')}.`, 'extensions');
  }

  // Certificate policies (RFC 5280 §4.2.1.4)
  if ((SUBSCRIBER_PROFILES as readonly string[]).includes(profile.name) && !ctx.extension(OID.certificatePolicies)) {
    sink.add('kyso.certificate_policies_missing', `A certificate of ${label} should carry a certificatePolicies extension naming kyso's policy.`, 'extensions');
  }

  // Key identifiers (RFC 5280 §4.2.1.1, §4.2.1.2)
  if (!ctx.extension(OID.subjectKeyIdentifier)) {
    sink.add('kyso.ski_missing', `A certificate of ${label} must carry a subjectKeyIdentifier.`, 'extensions');
  }
  if (profile.name !== 'root' && !f.aki?.keyIdentifier && !sink.has('rfc5280.aki_missing') && !sink.has('rfc5280.aki_key_identifier_missing')) {
    sink.add('kyso.aki_missing', `A certificate of ${label} must carry an authorityKeyIdentifier with a keyIdentifier.`, 'extensions');
  }
}

function lintSubject(ctx: LintContext, profile: CertificateProfile): void {
  const sink = ctx.sink;
  const attrs = ctx.facts.subjectAttributes;
  const label = `the ${profile.name} profile`;
  const present = new Set(attrs.map((a) => a.oid));

  for (const oid of profile.subjectRequired) {
    if (present.has(oid)) continue;
    if (oid === OID.userId && profile.uidRequired) continue; // reported below with its own code
    sink.add('kyso.subject_attribute_missing', `The subject lacks ${attributeName(oid)}, required by ${label}.`, `subject.${attributeName(oid)}`);
  }
  const allowed = new Set(profile.subjectAllowed);
  const counted = new Map<string, number>();
  for (const a of attrs) {
    counted.set(a.oid, (counted.get(a.oid) ?? 0) + 1);
    if (!allowed.has(a.oid)) sink.add('kyso.subject_attribute_not_allowed', `The subject attribute ${attributeName(a.oid)} is not allowed by ${label}.`, `subject.${attributeName(a.oid)}`);
  }
  for (const [oid, n] of counted) {
    if (n > 1 && SINGLE_VALUED.has(oid)) sink.add('kyso.subject_attribute_duplicate', `The subject holds ${attributeName(oid)} ${n} times; kyso allows it once.`, `subject.${attributeName(oid)}`);
  }

  for (const a of attrs) {
    const path = `subject.${attributeName(a.oid)}`;
    if (a.oid === OID.countryName && a.text !== 'VN') {
      sink.add('kyso.country_not_vn', `The subject country is "${a.text}"; kyso certificates are issued for VN.`, path);
    }
    if (a.oid === OID.userId) {
      const re = profile.uid === 'CCCD' ? IDENTITY_FORMATS.cccd : profile.uid === 'MST' ? IDENTITY_FORMATS.mst : undefined;
      if (re && !re.test(a.text)) {
        sink.add('kyso.uid_invalid', `The UID "${a.text}" is not of the form ${profile.uid === 'CCCD' ? 'CCCD:<12 digits>' : 'MST:<10 digits>[-<3 digits>]'} required by ${label}.`, path);
      }
    }
    if (a.oid === OID.organizationIdentifier && !IDENTITY_FORMATS.organizationIdentifier.test(a.text)) {
      sink.add('kyso.organization_identifier_invalid', `The organizationIdentifier "${a.text}" is not of the form VN:<agency code> such as VN:000.00.00.H41.`, path);
    }
    if (a.kind === 'other') continue;
    if (a.text !== a.text.normalize('NFC')) {
      sink.add('kyso.name_not_nfc', `The subject attribute ${attributeName(a.oid)} is not in Unicode NFC; Vietnamese names must be NFC-normalised.`, path);
    }
    if (DIRECTORY_STRING_ATTRS.has(a.oid) && a.kind !== 'UTF8String') {
      const legacy = a.kind !== 'PrintableString';
      sink.add('kyso.name_string_type', `The subject attribute ${attributeName(a.oid)} is a ${a.kind}; kyso writes names as UTF8String.`, path, legacy ? 'error' : 'warning');
    }
  }
  if (profile.uidRequired && !present.has(OID.userId)) {
    sink.add('kyso.official.uid_missing', `The subject lacks the UID attribute (CCCD:<12 digits>) required by ${label}.`, 'subject.UID');
  }
  if (profile.agencyCode === 'required' && !present.has(OID.organizationIdentifier)) {
    sink.add('kyso.agency.organization_identifier_missing', `The subject lacks organizationIdentifier VN:<agency code>, required by ${label}.`, 'subject.organizationIdentifier');
  }
}
