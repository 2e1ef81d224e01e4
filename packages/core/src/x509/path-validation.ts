/**
 * Certification path validation — RFC 5280 §6.1 (basic path validation) with §6.3 (CRL
 * validation), on paths built from an untrusted bag of certificates (see path-building.ts).
 *
 * What is implemented, by clause:
 * - §6.1.1 inputs: trust anchors given as certificates (name + key, DSA parameters included);
 *   user-initial-policy-set, initial-explicit-policy, initial-policy-mapping-inhibit,
 *   initial-any-policy-inhibit; validation time.
 * - §6.1.3 (a) signature (with DSA parameter inheritance, §6.1.4 (d)-(f)), validity, revocation
 *   (§6.3), name chaining (§7.1 comparison); (b)-(c) name constraints; (d)-(f) policies.
 * - §6.1.4 (a)-(o) preparation for the next certificate; §6.1.5 (a)-(g) wrap-up.
 * - §6.3.3 CRL processing: distribution points and issuing distribution points, reason masks,
 *   indirect CRLs (cRLIssuer / certificateIssuer), delta CRLs, CRL signer paths validated to the
 *   same trust anchor (including CRL signing keys distinct from the certificate signing key).
 *
 * Documented choices beyond the letter of §6.1:
 * - Trust anchor constraints (RFC 5937 style): the anchor certificate's pathLenConstraint and
 *   nameConstraints are enforced; its validity, policies and other extensions are not (except
 *   in the Web PKI profile below). The anchor's own signature is never checked.
 * - When `initialPolicySet` does not contain anyPolicy, an empty user-constrained-policy-set makes
 *   the path invalid (the caller asked for those policies; this is how NIST PKITS scores paths).
 * - `maxPathLength` bounds the number of non-self-issued intermediate certificates.
 * - v1/v2 intermediates are refused (§6.1.4 (k): no out-of-band CA recognition).
 * - Revocation entries dated after `at` are ignored unless the reason is a key compromise,
 *   CA compromise, AA compromise, unspecified or absent.
 * - Extensions must be well formed and not duplicated (§4.2); tbsCertificate.signature must equal
 *   signatureAlgorithm (§4.1.1.2); an empty issuer, an empty subject in a CA certificate, and a
 *   nameConstraints extension in an end-entity certificate are refused (§4.1.2.4, §4.1.2.6, §4.2.1.10).
 * - requiredExtendedKeyUsage: the target's extKeyUsage (when present) must list it, or
 *   anyExtendedKeyUsage outside the Web PKI profile; every intermediate that carries extKeyUsage
 *   must also list it or anyExtendedKeyUsage ("EKU chaining", as OpenSSL/webpki do).
 * - Web PKI profile: when `peerName` is given (TLS server validation, as x509-limbo SERVER cases),
 *   the CA/Browser Forum Baseline Requirements checks that webpki-style verifiers apply are added
 *   (see `webPkiProblems`): v3 only, serial numbers positive and ≤ 20 octets, key identifiers,
 *   critical basicConstraints in CA certificates, cA and keyCertSign consistent (§4.2.1.3, §4.2.1.9),
 *   subjectAltName required in the end entity, no critical extKeyUsage, no anyExtendedKeyUsage in the
 *   end entity, RSA ≥ 2048 / P-256,
 *   P-384, P-521 keys only, SHA-2 signatures only, and checks of the trust anchor certificate itself
 *   (validity, critical basicConstraints with cA, keyCertSign, SKI, AKI shape, no extKeyUsage,
 *   no unknown critical extension). The peer name is matched against subjectAltName only
 *   (no common-name fallback), with a wildcard allowed only as a whole left-most label.
 */
import type { CryptoPort } from '../ports.ts';
import { equalBytes } from '../asn1/der.ts';
import { decodeSignatureAlgorithmDer, describePublicKey } from './algorithms.ts';
import type { ParsedCertificate } from './certificate.ts';
import { ALL_REASON_BITS, CRL_REASONS, findRevokedEntry, parseCrl, verifyCrlSignature, type DistributionPoint, type DistributionPointName, type ParsedCrl, type RevokedEntry } from './crl.ts';
import { loadCertInfo, PROCESSED_EXTENSIONS, spkiParameters, spkiWithParameters, type CertInfo } from './extensions.ts';
import { generalNamesEqual, parseIpAddress, type GeneralName } from './general-names.ts';
import { isValidDnsName, NameConstraintsState } from './name-constraints.ts';
import { appendRdn, emailAddresses, type DistinguishedName } from './name-matching.ts';
import { OID } from './oids.ts';
import { buildPaths, CertIndex, type BuildDeadEnd } from './path-building.ts';
import { ANY_POLICY, PolicyTree, PolicyTreeTooLarge } from './policy-tree.ts';

/** Inputs of RFC 5280 §6.1.1 plus path-building, revocation and TLS options. */
export interface PathValidationOptions {
  /** DER end-entity (or any) certificate. */
  target: Uint8Array;
  /** DER certificates used as trust anchors (§6.1.1 (d): name + key; see the module comment for constraints). */
  trustAnchors: Uint8Array[];
  /** Untrusted bag, any order; unparsable ones are ignored. */
  intermediates?: Uint8Array[];
  /** DER CRLs; unparsable ones are ignored. */
  crls?: Uint8Array[];
  /** Validation time (§6.1.1 (b)). */
  at: Date;
  crypto: CryptoPort;
  /** §6.1.1 (c) user-initial-policy-set; default [anyPolicy]. */
  initialPolicySet?: string[];
  /** §6.1.1 (f) */
  initialExplicitPolicy?: boolean;
  /** §6.1.1 (e) */
  initialPolicyMappingInhibit?: boolean;
  /** §6.1.1 (g) */
  initialAnyPolicyInhibit?: boolean;
  /**
   * require-crl: every certificate of the path below the anchor must have its status determined
   * by valid CRLs (§6.3; NIST PKITS mode). use-crls: the §6.3 check runs for a certificate when a
   * CRL from its CRL issuer is among `crls`. none: no revocation checking (default).
   */
  revocation?: 'require-crl' | 'use-crls' | 'none';
  /** OID the target must allow (§4.2.1.12); also required of intermediates that carry extKeyUsage. */
  requiredExtendedKeyUsage?: string;
  /** TLS server identity to match against the target's subjectAltName; turns on the Web PKI profile. */
  peerName?: { kind: 'dns' | 'ip' | 'email'; value: string };
  /** Maximum number of non-self-issued intermediate certificates; default 10. */
  maxPathLength?: number;
}

