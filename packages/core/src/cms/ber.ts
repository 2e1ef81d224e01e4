/**
 * BER → DER normalisation for CMS read from the wild (PDF signatures made by some libraries use
 * indefinite lengths and constructed OCTET STRINGs). X.690 §8.1.3.6 indefinite lengths become
 * definite (§10.1), §8.7.3 / §8.6.3 constructed strings become primitive (§10.2), long-form lengths
 * become minimal (§10.1). Values are otherwise kept byte for byte, so a DER certificate inside
 * stays exactly as it was signed. RFC 5652 §5.4: signed attributes are verified over their DER
 * encoding, which is what this produces.
 */
import { KysoError } from '../errors.ts';

interface Node {
  tag: number;
  /** Primitive content (a view of the input, or a joined constructed string). */
  content?: Uint8Array;
  children?: Node[];
  /** Encoded content length, computed once. */
  length: number;
}

const MAX_DEPTH = 64;
/** Universal string types that BER may send constructed (X.690 §8.7.3, §8.23). */
const STRING_TAGS = new Set([0x04, 0x0c, 0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1a, 0x1b, 0x1c, 0x1e]);

function bad(msg: string): never {
  throw new KysoError('malformed', `BER: ${msg}`);
}

function headerLength(len: number): number {
  if (len < 0x80) return 2;
  let n = 0;
  for (let v = len; v > 0; v = Math.floor(v / 256)) n++;
  return 2 + n;
}

function parse(bytes: Uint8Array, pos: number, limit: number, depth: number): { node: Node; end: number } {
  if (depth > MAX_DEPTH) bad(`nesting deeper than ${MAX_DEPTH} levels`);
  if (pos + 2 > limit) bad('truncated header');
  const tag = bytes[pos]!;
  if ((tag & 0x1f) === 0x1f) bad('multi-byte tags are not supported');
  if (tag === 0) bad('unexpected end-of-contents');
  let p = pos + 1;
  const first = bytes[p++]!;
  const constructed = (tag & 0x20) !== 0;
  let contentEnd: number | undefined;
  if (first === 0x80) {
    if (!constructed) bad('indefinite length on a primitive value');
  } else if (first < 0x80) contentEnd = p + first;
  else {
    const n = first & 0x7f;
    if (n > 4 || p + n > limit) bad('bad length');
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[p++]!;
    contentEnd = p + len;
  }
  if (contentEnd !== undefined && contentEnd > limit) bad('content runs past the end of its container');
  if (!constructed) {
    const content = bytes.subarray(p, contentEnd);
    return { node: { tag, content, length: content.length }, end: contentEnd! };
  }
  const children: Node[] = [];
  const stop = contentEnd ?? limit;
  for (;;) {
    if (contentEnd === undefined) {
      if (p + 2 > limit) bad('missing end-of-contents');
      if (bytes[p] === 0 && bytes[p + 1] === 0) { p += 2; break; }
    } else if (p >= stop) break;
    const c = parse(bytes, p, stop, depth + 1);
    children.push(c.node);
    p = c.end;
  }
  const universal = (tag & 0xc0) === 0;
  const inner = tag & 0x1f;
  if (universal && (STRING_TAGS.has(inner) || inner === 0x03)) return { node: joinString(tag & ~0x20, children), end: p };
  let length = 0;
  for (const c of children) length += headerLength(c.length) + c.length;
  return { node: { tag, children, length }, end: p };
}

/** §8.7.3.2 / §8.6.4: the segments of a constructed string are strings of the same type. */
function joinString(tag: number, segments: Node[]): Node {
  const parts: Uint8Array[] = [];
  const flatten = (list: Node[]) => {
    for (const s of list) {
      if (s.children) {
        if ((s.tag & ~0x20) !== tag) bad('constructed string segment of another type');
        flatten(s.children);
      } else {
        if (s.tag !== tag) bad('constructed string segment of another type');
        parts.push(s.content!);
      }
    }
  };
  flatten(segments);
  if (tag === 0x03) {
    // BIT STRING: each segment carries its own unused-bits octet; only the last may be non-zero.
    let total = 1;
    for (let i = 0; i < parts.length; i++) {
      const s = parts[i]!;
      if (s.length === 0) bad('empty BIT STRING segment');
      if (i < parts.length - 1 && s[0] !== 0) bad('unused bits in a BIT STRING segment other than the last');
      total += s.length - 1;
    }
    const out = new Uint8Array(total);
    out[0] = parts.length ? parts[parts.length - 1]![0]! : 0;
    let o = 1;
    for (const s of parts) { out.set(s.subarray(1), o); o += s.length - 1; }
    return { tag, content: out, length: out.length };
  }
  let total = 0;
  for (const s of parts) total += s.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const s of parts) { out.set(s, o); o += s.length; }
  return { tag, content: out, length: out.length };
}

function write(node: Node, out: Uint8Array, pos: number): number {
  out[pos++] = node.tag;
  const len = node.length;
  if (len < 0x80) out[pos++] = len;
  else {
    const n = headerLength(len) - 2;
    out[pos++] = 0x80 | n;
    for (let i = n - 1; i >= 0; i--) out[pos++] = Math.floor(len / 256 ** i) & 0xff;
  }
  if (node.content) { out.set(node.content, pos); return pos + node.content.length; }
  for (const c of node.children!) pos = write(c, out, pos);
  return pos;
}

/**
 * Re-encodes one BER TLV spanning all of `bytes` with DER lengths and primitive strings
 * (X.690 §10.1, §10.2). SET OF ordering (§11.6) is not changed: a signer signed what it sent.
 * Throws KysoError('malformed') for input that is not BER. `allowZeroPadding` ignores zero bytes
 * after the structure (a PDF /Contents string).
 */
export function normaliseBer(bytes: Uint8Array, opts: { allowZeroPadding?: boolean } = {}): Uint8Array {
  const { node, end } = parse(bytes, 0, bytes.length, 0);
  if (end !== bytes.length && !(opts.allowZeroPadding && bytes.subarray(end).every((b) => b === 0))) bad('trailing data after the structure');
  const out = new Uint8Array(headerLength(node.length) + node.length);
  write(node, out, 0);
  return out;
}
