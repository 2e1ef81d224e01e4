/**
 * Extension lints (RFC 5280 §4.2): the Extensions structure, DER of `critical`, duplicates,
 * unknown critical extensions, criticality rules, and a strict decoding of every extension the
 * linter knows, recording facts for the relation and profile lints.
 */
import { KEY_USAGE_BITS, type KeyUsageName } from '../../x509/certificate.ts';
import { OID } from '../../x509/oids.ts';
import type { ExtensionFact, LintContext } from './context.ts';
import {
  bitIsSet, contentOf, decodeStringNode, DerError, expectTag, highestBitSet, namedBitsHaveTrailingZero, parseWhole,
  readBitString, readBoolean, readInteger, readOid, readTime, TAG, type DerNode,
} from './der-tree.ts';
import { lintGeneralName, lintGeneralNames, type GeneralNameValue } from './general-names.ts';
import { extensionName, KNOWN_EXTENSIONS, LOID } from './lint-oids.ts';
import type { LintCode } from './types.ts';

type Handler = (ctx: LintContext, fact: ExtensionFact, v: Uint8Array, node: DerNode, path: string) => void;

function seq(node: DerNode, what: string): DerNode[] {
  return expectTag(node, TAG.SEQUENCE, what).children ?? [];
}

function nonEmpty(ctx: LintContext, items: DerNode[], path: string, what: string): void {
  if (items.length === 0) ctx.sink.add('rfc5280.extension_value_invalid', `The ${what} extension is an empty SEQUENCE, which SIZE (1..MAX) forbids.`, path);
}

/** RFC 5280 §4.2.1.9 */
const basicConstraints: Handler = (ctx, fact, v, node, path) => {
  const items = seq(node, 'BasicConstraints');
  let i = 0;
  let ca = false;
  let pathLen: number | undefined;
  if (items[i]?.tag === TAG.BOOLEAN) {
    const b = readBoolean(v, items[i], 'cA');
    if (!b.der) ctx.sink.add('rfc5280.der_boolean_not_ff', 'The basicConstraints cA BOOLEAN is not encoded as 0xFF.', path);
    if (!b.value) ctx.sink.add('rfc5280.der_default_value_encoded', 'The basicConstraints cA field encodes its DEFAULT FALSE, which DER forbids.', path);
    ca = b.value;
    i++;
  }
  if (items[i]?.tag === TAG.INTEGER) {
    const n = readInteger(v, items[i], 'pathLenConstraint');
    if (n < 0n) throw new DerError('pathLenConstraint is negative', items[i]!.start);
    pathLen = Number(n);
    i++;
  }
  if (items[i]) throw new DerError('BasicConstraints: unexpected component', items[i]!.start);
  ctx.facts.basicConstraints = pathLen === undefined ? { ca, critical: fact.critical } : { ca, pathLen, critical: fact.critical };
};

/** RFC 5280 §4.2.1.3 */
const keyUsage: Handler = (ctx, fact, v, node, path) => {
  const bs = readBitString(v, node, 'KeyUsage');
  if (namedBitsHaveTrailingZero(bs)) {
    ctx.sink.add('rfc5280.der_bit_string_trailing_zero', 'The keyUsage BIT STRING has trailing zero bits, which DER forbids for named bit lists (X.690 §11.2.2).', path);
  }
  if (highestBitSet(bs) > 8) throw new DerError('KeyUsage: bits beyond decipherOnly are set', node.start);
  const bits = new Set<KeyUsageName>();
  KEY_USAGE_BITS.forEach((name, i) => { if (bitIsSet(bs, i)) bits.add(name); });
  if (bits.size === 0) ctx.sink.add('rfc5280.key_usage_empty', 'The keyUsage extension asserts no bit; at least one must be set.', path);
  if ((bits.has('encipherOnly') || bits.has('decipherOnly')) && !bits.has('keyAgreement')) {
    ctx.sink.add('rfc5280.key_usage_encipher_decipher_without_key_agreement', 'encipherOnly/decipherOnly is asserted without keyAgreement, which leaves its meaning undefined.', path);
  }
  ctx.facts.keyUsage = { bits, critical: fact.critical };
};

