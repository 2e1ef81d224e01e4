/**
 * Generic RFC 5280 lints over the exact DER of a certificate (RFC 5280 §4.1): the Certificate and
 * TBSCertificate structure, version, serial number, signature algorithms, names, validity, the
 * public key, extensions, and the rules that relate several fields (§4.2.1.1–§4.2.1.13).
 */
import { equalBytes } from '../../asn1/der.ts';
import type { LintContext } from './context.ts';
import {
  contentOf, deepen, DerError, expectTag, integerValue, isMinimalInteger, parseNode, readInteger, readTime,
  shallowChildren, TAG, type DerNode,
} from './der-tree.ts';
import { lintExtensions } from './extension-lints.ts';
import { keyKindOfSpki, lintKeyUsageForKey, lintPublicKey, lintSignatureAlgorithms, lintSignatureKeyMatch } from './key-lints.ts';
import { lintName } from './name-lints.ts';
import { OID } from '../../x509/oids.ts';
import { getBasicConstraints, getKeyUsage, getSubjectKeyIdentifier } from '../../x509/certificate.ts';

/** Runs `f` on a fully parsed copy of `n`; a DER problem becomes one finding for `what`. */
function part(ctx: LintContext, n: DerNode | undefined, what: string, f: (deep: DerNode) => void): boolean {
  if (!n) {
    ctx.sink.add('rfc5280.der_invalid', `The certificate has no ${what}.`, what);
    return false;
  }
  try {
    f(deepen(ctx.buf, n));
    return true;
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    ctx.sink.add('rfc5280.der_invalid', `The ${what} field is not valid DER for its ASN.1 type: ${err.message}.`, what);
    return false;
  }
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, both in Zulu with seconds. */
function lintValidity(ctx: LintContext, validity: DerNode): void {
  const buf = ctx.buf;
  expectTag(validity, TAG.SEQUENCE, 'Validity');
  const [nbNode, naNode, extra] = validity.children ?? [];
  if (!naNode || extra) throw new DerError('Validity: expected notBefore and notAfter', validity.start);
  const dates: (Date | undefined)[] = [];
  for (const [node, name] of [[nbNode!, 'notBefore'], [naNode, 'notAfter']] as const) {
    const t = readTime(buf, node, name);
    const path = `validity.${name}`;
    if (t.invalid) {
      ctx.sink.add('rfc5280.validity_time_encoding', `The ${name} time is malformed: ${t.invalid}.`, path);
      dates.push(undefined);
      continue;
    }
    const year = t.date!.getUTCFullYear();
    if (year >= 1950 && year < 2050 && t.kind !== 'UTCTime') {
      ctx.sink.add('rfc5280.validity_time_encoding', `The ${name} date in ${year} must be encoded as UTCTime, not GeneralizedTime.`, path);
    }
    dates.push(t.date);
  }
  const [nb, na] = dates;
  if (nb && na && nb.getTime() >= na.getTime()) {
    ctx.sink.add('rfc5280.validity_negative', nb.getTime() === na.getTime()
      ? 'notBefore equals notAfter, so the validity period is empty.'
      : 'notBefore is later than notAfter.', 'validity');
  }
}

/** RFC 5280 §4.1.2.2 */
function lintSerial(ctx: LintContext, n: DerNode): void {
  const c = contentOf(ctx.buf, expectTag(n, TAG.INTEGER, 'serialNumber'));
  if (c.length === 0) throw new DerError('serialNumber: empty INTEGER', n.start);
  if (!isMinimalInteger(c)) ctx.sink.add('rfc5280.der_integer_not_minimal', 'The serial number INTEGER is not minimally encoded.', 'serialNumber');
  const v = integerValue(c);
  if (v <= 0n) ctx.sink.add('rfc5280.serial_not_positive', `The serial number is ${v === 0n ? 'zero' : 'negative'}; it must be a positive integer.`, 'serialNumber');
  if (c.length > 20) ctx.sink.add('rfc5280.serial_too_long', `The serial number is ${c.length} octets long; at most 20 are allowed.`, 'serialNumber');
}

/** The generic lints. Fills ctx.sink and ctx.facts. */
export function lintGeneric(ctx: LintContext): void {
  const buf = ctx.buf;
  const sink = ctx.sink;
  const facts = ctx.facts;
  let root: DerNode;
  let top: DerNode[];
  let tbs: DerNode[];
  try {
    root = parseNode(buf, 0, buf.length, 0, false);
    if (root.end !== buf.length) sink.add('rfc5280.der_invalid', 'There are trailing octets after the certificate.', 'certificate');
    top = shallowChildren(buf, expectTag(root, TAG.SEQUENCE, 'Certificate'));
    if (top.length !== 3) throw new DerError('Certificate: expected tbsCertificate, signatureAlgorithm, signatureValue', root.start);
    tbs = shallowChildren(buf, expectTag(top[0], TAG.SEQUENCE, 'TBSCertificate'));
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    sink.add('rfc5280.der_invalid', `The certificate structure is not valid DER: ${err.message}.`, 'certificate');
    return;
  }
  if (top[2]!.tag !== TAG.BIT_STRING) sink.add('rfc5280.der_invalid', 'The signatureValue is not a BIT STRING.', 'signatureValue');

  // version
  let i = 0;
  let version = 1;
  if (tbs[0]?.tag === 0xa0) {
    part(ctx, tbs[0], 'version', (n) => {
      const v = readInteger(buf, n.children?.[0], 'version');
      if (n.children?.length !== 1) throw new DerError('version: [0] must hold one INTEGER', n.start);
      if (v === 0n) sink.add('rfc5280.der_default_value_encoded', 'The version field encodes its DEFAULT v1, which DER forbids.', 'version');
      if (v < 0n || v > 2n) throw new DerError(`unknown version ${v}`, n.start);
      version = Number(v) + 1;
    });
    i = 1;
  }
  facts.version = version;
  const [serial, sigAlg, issuer, validity, subject, spki, ...rest] = tbs.slice(i);
  part(ctx, serial, 'serialNumber', (n) => lintSerial(ctx, n));
  if (sigAlg && top[1]) {
    try {
      lintSignatureAlgorithms(ctx, buf, deepen(buf, sigAlg), deepen(buf, top[1]));
    } catch (err) {
      if (!(err instanceof DerError)) throw err;
      sink.add('rfc5280.der_invalid', `A signature AlgorithmIdentifier is not valid DER: ${err.message}.`, 'signatureAlgorithm');
    }
  }
  part(ctx, issuer, 'issuer', (n) => {
    const r = lintName(ctx, buf, n, 'issuer');
    facts.issuerEmpty = r.empty;
    if (r.empty) sink.add('rfc5280.issuer_empty', 'The issuer name is empty.', 'issuer');
  });
  part(ctx, validity, 'validity', (n) => lintValidity(ctx, n));
  part(ctx, subject, 'subject', (n) => {
    const r = lintName(ctx, buf, n, 'subject');
    facts.subjectEmpty = r.empty;
    facts.subjectAttributes = r.attributes;
  });
  part(ctx, spki, 'subjectPublicKeyInfo', (n) => lintPublicKey(ctx, buf, n));
  facts.selfIssued = !!issuer && !!subject && !facts.subjectEmpty
    && equalBytes(buf.subarray(issuer.start, issuer.end), buf.subarray(subject.start, subject.end));

  let hasExtensions = false;
  let last = 0;
  for (const r of rest) {
    if (r.cls !== 2 || r.num < 1 || r.num > 3 || r.num <= last) {
      sink.add('rfc5280.der_invalid', 'The TBSCertificate has an unexpected or misordered field after subjectPublicKeyInfo.', 'tbsCertificate');
      break;
    }
    last = r.num;
    if (r.num === 1 || r.num === 2) {
      sink.add('rfc5280.unique_identifier_present', `The certificate carries a ${r.num === 1 ? 'issuer' : 'subject'}UniqueID, which conforming CAs must not generate.`, r.num === 1 ? 'issuerUniqueID' : 'subjectUniqueID');
    } else {
      hasExtensions = true;
      part(ctx, r, 'extensions', (n) => lintExtensions(ctx, buf, n));
    }
  }

  lintRelations(ctx, version, hasExtensions);
}

/** Rules that relate several fields and extensions. */
function lintRelations(ctx: LintContext, version: number, hasExtensions: boolean): void {
  const sink = ctx.sink;
  const f = ctx.facts;

  // RFC 5280 §4.1.2.1
  if (version !== 3) {
    if (hasExtensions) sink.add('rfc5280.version_extensions_require_v3', `The certificate is v${version} but has extensions, which require v3.`, 'version');
    else sink.add('rfc5280.version_not_v3', `The certificate is v${version}; new certificates must be v3.`, 'version');
  }

  // RFC 5280 §4.1.2.6 / §4.2.1.6
  const san = ctx.extension(OID.subjectAltName);
  if (f.subjectEmpty) {
    if (!san) sink.add('rfc5280.subject_empty_without_san', 'The subject is empty and there is no subjectAltName extension.', 'subject');
    else if (!san.critical) sink.add('rfc5280.subject_empty_san_not_critical', 'The subject is empty, so the subjectAltName extension must be critical.', 'extensions.subjectAltName');
  } else if (san?.critical) {
    sink.add('rfc5280.san_critical_with_subject', 'The subjectAltName extension is critical although the subject is not empty.', 'extensions.subjectAltName');
  }
  // RFC 5280 §4.1.2.6: e-mail addresses belong in SAN rfc822Name.
  for (const a of f.subjectAttributes) {
    if (a.oid !== OID.emailAddress || a.text === '') continue;
    const lower = a.text.toLowerCase();
    if (!f.sanRfc822.some((m) => m.toLowerCase() === lower)) {
      sink.add('rfc5280.email_not_in_san', `The subject emailAddress "${a.text}" is not repeated as an rfc822Name in subjectAltName.`, 'subject.emailAddress');
    }
  }

  // Key identifiers (RFC 5280 §4.2.1.1, §4.2.1.2)
  const isCa = ctx.isCa;
  const skiExt = ctx.extension(OID.subjectKeyIdentifier);
  if (!skiExt) {
    if (isCa) sink.add('rfc5280.ski_missing_ca', 'The CA certificate has no subjectKeyIdentifier extension.', 'extensions');
    else sink.add('rfc5280.ski_missing', 'The certificate has no subjectKeyIdentifier extension.', 'extensions');
  }
  const akiExt = ctx.extension(OID.authorityKeyIdentifier);
  if (!f.selfIssued) {
    if (!akiExt) sink.add('rfc5280.aki_missing', 'The certificate is not self-issued but has no authorityKeyIdentifier extension.', 'extensions');
    else if (f.aki && !f.aki.keyIdentifier) sink.add('rfc5280.aki_key_identifier_missing', 'The authorityKeyIdentifier has no keyIdentifier.', 'extensions.authorityKeyIdentifier');
  }

  // basicConstraints and keyUsage (RFC 5280 §4.2.1.3, §4.2.1.9)
  const bc = f.basicConstraints;
  const ku = f.keyUsage;
  const kuExt = ctx.extension(OID.keyUsage);
  if (bc?.ca) {
    if (!bc.critical) sink.add('rfc5280.basic_constraints_not_critical', 'The basicConstraints extension of a CA certificate must be critical.', 'extensions.basicConstraints');
    if (!kuExt) sink.add('rfc5280.ca_key_usage_missing', 'The CA certificate has no keyUsage extension.', 'extensions');
    else if (ku && !ku.bits.has('keyCertSign')) sink.add('rfc5280.ca_key_cert_sign_missing', 'The CA certificate does not assert keyCertSign.', 'extensions.keyUsage');
  }
  if (ku?.bits.has('keyCertSign') && !bc?.ca) {
    sink.add('rfc5280.key_cert_sign_without_ca', 'keyCertSign is asserted but basicConstraints does not assert cA.', 'extensions.keyUsage');
  }
  if (bc?.pathLen !== undefined && (!bc.ca || (ku !== undefined && !ku.bits.has('keyCertSign')))) {
    sink.add('rfc5280.path_len_without_ca', 'pathLenConstraint is present without cA and keyCertSign.', 'extensions.basicConstraints');
  }

  // CA-only extensions (RFC 5280 §4.2.1.5, §4.2.1.10)
  if (!isCa && ctx.extension(OID.policyMappings)) {
    sink.add('rfc5280.policy_mappings_in_end_entity', 'The policyMappings extension appears in a certificate that is not a CA certificate.', 'extensions.policyMappings');
  }
  if (!isCa && ctx.extension(OID.nameConstraints)) {
    sink.add('rfc5280.name_constraints_in_end_entity', 'The nameConstraints extension appears in a certificate that is not a CA certificate.', 'extensions.nameConstraints');
  }

  lintKeyUsageForKey(ctx);
  lintSignatureKeyMatch(ctx);
  lintAgainstIssuer(ctx);
}

/** With the issuing CA's certificate at hand (RFC 5280 §4.2.1.1, §4.1.2.4, §6.1.4). */
function lintAgainstIssuer(ctx: LintContext): void {
  const issuer = ctx.opts.issuer;
  if (!issuer) return;
  const sink = ctx.sink;
  const cert = ctx.cert;
  if (!equalBytes(cert.issuerDer, issuer.subjectDer)) {
    sink.add('rfc5280.issuer_name_mismatch', "The issuer name is not byte-for-byte the issuing CA's subject name.", 'issuer');
  }
  let issuerSki: Uint8Array | undefined;
  let issuerBc: ReturnType<typeof getBasicConstraints>;
  let issuerKu: ReturnType<typeof getKeyUsage>;
  try {
    issuerSki = getSubjectKeyIdentifier(issuer);
    issuerBc = getBasicConstraints(issuer);
    issuerKu = getKeyUsage(issuer);
  } catch {
    sink.add('rfc5280.issuer_not_ca', "The issuing CA's certificate has extensions that cannot be decoded.", 'issuer');
    return;
  }
  const akid = ctx.facts.aki?.keyIdentifier;
  if (akid && issuerSki && !equalBytes(akid, issuerSki)) {
    sink.add('rfc5280.aki_mismatch', "The authorityKeyIdentifier does not match the issuing CA's subjectKeyIdentifier.", 'extensions.authorityKeyIdentifier');
  }
  if (!issuerBc?.ca || (issuerKu !== undefined && !issuerKu.has('keyCertSign'))) {
    sink.add('rfc5280.issuer_not_ca', 'The issuing certificate is not a CA certificate allowed to sign certificates.', 'issuer');
  }
  if (keyKindOfSpki(issuer.spki) === undefined) {
    sink.add('rfc5280.issuer_not_ca', "The issuing CA's public key cannot be read.", 'issuer');
  }
  if (cert.notAfter.getTime() > issuer.notAfter.getTime()) {
    sink.add('kyso.validity_exceeds_issuer', "The certificate's notAfter is later than the issuing CA's notAfter.", 'validity.notAfter');
  }
  if (cert.notBefore.getTime() < issuer.notBefore.getTime()) {
    sink.add('kyso.validity_starts_before_issuer', "The certificate's notBefore is earlier than the issuing CA's notBefore.", 'validity.notBefore');
  }
}
