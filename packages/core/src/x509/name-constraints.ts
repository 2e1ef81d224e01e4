/**
 * Name constraints: the extension of RFC 5280 §4.2.1.10 and the permitted_subtrees /
 * excluded_subtrees state of §6.1.2 (b)-(c), §6.1.3 (b)-(c) and §6.1.4 (g).
 *
 * Supported name forms: directoryName (RDN prefix), rfc822Name (mailbox, host or ".domain"),
 * dNSName (the constraint plus any labels to its left; a leading "." means subdomains only),
 * uniformResourceIdentifier (host part, as dNSName-like host / ".domain"), iPAddress
 * (address + contiguous mask, IPv4 and IPv6). For the other forms (otherName, x400Address,
 * ediPartyName, registeredID) a name of that form meeting a constraint of that form is refused,
 * as §4.2.1.10 allows ("process the constraint or reject the certificate").
 *
 * Instead of computing intersections of permitted subtrees, the state keeps one *layer* per
 * certificate that carried permittedSubtrees: a name must satisfy every layer that has a subtree
 * of its form (which is exactly membership in the intersection §6.1.4 (g)(1) describes).
 */
import { KysoError } from '../errors.ts';
import { readChildren, readWhole } from '../asn1/der.ts';
import { decodeSmallInteger, TAG } from './asn1-values.ts';
import { formatIp, parseGeneralName, type GeneralName } from './general-names.ts';
import { isWithinDirectorySubtree } from './name-matching.ts';

/** RFC 5280 §4.2.1.10 NameConstraints, decoded. */
export interface NameConstraints {
  permitted?: GeneralName[];
  excluded?: GeneralName[];
  /** Why a constraint cannot be used (malformed DNS constraint, IP mask that is not a prefix…). */
  invalid?: string;
}

const DNS_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A syntactically valid DNS host name (RFC 1034 preferred syntax, underscores tolerated), lower-cased input. */
export function isValidDnsName(name: string, opts: { allowWildcard?: boolean } = {}): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = (name.endsWith('.') ? name.slice(0, -1) : name).split('.');
  return labels.every((l, i) => DNS_LABEL.test(l) || (opts.allowWildcard === true && i === 0 && l === '*' && labels.length > 1));
}

function validDnsConstraint(c: string): boolean {
  if (c === '') return true;
  return isValidDnsName(c.startsWith('.') ? c.slice(1) : c);
}

function validMask(mask: Uint8Array): boolean {
  let seenZero = false;
  for (const b of mask) {
    for (let j = 7; j >= 0; j--) {
      const bit = (b >> j) & 1;
      if (bit && seenZero) return false;
      if (!bit) seenZero = true;
    }
  }
  return true;
}

function constraintProblem(g: GeneralName): string | undefined {
  switch (g.type) {
    case 'dns': return validDnsConstraint(g.value.toLowerCase()) ? undefined : `dNSName constraint "${g.value}" is not a valid domain`;
    case 'ip':
      if (g.bytes.length !== 8 && g.bytes.length !== 32) return `iPAddress constraint has ${g.bytes.length} octets (8 or 32 expected)`;
      return validMask(g.bytes.subarray(g.bytes.length / 2)) ? undefined : `iPAddress constraint ${formatIp(g.bytes)} has a non-contiguous mask`;
    case 'uri': {
      const c = g.value.toLowerCase();
      return c !== '' && validDnsConstraint(c) ? undefined : `URI constraint "${g.value}" is not a host or domain`;
    }
    case 'rfc822': {
      const at = g.value.lastIndexOf('@');
      const domain = (at >= 0 ? g.value.slice(at + 1) : g.value).toLowerCase();
      return validDnsConstraint(domain) && domain !== '' ? undefined : `rfc822Name constraint "${g.value}" is not valid`;
    }
    default: return undefined;
  }
}