/** RFC 5280 §4.2.1.12 */
const extKeyUsage: Handler = (ctx, fact, v, node, path) => {
  const items = seq(node, 'ExtKeyUsageSyntax');
  const oids = items.map((n) => readOid(v, n, 'KeyPurposeId'));
  if (oids.length === 0) ctx.sink.add('rfc5280.eku_empty', 'The extKeyUsage extension holds no key purpose.', path);
  if (new Set(oids).size !== oids.length) ctx.sink.add('rfc5280.eku_duplicate', 'The extKeyUsage extension lists a key purpose more than once.', path);
  if (fact.critical && oids.includes(OID.anyExtendedKeyUsage)) {
    ctx.sink.add('rfc5280.eku_any_critical', 'A critical extKeyUsage extension contains anyExtendedKeyUsage.', path);
  }
  ctx.facts.extKeyUsage = { oids, critical: fact.critical };
};

/** RFC 5280 §4.2.1.2 */
const subjectKeyIdentifier: Handler = (ctx, _fact, v, node, path) => {
  const n = expectTag(node, TAG.OCTET_STRING, 'SubjectKeyIdentifier');
  const id = contentOf(v, n);
  if (id.length === 0) ctx.sink.add('rfc5280.ski_empty', 'The subjectKeyIdentifier is empty.', path);
  ctx.facts.ski = id;
};

/** RFC 5280 §4.2.1.1 */
const authorityKeyIdentifier: Handler = (ctx, _fact, v, node, path) => {
  const items = seq(node, 'AuthorityKeyIdentifier');
  const aki: { keyIdentifier?: Uint8Array; hasIssuer: boolean; hasSerial: boolean } = { hasIssuer: false, hasSerial: false };
  let last = -1;
  for (const it of items) {
    if (it.cls !== 2 || it.num <= last || it.num > 2) throw new DerError('AuthorityKeyIdentifier: unexpected or misordered field', it.start);
    last = it.num;
    if (it.num === 0) {
      if (it.constructed) throw new DerError('keyIdentifier must be primitive', it.start);
      aki.keyIdentifier = contentOf(v, it);
    } else if (it.num === 1) {
      aki.hasIssuer = true;
      lintGeneralNames(ctx, v, it, `${path}.authorityCertIssuer`);
    } else {
      aki.hasSerial = true;
      readInteger(v, it, 'authorityCertSerialNumber', 0x82);
    }
  }
  if (aki.hasIssuer !== aki.hasSerial) {
    ctx.sink.add('rfc5280.aki_issuer_serial_pairing', 'authorityCertIssuer and authorityCertSerialNumber must be both present or both absent.', path);
  }
  ctx.facts.aki = aki;
};

/** RFC 5280 §4.2.1.6 */
const subjectAltName: Handler = (ctx, _fact, v, node, path) => {
  const names = lintGeneralNames(ctx, v, expectTag(node, TAG.SEQUENCE, 'GeneralNames'), path, { wildcard: true });
  for (const n of names) if (n.type === 'rfc822Name' && n.text) ctx.facts.sanRfc822.push(n.text);
};

/** RFC 5280 §4.2.1.7 */
const issuerAltName: Handler = (ctx, _fact, v, node, path) => {
  lintGeneralNames(ctx, v, expectTag(node, TAG.SEQUENCE, 'GeneralNames'), path, { wildcard: true });
};

const URI_SCHEMES_CRL = new Set(['http', 'https', 'ldap']);

function uriScheme(text: string): string | undefined {
  return /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
}

