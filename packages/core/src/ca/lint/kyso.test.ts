import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OID } from '../../x509/oids.ts';
import { PROFILES, type ProfileName } from '../../x509/profiles.ts';
import { hasErrors, lintCertificate, LINT_RULES, type LintCode, type LintOptions, type LintSeverity } from './index.ts';
import {
  build, d, dn, ext, fixtureChain, gn, goodSpec, issuingSpec, rootSpec, subjectOf, testKey, time, withExt, withoutExt,
  type Atv, type CertSpec,
} from './test-certs.ts';

const ALL: ProfileName[] = ['root', 'issuing', 'agency', 'official', 'service', 'tsa', 'ocsp'];

function optsFor(profile: ProfileName, extra: Partial<LintOptions> = {}): LintOptions {
  const { root, issuing } = fixtureChain();
  const issuer = profile === 'root' ? undefined : profile === 'issuing' ? root : issuing;
  return { profile, ...(issuer ? { issuer } : {}), ...extra };
}

function subject(profile: Exclude<ProfileName, 'root' | 'issuing'>, edit: (a: Atv[]) => Atv[]): Uint8Array {
  return dn(...edit(subjectOf(profile)));
}

interface Case {
  code: LintCode;
  title: string;
  profile: ProfileName;
  spec: () => CertSpec;
  opts?: Partial<LintOptions>;
  severity?: LintSeverity;
}