/** Outcome of `validatePath` (RFC 5280 §6.1.6 outputs plus a machine-readable failure). */
export interface PathValidationResult {
  valid: boolean;
  /** Stable machine code when invalid (see PathValidationCode). */
  code?: string;
  /** One human sentence naming the certificate (subject) and the problem. */
  reason?: string;
  /** Target first … last before the anchor, then the anchor (the path that validated, or the best attempt). */
  path: ParsedCertificate[];
  revocation?: { serialHex: string; reason?: string; revokedAt?: Date };
  /** §6.1.5 (g) / PKITS user-constrained-policy-set (OIDs; anyPolicy when any policy is acceptable). */
  userConstrainedPolicySet?: string[];
  /** §6.1.6 valid_policy_tree after wrap-up (plain object), or null. */
  validPolicyTree?: unknown;
}

/** The codes `validatePath` returns. */
export type PathValidationCode =
  | 'NO_PATH' | 'SIGNATURE_INVALID' | 'UNSUPPORTED_ALGORITHM' | 'EXPIRED' | 'NOT_YET_VALID' | 'REVOKED'
  | 'CRL_MISSING' | 'NOT_A_CA' | 'PATH_LENGTH' | 'KEY_USAGE' | 'NAME_CONSTRAINTS' | 'POLICY'
  | 'UNKNOWN_CRITICAL_EXTENSION' | 'EKU' | 'NAME_MISMATCH' | 'MALFORMED' | 'NAME_CHAINING' | 'PROFILE';

interface Failure {
  code: PathValidationCode;
  reason: string;
  revocation?: PathValidationResult['revocation'];
}

interface Success {
  userConstrainedPolicySet: string[];
  tree: unknown;
}

interface PolicyInputs {
  initialPolicySet: string[];
  explicit: boolean;
  mappingInhibit: boolean;
  anyInhibit: boolean;
}

const DEFAULT_POLICY: PolicyInputs = { initialPolicySet: [ANY_POLICY], explicit: false, mappingInhibit: false, anyInhibit: false };
const MAX_CRL_SIGNER_DEPTH = 4;

// ---------------------------------------------------------------------------------------------
// Caches: parsed CRLs per Uint8Array object; signature results per crypto port and certificate.

const crlCache = new WeakMap<Uint8Array, ParsedCrl | null>();
function loadCrl(der: Uint8Array): ParsedCrl | null {
  let c = crlCache.get(der);
  if (c === undefined) {
    try { c = parseCrl(der); } catch { c = null; }
    crlCache.set(der, c);
  }
  return c;
}

type SigOutcome = true | 'bad-signature' | 'algorithm-mismatch' | 'unsupported';
const sigCache = new WeakMap<CryptoPort, WeakMap<CertInfo, WeakMap<Uint8Array, SigOutcome>>>();

function verifyCertSignature(crypto: CryptoPort, cert: CertInfo, spki: Uint8Array): SigOutcome {
  let perCrypto = sigCache.get(crypto);
  if (!perCrypto) { perCrypto = new WeakMap(); sigCache.set(crypto, perCrypto); }
  let perCert = perCrypto.get(cert);
  if (!perCert) { perCert = new WeakMap(); perCrypto.set(cert, perCert); }
  let r = perCert.get(spki);
  if (r === undefined) {
    r = computeSignature(crypto, cert, spki);
    perCert.set(spki, r);
  }
  return r;
}

function computeSignature(crypto: CryptoPort, cert: CertInfo, spki: Uint8Array): SigOutcome {
  // §4.1.1.2: the signature field of the TBSCertificate MUST equal signatureAlgorithm.
  if (!equalBytes(cert.tbsSignatureAlgorithmDer, cert.signatureAlgorithmDer)) return 'algorithm-mismatch';
  let algorithm;
  try {
    algorithm = decodeSignatureAlgorithmDer(cert.cert.signatureAlgorithmDer);
  } catch {
    return 'unsupported';
  }
  try {
    return crypto.verify({ algorithm, spki, data: cert.cert.tbs, signature: cert.cert.signature }) ? true : 'bad-signature';
  } catch {
    return 'unsupported';
  }
}

/**
 * Signature check used to prune path building: false only for a signature that is wrong; undefined
 * (keep the candidate) when it cannot be decided yet (DSA parameters inherited from above) or the
 * problem is the algorithm, which validation then reports precisely.
 */
function buildingSignatureCheck(crypto: CryptoPort, child: CertInfo, issuer: CertInfo): boolean | undefined {
  if (isDsa(issuer) && issuer.spkiParamsAbsent) return undefined;
  const r = verifyCertSignature(crypto, child, issuer.cert.spki);
  return r === true ? true : r === 'bad-signature' ? false : undefined;
}

// ---------------------------------------------------------------------------------------------

function subj(c: CertInfo): string {
  return c.cert.subjectString || '(empty subject)';
}

function isCa(c: CertInfo): boolean {
  return c.basicConstraints?.ca === true;
}

function tryLoad(der: Uint8Array): CertInfo | undefined {
  try { return loadCertInfo(der); } catch { return undefined; }
}

function isDsa(c: CertInfo): boolean {
  return c.spkiAlgorithmOid === OID.dsa;
}