/** RFC 5280 §4.2.1.13 (and §4.2.1.15 freshestCRL, same syntax). */
function distributionPoints(collect: boolean): Handler {
  return (ctx, _fact, v, node, path) => {
    const points = seq(node, 'CRLDistributionPoints');
    nonEmpty(ctx, points, path, 'cRLDistributionPoints');
    points.forEach((dp, i) => {
      const p = `${path}[${i}]`;
      const fields = seq(dp, 'DistributionPoint');
      let last = -1;
      let hasName = false;
      let hasIssuer = false;
      for (const f of fields) {
        if (f.cls !== 2 || f.num <= last || f.num > 2) throw new DerError('DistributionPoint: unexpected or misordered field', f.start);
        last = f.num;
        if (f.num === 0) {
          hasName = true;
          const [choice, extra] = f.children ?? [];
          if (!f.constructed || !choice || extra) throw new DerError('distributionPoint must hold one DistributionPointName', f.start);
          if (choice.tag === 0xa0) {
            const names = lintGeneralNames(ctx, v, choice, `${p}.fullName`);
            for (const n of names) lintPointUri(ctx, n, `${p}.fullName`, URI_SCHEMES_CRL, 'rfc5280.crldp_uri_invalid', collect ? ctx.facts.crldpUris : undefined);
          } else if (choice.tag === 0xa1) {
            if ((choice.children ?? []).length === 0) ctx.sink.add('rfc5280.name_rdn_empty', 'nameRelativeToCRLIssuer is an empty RDN.', p);
          } else throw new DerError('DistributionPointName: unexpected choice', choice.start);
        } else if (f.num === 1) {
          const bs = readBitString(v, f, 'ReasonFlags', 0x81);
          if (namedBitsHaveTrailingZero(bs)) {
            ctx.sink.add('rfc5280.der_bit_string_trailing_zero', 'The ReasonFlags BIT STRING has trailing zero bits, which DER forbids (X.690 §11.2.2).', p);
          }
        } else {
          hasIssuer = true;
          lintGeneralNames(ctx, v, f, `${p}.cRLIssuer`);
        }
      }
      if (!hasName && !hasIssuer) {
        ctx.sink.add('rfc5280.crldp_point_empty', 'A distribution point has neither a distributionPoint name nor a cRLIssuer.', p);
      }
    });
  };
}

function lintPointUri(ctx: LintContext, n: GeneralNameValue, path: string, schemes: Set<string>, code: LintCode, collect?: string[]): void {
  if (n.type !== 'uniformResourceIdentifier' || n.text === undefined || n.text === '') return;
  collect?.push(n.text);
  const scheme = uriScheme(n.text);
  if (!scheme || !schemes.has(scheme)) {
    ctx.sink.add(code, `The URI "${n.text.slice(0, 80)}" in ${path} does not use ${[...schemes].join(', ')}.`, path);
  }
}

/** RFC 5280 §4.2.2.1 (AIA) and §4.2.2.2 (SIA). */
function accessDescriptions(isAia: boolean): Handler {
  return (ctx, _fact, v, node, path) => {
    const items = seq(node, isAia ? 'AuthorityInfoAccessSyntax' : 'SubjectInfoAccessSyntax');
    nonEmpty(ctx, items, path, isAia ? 'authorityInfoAccess' : 'subjectInfoAccess');
    items.forEach((ad, i) => {
      const [methodNode, locNode, extra] = seq(ad, 'AccessDescription');
      if (!locNode || extra) throw new DerError('AccessDescription: expected accessMethod and accessLocation', ad.start);
      const method = readOid(v, methodNode, 'accessMethod');
      const p = `${path}[${i}]`;
      const loc = lintGeneralName(ctx, v, locNode, p);
      if (!isAia) return;
      if (method === OID.adOcsp) lintPointUri(ctx, loc, p, new Set(['http', 'https']), 'rfc5280.aia_uri_invalid', ctx.facts.aiaOcsp);
      else if (method === OID.adCaIssuers) lintPointUri(ctx, loc, p, URI_SCHEMES_CRL, 'rfc5280.aia_uri_invalid', ctx.facts.aiaCaIssuers);
    });
  };
}

/** RFC 5280 §4.2.1.4 (explicitText per RFC 6818 §3). */
const certificatePolicies: Handler = (ctx, _fact, v, node, path) => {
  const infos = seq(node, 'CertificatePolicies');
  nonEmpty(ctx, infos, path, 'certificatePolicies');
  const oids: string[] = [];
  infos.forEach((pi, i) => {
    const [idNode, qualNode, extra] = seq(pi, 'PolicyInformation');
    if (extra) throw new DerError('PolicyInformation: too many components', pi.start);
    const oid = readOid(v, idNode, 'policyIdentifier');
    oids.push(oid);
    if (!qualNode) return;
    const quals = seq(qualNode, 'policyQualifiers');
    if (quals.length === 0) ctx.sink.add('rfc5280.extension_value_invalid', 'policyQualifiers is an empty SEQUENCE, which SIZE (1..MAX) forbids.', `${path}[${i}]`);
    quals.forEach((q, j) => {
      const qp = `${path}[${i}].policyQualifiers[${j}]`;
      const [qidNode, qv, qextra] = seq(q, 'PolicyQualifierInfo');
      if (qextra) throw new DerError('PolicyQualifierInfo: too many components', q.start);
      const qid = readOid(v, qidNode, 'policyQualifierId');
      if (qid === LOID.qtCps) {
        if (!qv || qv.tag !== TAG.IA5String) throw new DerError('CPSuri must be an IA5String', q.start);
        const s = decodeStringNode(v, qv)!;
        if (s.invalid) ctx.sink.add('rfc5280.string_invalid', `The CPS URI ${s.invalid}.`, qp);
      } else if (qid === LOID.qtUnotice) {
        if (!qv) throw new DerError('UserNotice missing', q.start);
        lintUserNotice(ctx, v, qv, qp);
      }
    });
  });
  if (new Set(oids).size !== oids.length) ctx.sink.add('rfc5280.policy_duplicate', 'A certificate policy OID appears more than once.', path);
  ctx.facts.policies = oids;
};