const CASES: Case[] = [
  { code: 'kyso.key_algorithm_not_allowed', title: 'P-521 key', profile: 'official', spec: () => ({ ...goodSpec('official'), spki: testKey('p521').spki }) },
  { code: 'kyso.key_algorithm_not_allowed', title: 'Ed25519 key', profile: 'service', spec: () => ({ ...goodSpec('service'), spki: testKey('ed25519').spki }) },
  { code: 'kyso.signature_algorithm_not_allowed', title: 'ECDSA with SHA-224', profile: 'agency', spec: () => ({ ...goodSpec('agency'), signature: d.seq(d.oid(OID.ecdsaWithSHA224)) }) },
  { code: 'kyso.signature_algorithm_not_allowed', title: 'unknown signature algorithm', profile: 'agency', spec: () => ({ ...goodSpec('agency'), signature: d.seq(d.oid('1.2.3.4.5')) }) },
  { code: 'kyso.basic_constraints_mismatch', title: 'official asserting cA', profile: 'official', spec: () => withExt(goodSpec('official'), ext.bc(true)) },
  { code: 'kyso.basic_constraints_mismatch', title: 'issuing CA without basicConstraints', profile: 'issuing', spec: () => withoutExt(issuingSpec(), OID.basicConstraints) },
  { code: 'kyso.path_len_mismatch', title: 'issuing CA with pathLen 1', profile: 'issuing', spec: () => withExt(issuingSpec(), ext.bc(true, 1)) },
  { code: 'kyso.path_len_mismatch', title: 'issuing CA without pathLen', profile: 'issuing', spec: () => withExt(issuingSpec(), ext.bc(true)) },
  { code: 'kyso.key_usage_missing', title: 'official without keyUsage', profile: 'official', spec: () => withoutExt(goodSpec('official'), OID.keyUsage) },
  { code: 'kyso.key_usage_not_critical', title: 'non-critical keyUsage', profile: 'agency', spec: () => withExt(goodSpec('agency'), ext.ku(['digitalSignature', 'nonRepudiation'], false)) },
  { code: 'kyso.key_usage_bit_missing', title: 'official without nonRepudiation', profile: 'official', spec: () => withExt(goodSpec('official'), ext.ku(['digitalSignature'])) },
  { code: 'kyso.key_usage_bit_not_allowed', title: 'official with keyAgreement', profile: 'official', spec: () => withExt(goodSpec('official'), ext.ku(['digitalSignature', 'nonRepudiation', 'keyAgreement'])) },
  { code: 'kyso.key_usage_bit_not_allowed', title: 'root with digitalSignature is fine, with nonRepudiation is not', profile: 'root', spec: () => withExt(rootSpec(), ext.ku(['nonRepudiation', 'keyCertSign', 'cRLSign'])) },
  { code: 'kyso.eku_missing', title: 'TSA without EKU', profile: 'tsa', spec: () => withoutExt(goodSpec('tsa'), OID.extKeyUsage) },
  { code: 'kyso.eku_unexpected', title: 'root with EKU', profile: 'root', spec: () => withExt(rootSpec(), ext.eku([OID.kpServerAuth])) },
  { code: 'kyso.eku_mismatch', title: 'TSA with an extra purpose', profile: 'tsa', spec: () => withExt(goodSpec('tsa'), ext.eku([OID.kpTimeStamping, OID.kpCodeSigning], true)) },
  { code: 'kyso.eku_mismatch', title: 'OCSP responder without OCSPSigning', profile: 'ocsp', spec: () => withExt(goodSpec('ocsp'), ext.eku([OID.kpServerAuth])) },
  { code: 'kyso.eku_criticality', title: 'TSA with a non-critical EKU (RFC 3161 §2.3)', profile: 'tsa', spec: () => withExt(goodSpec('tsa'), ext.eku([OID.kpTimeStamping], false)) },
  { code: 'kyso.eku_criticality', title: 'official with a critical EKU', profile: 'official', spec: () => withExt(goodSpec('official'), ext.eku([OID.kpEmailProtection, OID.kpDocumentSigning], true)) },
  { code: 'kyso.ocsp_nocheck_missing', title: 'OCSP responder without nocheck', profile: 'ocsp', spec: () => withoutExt(goodSpec('ocsp'), OID.ocspNoCheck) },
  { code: 'kyso.ocsp_nocheck_invalid', title: 'nocheck holding an OCTET STRING', profile: 'ocsp', spec: () => withExt(goodSpec('ocsp'), { oid: OID.ocspNoCheck, value: d.octet(new Uint8Array(0)) }) },
  { code: 'kyso.ocsp_nocheck_unexpected', title: 'official with nocheck', profile: 'official', spec: () => withExt(goodSpec('official'), ext.ocspNoCheck()) },
  { code: 'kyso.validity_exceeds_profile', title: 'official valid for 6 years', profile: 'official', spec: () => ({ ...goodSpec('official'), notAfter: time(new Date('2031-06-01T00:00:01Z')) }) },
  { code: 'kyso.validity_exceeds_profile', title: 'root valid for 21 years', profile: 'root', spec: () => ({ ...rootSpec(), notAfter: time(new Date('2046-01-01T00:00:00Z')) }) },
  {
    code: 'kyso.renewal_exceeds_limit', title: 'renewal beyond previous notAfter + 3 years', profile: 'agency',
    spec: () => ({ ...goodSpec('agency'), notAfter: time(new Date('2029-01-01T00:00:01Z')) }), opts: { renewalOf: { notAfter: new Date('2026-01-01T00:00:00Z') } },
  },
  { code: 'kyso.validity_exceeds_issuer', title: 'official outliving the issuing CA', profile: 'official', spec: () => ({ ...goodSpec('official'), notBefore: time(new Date('2036-01-01T00:00:00Z')), notAfter: time(new Date('2040-06-01T00:00:00Z')) }) },
  { code: 'kyso.validity_starts_before_issuer', title: 'official starting before the issuing CA', profile: 'official', spec: () => ({ ...goodSpec('official'), notBefore: time(new Date('2024-12-01T00:00:00Z')) }), severity: 'warning' },
  { code: 'kyso.subject_attribute_missing', title: 'official without O', profile: 'official', spec: () => ({ ...goodSpec('official'), subject: subject('official', (a) => a.filter(([o]) => o !== OID.organizationName)) }) },
  { code: 'kyso.subject_attribute_not_allowed', title: 'TSA with a UID', profile: 'tsa', spec: () => ({ ...goodSpec('tsa'), subject: subject('tsa', (a) => [...a, [OID.userId, 'MST:0101234567']]) }) },
  { code: 'kyso.subject_attribute_not_allowed', title: 'agency with emailAddress', profile: 'agency', spec: () => withExt({ ...goodSpec('agency'), subject: subject('agency', (a) => [...a, [OID.emailAddress, 'vp@mof.gov.vn']]) }, ext.san([gn.email('vp@mof.gov.vn')])) },
  { code: 'kyso.subject_attribute_duplicate', title: 'two CNs', profile: 'official', spec: () => ({ ...goodSpec('official'), subject: subject('official', (a) => [...a, [OID.commonName, 'Nguyễn Văn Bình']]) }) },
  { code: 'kyso.country_not_vn', title: 'C=FR', profile: 'agency', spec: () => ({ ...goodSpec('agency'), subject: subject('agency', (a) => a.map((x) => (x[0] === OID.countryName ? [x[0], 'FR'] : x))) }) },
  { code: 'kyso.official.uid_missing', title: 'official without UID', profile: 'official', spec: () => ({ ...goodSpec('official'), subject: subject('official', (a) => a.filter(([o]) => o !== OID.userId)) }) },
  { code: 'kyso.uid_invalid', title: 'CCCD of 9 digits', profile: 'official', spec: () => ({ ...goodSpec('official'), subject: subject('official', (a) => a.map((x) => (x[0] === OID.userId ? [x[0], 'CCCD:123456789'] : x))) }) },
  { code: 'kyso.uid_invalid', title: 'service with a CCCD', profile: 'service', spec: () => ({ ...goodSpec('service'), subject: subject('service', (a) => a.map((x) => (x[0] === OID.userId ? [x[0], 'CCCD:001203004567'] : x))) }) },
  { code: 'kyso.agency.organization_identifier_missing', title: 'agency without organizationIdentifier', profile: 'agency', spec: () => ({ ...goodSpec('agency'), subject: subject('agency', (a) => a.filter(([o]) => o !== OID.organizationIdentifier)) }) },
  { code: 'kyso.organization_identifier_invalid', title: 'organizationIdentifier without VN:', profile: 'agency', spec: () => ({ ...goodSpec('agency'), subject: subject('agency', (a) => a.map((x) => (x[0] === OID.organizationIdentifier ? [x[0], '000.00.00.H41'] : x))) }) },
  { code: 'kyso.organization_identifier_invalid', title: 'malformed code on an official', profile: 'official', spec: () => ({ ...goodSpec('official'), subject: subject('official', (a) => [...a, [OID.organizationIdentifier, 'VN:00.00.00.H41']]) }) },
  { code: 'kyso.name_not_nfc', title: 'NFD Vietnamese name', profile: 'official', spec: () => ({ ...goodSpec('official'), subject: subject('official', (a) => a.map((x) => (x[0] === OID.commonName ? [x[0], 'Nguyễn Văn An'.normalize('NFD')] : x))) }) },
  { code: 'kyso.name_string_type', title: 'O as PrintableString', profile: 'agency', severity: 'warning', spec: () => ({ ...goodSpec('agency'), subject: subject('agency', (a) => a.map((x) => (x[0] === OID.commonName ? [x[0], 'Bo Tai chinh', 'printable'] : x))) }) },
  { code: 'kyso.name_string_type', title: 'O as BMPString', profile: 'agency', spec: () => ({ ...goodSpec('agency'), subject: subject('agency', (a) => a.map((x) => (x[0] === OID.organizationName ? [x[0], 'Bộ Tài chính', 'bmp'] : x))) }) },
  { code: 'kyso.crldp_missing', title: 'official without CRL DP', profile: 'official', spec: () => withoutExt(goodSpec('official'), OID.crlDistributionPoints) },
  { code: 'kyso.aia_ocsp_missing', title: 'service without OCSP URI', profile: 'service', spec: () => withExt(goodSpec('service'), ext.aia([[OID.adCaIssuers, 'http://ca.kyso.gov.vn/issuing.cer']])) },
  { code: 'kyso.aia_ca_issuers_missing', title: 'TSA without caIssuers', profile: 'tsa', spec: () => withExt(goodSpec('tsa'), ext.aia([[OID.adOcsp, 'http://ocsp.kyso.gov.vn']])) },
  { code: 'kyso.revocation_pointers_unexpected', title: 'OCSP responder with a CRL DP', profile: 'ocsp', spec: () => withExt(goodSpec('ocsp'), ext.crldp(['http://ca.kyso.gov.vn/crl/issuing.crl'])) },
  { code: 'kyso.certificate_policies_missing', title: 'agency without policies', profile: 'agency', spec: () => withoutExt(goodSpec('agency'), OID.certificatePolicies), severity: 'warning' },
  { code: 'kyso.ski_missing', title: 'official without SKI', profile: 'official', spec: () => withoutExt(goodSpec('official'), OID.subjectKeyIdentifier) },
  {
    code: 'kyso.aki_missing', title: 'self-issued subscriber without AKI', profile: 'tsa',
    spec: () => { const s = withoutExt(goodSpec('tsa'), OID.authorityKeyIdentifier); return { ...s, issuer: s.subject }; }, opts: { issuer: undefined },
  },
];