/** Per-call context shared by the main path and the CRL signer paths. */
class Context {
  readonly crls: ParsedCrl[];
  readonly crlIssuerKeys: Set<string>;
  readonly strict: boolean;
  readonly mode: 'require-crl' | 'use-crls' | 'none';
  /** CRL signer validations: result per (signer, anchor); 'pending' while in progress. */
  readonly signerResults = new Map<CertInfo, Map<CertInfo, boolean | 'pending'>>();
  private readonly crlSigResults = new Map<ParsedCrl, Map<Uint8Array, boolean>>();

  constructor(
    readonly opts: PathValidationOptions,
    readonly anchors: CertIndex,
    readonly intermediates: CertIndex,
  ) {
    this.crls = [];
    for (const der of opts.crls ?? []) {
      const c = loadCrl(der);
      if (c && !this.crls.includes(c)) this.crls.push(c);
    }
    this.crlIssuerKeys = new Set(this.crls.map((c) => c.issuer.key));
    this.strict = opts.peerName !== undefined;
    this.mode = opts.revocation ?? 'none';
  }

  crlSignedBy(crl: ParsedCrl, spki: Uint8Array): boolean {
    let m = this.crlSigResults.get(crl);
    if (!m) { m = new Map(); this.crlSigResults.set(crl, m); }
    let r = m.get(spki);
    if (r === undefined) {
      r = verifyCrlSignature(crl, spki, this.opts.crypto);
      m.set(spki, r);
    }
    return r;
  }
}

/** A certificate of a candidate path together with the working public key it yields (§6.1.4 (d)-(f)). */
interface Keyed {
  cert: CertInfo;
  spki: Uint8Array;
}

/**
 * RFC 5280 §6.1 certification path validation with §6.3 CRL checking, over paths built from
 * `intermediates` to one of `trustAnchors`. Never throws for an invalid certificate or path;
 * throws KysoError('malformed') only when `target` is not a DER certificate.
 */
export function validatePath(opts: PathValidationOptions): PathValidationResult {
  const target = loadCertInfo(opts.target);
  const anchors = new CertIndex(opts.trustAnchors.map(tryLoad).filter((c): c is CertInfo => c !== undefined));
  const intermediates = new CertIndex((opts.intermediates ?? []).map(tryLoad).filter((c): c is CertInfo => c !== undefined));
  const ctx = new Context(opts, anchors, intermediates);
  const policy: PolicyInputs = {
    initialPolicySet: opts.initialPolicySet && opts.initialPolicySet.length > 0 ? opts.initialPolicySet : [ANY_POLICY],
    explicit: opts.initialExplicitPolicy === true,
    mappingInhibit: opts.initialPolicyMappingInhibit === true,
    anyInhibit: opts.initialAnyPolicyInhibit === true,
  };

  // The target is itself a trust anchor: nothing to chain.
  const selfAnchor = anchors.all.find((a) => a === target || equalBytes(a.cert.der, target.cert.der));
  if (selfAnchor) {
    const f = endEntityChecks(ctx, [], selfAnchor, true);
    if (f) return fail(f, [selfAnchor.cert]);
    return { valid: true, path: [selfAnchor.cert], userConstrainedPolicySet: [...policy.initialPolicySet], validPolicyTree: null };
  }

  let firstFailure: { f: Failure; path: ParsedCertificate[] } | undefined;
  const deadEnds: BuildDeadEnd[] = [];
  const maxIntermediates = opts.maxPathLength ?? 10;
  const paths = buildPaths(target, intermediates, anchors, {
    maxIntermediates,
    at: opts.at,
    signatureOk: (child, issuer) => buildingSignatureCheck(opts.crypto, child, issuer),
  }, (d) => deadEnds.push(d));
  for (const cand of paths) {
    const r = safeValidate(ctx, cand.chain, cand.anchor, policy, 0, true);
    const path = [...cand.chain.map((c) => c.cert), cand.anchor.cert];
    if ('userConstrainedPolicySet' in r) {
      return { valid: true, path, userConstrainedPolicySet: r.userConstrainedPolicySet, validPolicyTree: r.tree };
    }
    firstFailure ??= { f: r, path };
  }
  if (firstFailure) return fail(firstFailure.f, firstFailure.path);
  // No complete path: explain with the most advanced dead end.
  let best: BuildDeadEnd | undefined;
  const rank = (d: BuildDeadEnd) => d.chain.length * 4 + (d.code === 'SIGNATURE_INVALID' ? 2 : d.code === 'PATH_LENGTH' ? 1 : 0);
  for (const d of deadEnds) if (!best || rank(d) > rank(best)) best = d;
  if (best) return fail({ code: best.code, reason: best.reason }, best.chain.map((c) => c.cert));
  return fail({ code: 'NO_PATH', reason: `no path from "${subj(target)}" to a trust anchor was found` }, [target.cert]);
}

function fail(f: Failure, path: ParsedCertificate[]): PathValidationResult {
  const out: PathValidationResult = { valid: false, code: f.code, reason: f.reason, path };
  if (f.revocation) out.revocation = f.revocation;
  return out;
}

/** `validateCandidate`, turning any unexpected error on odd input into a MALFORMED failure (validatePath never throws for a bad path). */
function safeValidate(ctx: Context, chain: CertInfo[], anchor: CertInfo, policy: PolicyInputs, depth: number, isMainPath: boolean): Failure | Success {
  try {
    return validateCandidate(ctx, chain, anchor, policy, depth, isMainPath);
  } catch (e) {
    return { code: 'MALFORMED', reason: `the path from "${subj(chain[0]!)}" could not be processed: ${(e as Error).message}` };
  }
}

/**
 * Runs §6.1.2-§6.1.5 on one candidate path (`chain`: target first; `anchor` above the last), then
 * revocation (§6.3) and, for the main path, the end-entity checks (EKU, peer name, profile).
 */