function parseSubtrees(der: Uint8Array, t: ReturnType<typeof readWhole>): GeneralName[] {
  const subtrees = readChildren(der, t);
  if (subtrees.length === 0) throw new KysoError('malformed', 'nameConstraints: empty GeneralSubtrees');
  return subtrees.map((st) => {
    if (st.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'nameConstraints: expected GeneralSubtree');
    const parts = readChildren(der, st);
    if (parts.length === 0) throw new KysoError('malformed', 'nameConstraints: GeneralSubtree without base');
    const base = parseGeneralName(der, parts[0]!);
    for (const p of parts.slice(1)) {
      // §4.2.1.10: minimum MUST be zero (so DER omits it) and maximum MUST be absent.
      if (p.tag === 0x80) {
        if (decodeSmallInteger(der, { ...p, tag: TAG.INTEGER }, 'minimum') !== 0) throw new KysoError('malformed', 'nameConstraints: minimum other than 0');
      } else if (p.tag === 0x81) throw new KysoError('malformed', 'nameConstraints: maximum is not allowed');
      else throw new KysoError('malformed', 'nameConstraints: unexpected field in GeneralSubtree');
    }
    return base;
  });
}

/** Decodes the DER value of a nameConstraints extension (RFC 5280 §4.2.1.10). Throws KysoError('malformed'). */
export function parseNameConstraints(der: Uint8Array): NameConstraints {
  const top = readWhole(der, 'NameConstraints');
  if (top.tag !== TAG.SEQUENCE) throw new KysoError('malformed', 'nameConstraints: expected a SEQUENCE');
  const out: NameConstraints = {};
  for (const part of readChildren(der, top)) {
    if (part.tag === 0xa0 && !out.permitted && !out.excluded) out.permitted = parseSubtrees(der, part);
    else if (part.tag === 0xa1 && !out.excluded) out.excluded = parseSubtrees(der, part);
    else throw new KysoError('malformed', 'nameConstraints: unexpected field');
  }
  // §4.2.1.10: "either the permittedSubtrees field or the excludedSubtrees MUST be present".
  if (!out.permitted && !out.excluded) throw new KysoError('malformed', 'nameConstraints: neither permittedSubtrees nor excludedSubtrees');
  for (const g of [...(out.permitted ?? []), ...(out.excluded ?? [])]) {
    const p = constraintProblem(g);
    if (p) { out.invalid = p; break; }
  }
  return out;
}

function dnsWithin(name: string, constraint: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const c = constraint.toLowerCase().replace(/\.$/, '');
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c);
  return n === c || n.endsWith('.' + c);
}

function emailWithin(addr: string, constraint: string): boolean {
  const at = addr.lastIndexOf('@');
  if (at < 0) return false;
  const local = addr.slice(0, at), domain = addr.slice(at + 1).toLowerCase();
  const cat = constraint.lastIndexOf('@');
  if (cat >= 0) return local === constraint.slice(0, cat) && domain === constraint.slice(cat + 1).toLowerCase();
  const c = constraint.toLowerCase();
  if (c.startsWith('.')) return domain.endsWith(c);
  return domain === c;
}

/** The host of a URI (RFC 3986 authority), lower-cased; undefined when the URI has no authority. */
export function uriHost(uri: string): string | undefined {
  const m = uri.match(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/);
  if (!m) return undefined;
  let auth = m[1]!;
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  if (auth.startsWith('[')) return auth.slice(1, auth.indexOf(']')).toLowerCase();
  return auth.replace(/:\d*$/, '').toLowerCase() || undefined;
}

function uriWithin(uri: string, constraint: string): boolean {
  const host = uriHost(uri);
  if (host === undefined) return false;
  const c = constraint.toLowerCase();
  if (c.startsWith('.')) return host.endsWith(c);
  return host === c;
}

function ipWithin(addr: Uint8Array, constraint: Uint8Array): boolean {
  const half = constraint.length / 2;
  if (addr.length !== half) return false;
  for (let i = 0; i < half; i++) if ((addr[i]! & constraint[half + i]!) !== (constraint[i]! & constraint[half + i]!)) return false;
  return true;
}

