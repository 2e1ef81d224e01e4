/**
 * Public-key and signature-algorithm lints: SubjectPublicKeyInfo (RFC 5280 §4.1.2.7; RFC 3279
 * §2.3; RFC 4055 §1.2; RFC 5480 §2; RFC 8410 §4; RFC 9881), AlgorithmIdentifier parameters
 * (RFC 4055 §5, RFC 5758 §3.2, RFC 8410 §3), RSASSA-PSS parameters (RFC 4055 §3.1), and key usage
 * versus key type.
 */
import type { KeyUsageName } from '../../x509/certificate.ts';
import { OID } from '../../x509/oids.ts';
import { hashFromOid, hashLength } from '../../x509/algorithms.ts';
import { equalBytes } from '../../asn1/der.ts';
import type { LintContext, PublicKeyFact } from './context.ts';
import {
  bytesOf, DerError, expectTag, isNull, parseWhole, readBitString, readInteger, readOid, TAG, type DerNode,
} from './der-tree.ts';
import {
  EDWARDS_KEY_LENGTH, isObsoletePqcOid, LOID, PQC, SIG_PARAMS_ABSENT, SIG_PARAMS_NULL, SIG_WEAK, SPKI_PARAMS_ABSENT,
} from './lint-oids.ts';

const CURVES: Record<string, { name: string; bytes: number }> = {
  [OID.secp256r1]: { name: 'P-256', bytes: 32 },
  [OID.secp384r1]: { name: 'P-384', bytes: 48 },
  [OID.secp521r1]: { name: 'P-521', bytes: 66 },
};

function bitLength(v: bigint): number {
  return v <= 0n ? 0 : v.toString(2).length;
}

/** The key kind of a DER SubjectPublicKeyInfo (algorithm only), for signature/key matching. */
export function keyKindOfSpki(spki: Uint8Array): { kind: PublicKeyFact['kind']; algorithm: string } | undefined {
  try {
    const root = parseWhole(spki);
    const alg = root.children?.[0]?.children?.[0];
    const oid = readOid(spki, alg, 'algorithm');
    return { kind: kindOf(oid), algorithm: oid };
  } catch {
    return undefined;
  }
}

function kindOf(oid: string): PublicKeyFact['kind'] {
  if (oid === OID.rsaEncryption) return 'rsa';
  if (oid === OID.rsassaPss) return 'rsa-pss';
  if (oid === OID.ecPublicKey) return 'ec';
  if (oid === OID.ed25519 || oid === LOID.ed448) return 'edwards-sig';
  if (oid === LOID.x25519 || oid === LOID.x448) return 'edwards-kex';
  if (oid === LOID.dsaKey) return 'dsa';
  const pqc = PQC[oid];
  if (pqc) return pqc.family;
  return 'other';
}

