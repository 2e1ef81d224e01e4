/**
 * The valid_policy_tree of RFC 5280 §6.1: initialised by §6.1.2 (a), grown and pruned by
 * §6.1.3 (d)-(e), re-mapped by §6.1.4 (b), and intersected with the user-initial-policy-set by
 * §6.1.5 (g). A NULL tree is represented by `root === null`.
 *
 * Qualifiers are not kept (kyso does not act on them). The tree is bounded: if it would grow past
 * MAX_NODES (a pathological policy-mapping fan-out) processing stops with an error rather than
 * consuming memory without limit.
 */
import { OID } from './oids.ts';

/** RFC 5280 §4.2.1.4 anyPolicy (2.5.29.32.0). */
export const ANY_POLICY = OID.anyPolicy;
const MAX_NODES = 10_000;

/** One node of the valid_policy_tree (§6.1.2 (a)). */
export interface PolicyNode {
  validPolicy: string;
  expectedPolicySet: Set<string>;
  depth: number;
  parent: PolicyNode | null;
  children: PolicyNode[];
}

/** Thrown internally when the tree would exceed its size bound. */
export class PolicyTreeTooLarge extends Error {}

/** RFC 5280 §6.1 valid_policy_tree with the operations the path validation algorithm performs on it. */
export class PolicyTree {
  root: PolicyNode | null;
  private size = 1;

  /** §6.1.2 (a): a single node of depth 0 with valid_policy anyPolicy. */
  constructor() {
    this.root = { validPolicy: ANY_POLICY, expectedPolicySet: new Set([ANY_POLICY]), depth: 0, parent: null, children: [] };
  }

  /** Nodes at a given depth. */
  nodesAt(depth: number): PolicyNode[] {
    const out: PolicyNode[] = [];
    const walk = (n: PolicyNode) => {
      if (n.depth === depth) { out.push(n); return; }
      for (const c of n.children) walk(c);
    };
    if (this.root) walk(this.root);
    return out;
  }

  private addChild(parent: PolicyNode, policy: string, expected: Set<string>): PolicyNode {
    if (++this.size > MAX_NODES) throw new PolicyTreeTooLarge('valid_policy_tree grew too large');
    const n: PolicyNode = { validPolicy: policy, expectedPolicySet: expected, depth: parent.depth + 1, parent, children: [] };
    parent.children.push(n);
    return n;
  }

  private remove(n: PolicyNode): void {
    if (n.parent) n.parent.children = n.parent.children.filter((c) => c !== n);
    else this.root = null;
  }

  /** Deletes nodes of depth < `depth` that have no children, repeatedly (§6.1.3 (d)(3), §6.1.4 (b)(2), §6.1.5 (g)(iii)(4)). */
  prune(depth: number): void {
    const walk = (n: PolicyNode): boolean => {
      // returns true if the node should be kept
      if (n.depth >= depth) return true;
      n.children = n.children.filter(walk);
      return n.children.length > 0;
    };
    if (this.root && !walk(this.root)) this.root = null;
  }

  /**
   * §6.1.3 (d): processes the certificatePolicies of certificate i.
   * `anyPolicyAllowed` is (inhibit_anyPolicy > 0) or (i < n and the certificate is self-issued).
   */
  processCertificatePolicies(i: number, policies: readonly string[], anyPolicyAllowed: boolean): void {
    if (!this.root) return;
    const parents = this.nodesAt(i - 1);
    // (d)(1)
    for (const p of policies) {
      if (p === ANY_POLICY) continue;
      let matched = false;
      for (const node of parents) {
        if (node.expectedPolicySet.has(p)) { this.addChild(node, p, new Set([p])); matched = true; }
      }
      if (!matched) {
        for (const node of parents) {
          if (node.validPolicy === ANY_POLICY) this.addChild(node, p, new Set([p]));
        }
      }
    }
    // (d)(2)
    if (policies.includes(ANY_POLICY) && anyPolicyAllowed) {
      for (const node of parents) {
        const present = new Set(node.children.map((c) => c.validPolicy));
        for (const e of node.expectedPolicySet) {
          if (!present.has(e)) { this.addChild(node, e, new Set([e])); present.add(e); }
        }
      }
    }
    // (d)(3)
    this.prune(i);
  }