function validateCandidate(ctx: Context, chain: CertInfo[], anchor: CertInfo, policy: PolicyInputs, depth: number, isMainPath: boolean): Failure | Success {
  const opts = ctx.opts;
  const at = opts.at;
  const path = [...chain].reverse(); // path[0] = certificate 1 (issued by the anchor) … path[n-1] = target
  const n = path.length;

  // §6.1.2 initialisation
  const tree = new PolicyTree();
  const nc = new NameConstraintsState();
  let explicitPolicy = policy.explicit ? 0 : n + 1;
  let inhibitAnyPolicy = policy.anyInhibit ? 0 : n + 1;
  let policyMapping = policy.mappingInhibit ? 0 : n + 1;
  let workingSpki = anchor.cert.spki;
  let workingParams = spkiParameters(anchor.cert.spki);
  let workingIssuer: DistinguishedName = anchor.subject;
  let maxPathLength = n;
  // Trust anchor constraints (documented choice): pathLenConstraint and nameConstraints.
  if (anchor.basicConstraints?.pathLen !== undefined) maxPathLength = Math.min(maxPathLength, anchor.basicConstraints.pathLen);
  if (anchor.nameConstraints) {
    if (anchor.nameConstraints.invalid) return { code: 'NAME_CONSTRAINTS', reason: `trust anchor "${subj(anchor)}" has an unusable name constraint: ${anchor.nameConstraints.invalid}` };
    nc.add(anchor.nameConstraints);
  }
  if (ctx.strict && isMainPath) {
    const f = anchorProfileProblem(ctx, anchor);
    if (f) return f;
  }

  const keyed: Keyed[] = [{ cert: anchor, spki: workingSpki }];
  try {
    for (let i = 1; i <= n; i++) {
      const cert = path[i - 1]!;
      const last = i === n;
      const name = subj(cert);
      if (cert.problems.length > 0) return { code: 'MALFORMED', reason: `certificate "${name}" is malformed: ${cert.problems[0]}` };
      if (cert.issuer.empty) return { code: 'MALFORMED', reason: `certificate "${name}" has an empty issuer name (RFC 5280 §4.1.2.4)` };

      // (a)(1) signature with the working public key
      const sig = verifyCertSignature(opts.crypto, cert, workingSpki);
      if (sig !== true) {
        if (sig === 'algorithm-mismatch') return { code: 'MALFORMED', reason: `certificate "${name}" has different signature algorithms inside and outside the TBSCertificate (RFC 5280 §4.1.1.2)` };
        if (sig === 'unsupported') return { code: 'UNSUPPORTED_ALGORITHM', reason: `the signature of certificate "${name}" uses an algorithm or key that cannot be verified` };
        return { code: 'SIGNATURE_INVALID', reason: `the signature of certificate "${name}" does not verify with the key of its issuer "${i === 1 ? subj(anchor) : subj(path[i - 2]!)}"` };
      }
      // (a)(2) validity
      if (at < cert.cert.notBefore) return { code: 'NOT_YET_VALID', reason: `certificate "${name}" is not valid before ${cert.cert.notBefore.toISOString()}` };
      if (at > cert.cert.notAfter) return { code: 'EXPIRED', reason: `certificate "${name}" expired on ${cert.cert.notAfter.toISOString()}` };
      // (a)(4) name chaining
      if (cert.issuer.key !== workingIssuer.key) return { code: 'NAME_CHAINING', reason: `the issuer of certificate "${name}" does not match the subject of the certificate above it` };

      // (b)-(c) name constraints, skipped for self-issued intermediates
      if (!cert.selfIssued || last) {
        const names: GeneralName[] = [];
        if (!cert.subject.empty) names.push({ type: 'directory', name: cert.subject });
        if (cert.subjectAltNames) names.push(...cert.subjectAltNames);
        else for (const e of emailAddresses(cert.subject)) names.push({ type: 'rfc822', value: e });
        const problem = nc.check(names);
        if (problem) return { code: 'NAME_CONSTRAINTS', reason: `certificate "${name}" violates name constraints: ${problem}` };
      }

      // (d)-(f) certificate policies
      if (cert.policies) tree.processCertificatePolicies(i, cert.policies, inhibitAnyPolicy > 0 || (!last && cert.selfIssued));
      else tree.clear();
      if (explicitPolicy <= 0 && !tree.root) return { code: 'POLICY', reason: `no acceptable certificate policy remains at certificate "${name}" and an explicit policy is required` };

      if (!last) {
        // §6.1.4 (a)-(b) policy mappings
        if (cert.policyMappings) {
          if (cert.policyMappings.some(([a, b]) => a === ANY_POLICY || b === ANY_POLICY)) return { code: 'POLICY', reason: `certificate "${name}" maps to or from anyPolicy (RFC 5280 §6.1.4 (a))` };
          tree.applyMappings(i, cert.policyMappings, policyMapping > 0);
        }
        // (c)-(f) working issuer name and key (DSA parameter inheritance)
        workingIssuer = cert.subject;
        if (isDsa(cert) && cert.spkiParamsAbsent && workingParams) {
          workingSpki = spkiWithParameters(cert.cert.spki, workingParams);
        } else {
          workingSpki = cert.cert.spki;
          workingParams = spkiParameters(cert.cert.spki);
        }
        keyed.push({ cert, spki: workingSpki });
        // (g) name constraints
        if (cert.nameConstraints) {
          if (cert.nameConstraints.invalid) return { code: 'NAME_CONSTRAINTS', reason: `certificate "${name}" has an unusable name constraint: ${cert.nameConstraints.invalid}` };
          nc.add(cert.nameConstraints);
        }
        // (h)
        if (!cert.selfIssued) {
          if (explicitPolicy > 0) explicitPolicy--;
          if (policyMapping > 0) policyMapping--;
          if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
        }
        // (i)
        const pc = cert.policyConstraints;
        if (pc?.requireExplicitPolicy !== undefined && pc.requireExplicitPolicy < explicitPolicy) explicitPolicy = pc.requireExplicitPolicy;
        if (pc?.inhibitPolicyMapping !== undefined && pc.inhibitPolicyMapping < policyMapping) policyMapping = pc.inhibitPolicyMapping;
        // (j)
        if (cert.inhibitAnyPolicy !== undefined && cert.inhibitAnyPolicy < inhibitAnyPolicy) inhibitAnyPolicy = cert.inhibitAnyPolicy;
        // (k)
        if (cert.cert.version !== 3) return { code: 'NOT_A_CA', reason: `intermediate certificate "${name}" is version ${cert.cert.version} and cannot be recognised as a CA` };
        if (!isCa(cert)) return { code: 'NOT_A_CA', reason: `certificate "${name}" is used as a CA but its basicConstraints does not assert cA` };
        if (cert.subject.empty) return { code: 'MALFORMED', reason: `CA certificate "${name}" has an empty subject (RFC 5280 §4.1.2.6)` };
        // (l)
        if (!cert.selfIssued) {
          if (maxPathLength <= 0) return { code: 'PATH_LENGTH', reason: `certificate "${name}" exceeds the path length allowed by a pathLenConstraint above it` };
          maxPathLength--;
        }
        // (m)
        const pl = cert.basicConstraints?.pathLen;
        if (pl !== undefined && pl < maxPathLength) maxPathLength = pl;
        // (n)
        if (cert.keyUsage && !cert.keyUsage.has('keyCertSign')) return { code: 'KEY_USAGE', reason: `CA certificate "${name}" does not allow keyCertSign in its keyUsage` };
        // (o)
        const unknown = unknownCritical(cert);
        if (unknown) return { code: 'UNKNOWN_CRITICAL_EXTENSION', reason: `certificate "${name}" has an unrecognised critical extension ${unknown}` };
      } else {
        // §6.1.5 wrap-up
        if (explicitPolicy > 0) explicitPolicy--;
        if (cert.policyConstraints?.requireExplicitPolicy === 0) explicitPolicy = 0;
        const unknown = unknownCritical(cert);
        if (unknown) return { code: 'UNKNOWN_CRITICAL_EXTENSION', reason: `certificate "${name}" has an unrecognised critical extension ${unknown}` };
        if (cert.nameConstraints && !isCa(cert)) return { code: 'NAME_CONSTRAINTS', reason: `end-entity certificate "${name}" carries nameConstraints, which only CA certificates may (RFC 5280 §4.2.1.10)` };
      }
    }
  } catch (e) {
    if (e instanceof PolicyTreeTooLarge) return { code: 'POLICY', reason: 'the certificate policy tree grew beyond kyso\'s bound' };
    throw e;
  }

  // §6.1.5 (g) and §6.1.6
  const userSet = tree.intersect(n, policy.initialPolicySet);
  const treeView = tree.toJSON();
  const targetName = subj(path[n - 1]!);
  if (explicitPolicy <= 0 && !tree.root) return { code: 'POLICY', reason: `no certificate policy acceptable to the user is valid for "${targetName}" and an explicit policy is required` };
  if (!policy.initialPolicySet.includes(ANY_POLICY) && userSet.length === 0) return { code: 'POLICY', reason: `none of the requested certificate policies is valid for "${targetName}"` };

  if (isMainPath) {
    const f = endEntityChecks(ctx, path, anchor, false);
    if (f) return f;
  }

  // §6.3 revocation, from the top of the path down
  if (ctx.mode !== 'none') {
    for (let i = 0; i < n; i++) {
      const cert = path[i]!;
      const above = keyed.slice(0, i + 1).reverse(); // issuer first, anchor last
      const f = checkRevocation(ctx, cert, above, anchor, depth);
      if (f) return f;
    }
  }
  return { userConstrainedPolicySet: userSet, tree: treeView };
}