/** Lints the SubjectPublicKeyInfo and records what it holds in ctx.facts.publicKey. */
export function lintPublicKey(ctx: LintContext, buf: Uint8Array, spki: DerNode): void {
  const sink = ctx.sink;
  const path = 'subjectPublicKeyInfo';
  expectTag(spki, TAG.SEQUENCE, 'SubjectPublicKeyInfo');
  const [algNode, keyNode, extra] = spki.children ?? [];
  if (!keyNode || extra) throw new DerError('SubjectPublicKeyInfo: expected algorithm and subjectPublicKey', spki.start);
  expectTag(algNode, TAG.SEQUENCE, 'SubjectPublicKeyInfo.algorithm');
  const [oidNode, params, extraAlg] = algNode!.children ?? [];
  if (extraAlg) throw new DerError('AlgorithmIdentifier: too many components', algNode!.start);
  const oid = readOid(buf, oidNode, 'SubjectPublicKeyInfo.algorithm');
  const bits = readBitString(buf, keyNode, 'subjectPublicKey');
  const kind = kindOf(oid);
  const fact: PublicKeyFact = { algorithm: oid, kind };
  ctx.facts.publicKey = fact;
  if (bits.unusedBits !== 0) {
    sink.add('rfc5280.der_invalid', 'The subjectPublicKey BIT STRING has unused bits, which no key encoding uses.', path);
    return;
  }
  const key = bits.bytes;

  if (SPKI_PARAMS_ABSENT.has(oid) && params) {
    sink.add('rfc5280.public_key_parameters_not_absent', `The public key algorithm ${PQC[oid]?.name ?? oid} must have absent parameters.`, `${path}.algorithm`);
  }

  if (kind === 'rsa' || kind === 'rsa-pss') {
    if (kind === 'rsa' && !isNull(params)) {
      sink.add('rfc5280.rsa_parameters_not_null', 'The rsaEncryption AlgorithmIdentifier parameters must be NULL.', `${path}.algorithm`);
    }
    if (kind === 'rsa-pss' && params) lintPssParams(ctx, buf, params, `${path}.algorithm`);
    lintRsaKey(ctx, key, fact);
    return;
  }
  if (kind === 'ec') {
    if (!params) {
      sink.add('rfc5280.ec_curve_not_allowed', 'The EC public key has no curve parameters; RFC 5480 requires a namedCurve.', `${path}.algorithm`);
      return;
    }
    if (params.tag !== TAG.OID) {
      sink.add('rfc5280.ec_curve_not_allowed', `The EC public key uses ${params.tag === TAG.NULL ? 'implicitCurve' : 'specifiedCurve'}; RFC 5480 §2.1.1 requires a namedCurve.`, `${path}.algorithm`);
      return;
    }
    const curveOid = readOid(buf, params, 'namedCurve');
    const curve = CURVES[curveOid];
    if (!curve) {
      fact.curve = curveOid;
      sink.add('rfc5280.ec_curve_not_allowed', `The EC curve ${curveOid} is not P-256, P-384 or P-521.`, `${path}.algorithm`);
      return;
    }
    fact.curve = curve.name;
    fact.bits = curve.bytes === 66 ? 521 : curve.bytes * 8;
    const ok = (key[0] === 0x04 && key.length === 1 + 2 * curve.bytes)
      || ((key[0] === 0x02 || key[0] === 0x03) && key.length === 1 + curve.bytes);
    if (!ok) sink.add('rfc5280.ec_point_invalid', `The EC public key is not a valid ${curve.name} point encoding (RFC 5480 §2.2).`, path);
    return;
  }
  if (kind === 'edwards-sig' || kind === 'edwards-kex') {
    const want = EDWARDS_KEY_LENGTH[oid]!;
    if (key.length !== want) sink.add('rfc5280.public_key_invalid_length', `The public key is ${key.length} octets long; this algorithm's keys are ${want} octets (RFC 8410 §4).`, path);
    return;
  }
  const pqc = PQC[oid];
  if (pqc) {
    if (key.length !== pqc.publicKeyLength) {
      sink.add('rfc5280.public_key_invalid_length', `The ${pqc.name} public key is ${key.length} octets long instead of ${pqc.publicKeyLength}.`, path);
    }
    return;
  }
  if (kind === 'dsa') {
    sink.add('rfc5280.public_key_obsolete_algorithm', 'DSA keys are no longer approved for signing new data (FIPS 186-5).', path);
    return;
  }
  if (isObsoletePqcOid(oid)) {
    sink.add('rfc5280.public_key_obsolete_algorithm', `The public key algorithm ${oid} is a pre-standard post-quantum identifier; use the FIPS 203/204/205 identifiers.`, path);
    return;
  }
  sink.add('rfc5280.public_key_algorithm_unknown', `The public key algorithm ${oid} is not one the linter can check.`, path);
}

function lintRsaKey(ctx: LintContext, key: Uint8Array, fact: PublicKeyFact): void {
  const sink = ctx.sink;
  const path = 'subjectPublicKeyInfo';
  let n: bigint;
  let e: bigint;
  try {
    const seq = expectTag(parseWhole(key), TAG.SEQUENCE, 'RSAPublicKey');
    const [nNode, eNode, extra] = seq.children ?? [];
    if (!eNode || extra) throw new DerError('RSAPublicKey: expected modulus and publicExponent', seq.start);
    n = readInteger(key, nNode, 'modulus');
    e = readInteger(key, eNode, 'publicExponent');
  } catch (err) {
    sink.add('rfc5280.rsa_key_invalid', `The RSA public key is not a valid DER RSAPublicKey: ${(err as Error).message}.`, path);
    return;
  }
  fact.bits = bitLength(n);
  if (n <= 0n || n % 2n === 0n) {
    sink.add('rfc5280.rsa_key_invalid', 'The RSA modulus is not a positive odd integer.', path);
  } else if (fact.bits < 2048) {
    sink.add('rfc5280.rsa_key_too_small', `The RSA key has ${fact.bits} bits; new certificates need at least 2048 bits.`, path);
  }
  if (e < 3n || e % 2n === 0n) {
    sink.add('rfc5280.rsa_exponent_invalid', `The RSA public exponent ${e} is not an odd integer of at least 3.`, path);
  } else if (e < 65537n || e >= 1n << 256n) {
    sink.add('rfc5280.rsa_exponent_unusual', `The RSA public exponent ${e} is outside 65537 ≤ e < 2^256.`, path);
  }
}