function lintDisplayText(ctx: LintContext, v: Uint8Array, n: DerNode, path: string, explicit: boolean): void {
  const s = decodeStringNode(v, n);
  if (!s || !['IA5String', 'VisibleString', 'BMPString', 'UTF8String'].includes(s.kind)) throw new DerError('DisplayText: unexpected string type', n.start);
  if (s.invalid) ctx.sink.add('rfc5280.string_invalid', `A DisplayText ${s.kind} ${s.invalid}.`, path);
  const len = [...s.text].length;
  if (len === 0 || len > 200) {
    ctx.sink.add('rfc5280.policy_explicit_text_too_long', `A DisplayText has ${len} characters; SIZE (1..200) applies.`, path);
  }
  if (explicit && s.kind === 'IA5String') {
    ctx.sink.add('rfc5280.policy_explicit_text_encoding', 'The explicitText is an IA5String, which RFC 6818 forbids.', path);
  } else if (explicit && s.kind !== 'UTF8String') {
    ctx.sink.add('rfc5280.policy_explicit_text_encoding', `The explicitText is a ${s.kind}; conforming CAs should use UTF8String.`, path, 'warning');
  }
}

function lintUserNotice(ctx: LintContext, v: Uint8Array, n: DerNode, path: string): void {
  const items = seq(n, 'UserNotice');
  let i = 0;
  if (items[i]?.tag === TAG.SEQUENCE) {
    const [org, numbers, extra] = items[i]!.children ?? [];
    if (!org || !numbers || extra) throw new DerError('NoticeReference: expected organization and noticeNumbers', items[i]!.start);
    lintDisplayText(ctx, v, org, path, false);
    for (const num of seq(numbers, 'noticeNumbers')) readInteger(v, num, 'noticeNumber');
    i++;
  }
  if (items[i]) {
    lintDisplayText(ctx, v, items[i]!, path, true);
    i++;
  }
  if (items[i]) throw new DerError('UserNotice: unexpected component', items[i]!.start);
}

/** RFC 5280 §4.2.1.5 */
const policyMappings: Handler = (ctx, _fact, v, node, path) => {
  const maps = seq(node, 'PolicyMappings');
  nonEmpty(ctx, maps, path, 'policyMappings');
  for (const m of maps) {
    const [a, b, extra] = seq(m, 'PolicyMapping');
    if (!b || extra) throw new DerError('PolicyMapping: expected two policy OIDs', m.start);
    const issuerPolicy = readOid(v, a, 'issuerDomainPolicy');
    const subjectPolicy = readOid(v, b, 'subjectDomainPolicy');
    if (issuerPolicy === OID.anyPolicy || subjectPolicy === OID.anyPolicy) {
      ctx.sink.add('rfc5280.policy_mappings_any_policy', 'A policy mapping maps to or from anyPolicy.', path);
    }
  }
};

