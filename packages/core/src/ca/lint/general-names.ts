/**
 * GeneralName lints (RFC 5280 §4.2.1.6) shared by subjectAltName, issuerAltName, CRL distribution
 * points, authority/subject information access, AKI and name constraints: IA5String content,
 * dNSName preferred name syntax (RFC 1034 §3.5, RFC 5890 §2.3), rfc822Name Mailbox syntax
 * (RFC 5321 §4.1.2), URI syntax (RFC 3986 §3), iPAddress lengths, SmtpUTF8Mailbox (RFC 9598).
 */
import type { LintContext } from './context.ts';
import {
  asciiText, contentOf, decodeOid, decodeStringNode, DerError, expectTag, isAscii, parseWhole, readOid, TAG,
  type DerNode,
} from './der-tree.ts';
import { LOID } from './lint-oids.ts';
import { lintName } from './name-lints.ts';

export type GeneralNameType = 'otherName' | 'rfc822Name' | 'dNSName' | 'x400Address' | 'directoryName'
  | 'ediPartyName' | 'uniformResourceIdentifier' | 'iPAddress' | 'registeredID';

const GN_TYPES: GeneralNameType[] = ['otherName', 'rfc822Name', 'dNSName', 'x400Address', 'directoryName',
  'ediPartyName', 'uniformResourceIdentifier', 'iPAddress', 'registeredID'];

export interface GeneralNameValue {
  type: GeneralNameType;
  /** IA5 text of rfc822Name / dNSName / URI; dotted OID of registeredID; type-id of otherName. */
  text?: string;
  /** For otherName SmtpUTF8Mailbox: the mailbox. */
  mailbox?: string;
  /** IP address octets. */
  octets?: Uint8Array;
}