function unknownCritical(c: CertInfo): string | undefined {
  for (const e of c.extensions.values()) if (e.critical && !PROCESSED_EXTENSIONS.has(e.oid)) return e.oid;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// End-entity checks: extended key usage, peer name, Web PKI profile.

function endEntityChecks(ctx: Context, path: CertInfo[], anchor: CertInfo, targetIsAnchor: boolean): Failure | undefined {
  const opts = ctx.opts;
  const target = targetIsAnchor ? anchor : path[path.length - 1]!;
  const name = subj(target);
  if (ctx.strict) {
    if (targetIsAnchor) {
      const f = anchorProfileProblem(ctx, anchor);
      if (f) return f;
    }
    const p = webPkiProblems(path, target);
    if (p) return p;
  }
  const required = opts.requiredExtendedKeyUsage;
  if (required) {
    const eku = target.extKeyUsage;
    if (eku && !eku.includes(required) && (ctx.strict || !eku.includes(OID.anyExtendedKeyUsage))) {
      return { code: 'EKU', reason: `certificate "${name}" does not allow extended key usage ${required}` };
    }
    for (const c of path.slice(0, -1)) {
      if (c.extKeyUsage && !c.extKeyUsage.includes(required) && !c.extKeyUsage.includes(OID.anyExtendedKeyUsage)) {
        return { code: 'EKU', reason: `intermediate certificate "${subj(c)}" does not allow extended key usage ${required}` };
      }
    }
  }
  if (opts.peerName) {
    if (!peerNameMatches(target, opts.peerName)) return { code: 'NAME_MISMATCH', reason: `certificate "${name}" is not valid for ${opts.peerName.kind} name "${opts.peerName.value}"` };
  }
  return undefined;
}

/** RFC 6125 §6.4 host name matching as the Web PKI applies it (subjectAltName only, whole-label left-most wildcard). */
export function dnsNameMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return isValidDnsName(h) && matchPreparedHost(pattern, h);
}

/** `host` is lower-case, without a trailing dot, and already known to be a valid host name. */
function matchPreparedHost(pattern: string, host: string): boolean {
  let p = pattern.toLowerCase();
  if (p.endsWith('.')) p = p.slice(0, -1);
  if (p === host) return true;
  if (!p.startsWith('*.') || p.indexOf('*', 1) !== -1) return false;
  const rest = p.slice(2);
  const dot = host.indexOf('.');
  if (dot <= 0 || host.slice(dot + 1) !== rest) return false;
  // A wildcard must not cover a whole registrable domain: at least two labels after it.
  return rest.includes('.') && isValidDnsName(rest);
}