/** RFC 5280 §4.2.1.10 */
const nameConstraints: Handler = (ctx, _fact, v, node, path) => {
  const parts = seq(node, 'NameConstraints');
  if (parts.length === 0) ctx.sink.add('rfc5280.name_constraints_empty', 'The nameConstraints extension has neither permittedSubtrees nor excludedSubtrees.', path);
  let last = -1;
  for (const part of parts) {
    if (part.cls !== 2 || !part.constructed || part.num <= last || part.num > 1) throw new DerError('NameConstraints: unexpected or misordered field', part.start);
    last = part.num;
    const which = part.num === 0 ? 'permittedSubtrees' : 'excludedSubtrees';
    const subtrees = part.children ?? [];
    if (subtrees.length === 0) ctx.sink.add('rfc5280.name_constraints_empty', `${which} is empty, which SIZE (1..MAX) forbids.`, `${path}.${which}`);
    subtrees.forEach((st, i) => {
      const p = `${path}.${which}[${i}]`;
      const [base, ...rest] = seq(st, 'GeneralSubtree');
      if (!base) throw new DerError('GeneralSubtree: missing base', st.start);
      lintGeneralName(ctx, v, base, p, { constraint: true });
      for (const r of rest) {
        if (r.tag === 0x80) {
          const min = readInteger(v, r, 'minimum', 0x80);
          if (min === 0n) ctx.sink.add('rfc5280.der_default_value_encoded', 'A GeneralSubtree encodes its DEFAULT minimum 0, which DER forbids.', p);
          else ctx.sink.add('rfc5280.name_constraints_min_max', 'A GeneralSubtree has a minimum other than zero.', p);
        } else if (r.tag === 0x81) {
          readInteger(v, r, 'maximum', 0x81);
          ctx.sink.add('rfc5280.name_constraints_min_max', 'A GeneralSubtree has a maximum, which must be absent.', p);
        } else throw new DerError('GeneralSubtree: unexpected field', r.start);
      }
    });
  }
};

/** RFC 5280 §4.2.1.11 */
const policyConstraints: Handler = (ctx, _fact, v, node, path) => {
  const items = seq(node, 'PolicyConstraints');
  if (items.length === 0) ctx.sink.add('rfc5280.policy_constraints_empty', 'The policyConstraints extension is an empty sequence.', path);
  let last = -1;
  for (const it of items) {
    if (it.cls !== 2 || it.num <= last || it.num > 1) throw new DerError('PolicyConstraints: unexpected or misordered field', it.start);
    last = it.num;
    if (readInteger(v, it, 'SkipCerts', it.tag) < 0n) throw new DerError('SkipCerts is negative', it.start);
  }
};

/** RFC 5280 §4.2.1.14 */
const inhibitAnyPolicy: Handler = (_ctx, _fact, v, node) => {
  if (readInteger(v, node, 'InhibitAnyPolicy') < 0n) throw new DerError('InhibitAnyPolicy is negative', node.start);
};

/** Extensions whose value is NULL: id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1), CT poison (RFC 6962 §3.1). */
const nullValue: Handler = (_ctx, _fact, _v, node) => {
  if (node.tag !== TAG.NULL || node.end !== node.valueStart) throw new DerError('the extension value must be NULL', node.start);
};

/** RFC 6962 §3.3: SignedCertificateTimestampList inside an OCTET STRING. */
const sctList: Handler = (ctx, _fact, v, node, path) => {
  const list = contentOf(v, expectTag(node, TAG.OCTET_STRING, 'SignedCertificateTimestampList'));
  if (list.length < 2) throw new DerError('SCT list shorter than its length prefix', node.start);
  const total = (list[0]! << 8) | list[1]!;
  if (total !== list.length - 2) throw new DerError('SCT list length prefix does not match its content', node.start);
  let pos = 2;
  let count = 0;
  while (pos < list.length) {
    if (pos + 2 > list.length) throw new DerError('truncated SCT', node.start);
    const len = (list[pos]! << 8) | list[pos + 1]!;
    if (len === 0 || pos + 2 + len > list.length) throw new DerError('empty or truncated SCT', node.start);
    pos += 2 + len;
    count++;
  }
  if (count === 0) ctx.sink.add('rfc5280.sct_list_invalid', 'The SignedCertificateTimestampList is empty; it must hold at least one SCT.', path);
};

/** RFC 5280 §4.2.1.8 */
const subjectDirectoryAttributes: Handler = (ctx, _fact, v, node, path) => {
  const attrs = seq(node, 'SubjectDirectoryAttributes');
  nonEmpty(ctx, attrs, path, 'subjectDirectoryAttributes');
  for (const a of attrs) {
    const [t, values, extra] = seq(a, 'Attribute');
    if (!values || extra) throw new DerError('Attribute: expected type and values', a.start);
    readOid(v, t, 'attribute type');
    if ((expectTag(values, TAG.SET, 'Attribute values').children ?? []).length === 0) throw new DerError('Attribute values are empty', values.start);
  }
};