interface PssParams { hash?: string; mgf?: string; mgfHash?: string; salt: number; trailer: number }

/** RFC 4055 §3.1 RSASSA-PSS-params; reports DER defaults and mismatches. */
function lintPssParams(ctx: LintContext, buf: Uint8Array, params: DerNode, path: string): PssParams | undefined {
  const sink = ctx.sink;
  const out: PssParams = { salt: 20, trailer: 1 };
  try {
    expectTag(params, TAG.SEQUENCE, 'RSASSA-PSS-params');
    for (const f of params.children ?? []) {
      if (f.cls !== 2 || !f.constructed || f.children?.length !== 1) throw new DerError('RSASSA-PSS-params: unexpected field', f.start);
      const inner = f.children[0]!;
      if (f.num === 0) {
        const alg = expectTag(inner, TAG.SEQUENCE, 'hashAlgorithm');
        out.hash = readOid(buf, alg.children?.[0], 'hashAlgorithm');
        if (out.hash === OID.sha1) sink.add('rfc5280.der_default_value_encoded', 'RSASSA-PSS-params encodes the default hashAlgorithm sha1.', path);
      } else if (f.num === 1) {
        const alg = expectTag(inner, TAG.SEQUENCE, 'maskGenAlgorithm');
        out.mgf = readOid(buf, alg.children?.[0], 'maskGenAlgorithm');
        const h = alg.children?.[1];
        if (h) out.mgfHash = readOid(buf, expectTag(h, TAG.SEQUENCE, 'MGF1 hash').children?.[0], 'MGF1 hash');
      } else if (f.num === 2) {
        out.salt = Number(readInteger(buf, inner, 'saltLength'));
        if (out.salt === 20) sink.add('rfc5280.der_default_value_encoded', 'RSASSA-PSS-params encodes the default saltLength 20.', path);
      } else if (f.num === 3) {
        out.trailer = Number(readInteger(buf, inner, 'trailerField'));
        if (out.trailer === 1) sink.add('rfc5280.der_default_value_encoded', 'RSASSA-PSS-params encodes the default trailerField 1.', path);
      } else throw new DerError('RSASSA-PSS-params: unexpected field', f.start);
    }
  } catch (err) {
    sink.add('rfc5280.rsassa_pss_parameters', `The RSASSA-PSS parameters are not valid: ${(err as Error).message}.`, path);
    return undefined;
  }
  const hashOid = out.hash ?? OID.sha1;
  const hash = hashFromOid(hashOid);
  if (!hash) {
    sink.add('rfc5280.rsassa_pss_parameters', `The RSASSA-PSS hash ${hashOid} is not a SHA-1/SHA-2 hash.`, path);
    return out;
  }
  if (hash === 'SHA-1') sink.add('rfc5280.signature_algorithm_weak', 'The RSASSA-PSS parameters use SHA-1.', path);
  if ((out.mgf ?? OID.mgf1) !== OID.mgf1) sink.add('rfc5280.rsassa_pss_parameters', 'The RSASSA-PSS mask generation function is not MGF1.', path);
  else if ((out.mgfHash ?? OID.sha1) !== hashOid) sink.add('rfc5280.rsassa_pss_parameters', 'The RSASSA-PSS MGF1 hash differs from the message hash.', path);
  if (out.trailer !== 1) sink.add('rfc5280.rsassa_pss_parameters', `The RSASSA-PSS trailerField is ${out.trailer}; it must be 1.`, path);
  if (out.salt !== hashLength(hash)) {
    sink.add('rfc5280.rsassa_pss_parameters', `The RSASSA-PSS salt length ${out.salt} differs from the ${hash} output length ${hashLength(hash)}.`, path, 'warning');
  }
  return out;
}