function peerNameMatches(target: CertInfo, peer: NonNullable<PathValidationOptions['peerName']>): boolean {
  const sans = target.subjectAltNames ?? [];
  switch (peer.kind) {
    case 'dns': {
      const host = peer.value.toLowerCase().replace(/\.$/, '');
      return isValidDnsName(host) && sans.some((g) => g.type === 'dns' && matchPreparedHost(g.value, host));
    }
    case 'ip': {
      const want = parseIpAddress(peer.value);
      return want !== undefined && sans.some((g) => g.type === 'ip' && equalBytes(g.bytes, want));
    }
    case 'email': {
      const at = peer.value.lastIndexOf('@');
      const norm = (s: string) => { const k = s.lastIndexOf('@'); return k < 0 ? s : s.slice(0, k) + '@' + s.slice(k + 1).toLowerCase(); };
      return at > 0 && sans.some((g) => g.type === 'rfc822' && norm(g.value) === norm(peer.value));
    }
  }
}

const WEBPKI_SIGNATURES = new Set<string>([
  OID.sha256WithRSAEncryption, OID.sha384WithRSAEncryption, OID.sha512WithRSAEncryption,
  OID.ecdsaWithSHA256, OID.ecdsaWithSHA384, OID.ecdsaWithSHA512, OID.rsassaPss,
]);

const keyProblems = new WeakMap<CertInfo, string | null>();
function keyProblem(c: CertInfo): string | undefined {
  let r = keyProblems.get(c);
  if (r === undefined) {
    r = computeKeyProblem(c) ?? null;
    keyProblems.set(c, r);
  }
  return r ?? undefined;
}

function computeKeyProblem(c: CertInfo): string | undefined {
  try {
    const k = describePublicKey(c.cert.spki);
    if (k.kind === 'rsa') return k.bits >= 2048 ? undefined : `an RSA key of ${k.bits} bits`;
    if (k.kind === 'ec') return k.curve === 'P-256' || k.curve === 'P-384' || k.curve === 'P-521' ? undefined : `an EC key on ${k.curve}`;
    return `a ${k.kind === 'other' ? k.algorithmOid : k.kind.toUpperCase()} key`;
  } catch {
    return 'an unreadable public key';
  }
}

function serialProblem(c: CertInfo): string | undefined {
  const s = c.serialBytes;
  if (s.length > 20 && !(s.length === 21 && s[0] === 0)) return 'a serial number longer than 20 octets';
  if ((s[0]! & 0x80) !== 0) return 'a negative serial number';
  if (s.every((b) => b === 0)) return 'a zero serial number';
  return undefined;
}

/** CA/Browser Forum Baseline Requirements checks applied in the Web PKI profile (certificates below the anchor). */
function webPkiProblems(path: CertInfo[], target: CertInfo): Failure | undefined {
  const p = (c: CertInfo, what: string): Failure => ({ code: 'PROFILE', reason: `certificate "${subj(c)}" has ${what}, which the Web PKI profile forbids` });
  for (const c of path) {
    const ee = c === target;
    if (c.cert.version !== 3) return p(c, `version ${c.cert.version}`);
    const sp = serialProblem(c);
    if (sp) return p(c, sp);
    if (!WEBPKI_SIGNATURES.has(c.cert.signatureAlgorithmId.algorithm)) return p(c, `signature algorithm ${c.cert.signatureAlgorithmId.algorithm}`);
    const kp = keyProblem(c);
    if (kp) return p(c, kp);
    const aki = c.extensions.get(OID.authorityKeyIdentifier);
    if (!c.selfIssued && !c.authorityKeyIdentifier?.keyIdentifier) return p(c, 'no authorityKeyIdentifier keyIdentifier');
    if (aki?.critical) return p(c, 'a critical authorityKeyIdentifier');
    if (c.extensions.get(OID.subjectKeyIdentifier)?.critical) return p(c, 'a critical subjectKeyIdentifier');
    if (c.extensions.get(OID.extKeyUsage)?.critical) return p(c, 'a critical extKeyUsage');
    const san = c.extensions.get(OID.subjectAltName);
    if (san?.critical && !c.subject.empty) return p(c, 'a critical subjectAltName with a non-empty subject');
    // §4.2.1.3 / §4.2.1.9: keyCertSign only with cA, and a CA key usage that allows certificate signing.
    if (c.keyUsage?.has('keyCertSign') && !isCa(c)) return p(c, 'keyCertSign without basicConstraints cA');
    if (isCa(c) && c.keyUsage && !c.keyUsage.has('keyCertSign')) return p(c, 'basicConstraints cA without keyCertSign');
    if (!ee) {
      if (!c.subjectKeyIdentifier) return p(c, 'no subjectKeyIdentifier');
      if (!c.extensions.get(OID.basicConstraints)?.critical) return p(c, 'a non-critical basicConstraints');
    } else {
      if (!c.subjectAltNames) return p(c, 'no subjectAltName');
      if (c.extKeyUsage?.includes(OID.anyExtendedKeyUsage)) return p(c, 'anyExtendedKeyUsage');
    }
    if (san && !san.critical && c.subject.empty) return p(c, 'an empty subject with a non-critical subjectAltName (RFC 5280 §4.2.1.6)');
  }
  return undefined;
}