for (const c of CASES) {
  test(`${c.code}: ${c.title}`, () => {
    const opts = { ...optsFor(c.profile), ...c.opts };
    const findings = lintCertificate(build(c.spec()), opts);
    const hit = findings.find((f) => f.code === c.code);
    assert.ok(hit, `expected ${c.code}; got ${JSON.stringify(findings.map((f) => f.code))}`);
    assert.equal(hit.severity, c.severity ?? LINT_RULES[c.code].severity);
    assert.match(hit.message, /\.$/);
  });
}

test('every kyso.* rule has a triggering test', () => {
  const covered = new Set(CASES.map((c) => c.code));
  const missing = (Object.keys(LINT_RULES) as LintCode[]).filter((k) => k.startsWith('kyso.') && !covered.has(k));
  assert.deepEqual(missing, []);
});

for (const p of ALL) {
  test(`a good ${p} certificate has no findings under its profile`, () => {
    const cert = p === 'root' ? fixtureChain().root : p === 'issuing' ? fixtureChain().issuing : build(goodSpec(p));
    const findings = lintCertificate(cert, optsFor(p));
    assert.deepEqual(findings, []);
    assert.equal(hasErrors(findings), false);
  });
}

test('each good certificate fails under every other profile (profiles are distinguishable)', () => {
  for (const p of ALL) {
    const cert = p === 'root' ? fixtureChain().root : p === 'issuing' ? fixtureChain().issuing : build(goodSpec(p));
    for (const q of ALL) {
      if (q === p) continue;
      // agency/official/service share EKU and KU shapes; their subjects tell them apart.
      assert.ok(hasErrors(lintCertificate(cert, optsFor(q))), `${p} certificate should not pass as ${q}`);
    }
  }
});