/** Lints one signature AlgorithmIdentifier (tbsCertificate.signature or signatureAlgorithm). */
function lintSignatureAlgorithmId(ctx: LintContext, buf: Uint8Array, alg: DerNode, path: string, reportWeak: boolean): string {
  const sink = ctx.sink;
  expectTag(alg, TAG.SEQUENCE, `${path}: AlgorithmIdentifier`);
  const [oidNode, params, extra] = alg.children ?? [];
  if (extra) throw new DerError(`${path}: AlgorithmIdentifier has too many components`, alg.start);
  const oid = readOid(buf, oidNode, `${path}: algorithm`);
  if (SIG_PARAMS_ABSENT.has(oid) && params) {
    sink.add('rfc5280.signature_algorithm_parameters', `The ${path} algorithm ${oid} must have absent parameters, but they are present.`, path);
  }
  if (SIG_PARAMS_NULL.has(oid) && !isNull(params)) {
    sink.add('rfc5280.signature_algorithm_parameters', `The ${path} algorithm ${oid} must have NULL parameters.`, path);
  }
  if (oid === OID.rsassaPss) {
    if (!params) sink.add('rfc5280.rsassa_pss_parameters', `The ${path} RSASSA-PSS algorithm has no parameters.`, path);
    else lintPssParams(ctx, buf, params, path);
  }
  if (reportWeak && SIG_WEAK[oid]) {
    sink.add('rfc5280.signature_algorithm_weak', `The certificate is signed with ${SIG_WEAK[oid]}, which is broken for signatures.`, path);
  }
  if (reportWeak && !SIG_PARAMS_ABSENT.has(oid) && !SIG_PARAMS_NULL.has(oid) && oid !== OID.rsassaPss && !SIG_WEAK[oid]) {
    sink.add('rfc5280.signature_algorithm_unknown', `The signature algorithm ${oid} is not one the linter can check.`, path);
  }
  return oid;
}

/** RFC 5280 §4.1.1.2: the two signature AlgorithmIdentifiers must be identical. */
export function lintSignatureAlgorithms(ctx: LintContext, buf: Uint8Array, tbsSig: DerNode, outerSig: DerNode): void {
  const outer = lintSignatureAlgorithmId(ctx, buf, outerSig, 'signatureAlgorithm', true);
  ctx.facts.signatureOid = outer;
  if (!equalBytes(bytesOf(buf, tbsSig), bytesOf(buf, outerSig))) {
    ctx.sink.add('rfc5280.signature_algorithm_mismatch', 'The tbsCertificate signature AlgorithmIdentifier differs from the outer signatureAlgorithm.', 'signatureAlgorithm');
    lintSignatureAlgorithmId(ctx, buf, tbsSig, 'tbsCertificate.signature', false);
  }
}

/** Which signer key kinds a signature algorithm needs. */
function signerKinds(sigOid: string): PublicKeyFact['kind'][] | undefined {
  if (SIG_PARAMS_NULL.has(sigOid) || sigOid === '1.3.14.3.2.29') return ['rsa'];
  if (sigOid === OID.rsassaPss) return ['rsa', 'rsa-pss'];
  if (sigOid.startsWith('1.2.840.10045.4.')) return ['ec'];
  if (sigOid === OID.ed25519 || sigOid === LOID.ed448) return ['edwards-sig'];
  if (sigOid === OID.dsaWithSHA1 || sigOid === OID.dsaWithSHA256) return ['dsa'];
  const pqc = PQC[sigOid];
  if (pqc) return [pqc.family];
  return undefined;
}