  /** §6.1.3 (e): the certificate has no certificatePolicies extension. */
  clear(): void {
    this.root = null;
  }

  /**
   * §6.1.4 (b): applies policyMappings of certificate i (pairs issuerDomainPolicy → subjectDomainPolicy).
   * `mappingAllowed` is policy_mapping > 0.
   */
  applyMappings(i: number, mappings: ReadonlyArray<readonly [string, string]>, mappingAllowed: boolean): void {
    if (!this.root) return;
    const byIssuer = new Map<string, string[]>();
    for (const [idp, sdp] of mappings) {
      const list = byIssuer.get(idp) ?? [];
      if (!list.includes(sdp)) list.push(sdp);
      byIssuer.set(idp, list);
    }
    for (const [idp, sdps] of byIssuer) {
      const level = this.nodesAt(i);
      const matches = level.filter((n) => n.validPolicy === idp);
      if (mappingAllowed) {
        if (matches.length > 0) {
          for (const n of matches) n.expectedPolicySet = new Set(sdps);
        } else {
          const any = level.find((n) => n.validPolicy === ANY_POLICY);
          if (any && any.parent) this.addChild(any.parent, idp, new Set(sdps));
        }
      } else {
        for (const n of matches) this.remove(n);
        this.prune(i);
        if (!this.root) return;
      }
    }
  }

  /**
   * §6.1.5 (g): intersection with the user-initial-policy-set at depth n. Returns the
   * user-constrained-policy-set, expressed in the trust anchor's policy domain: the valid_policy
   * of each node whose parent is anyPolicy (the valid_policy_node_set of (g)(iii)(1)) and that
   * still leads to depth n — for a mapped policy that is the policy before mapping — plus anyPolicy
   * when an anyPolicy chain reaches depth n.
   */
  intersect(n: number, initialPolicySet: readonly string[]): string[] {
    if (!this.root) return [];
    if (!initialPolicySet.includes(ANY_POLICY)) {
      const initial = new Set(initialPolicySet);
      const nodeSet = this.validPolicyNodeSet();
      // (g)(iii)(2)
      for (const node of nodeSet) {
        if (node.validPolicy !== ANY_POLICY && !initial.has(node.validPolicy)) this.remove(node);
      }
      // (g)(iii)(3)
      const anyLeaf = this.nodesAt(n).find((x) => x.validPolicy === ANY_POLICY);
      if (anyLeaf && anyLeaf.parent) {
        const present = new Set(nodeSet.filter((x) => x.parent?.children.includes(x)).map((x) => x.validPolicy));
        for (const p of initial) {
          if (!present.has(p)) this.addChild(anyLeaf.parent, p, new Set([p]));
        }
        this.remove(anyLeaf);
      }
    }
    // (g)(iii)(4)
    this.prune(n);
    if (!this.root) return [];
    const out = new Set<string>();
    for (const node of this.validPolicyNodeSet()) {
      if (node.validPolicy === ANY_POLICY ? node.depth === n : this.reaches(node, n)) out.add(node.validPolicy);
    }
    if (n === 0) out.add(ANY_POLICY);
    return [...out];
  }

  /** Nodes whose parent has valid_policy anyPolicy (§6.1.5 (g)(iii)(1)). */
  private validPolicyNodeSet(): PolicyNode[] {
    const out: PolicyNode[] = [];
    const walk = (node: PolicyNode) => {
      if (node.validPolicy !== ANY_POLICY) return;
      for (const c of node.children) { out.push(c); walk(c); }
    };
    if (this.root) walk(this.root);
    return out;
  }

  private reaches(node: PolicyNode, depth: number): boolean {
    if (node.depth === depth) return true;
    return node.children.some((c) => this.reaches(c, depth));
  }

  /** A plain-object view for reports. */
  toJSON(): unknown {
    const conv = (x: PolicyNode): unknown => ({ validPolicy: x.validPolicy, expectedPolicySet: [...x.expectedPolicySet], children: x.children.map(conv) });
    return this.root ? conv(this.root) : null;
  }
}
