/**
 * Issuing a certificate under a kyso profile, with lint-before-sign (the Boulder practice): the
 * exact TBSCertificate is first signed by a throwaway key and linted; only if no lint reports an
 * error is the same TBSCertificate signed by the CA key. RFC 5280 §4.1; profiles in x509/profiles.ts.
 */
import { KysoError } from '../errors.ts';
import type { CryptoPort, SignatureAlgorithm, Signer } from '../ports.ts';
import { parseCertificate, type CertificateExtension, type ParsedCertificate } from '../x509/certificate.ts';
import {
  assembleCertificate, authorityInfoAccessExtension, authorityKeyIdentifierExtension, basicConstraintsExtension,
  certificatePoliciesExtension, computeKeyIdentifier, crlDistributionPointsExtension, encodeTbsCertificate,
  extendedKeyUsageExtension, keyUsageExtension, ocspNoCheckExtension, subjectKeyIdentifierExtension,
} from '../x509/certificate-builder.ts';
import { addYears, type CertificateProfile } from '../x509/profiles.ts';
import { describePublicKey } from '../x509/algorithms.ts';

/** What the issuer brings to an issuance. */
export interface IssuerContext {
  /** Issuer's Name, DER (for a self-signed root: the subject itself). */
  name: Uint8Array;
  /** Issuer's subject key identifier, for authorityKeyIdentifier; for a root, computed from its key. */
  keyId?: Uint8Array;
  /** Issuer certificate validity end: a subordinate never outlives its issuer. */
  notAfter?: Date;
  signer: Signer;
  signatureAlgorithm: SignatureAlgorithm;
  /** Revocation pointers written into subscriber/intermediate certificates (from configuration). */
  urls: { crl: string[]; ocsp: string[]; caIssuers: string[] };
  /** certificatePolicies OIDs (from configuration). */
  policies: string[];
}

export interface LintFindingLike { code: string; severity: 'error' | 'warning' | 'notice'; message: string }
export type Linter = (cert: ParsedCertificate, opts: { profile: CertificateProfile['name']; renewalOf?: { notAfter: Date } }) => LintFindingLike[];

export interface IssueParams {
  profile: CertificateProfile;
  /** Subject Name, DER (see encodeName). */
  subject: Uint8Array;
  /** Subject public key (DER SPKI). */
  spki: Uint8Array;
  serial: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  issuer: IssuerContext;
  crypto: CryptoPort;
  /** Throwaway key, used only to sign the lint certificate (no lint reads those signature bits). */
  lintSigner: Signer;
  lint: Linter;
  renewalOf?: { notAfter: Date };
}

export interface IssueResult {
  der: Uint8Array;
  certificate: ParsedCertificate;
  /** Warnings and notices the lints raised (errors stop issuance). */
  findings: LintFindingLike[];
}

/** The extensions a profile prescribes, in a stable order. */
export function profileExtensions(p: IssueParams): CertificateExtension[] {
  const { profile, issuer, crypto } = p;
  const keyId = computeKeyIdentifier(p.spki, crypto);
  const isRoot = profile.name === 'root';
  const exts: CertificateExtension[] = [];
  if (profile.ca) exts.push(basicConstraintsExtension(true, profile.pathLen));
  const keyUsage = [...profile.keyUsage];
  exts.push(keyUsageExtension(keyUsage));
  if (profile.extendedKeyUsage) exts.push(extendedKeyUsageExtension(profile.extendedKeyUsage, profile.extendedKeyUsageCritical ?? false));
  exts.push(subjectKeyIdentifierExtension(keyId));
  exts.push(authorityKeyIdentifierExtension(isRoot ? keyId : issuer.keyId ?? (() => { throw new KysoError('invalid-argument', 'issuer key identifier missing'); })()));
  if (!isRoot && issuer.policies.length) exts.push(certificatePoliciesExtension(issuer.policies));
  if (profile.revocationPointers) {
    if (issuer.urls.crl.length) exts.push(crlDistributionPointsExtension(issuer.urls.crl));
    if (issuer.urls.ocsp.length || issuer.urls.caIssuers.length) exts.push(authorityInfoAccessExtension(issuer.urls.ocsp, issuer.urls.caIssuers));
  }
  if (profile.ocspNoCheck) exts.push(ocspNoCheckExtension());
  return exts;
}

/** Refuses validity the profile does not allow, before anything is signed. */
export function checkValidity(profile: CertificateProfile, notBefore: Date, notAfter: Date, opts: { issuerNotAfter?: Date; renewalOf?: { notAfter: Date } }): void {
  if (!(notAfter.getTime() > notBefore.getTime())) throw new KysoError('policy', 'the certificate would end before it starts');
  if (opts.renewalOf) {
    const limit = addYears(opts.renewalOf.notAfter, profile.maxRenewalYears);
    if (profile.maxRenewalYears === 0) throw new KysoError('policy', `${profile.name} certificates are not renewed: make a new one`);
    if (notAfter.getTime() > limit.getTime()) throw new KysoError('policy', `a renewal may extend validity by at most ${profile.maxRenewalYears} years (until ${limit.toISOString()})`);
  } else {
    const limit = addYears(notBefore, profile.maxYears);
    if (notAfter.getTime() > limit.getTime()) throw new KysoError('policy', `${profile.name} certificates may be valid for at most ${profile.maxYears} years (Decree 68/2024)`);
  }
  if (opts.issuerNotAfter && notAfter.getTime() > opts.issuerNotAfter.getTime()) {
    throw new KysoError('policy', `the certificate would outlive its issuing CA (which ends ${opts.issuerNotAfter.toISOString()})`);
  }
}

/** Lint-before-sign issuance. Throws KysoError('policy') listing the lint errors when any is found. */
export async function issueCertificate(p: IssueParams): Promise<IssueResult> {
  const info = describePublicKey(p.spki);
  if (info.kind === 'other') throw new KysoError('unsupported', `unsupported subject key ${info.algorithmOid}`);
  checkValidity(p.profile, p.notBefore, p.notAfter, { issuerNotAfter: p.issuer.notAfter, renewalOf: p.renewalOf });
  const tbs = encodeTbsCertificate({
    serial: p.serial,
    issuer: p.profile.name === 'root' ? p.subject : p.issuer.name,
    subject: p.subject,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    spki: p.spki,
    signatureAlgorithm: p.issuer.signatureAlgorithm,
    extensions: profileExtensions(p),
  });
  // Phase 1: the same TBSCertificate under a throwaway key, linted.
  const lintDer = assembleCertificate(tbs, p.issuer.signatureAlgorithm, await p.lintSigner.sign(tbs, p.issuer.signatureAlgorithm));
  const findings = p.lint(parseCertificate(lintDer), { profile: p.profile.name, renewalOf: p.renewalOf });
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length) {
    throw new KysoError('policy', `certificate refused by lint: ${errors.map((e) => `${e.code} (${e.message})`).join('; ')}`, { details: errors });
  }
  // Phase 2: the CA key signs exactly the bytes that were linted.
  const sig = await p.issuer.signer.sign(tbs, p.issuer.signatureAlgorithm);
  const der = assembleCertificate(tbs, p.issuer.signatureAlgorithm, sig);
  const certificate = parseCertificate(der);
  const selfKey = p.profile.name === 'root' ? p.spki : p.issuer.signer.publicKey;
  if (!p.crypto.verify({ algorithm: p.issuer.signatureAlgorithm, spki: selfKey, data: tbs, signature: sig })) {
    throw new KysoError('internal', 'the CA key produced a signature that does not verify: refusing to issue');
  }
  return { der, certificate, findings };
}
