/**
 * Certification path construction (RFC 5280 §6 leaves it to the implementation; RFC 4158 gives
 * the guidance followed here): from the target certificate up to a trust anchor, choosing issuers
 * by subject name (RFC 5280 §7.1 comparison) and preferring those whose subjectKeyIdentifier
 * matches the child's authorityKeyIdentifier (§4.2.1.1/§4.2.1.2) and that are valid at the
 * validation time. It backtracks over alternatives (cross-certificates, rolled-over keys,
 * expired duplicates), never reuses a certificate — nor the same subject name with the same key —
 * twice in a path (so loops in the bag end), and is bounded in depth, steps and paths produced.
 */
import { equalBytes } from '../asn1/der.ts';
import type { CertInfo } from './extensions.ts';

/** Certificates indexed by prepared subject name. */
export class CertIndex {
  private readonly bySubject = new Map<string, CertInfo[]>();
  readonly all: CertInfo[] = [];

  constructor(certs: Iterable<CertInfo>) {
    for (const c of certs) this.add(c);
  }

  /** Adds a certificate unless the same DER is already present. */
  add(c: CertInfo): void {
    const list = this.bySubject.get(c.subject.key);
    if (list?.some((x) => x === c || equalBytes(x.cert.der, c.cert.der))) return;
    if (list) list.push(c);
    else this.bySubject.set(c.subject.key, [c]);
    this.all.push(c);
  }

  /** Certificates whose subject is the given prepared name key. */
  withSubject(key: string): readonly CertInfo[] {
    return this.bySubject.get(key) ?? [];
  }

  has(c: CertInfo): boolean {
    return this.withSubject(c.subject.key).includes(c);
  }
}

/** A complete candidate path: target first, then intermediates, ending just below `anchor`. */
export interface CandidatePath {
  chain: CertInfo[];
  anchor: CertInfo;
}

/** A dead end met while building, kept to explain a failure when no complete path exists. */
export interface BuildDeadEnd {
  chain: CertInfo[];
  code: 'NO_PATH' | 'SIGNATURE_INVALID' | 'PATH_LENGTH';
  reason: string;
}

/** Limits and hooks for `buildPaths` (bounded search, RFC 4158 §2.5 loop avoidance). */
export interface BuildOptions {
  /** Maximum number of non-self-issued intermediate certificates (RFC 5280 §6.1.2 (k) style). */
  maxIntermediates: number;
  /** Validation time, used only to order candidates. */
  at: Date;
  /**
   * Signature check of `child` by `issuer`'s key: true, false, or undefined when it cannot be
   * decided yet (a DSA key inheriting parameters). Optional; without it every name match is tried.
   */
  signatureOk?: (child: CertInfo, issuer: CertInfo) => boolean | undefined;
  /** Upper bound on candidate issuers examined overall (default 2000). */
  maxSteps?: number;
  /** Upper bound on complete paths produced (default 64). */
  maxPaths?: number;
}

function keyOf(c: CertInfo): string {
  return c.subject.key + '\u0003' + Buffer.from(c.cert.spki).toString('base64');
}

function score(child: CertInfo, cand: CertInfo, at: Date): number {
  let s = 0;
  const aki = child.authorityKeyIdentifier?.keyIdentifier;
  const ski = cand.subjectKeyIdentifier;
  if (aki && ski) s += equalBytes(aki, ski) ? 4 : -4;
  if (cand.cert.notBefore <= at && at <= cand.cert.notAfter) s += 2;
  return s;
}

function ordered(child: CertInfo, cands: readonly CertInfo[], at: Date): CertInfo[] {
  return cands
    .map((c, i) => ({ c, s: score(child, c, at), i, nb: c.cert.notBefore.getTime() }))
    .sort((a, b) => b.s - a.s || b.nb - a.nb || a.i - b.i)
    .map((x) => x.c);
}

/**
 * Depth-first enumeration of candidate paths from `target` to one of `anchors` through
 * `intermediates`. Yields complete paths in preference order; dead ends are reported to `onDeadEnd`.
 */
export function* buildPaths(
  target: CertInfo,
  intermediates: CertIndex,
  anchors: CertIndex,
  opts: BuildOptions,
  onDeadEnd?: (d: BuildDeadEnd) => void,
): Generator<CandidatePath> {
  const maxSteps = opts.maxSteps ?? 2000;
  const maxPaths = opts.maxPaths ?? 64;
  let steps = 0;
  let produced = 0;
  const chain: CertInfo[] = [target];
  const usedKeys = new Set<string>([keyOf(target)]);

  function* extend(nonSelfIssued: number): Generator<CandidatePath> {
    const last = chain[chain.length - 1]!;
    const issuerKey = last.issuer.key;
    let found = false;
    for (const a of ordered(last, anchors.withSubject(issuerKey), opts.at)) {
      if (++steps > maxSteps || produced >= maxPaths) return;
      if (a === last) continue;
      const sig = opts.signatureOk?.(last, a);
      if (sig === false) {
        onDeadEnd?.({ chain: [...chain, a], code: 'SIGNATURE_INVALID', reason: `the signature of "${last.cert.subjectString}" does not verify with the key of trust anchor "${a.cert.subjectString}"` });
        continue;
      }
      found = true;
      produced++;
      yield { chain: [...chain], anchor: a };
    }
    for (const c of ordered(last, intermediates.withSubject(issuerKey), opts.at)) {
      if (++steps > maxSteps || produced >= maxPaths) return;
      if (chain.includes(c) || usedKeys.has(keyOf(c))) continue;
      const nsi = c.selfIssued ? nonSelfIssued : nonSelfIssued + 1;
      if (nsi > opts.maxIntermediates || chain.length > 2 * opts.maxIntermediates + 8) {
        onDeadEnd?.({ chain: [...chain, c], code: 'PATH_LENGTH', reason: `the path through "${c.cert.subjectString}" would exceed the maximum of ${opts.maxIntermediates} intermediate certificates` });
        continue;
      }
      const sig = opts.signatureOk?.(last, c);
      if (sig === false) {
        onDeadEnd?.({ chain: [...chain, c], code: 'SIGNATURE_INVALID', reason: `the signature of "${last.cert.subjectString}" does not verify with the key of "${c.cert.subjectString}"` });
        continue;
      }
      found = true;
      chain.push(c);
      const k = keyOf(c);
      usedKeys.add(k);
      yield* extend(nsi);
      usedKeys.delete(k);
      chain.pop();
    }
    if (!found) onDeadEnd?.({ chain: [...chain], code: 'NO_PATH', reason: `no issuer certificate or trust anchor named "${last.cert.issuerString}" was found for "${last.cert.subjectString}"` });
  }

  yield* extend(0);
}