/** RFC 3280 §4.2.1.4 PrivateKeyUsagePeriod. */
const privateKeyUsagePeriod: Handler = (ctx, _fact, v, node, path) => {
  const items = seq(node, 'PrivateKeyUsagePeriod');
  if (items.length === 0) ctx.sink.add('rfc5280.extension_value_invalid', 'privateKeyUsagePeriod holds neither notBefore nor notAfter.', path);
  for (const it of items) {
    if (it.tag !== 0x80 && it.tag !== 0x81) throw new DerError('PrivateKeyUsagePeriod: unexpected field', it.start);
    const t = readTime(v, { ...it, tag: TAG.GeneralizedTime }, 'PrivateKeyUsagePeriod time');
    if (t.invalid) ctx.sink.add('rfc5280.extension_value_invalid', `privateKeyUsagePeriod: ${t.invalid}.`, path);
  }
};

const QC = {
  compliance: '0.4.0.1862.1.1', limitValue: '0.4.0.1862.1.2', retentionPeriod: '0.4.0.1862.1.3', sscd: '0.4.0.1862.1.4',
  pds: '0.4.0.1862.1.5', type: '0.4.0.1862.1.6', ccLegislation: '0.4.0.1862.1.7',
  pkixSyntaxV1: '1.3.6.1.5.5.7.11.1', pkixSyntaxV2: '1.3.6.1.5.5.7.11.2', psd2: '0.4.0.19495.2',
} as const;

function printable(v: Uint8Array, n: DerNode | undefined, what: string, size?: number): string {
  const node = expectTag(n, TAG.PrintableString, what);
  const s = decodeStringNode(v, node)!;
  if (s.invalid) throw new DerError(`${what} ${s.invalid}`, node.start);
  if (size !== undefined && s.text.length !== size) throw new DerError(`${what} must have ${size} characters`, node.start);
  return s.text;
}

function utf8(v: Uint8Array, n: DerNode | undefined, what: string): string {
  const node = expectTag(n, TAG.UTF8String, what);
  const s = decodeStringNode(v, node)!;
  if (s.invalid) throw new DerError(`${what} ${s.invalid}`, node.start);
  if (s.text.length === 0 || [...s.text].length > 256) throw new DerError(`${what} must have 1 to 256 characters`, node.start);
  return s.text;
}

/** RFC 3739 §3.2.6 QCStatements, with the statement syntaxes of ETSI EN 319 412-5 §4 and TS 119 495 §5.1. */
const qcStatements: Handler = (ctx, _fact, v, node, path) => {
  const statements = seq(node, 'QCStatements');
  nonEmpty(ctx, statements, path, 'qcStatements');
  statements.forEach((st, i) => {
    const p = `${path}[${i}]`;
    const [idNode, info, extra] = seq(st, 'QCStatement');
    if (extra) throw new DerError('QCStatement: too many components', st.start);
    const id = readOid(v, idNode, 'statementId');
    const what = `QCStatement ${id}`;
    switch (id) {
      case QC.compliance: case QC.sscd:
        if (info) throw new DerError(`${what} must have no statementInfo`, info.start);
        break;
      case QC.limitValue: {
        const [cur, amount, exponent, more] = seq(expectPresent(info, what), 'QcEuLimitValue');
        if (!exponent || more) throw new DerError('QcEuLimitValue: expected currency, amount, exponent', info!.start);
        if (cur!.tag === TAG.PrintableString) printable(v, cur, 'currency', 3);
        else if (readInteger(v, cur, 'currency') < 1n) throw new DerError('numeric currency out of range', cur!.start);
        readInteger(v, amount, 'amount');
        readInteger(v, exponent, 'exponent');
        break;
      }
      case QC.retentionPeriod:
        readInteger(v, expectPresent(info, what), 'QcEuRetentionPeriod');
        break;
      case QC.pds: {
        const locs = seq(expectPresent(info, what), 'QcEuPDS');
        if (locs.length === 0) throw new DerError('QcEuPDS is empty', info!.start);
        for (const l of locs) {
          const [url, lang, more] = seq(l, 'PdsLocation');
          if (!lang || more) throw new DerError('PdsLocation: expected url and language', l.start);
          const u = expectTag(url, TAG.IA5String, 'PdsLocation url');
          if (decodeStringNode(v, u)!.invalid) throw new DerError('PdsLocation url is not ASCII', u.start);
          printable(v, lang, 'PdsLocation language', 2);
        }
        break;
      }
      case QC.type: {
        const types = seq(expectPresent(info, what), 'QcType');
        if (types.length === 0) throw new DerError('QcType is empty', info!.start);
        for (const t of types) readOid(v, t, 'QcType');
        break;
      }
      case QC.ccLegislation: {
        const codes = seq(expectPresent(info, what), 'QcCClegislation');
        if (codes.length === 0) throw new DerError('QcCClegislation is empty', info!.start);
        for (const c of codes) printable(v, c, 'QcCClegislation country', 2);
        break;
      }
      case QC.pkixSyntaxV1: case QC.pkixSyntaxV2: {
        if (id === QC.pkixSyntaxV1) {
          ctx.sink.add('rfc5280.qc_statement_obsolete', 'The qcStatements use id-qcs-pkixQCSyntax-v1, which RFC 3739 replaced by id-qcs-pkixQCSyntax-v2.', p);
        }
        if (!info) break;
        const parts = seq(info, 'SemanticsInformation');
        if (parts.length === 0) throw new DerError('SemanticsInformation is empty', info.start);
        let k = 0;
        if (parts[k]?.tag === TAG.OID) { readOid(v, parts[k], 'semanticsIdentifier'); k++; }
        if (parts[k]) { lintGeneralNames(ctx, v, expectTag(parts[k], TAG.SEQUENCE, 'nameRegistrationAuthorities'), `${p}.nameRegistrationAuthorities`); k++; }
        if (parts[k]) throw new DerError('SemanticsInformation: unexpected component', parts[k]!.start);
        break;
      }
      case QC.psd2: {
        const [roles, ncaName, ncaId, more] = seq(expectPresent(info, what), 'PSD2QcType');
        if (!ncaId || more) throw new DerError('PSD2QcType: expected rolesOfPSP, nCAName, nCAId', info!.start);
        for (const r of seq(roles!, 'RolesOfPSP')) {
          const [rid, rname, rmore] = seq(r, 'RoleOfPSP');
          if (!rname || rmore) throw new DerError('RoleOfPSP: expected roleOfPspOid and roleOfPspName', r.start);
          readOid(v, rid, 'roleOfPspOid');
          utf8(v, rname, 'roleOfPspName');
        }
        utf8(v, ncaName, 'nCAName');
        utf8(v, ncaId, 'nCAId');
        break;
      }
      default:
        break;
    }
  });
};