/**
 * Whether a name is within a constraint subtree of the same form. Returns undefined when the
 * forms differ (the constraint says nothing about the name) and 'unsupported' for forms kyso
 * does not compare.
 */
export function nameWithinSubtree(name: GeneralName, base: GeneralName): boolean | undefined | 'unsupported' {
  if (name.type !== base.type) return undefined;
  switch (name.type) {
    case 'dns': return dnsWithin(name.value, (base as typeof name).value);
    case 'rfc822': return emailWithin(name.value, (base as typeof name).value);
    case 'uri': return uriWithin(name.value, (base as typeof name).value);
    case 'ip': return ipWithin(name.bytes, (base as typeof name).bytes);
    case 'directory': return isWithinDirectorySubtree(name.name, (base as typeof name).name);
    default: return 'unsupported';
  }
}

/** Checks the syntax a name must have to be compared against constraints of its form. */
function nameProblem(g: GeneralName): string | undefined {
  if (g.type === 'dns' && !isValidDnsName(g.value.toLowerCase(), { allowWildcard: true })) return `dNSName "${g.value}" is not a valid host name`;
  if (g.type === 'ip' && g.bytes.length !== 4 && g.bytes.length !== 16) return `iPAddress of ${g.bytes.length} octets`;
  if (g.type === 'rfc822' && !/^[^@]+@[^@]+$/.test(g.value)) return `rfc822Name "${g.value}" is not a mailbox`;
  return undefined;
}

/**
 * The permitted_subtrees / excluded_subtrees state variables of RFC 5280 §6.1.2 (b)-(c),
 * updated by §6.1.4 (g) and checked by §6.1.3 (b)-(c).
 */
export class NameConstraintsState {
  private readonly permittedLayers: GeneralName[][] = [];
  private readonly excluded: GeneralName[] = [];

  /** §6.1.4 (g): intersect permitted (as a new layer), union excluded. */
  add(nc: NameConstraints): void {
    if (nc.permitted) this.permittedLayers.push(nc.permitted);
    if (nc.excluded) this.excluded.push(...nc.excluded);
  }

  get isEmpty(): boolean {
    return this.permittedLayers.length === 0 && this.excluded.length === 0;
  }

  /** §6.1.3 (b)-(c): undefined if every name is permitted and none excluded, else the reason. */
  check(names: readonly GeneralName[]): string | undefined {
    if (this.isEmpty) return undefined;
    for (const name of names) {
      let constrained = false;
      for (const layer of this.permittedLayers) {
        let relevant = false, ok = false;
        for (const base of layer) {
          const r = nameWithinSubtree(name, base);
          if (r === undefined) continue;
          relevant = true;
          if (r === 'unsupported') return `a ${name.type} name meets a ${name.type} constraint, which kyso does not process`;
          if (r) { ok = true; break; }
        }
        if (relevant) {
          constrained = true;
          const p = nameProblem(name);
          if (p) return p;
          if (!ok) return `${describe(name)} is not within the permitted subtrees`;
        }
      }
      for (const base of this.excluded) {
        const r = nameWithinSubtree(name, base);
        if (r === undefined) continue;
        if (r === 'unsupported') return `a ${name.type} name meets a ${name.type} constraint, which kyso does not process`;
        if (!constrained) {
          const p = nameProblem(name);
          if (p) return p;
        }
        if (r) return `${describe(name)} is within the excluded subtrees`;
      }
    }
    return undefined;
  }
}

function describe(g: GeneralName): string {
  switch (g.type) {
    case 'dns': return `dNSName "${g.value}"`;
    case 'rfc822': return `rfc822Name "${g.value}"`;
    case 'uri': return `URI "${g.value}"`;
    case 'ip': return `iPAddress ${formatIp(g.bytes)}`;
    case 'directory': return 'the directory name';
    default: return g.type;
  }
}