/** Web PKI profile checks of the trust anchor certificate itself. */
function anchorProfileProblem(ctx: Context, anchor: CertInfo): Failure | undefined {
  const at = ctx.opts.at;
  const p = (what: string, code: PathValidationCode = 'PROFILE'): Failure => ({ code, reason: `trust anchor "${subj(anchor)}" ${what}` });
  if (anchor.problems.length > 0) return p(`is malformed: ${anchor.problems[0]}`, 'MALFORMED');
  if (at < anchor.cert.notBefore) return p(`is not valid before ${anchor.cert.notBefore.toISOString()}`, 'NOT_YET_VALID');
  if (at > anchor.cert.notAfter) return p(`expired on ${anchor.cert.notAfter.toISOString()}`, 'EXPIRED');
  if (anchor.cert.version !== 3) return p(`is a version ${anchor.cert.version} certificate`);
  const bc = anchor.extensions.get(OID.basicConstraints);
  if (!bc || !anchor.basicConstraints?.ca) return p('is not a CA certificate (basicConstraints cA is not asserted)', 'NOT_A_CA');
  if (!bc.critical) return p('has a non-critical basicConstraints');
  if (anchor.keyUsage && !anchor.keyUsage.has('keyCertSign')) return p('does not allow keyCertSign', 'KEY_USAGE');
  if (!anchor.subjectKeyIdentifier) return p('has no subjectKeyIdentifier');
  if (anchor.extensions.get(OID.subjectKeyIdentifier)?.critical) return p('has a critical subjectKeyIdentifier');
  if (anchor.extensions.get(OID.authorityKeyIdentifier)?.critical) return p('has a critical authorityKeyIdentifier');
  if (anchor.extKeyUsage) return p('carries extKeyUsage');
  const aki = anchor.authorityKeyIdentifier;
  if (aki) {
    if (!aki.keyIdentifier || aki.hasIssuer || aki.hasSerial) return p('has an authorityKeyIdentifier other than a bare keyIdentifier');
    if (anchor.selfIssued && !equalBytes(aki.keyIdentifier, anchor.subjectKeyIdentifier)) return p('has an authorityKeyIdentifier that differs from its subjectKeyIdentifier');
  } else if (!anchor.selfIssued) return p('is not self-issued and has no authorityKeyIdentifier');
  const unknown = unknownCritical(anchor);
  if (unknown) return p(`has an unrecognised critical extension ${unknown}`, 'UNKNOWN_CRITICAL_EXTENSION');
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// §6.3 CRL processing

function directoryNames(names: readonly GeneralName[] | undefined): DistinguishedName[] {
  return (names ?? []).flatMap((g) => (g.type === 'directory' ? [g.name] : []));
}

/** Full names of a DistributionPointName, resolving nameRelativeToCRLIssuer against `base`. */
function dpNames(dpn: DistributionPointName, base: DistinguishedName | undefined): GeneralName[] {
  if (dpn.fullName) return dpn.fullName;
  if (dpn.relativeName && base) return [{ type: 'directory', name: appendRdn(base, dpn.relativeName) }];
  return [];
}

function anyNameInCommon(a: readonly GeneralName[], b: readonly GeneralName[]): boolean {
  return a.some((x) => b.some((y) => generalNamesEqual(x, y)));
}

const NON_COMPROMISE_REASONS = new Set([3, 4, 5, 6, 9]);

type Status = { kind: 'unrevoked' } | { kind: 'revoked'; entry: RevokedEntry };

/**
 * RFC 5280 §6.3.3 for one certificate. `above` lists the certificates above it in the path with
 * their working keys (its issuer first, the anchor last). Returns a failure or undefined.
 */
function checkRevocation(ctx: Context, cert: CertInfo, above: Keyed[], anchor: CertInfo, depth: number): Failure | undefined {
  const name = subj(cert);
  const dps: Array<DistributionPoint & { implicit?: boolean }> = cert.crlDistributionPoints ?? [{ implicit: true }];
  if (ctx.mode === 'use-crls') {
    const issuers = new Set<string>([cert.issuer.key]);
    for (const dp of dps) for (const d of directoryNames(dp.crlIssuer)) issuers.add(d.key);
    if (![...issuers].some((k) => ctx.crlIssuerKeys.has(k))) return undefined;
  }
  const at = ctx.opts.at;
  const reasonsMask = new Set<number>();
  let status: Status = { kind: 'unrevoked' };
  let why = 'no CRL covering it was provided';
  const allCovered = () => ALL_REASON_BITS.every((r) => reasonsMask.has(r));

  for (const dp of dps) {
    for (const crl of ctx.crls) {
      if (allCovered() || status.kind === 'revoked') break;
      if (crl.deltaBase !== undefined) continue; // delta CRLs are only used with a complete CRL
      // (b)(1) CRL issuer
      const dpCrlIssuers = directoryNames(dp.crlIssuer);
      if (dp.crlIssuer) {
        if (!dpCrlIssuers.some((d) => d.key === crl.issuer.key)) continue;
        if (!crl.idp?.indirectCRL) { why = `CRL from "${formatDn(crl)}" is not an indirect CRL`; continue; }
      } else if (crl.issuer.key !== cert.issuer.key) continue;
      // (b)(2) issuing distribution point scope
      const idp = crl.idp;
      if (idp) {
        if (idp.distributionPoint) {
          const idpNames = dpNames(idp.distributionPoint, crl.issuer);
          let ok: boolean;
          if (dp.distributionPoint) ok = anyNameInCommon(idpNames, dpNames(dp.distributionPoint, dpCrlIssuers[0] ?? cert.issuer));
          else if (dp.crlIssuer) ok = anyNameInCommon(idpNames, dp.crlIssuer);
          else ok = anyNameInCommon(idpNames, [{ type: 'directory', name: cert.issuer }]);
          if (!ok) { why = 'the CRL\'s issuing distribution point does not match the certificate\'s distribution point'; continue; }
        }
        if (idp.onlyContainsUserCerts && isCa(cert)) { why = 'the only CRL covers end-entity certificates only'; continue; }
        if (idp.onlyContainsCACerts && !isCa(cert)) { why = 'the only CRL covers CA certificates only'; continue; }
        if (idp.onlyContainsAttributeCerts) { why = 'the only CRL covers attribute certificates only'; continue; }
      }
      // currency
      if (crl.thisUpdate > at) { why = 'the CRL is not yet valid at the validation time'; continue; }
      if (crl.nextUpdate && crl.nextUpdate < at) { why = `the CRL expired on ${crl.nextUpdate.toISOString()}`; continue; }
      if (crl.unknownCriticalExtensions.length || crl.unknownCriticalEntryExtensions.length) {
        why = `the CRL has an unrecognised critical extension ${[...crl.unknownCriticalExtensions, ...crl.unknownCriticalEntryExtensions][0]}`;
        continue;
      }
      // (c)-(d) reasons
      const interim = ALL_REASON_BITS.filter((r) => (!dp.reasons || dp.reasons.has(r)) && (!idp?.onlySomeReasons || idp.onlySomeReasons.has(r)));
      if (interim.every((r) => reasonsMask.has(r))) continue;
      // (f)-(g) CRL issuer and signature
      const signer = findCrlSigner(ctx, crl, above, anchor, depth);
      if (!signer) { why = `no valid certificate of the CRL issuer "${formatDn(crl)}" verifies the CRL's signature`; continue; }
      // (h) delta CRL
      const delta = findDelta(ctx, crl, signer);
      // (i)-(j) status
      const fromDelta = delta ? findRevokedEntry(delta, cert.issuer.key, cert.serialHex) : undefined;
      const entry = fromDelta ?? findRevokedEntry(crl, cert.issuer.key, cert.serialHex);
      if (entry && entry.reasonCode !== 8) {
        const ignorable = entry.revocationDate > at && entry.reasonCode !== undefined && NON_COMPROMISE_REASONS.has(entry.reasonCode);
        if (!ignorable) status = { kind: 'revoked', entry };
      }
      // (k)
      for (const r of interim) reasonsMask.add(r);
    }
  }
  if (status.kind === 'revoked') {
    const e = status.entry;
    const reason = e.reasonCode !== undefined ? CRL_REASONS[e.reasonCode] : undefined;
    const revocation: PathValidationResult['revocation'] = { serialHex: cert.serialHex, revokedAt: e.revocationDate };
    if (reason) revocation.reason = reason;
    return { code: 'REVOKED', reason: `certificate "${name}" was revoked on ${e.revocationDate.toISOString()}${reason ? ` (${reason})` : ''}`, revocation };
  }
  if (allCovered()) return undefined;
  if (reasonsMask.size > 0) why = 'the available CRLs do not cover all revocation reasons';
  return { code: 'CRL_MISSING', reason: `the revocation status of certificate "${name}" cannot be determined: ${why}` };
}

function formatDn(crl: ParsedCrl): string {
  return crl.issuer.rdns.map((r) => r.map((a) => a.text ?? a.value).join('+')).reverse().join(', ');
}

/**
 * §6.3.3 (f)-(g): a certificate of the CRL issuer whose key verifies the CRL, whose keyUsage (if
 * any) allows cRLSign, and whose own path leads to the same trust anchor. Certificates already in
 * the validated path above the one being checked are trusted as they are; others get their own
 * path validated (with revocation checking, bounded depth).
 */
function findCrlSigner(ctx: Context, crl: ParsedCrl, above: Keyed[], anchor: CertInfo, depth: number): Keyed | undefined {
  const crlSignOk = (c: CertInfo) => !c.keyUsage || c.keyUsage.has('cRLSign');
  for (const k of above) {
    if (k.cert.subject.key !== crl.issuer.key) continue;
    if (crlSignOk(k.cert) && ctx.crlSignedBy(crl, k.spki)) return k;
  }
  if (depth >= MAX_CRL_SIGNER_DEPTH) return undefined;
  for (const c of ctx.intermediates.withSubject(crl.issuer.key)) {
    if (above.some((k) => k.cert === c)) continue;
    if (!crlSignOk(c)) continue;
    if (isDsa(c) && c.spkiParamsAbsent) continue;
    if (!ctx.crlSignedBy(crl, c.cert.spki)) continue;
    if (signerValid(ctx, c, anchor, depth + 1)) return { cert: c, spki: c.cert.spki };
  }
  return undefined;
}

function signerValid(ctx: Context, signer: CertInfo, anchor: CertInfo, depth: number): boolean {
  let perAnchor = ctx.signerResults.get(signer);
  if (!perAnchor) { perAnchor = new Map(); ctx.signerResults.set(signer, perAnchor); }
  const known = perAnchor.get(anchor);
  // A signer whose validation is in progress is being checked against a CRL it signed itself.
  if (known === 'pending') return true;
  if (known !== undefined) return known;
  perAnchor.set(anchor, 'pending');
  let ok = false;
  const onlyAnchor = new CertIndex([anchor]);
  for (const cand of buildPaths(signer, ctx.intermediates, onlyAnchor, {
    maxIntermediates: ctx.opts.maxPathLength ?? 10,
    at: ctx.opts.at,
    signatureOk: (child, issuer) => buildingSignatureCheck(ctx.opts.crypto, child, issuer),
    maxPaths: 8,
    maxSteps: 200,
  })) {
    const r = safeValidate(ctx, cand.chain, cand.anchor, DEFAULT_POLICY, depth, false);
    if ('userConstrainedPolicySet' in r) { ok = true; break; }
  }
  perAnchor.set(anchor, ok);
  return ok;
}

/** §6.3.3 (a)(2)/(h) and §5.2.4: a current delta CRL for `base`, same issuer and scope, signed by the same key. */
function findDelta(ctx: Context, base: ParsedCrl, signer: Keyed): ParsedCrl | undefined {
  const at = ctx.opts.at;
  let best: ParsedCrl | undefined;
  for (const d of ctx.crls) {
    if (d.deltaBase === undefined || d.issuer.key !== base.issuer.key) continue;
    if (base.crlNumber === undefined || d.deltaBase > base.crlNumber) continue;
    if (d.crlNumber !== undefined && d.crlNumber <= base.crlNumber) continue;
    const sameScope = (!d.idp && !base.idp) || (d.idp && base.idp && equalBytes(d.idp.der, base.idp.der));
    if (!sameScope) continue;
    if (d.thisUpdate > at || (d.nextUpdate && d.nextUpdate < at)) continue;
    if (d.unknownCriticalExtensions.length || d.unknownCriticalEntryExtensions.length) continue;
    if (!ctx.crlSignedBy(d, signer.spki)) continue;
    if (!best || (d.crlNumber ?? 0n) > (best.crlNumber ?? 0n)) best = d;
  }
  return best;
}