function expectPresent(n: DerNode | undefined, what: string): DerNode {
  if (!n) throw new DerError(`${what} must have a statementInfo`, 0);
  return n;
}

const HANDLERS: Record<string, Handler> = {
  [OID.basicConstraints]: basicConstraints,
  [OID.keyUsage]: keyUsage,
  [OID.extKeyUsage]: extKeyUsage,
  [OID.subjectKeyIdentifier]: subjectKeyIdentifier,
  [OID.authorityKeyIdentifier]: authorityKeyIdentifier,
  [OID.subjectAltName]: subjectAltName,
  [OID.issuerAltName]: issuerAltName,
  [OID.crlDistributionPoints]: distributionPoints(true),
  [OID.freshestCrl]: distributionPoints(false),
  [OID.authorityInfoAccess]: accessDescriptions(true),
  [OID.subjectInfoAccess]: accessDescriptions(false),
  [OID.certificatePolicies]: certificatePolicies,
  [OID.policyMappings]: policyMappings,
  [OID.nameConstraints]: nameConstraints,
  [OID.policyConstraints]: policyConstraints,
  [OID.inhibitAnyPolicy]: inhibitAnyPolicy,
  [OID.ocspNoCheck]: nullValue,
  [OID.qcStatements]: qcStatements,
  [OID.privateKeyUsagePeriod]: privateKeyUsagePeriod,
  [LOID.ctPoison]: nullValue,
  [LOID.ctSctList]: sctList,
  [LOID.subjectDirectoryAttributes]: subjectDirectoryAttributes,
};