/** The signature algorithm must suit the signer's key (the issuer's, or the subject's when self-signed). */
export function lintSignatureKeyMatch(ctx: LintContext): void {
  const sigOid = ctx.facts.signatureOid;
  if (!sigOid) return;
  let signer: { kind: PublicKeyFact['kind']; algorithm: string } | undefined;
  let who = '';
  if (ctx.opts.issuer) {
    signer = keyKindOfSpki(ctx.opts.issuer.spki);
    who = "issuer's";
  } else if (ctx.facts.selfIssued && ctx.facts.publicKey) {
    const aki = ctx.facts.aki?.keyIdentifier;
    const ski = ctx.facts.ski;
    if (aki && ski && !equalBytes(aki, ski)) return; // self-issued, not self-signed
    signer = { kind: ctx.facts.publicKey.kind, algorithm: ctx.facts.publicKey.algorithm };
    who = "certificate's own";
  }
  if (!signer || signer.kind === 'other') return;
  const kinds = signerKinds(sigOid);
  if (!kinds) return;
  const pqcMismatch = PQC[sigOid] !== undefined && signer.algorithm !== sigOid;
  const edMismatch = (sigOid === OID.ed25519 || sigOid === LOID.ed448) && signer.algorithm !== sigOid;
  if (!kinds.includes(signer.kind) || pqcMismatch || edMismatch) {
    ctx.sink.add('rfc5280.signature_algorithm_key_mismatch', `The signature algorithm ${sigOid} does not match the ${who} ${signer.algorithm} key.`, 'signatureAlgorithm');
  }
}

const ALL_KU: KeyUsageName[] = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];
const SIGN_KU: KeyUsageName[] = ['digitalSignature', 'nonRepudiation', 'keyCertSign', 'cRLSign'];

/** Key usage bits each key kind may carry. */
const KU_ALLOWED: Partial<Record<PublicKeyFact['kind'], { bits: KeyUsageName[]; ref: string }>> = {
  'rsa': { bits: ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyCertSign', 'cRLSign'], ref: 'RFC 3279 §2.3.1' },
  'rsa-pss': { bits: SIGN_KU, ref: 'RFC 4055 §1.2' },
  'ec': { bits: ['digitalSignature', 'nonRepudiation', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'], ref: 'RFC 5480 §3' },
  'edwards-sig': { bits: SIGN_KU, ref: 'RFC 8410 §5' },
  'edwards-kex': { bits: ['keyAgreement', 'encipherOnly', 'decipherOnly'], ref: 'RFC 8410 §5' },
  'dsa': { bits: SIGN_KU, ref: 'RFC 3279 §2.3.2' },
  'ml-dsa': { bits: SIGN_KU, ref: 'RFC 9881' },
  'slh-dsa': { bits: SIGN_KU, ref: 'draft-ietf-lamps-x509-slhdsa' },
  'hash-ml-dsa': { bits: ['digitalSignature', 'nonRepudiation'], ref: 'HashML-DSA keys sign no certificates or CRLs' },
  'hash-slh-dsa': { bits: ['digitalSignature', 'nonRepudiation'], ref: 'HashSLH-DSA keys sign no certificates or CRLs' },
  'ml-kem': { bits: ['keyEncipherment'], ref: 'draft-ietf-lamps-kyber-certificates' },
};

/** Key usage versus the subject key type; pre-hash keys in CA certificates. */
export function lintKeyUsageForKey(ctx: LintContext): void {
  const key = ctx.facts.publicKey;
  if (!key) return;
  if ((key.kind === 'hash-ml-dsa' || key.kind === 'hash-slh-dsa') && ctx.isCa) {
    ctx.sink.add('rfc5280.public_key_prehash_in_ca', `A CA certificate carries a pre-hash (${PQC[key.algorithm]?.name ?? key.algorithm}) key, which cannot sign certificates or CRLs.`, 'subjectPublicKeyInfo');
  }
  const ku = ctx.facts.keyUsage;
  const allowed = KU_ALLOWED[key.kind];
  if (!ku || !allowed) return;
  const bad = ALL_KU.filter((b) => ku.bits.has(b) && !allowed.bits.includes(b));
  if (bad.length > 0) {
    ctx.sink.add('rfc5280.key_usage_inconsistent_with_key', `Key usage ${bad.join(', ')} is not allowed for ${key.kind.toUpperCase()} keys (${allowed.ref}).`, 'extensions.keyUsage');
  }
  if (key.kind === 'edwards-kex' && !ku.bits.has('keyAgreement')) {
    ctx.sink.add('rfc5280.key_usage_inconsistent_with_key', 'An X25519/X448 key must assert keyAgreement (RFC 8410 §5).', 'extensions.keyUsage');
  }
}