export interface GeneralNameOptions {
  /** In a name constraint (RFC 5280 §4.2.1.10): different syntax for dNSName, rfc822Name, URI and iPAddress. */
  constraint?: boolean;
  /** Allow a leading "*." label in dNSName (RFC 6125 §6.4.3). */
  wildcard?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Punycode (RFC 3492 §6.2) — only decoding, to check A-labels.

const PC = { base: 36, tmin: 1, tmax: 26, skew: 38, damp: 700, bias: 72, n: 128 } as const;

function adapt(delta: number, numPoints: number, first: boolean): number {
  let d = first ? Math.floor(delta / PC.damp) : delta >> 1;
  d += Math.floor(d / numPoints);
  let k = 0;
  while (d > ((PC.base - PC.tmin) * PC.tmax) >> 1) {
    d = Math.floor(d / (PC.base - PC.tmin));
    k += PC.base;
  }
  return k + Math.floor(((PC.base - PC.tmin + 1) * d) / (d + PC.skew));
}

function digitOf(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 22; // '0'..'9' → 26..35
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61;
  return PC.base;
}

/** Decodes a Punycode string; undefined if it is not valid Punycode. */
export function punycodeDecode(input: string): string | undefined {
  const out: number[] = [];
  let n: number = PC.n;
  let i = 0;
  let bias: number = PC.bias;
  const b = input.lastIndexOf('-');
  if (b > 0) {
    for (let j = 0; j < b; j++) {
      const c = input.charCodeAt(j);
      if (c >= 0x80) return undefined;
      out.push(c);
    }
  }
  let pos = b > 0 ? b + 1 : 0;
  while (pos < input.length) {
    const oldi = i;
    let w = 1;
    for (let k = PC.base; ; k += PC.base) {
      if (pos >= input.length) return undefined;
      const digit = digitOf(input.charCodeAt(pos++));
      if (digit >= PC.base) return undefined;
      i += digit * w;
      if (i > 0x10ffff * 64) return undefined;
      const t = k <= bias ? PC.tmin : k >= bias + PC.tmax ? PC.tmax : k - bias;
      if (digit < t) break;
      w *= PC.base - t;
    }
    bias = adapt(i - oldi, out.length + 1, oldi === 0);
    n += Math.floor(i / (out.length + 1));
    i %= out.length + 1;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
    out.splice(i, 0, n);
    i++;
  }
  return String.fromCodePoint(...out);
}

// ---------------------------------------------------------------------------------------------
// Syntax checks

export interface DomainCheck { tooLong: boolean; problem?: string }

/**
 * RFC 1034 §3.5 preferred name syntax as RFC 5280 §4.2.1.6 requires for dNSName, with RFC 5890
 * §2.3.1 reserved-label and A-label checks. Length is judged separately (`tooLong`, > 253 octets).
 */
export function checkDomainName(name: string, opts: { wildcard?: boolean } = {}): DomainCheck {
  const tooLong = name.length > 253;
  if (name.length === 0) return { tooLong, problem: 'is empty' };
  if (!isAsciiString(name)) return { tooLong, problem: 'contains non-ASCII characters (use A-labels)' };
  let rest = name;
  if (opts.wildcard && rest.startsWith('*.')) rest = rest.slice(2);
  if (rest.endsWith('.')) return { tooLong, problem: 'ends with a dot' };
  for (const label of rest.split('.')) {
    if (label.length === 0) return { tooLong, problem: 'has an empty label' };
    if (label.length > 63) return { tooLong, problem: `has a label longer than 63 characters` };
    if (!/^[A-Za-z0-9-]+$/.test(label)) return { tooLong, problem: `has a label "${label}" with characters other than letters, digits and hyphen` };
    if (label.startsWith('-') || label.endsWith('-')) return { tooLong, problem: `has a label "${label}" that starts or ends with a hyphen` };
    if (label.length >= 4 && label[2] === '-' && label[3] === '-') {
      if (label.slice(0, 4).toLowerCase() !== 'xn--') return { tooLong, problem: `has a reserved LDH label "${label}" (RFC 5890 §2.3.1)` };
      const u = punycodeDecode(label.slice(4));
      if (u === undefined || isAsciiString(u) || u !== u.normalize('NFC')) return { tooLong, problem: `has an invalid A-label "${label}" (RFC 5890 §2.3.2.1)` };
    }
  }
  return { tooLong };
}

function isAsciiString(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}

const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const DOT_STRING = new RegExp(`^${ATEXT}+(\\.${ATEXT}+)*$`);
const QUOTED_STRING = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;

export interface MailboxCheck { domainTooLong: boolean; problem?: string }

/** RFC 5321 §4.1.2 Mailbox (ASCII), as rfc822Name requires (RFC 5280 §4.2.1.6). */
export function checkMailbox(s: string, opts: { utf8?: boolean } = {}): MailboxCheck {
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return { domainTooLong: false, problem: 'is not of the form local-part@domain' };
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  const domainTooLong = domain.length > 253;
  if (opts.utf8) {
    if (/[\x00-\x20"(),:;<>@[\\\]\x7f]/.test(local.replace(/\./g, '')) || /^\.|\.\.|\.$/.test(local)) {
      return { domainTooLong, problem: 'has an invalid local part' };
    }
  } else if (!DOT_STRING.test(local) && !QUOTED_STRING.test(local)) {
    return { domainTooLong, problem: 'has an invalid local part' };
  }
  if (local.length > 64 && !opts.utf8) return { domainTooLong, problem: 'has a local part longer than 64 octets' };
  if (domain.startsWith('[')) {
    if (!/^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\]$/.test(domain)) return { domainTooLong, problem: 'has an invalid address literal' };
    return { domainTooLong };
  }
  const d = checkDomainName(domain);
  if (d.problem) return { domainTooLong, problem: `has a domain that ${d.problem}` };
  return { domainTooLong };
}

export interface UriCheck { hostTooLong: boolean; scheme?: string; host?: string; problem?: string }

/** RFC 3986 §3 URI with a scheme, as RFC 5280 §4.2.1.6 requires for uniformResourceIdentifier. */
export function checkUri(s: string): UriCheck {
  if (s.length === 0) return { hostTooLong: false, problem: 'is empty' };
  if (!/^[\x21-\x7e]+$/.test(s)) return { hostTooLong: false, problem: 'contains spaces, control or non-ASCII characters' };
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(s);
  if (!m) return { hostTooLong: false, problem: 'has no scheme' };
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (rest.length === 0) return { hostTooLong: false, scheme, problem: 'has no scheme-specific part' };
  if (/%(?![0-9A-Fa-f]{2})/.test(rest)) return { hostTooLong: false, scheme, problem: 'has an invalid percent-encoding' };
  if (/[<>"{}|\\^`]/.test(rest)) return { hostTooLong: false, scheme, problem: 'contains characters that must be percent-encoded' };
  if (!rest.startsWith('//')) return { hostTooLong: false, scheme };
  let authority = rest.slice(2).split(/[/?#]/)[0]!;
  const atSign = authority.lastIndexOf('@');
  if (atSign >= 0) authority = authority.slice(atSign + 1);
  let host: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return { hostTooLong: false, scheme, problem: 'has an unterminated IP literal' };
    host = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== '' && !/^:\d*$/.test(after)) return { hostTooLong: false, scheme, host, problem: 'has an invalid port' };
    return { hostTooLong: false, scheme, host };
  }
  const colon = authority.indexOf(':');
  host = colon >= 0 ? authority.slice(0, colon) : authority;
  if (colon >= 0 && !/^\d*$/.test(authority.slice(colon + 1))) return { hostTooLong: false, scheme, host, problem: 'has an invalid port' };
  const hostTooLong = host.length > 253;
  if (host === '') {
    if (scheme === 'http' || scheme === 'https') return { hostTooLong, scheme, host, problem: 'has an empty host' };
    return { hostTooLong, scheme, host };
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
    if (host.split('.').some((o) => Number(o) > 255)) return { hostTooLong, scheme, host, problem: 'has an invalid IPv4 address' };
    return { hostTooLong, scheme, host };
  }
  if (!host.includes('%')) {
    const d = checkDomainName(host);
    if (d.problem) return { hostTooLong, scheme, host, problem: `has a host name that ${d.problem}` };
  }
  return { hostTooLong, scheme, host };
}

// ---------------------------------------------------------------------------------------------
// GeneralName walking

function ia5(ctx: LintContext, buf: Uint8Array, n: DerNode, what: string, path: string): string | undefined {
  if (n.constructed) throw new DerError(`${what}: expected a primitive IA5String`, n.start);
  const c = contentOf(buf, n);
  if (!isAscii(c)) {
    ctx.sink.add('rfc5280.string_invalid', `The ${what} is an IA5String that contains non-ASCII octets.`, path);
    return undefined;
  }
  return asciiText(c);
}

/** Lints one GeneralName and returns what it holds. Throws DerError when the structure is broken. */
export function lintGeneralName(ctx: LintContext, buf: Uint8Array, n: DerNode, path: string, opts: GeneralNameOptions = {}): GeneralNameValue {
  const sink = ctx.sink;
  if (n.cls !== 2 || n.num > 8) throw new DerError('GeneralName: unexpected tag', n.start);
  const type = GN_TYPES[n.num]!;
  const where = `${path} (${type})`;
  switch (type) {
    case 'rfc822Name': {
      const text = ia5(ctx, buf, n, `rfc822Name in ${path}`, where);
      if (text === undefined) return { type };
      if (text.length === 0) {
        if (!opts.constraint) sink.add('rfc5280.general_name_empty', `An rfc822Name in ${path} is empty.`, where);
        return { type, text };
      }
      if (opts.constraint && !text.includes('@')) {
        // A host or a domain (".example.com").
        const d = checkDomainName(text.startsWith('.') ? text.slice(1) : text);
        if (d.problem) sink.add('rfc5280.rfc822_name_invalid', `The rfc822Name constraint "${text}" in ${path} ${d.problem}.`, where);
        if (d.tooLong) sink.add('rfc5280.rfc822_name_domain_too_long', `The rfc822Name constraint "${short(text)}" in ${path} is longer than 253 characters.`, where);
        return { type, text };
      }
      const m = checkMailbox(text);
      if (m.problem) sink.add('rfc5280.rfc822_name_invalid', `The rfc822Name "${short(text)}" in ${path} ${m.problem}.`, where);
      if (m.domainTooLong) sink.add('rfc5280.rfc822_name_domain_too_long', `The domain of the rfc822Name "${short(text)}" in ${path} is longer than 253 characters.`, where);
      return { type, text };
    }
    case 'dNSName': {
      const text = ia5(ctx, buf, n, `dNSName in ${path}`, where);
      if (text === undefined) return { type };
      if (text.length === 0) {
        if (!opts.constraint) sink.add('rfc5280.general_name_empty', `A dNSName in ${path} is empty.`, where);
        return { type, text };
      }
      if (text === ' ') {
        sink.add('rfc5280.dns_name_invalid', `The dNSName " " in ${path} is not a domain name.`, where);
        return { type, text };
      }
      const d = checkDomainName(opts.constraint && text.startsWith('.') ? text.slice(1) : text, { wildcard: opts.wildcard });
      if (d.problem) sink.add('rfc5280.dns_name_invalid', `The dNSName "${short(text)}" in ${path} ${d.problem}.`, where);
      if (d.tooLong) sink.add('rfc5280.dns_name_too_long', `The dNSName "${short(text)}" in ${path} is longer than 253 characters.`, where);
      return { type, text };
    }
    case 'uniformResourceIdentifier': {
      const text = ia5(ctx, buf, n, `URI in ${path}`, where);
      if (text === undefined) return { type };
      if (text.length === 0) {
        sink.add('rfc5280.general_name_empty', `A URI in ${path} is empty.`, where);
        return { type, text };
      }
      if (opts.constraint) {
        const d = checkDomainName(text.startsWith('.') ? text.slice(1) : text);
        if (d.problem) sink.add('rfc5280.uri_invalid', `The URI constraint "${short(text)}" in ${path} ${d.problem}.`, where);
        if (d.tooLong) sink.add('rfc5280.uri_host_too_long', `The URI constraint "${short(text)}" in ${path} is longer than 253 characters.`, where);
        return { type, text };
      }
      const u = checkUri(text);
      if (u.problem) sink.add('rfc5280.uri_invalid', `The URI "${short(text)}" in ${path} ${u.problem}.`, where);
      if (u.hostTooLong) sink.add('rfc5280.uri_host_too_long', `The host of the URI "${short(text)}" in ${path} is longer than 253 characters.`, where);
      return { type, text };
    }
    case 'iPAddress': {
      if (n.constructed) throw new DerError('iPAddress: expected a primitive OCTET STRING', n.start);
      const octets = contentOf(buf, n);
      if (opts.constraint) {
        if (octets.length !== 8 && octets.length !== 32) {
          sink.add('rfc5280.ip_address_invalid', `An iPAddress constraint in ${path} has ${octets.length} octets instead of 8 or 32.`, where);
        } else if (!contiguousMask(octets.subarray(octets.length / 2))) {
          sink.add('rfc5280.ip_address_invalid', `An iPAddress constraint in ${path} has a non-contiguous mask.`, where);
        }
      } else if (octets.length !== 4 && octets.length !== 16) {
        sink.add('rfc5280.ip_address_invalid', `An iPAddress in ${path} has ${octets.length} octets instead of 4 or 16.`, where);
      }
      return { type, octets };
    }
    case 'registeredID': {
      if (n.constructed) throw new DerError('registeredID: expected a primitive OBJECT IDENTIFIER', n.start);
      return { type, text: decodeOid(contentOf(buf, n), n.start) };
    }
    case 'directoryName': {
      if (!n.constructed || n.children?.length !== 1) throw new DerError('directoryName: expected an explicitly tagged Name', n.start);
      const r = lintName(ctx, buf, n.children[0]!, where);
      if (r.empty && !opts.constraint) sink.add('rfc5280.general_name_empty', `A directoryName in ${path} is an empty name.`, where);
      return { type };
    }
    case 'otherName': {
      const [typeNode, valueNode, extra] = n.children ?? [];
      if (!n.constructed || !valueNode || extra) throw new DerError('otherName: expected type-id and [0] value', n.start);
      const oid = readOid(buf, typeNode, 'otherName type-id');
      if (valueNode.tag !== 0xa0 || valueNode.children?.length !== 1) throw new DerError('otherName: value must be [0] EXPLICIT', valueNode.start);
      if (oid === LOID.onSmtpUtf8Mailbox) {
        const inner = valueNode.children[0]!;
        if (inner.tag !== TAG.UTF8String) {
          sink.add('rfc5280.smtp_utf8_mailbox_invalid', `The SmtpUTF8Mailbox in ${path} is not a UTF8String.`, where);
          return { type, text: oid };
        }
        const s = decodeStringNode(buf, inner)!;
        if (s.invalid) {
          sink.add('rfc5280.string_invalid', `The SmtpUTF8Mailbox in ${path} ${s.invalid}.`, where);
          return { type, text: oid };
        }
        lintSmtpUtf8Mailbox(ctx, s.text, path, where);
        return { type, text: oid, mailbox: s.text };
      }
      return { type, text: oid };
    }
    default:
      return { type };
  }
}

/** RFC 9598 §3: a non-ASCII local part, and a domain part of A-labels / NR-LDH labels. */
function lintSmtpUtf8Mailbox(ctx: LintContext, text: string, path: string, where: string): void {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) {
    ctx.sink.add('rfc5280.smtp_utf8_mailbox_invalid', `The SmtpUTF8Mailbox "${short(text)}" in ${path} is not of the form local-part@domain.`, where);
    return;
  }
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (isAsciiString(local)) {
    ctx.sink.add('rfc5280.smtp_utf8_mailbox_invalid', `The SmtpUTF8Mailbox "${short(text)}" in ${path} has an ASCII local part; such mailboxes belong in rfc822Name.`, where);
  }
  const m = checkMailbox(text, { utf8: true });
  const d = checkDomainName(domain);
  if (d.problem || m.problem) {
    ctx.sink.add('rfc5280.smtp_utf8_mailbox_invalid', `The SmtpUTF8Mailbox "${short(text)}" in ${path} ${d.problem ? `has a domain part that ${d.problem}` : m.problem}.`, where);
  }
}

function contiguousMask(mask: Uint8Array): boolean {
  let seenZero = false;
  for (const b of mask) {
    for (let i = 7; i >= 0; i--) {
      const bit = (b >> i) & 1;
      if (bit === 0) seenZero = true;
      else if (seenZero) return false;
    }
  }
  return true;
}

/**
 * Lints GeneralNames (SEQUENCE SIZE (1..MAX) OF GeneralName). `n` is the SEQUENCE or its implicitly
 * tagged replacement. An empty sequence is reported.
 */
export function lintGeneralNames(ctx: LintContext, buf: Uint8Array, n: DerNode, path: string, opts: GeneralNameOptions = {}): GeneralNameValue[] {
  if (!n.constructed) throw new DerError('GeneralNames: expected a constructed SEQUENCE', n.start);
  const items = n.children ?? [];
  if (items.length === 0) ctx.sink.add('rfc5280.general_names_empty', `The GeneralNames in ${path} are empty, which SIZE (1..MAX) forbids.`, path);
  return items.map((g, i) => lintGeneralName(ctx, buf, g, `${path}[${i}]`, opts));
}

/** Parses the bytes of a standalone GeneralNames value (e.g. a SAN extension value). */
export function parseGeneralNamesValue(value: Uint8Array): DerNode {
  return expectTag(parseWhole(value), TAG.SEQUENCE, 'GeneralNames');
}

function short(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}