/** Criticality rules: extension → [code, must be critical?]. */
const CRITICALITY: Record<string, [LintCode, boolean]> = {
  [OID.authorityKeyIdentifier]: ['rfc5280.aki_critical', false],
  [OID.subjectKeyIdentifier]: ['rfc5280.ski_critical', false],
  [OID.keyUsage]: ['rfc5280.key_usage_not_critical', true],
  [OID.policyMappings]: ['rfc5280.policy_mappings_not_critical', true],
  [OID.issuerAltName]: ['rfc5280.issuer_alt_name_critical', false],
  [LOID.subjectDirectoryAttributes]: ['rfc5280.subject_directory_attributes_critical', false],
  [OID.nameConstraints]: ['rfc5280.name_constraints_not_critical', true],
  [OID.policyConstraints]: ['rfc5280.policy_constraints_not_critical', true],
  [OID.crlDistributionPoints]: ['rfc5280.crldp_critical', false],
  [OID.inhibitAnyPolicy]: ['rfc5280.inhibit_any_policy_not_critical', true],
  [OID.freshestCrl]: ['rfc5280.freshest_crl_critical', false],
  [OID.authorityInfoAccess]: ['rfc5280.aia_critical', false],
  [OID.subjectInfoAccess]: ['rfc5280.sia_critical', false],
  [OID.privateKeyUsagePeriod]: ['rfc5280.private_key_usage_period_critical', false],
  [LOID.ctPoison]: ['rfc5280.ct_poison_not_critical', true],
  [OID.ocspNoCheck]: ['rfc5280.ocsp_nocheck_critical', false],
};

/**
 * Lints the `[3] EXPLICIT Extensions` field (RFC 5280 §4.1, §4.2) and every extension in it,
 * filling ctx.facts.extensions and the per-extension facts.
 */
export function lintExtensions(ctx: LintContext, buf: Uint8Array, tagged: DerNode): void {
  const sink = ctx.sink;
  const [extsNode, extra] = tagged.children ?? [];
  if (!tagged.constructed || !extsNode || extra) throw new DerError('extensions: [3] must hold one SEQUENCE', tagged.start);
  const exts = seq(extsNode, 'Extensions');
  if (exts.length === 0) sink.add('rfc5280.extensions_empty', 'The extensions field is present but empty, which SIZE (1..MAX) forbids.', 'extensions');
  const seen = new Set<string>();
  for (const ext of exts) {
    const parts = seq(ext, 'Extension');
    const oid = readOid(buf, parts[0], 'extnID');
    const name = extensionName(oid);
    const path = `extensions.${name}`;
    let i = 1;
    let critical = false;
    if (parts[i]?.tag === TAG.BOOLEAN) {
      const b = readBoolean(buf, parts[i], 'critical');
      if (!b.der) sink.add('rfc5280.der_boolean_not_ff', `The critical flag of ${name} is not encoded as 0xFF.`, path);
      if (!b.value) sink.add('rfc5280.der_default_value_encoded', `The critical flag of ${name} encodes its DEFAULT FALSE, which DER forbids.`, path);
      critical = b.value;
      i++;
    }
    const octets = expectTag(parts[i], TAG.OCTET_STRING, `${name}: extnValue`);
    if (parts[i + 1]) throw new DerError(`${name}: Extension has too many components`, parts[i + 1]!.start);
    if (seen.has(oid)) sink.add('rfc5280.extension_duplicate', `The ${name} extension appears more than once.`, path);
    seen.add(oid);
    const fact: ExtensionFact = { oid, critical, value: contentOf(buf, octets) };
    ctx.facts.extensions.push(fact);
    if (critical && !KNOWN_EXTENSIONS[oid]) {
      sink.add('rfc5280.extension_unknown_critical', `The critical extension ${oid} is not one kyso recognises; relying parties would reject the certificate.`, path);
    }
    const rule = CRITICALITY[oid];
    if (rule && rule[1] !== critical) {
      sink.add(rule[0], `The ${name} extension ${rule[1] ? 'must be marked critical' : 'must not be marked critical'}.`, path);
    }
  }
  // Decode each known extension once (the first occurrence).
  for (const fact of ctx.facts.extensions) {
    if (fact !== ctx.facts.extensions.find((f) => f.oid === fact.oid)) continue;
    const path = `extensions.${extensionName(fact.oid)}`;
    try {
      fact.node = parseWhole(fact.value);
    } catch (err) {
      fact.invalid = true;
      sink.add('rfc5280.extension_value_invalid', `The ${extensionName(fact.oid)} extension value is not valid DER: ${(err as Error).message}.`, path);
      continue;
    }
    const handler = HANDLERS[fact.oid];
    if (!handler) continue;
    try {
      handler(ctx, fact, fact.value, fact.node, path);
    } catch (err) {
      if (!(err instanceof DerError)) throw err;
      fact.invalid = true;
      sink.add('rfc5280.extension_value_invalid', `The ${extensionName(fact.oid)} extension value does not match its ASN.1 definition: ${err.message}.`, path);
    }
  }
}
