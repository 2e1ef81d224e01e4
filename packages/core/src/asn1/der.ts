/**
 * A minimal DER (ITU-T X.690 §10) reader for the places where kyso needs the *exact* bytes of a
 * structure as it was received — the TBSCertificate a signature covers (RFC 5280 §4.1.1.3), a
 * Name compared byte-for-byte, signed attributes — rather than a re-encoding of a parsed model.
 */
import { KysoError } from '../errors.ts';

export interface Tlv {
  /** The identifier octet (single-byte tags only, which is all X.509/CMS use). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  valueStart: number;
  /** Offset one past the last content octet. */
  end: number;
}

/** Reads one TLV at `offset`; throws KysoError('malformed') on truncation or non-DER lengths. */
export function readTlv(bytes: Uint8Array, offset = 0, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw new KysoError('malformed', 'DER: truncated header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new KysoError('malformed', 'DER: multi-byte tags are not supported');
  let pos = offset + 1;
  const first = bytes[pos++]!;
  let length: number;
  if (first < 0x80) length = first;
  else if (first === 0x80) throw new KysoError('malformed', 'DER: indefinite length is not DER');
  else {
    const n = first & 0x7f;
    if (n > 4 || pos + n > limit) throw new KysoError('malformed', 'DER: bad length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[pos++]!;
    if (length < 0x80 || (n > 1 && bytes[pos - n] === 0)) throw new KysoError('malformed', 'DER: non-minimal length');
  }
  const end = pos + length;
  if (end > limit) throw new KysoError('malformed', 'DER: content runs past the end of its container');
  return { tag, start: offset, valueStart: pos, end };
}

/** The TLVs directly inside a constructed TLV. */
export function readChildren(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.valueStart;
  while (pos < parent.end) {
    const child = readTlv(bytes, pos, parent.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** The whole encoding (header + content) of a TLV. */
export function tlvBytes(bytes: Uint8Array, t: Tlv): Uint8Array {
  return bytes.subarray(t.start, t.end);
}

/** Reads a single top-level TLV that must span all of `bytes`. */
export function readWhole(bytes: Uint8Array, what: string): Tlv {
  const t = readTlv(bytes, 0);
  if (t.end !== bytes.length) throw new KysoError('malformed', `${what}: trailing data after the DER structure`);
  return t;
}

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const out: number[] = [];
  while (n > 0) { out.unshift(n & 0xff); n = Math.floor(n / 256); }
  return Uint8Array.from([0x80 | out.length, ...out]);
}

/** Encodes one TLV from a tag and its content. */
export function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  const len = encodeLength(content.length);
  const out = new Uint8Array(1 + len.length + content.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) throw new KysoError('malformed', `not a hex string: ${s.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/** An ArrayBuffer holding exactly these bytes (asn1-schema wants ArrayBuffers). */
export function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/**
 * The dotted form of OBJECT IDENTIFIER contents `bytes[start, end)` (X.690 §8.19), or which DER rule
 * they break. Arcs are accumulated as numbers while they stay exact (below 2^46 before a shift) and
 * as bigints beyond, so ordinary OIDs cost no bigint arithmetic.
 */
export function oidToString(bytes: Uint8Array, start: number, end: number): string | { error: 'empty' | 'non-minimal' | 'truncated' } {
  if (end <= start) return { error: 'empty' };
  let out = '';
  let v = 0;
  let big: bigint | undefined;
  let first = true;
  let arcStart = true;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (arcStart && b === 0x80) return { error: 'non-minimal' };
    if (big !== undefined) big = (big << 7n) | BigInt(b & 0x7f);
    else if (v >= 2 ** 46) big = (BigInt(v) << 7n) | BigInt(b & 0x7f);
    else v = v * 128 + (b & 0x7f);
    arcStart = (b & 0x80) === 0;
    if (!arcStart) continue;
    if (first) {
      // The first subidentifier packs the first two arcs (X.690 §8.19.4).
      const x = big ?? BigInt(v);
      out = x < 40n ? `0.${x}` : x < 80n ? `1.${x - 40n}` : `2.${x - 80n}`;
      first = false;
    } else {
      out += `.${big ?? v}`;
    }
    v = 0;
    big = undefined;
  }
  if (!arcStart) return { error: 'truncated' };
  return out;
}