test('validity: exactly maxYears is allowed, one second more is not (addYears, calendar years)', () => {
  const from = new Date('2028-02-29T00:00:00Z');
  const atLimit = { ...goodSpec('official'), notBefore: time(from), notAfter: time(new Date('2033-02-28T00:00:00Z')) };
  assert.equal(lintCertificate(build(atLimit), optsFor('official', { issuer: undefined })).some((f) => f.code === 'kyso.validity_exceeds_profile'), false);
  const over = { ...atLimit, notAfter: time(new Date('2033-02-28T00:00:01Z')) };
  assert.ok(lintCertificate(build(over), optsFor('official', { issuer: undefined })).some((f) => f.code === 'kyso.validity_exceeds_profile'));
});

test('renewal: up to previous notAfter + maxRenewalYears; the new-certificate maximum does not apply', () => {
  const prev = new Date('2028-06-01T00:00:00Z');
  const spec = { ...goodSpec('official'), notBefore: time(new Date('2028-05-01T00:00:00Z')), notAfter: time(new Date('2031-06-01T00:00:00Z')) };
  const f = lintCertificate(build(spec), optsFor('official', { issuer: undefined, renewalOf: { notAfter: prev } }));
  assert.deepEqual(f.map((x) => x.code), []);
  // A CA profile has maxRenewalYears 0: a renewal cannot extend its validity.
  const root = { ...rootSpec(), notAfter: time(new Date('2045-01-02T00:00:00Z')) };
  const r = lintCertificate(build(root), { profile: 'root', renewalOf: { notAfter: new Date('2045-01-01T00:00:00Z') } });
  assert.ok(r.some((x) => x.code === 'kyso.renewal_exceeds_limit'));
  assert.equal(PROFILES.root.maxRenewalYears, 0);
});

test('service certificates may carry an MST UID with or without a unit suffix', () => {
  for (const uid of ['MST:0101234567', 'MST:0101234567-001']) {
    const spec = { ...goodSpec('service'), subject: subject('service', (a) => a.map((x) => (x[0] === OID.userId ? [x[0], uid] : x))) };
    assert.deepEqual(lintCertificate(build(spec), optsFor('service')), [], uid);
  }
});

test('an official with an e-mail needs it in SAN too (RFC 5280 §4.1.2.6)', () => {
  const withEmail = { ...goodSpec('official'), subject: subject('official', (a) => [...a, [OID.emailAddress, 'an@mof.gov.vn']]) };
  assert.ok(lintCertificate(build(withEmail), optsFor('official')).some((f) => f.code === 'rfc5280.email_not_in_san'));
  assert.deepEqual(lintCertificate(build(withExt(withEmail, ext.san([gn.email('an@mof.gov.vn')]))), optsFor('official')), []);
});

test('without a profile, kyso rules stay silent', () => {
  const spec = { ...goodSpec('official'), subject: dn([OID.countryName, 'FR'], [OID.commonName, 'Jean']) };
  assert.deepEqual(lintCertificate(build(spec)).filter((f) => f.code.startsWith('kyso.')), []);
});

test('a tampered profile claim is caught: a TSA certificate with an OCSP-signing key purpose', () => {
  const spec = withExt(goodSpec('tsa'), ext.eku([OID.kpOcspSigning]));
  const codes = lintCertificate(build(spec), optsFor('tsa')).map((f) => f.code);
  assert.ok(codes.includes('kyso.eku_mismatch'));
  assert.ok(codes.includes('kyso.eku_criticality'));
});
