/**
 * The byte-level file structure an incremental update relies on (ISO 32000-2 §7.5.2 header,
 * §7.5.5 file trailer, §7.5.6 incremental updates), read directly from the bytes rather than through
 * the parser: where the newest cross-reference section starts, which kind it is, and where each
 * revision ends. Used to append exactly after the input and to check that nothing was rewritten.
 */
import { KysoError } from '../errors.ts';

const WS = new Set([0, 9, 10, 12, 13, 32]);
const ascii = (bytes: Uint8Array, from: number, to: number): string => {
  let s = '';
  for (let i = from; i < to && i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
};

function lastIndexOf(bytes: Uint8Array, needle: string, before: number, notBefore = 0): number {
  const n = needle.length;
  outer: for (let i = Math.min(before, bytes.length) - n; i >= notBefore; i--) {
    for (let j = 0; j < n; j++) if (bytes[i + j] !== needle.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

/**
 * The PDF version in the header (`%PDF-1.7`), which must be within the first 1024 bytes (§7.5.2).
 * A header without a readable version (`%PDF-X.Y`, read by qpdf and poppler with a warning) gives
 * 'unknown': an incremental update cannot repair it and need not.
 */
export function headerVersion(bytes: Uint8Array): string {
  const head = ascii(bytes, 0, Math.min(bytes.length, 1024));
  const at = head.indexOf('%PDF-');
  if (at < 0) throw new KysoError('malformed', 'not a PDF file (no %PDF- header in the first 1024 bytes)');
  const m = /^%PDF-(\d\.\d)/.exec(head.slice(at));
  return m ? m[1]! : 'unknown';
}

/** The offset the last `startxref` keyword names (§7.5.5), from the last 4 KiB of the file. */
export function lastStartXref(bytes: Uint8Array): number {
  const at = lastIndexOf(bytes, 'startxref', bytes.length, Math.max(0, bytes.length - 4096));
  if (at < 0) throw new KysoError('malformed', 'PDF has no startxref near its end (truncated or not a PDF)');
  const m = /^startxref\s+(\d+)/.exec(ascii(bytes, at, at + 40));
  if (!m) throw new KysoError('malformed', 'PDF startxref is not followed by an offset');
  const offset = Number(m[1]);
  if (offset >= bytes.length) throw new KysoError('malformed', `PDF startxref ${offset} points beyond the end of the file`);
  return offset;
}

/** What sits at a cross-reference offset: a classic table (`xref`) or a stream object (`N G obj`). */
export function xrefKindAt(bytes: Uint8Array, offset: number): 'table' | 'stream' {
  let i = offset;
  while (i < bytes.length && WS.has(bytes[i]!)) i++;
  const head = ascii(bytes, i, i + 64);
  if (head.startsWith('xref')) return 'table';
  if (/^\d+\s+\d+\s+obj/.test(head)) return 'stream';
  throw new KysoError('malformed', `no cross-reference section at offset ${offset}`);
}

/**
 * End offsets of the revisions: after each `%%EOF` marker and its end-of-line (§7.5.5). A signature
 * whose ByteRange ends at one of these covers a whole revision.
 */
export function revisionEnds(bytes: Uint8Array): number[] {
  const ends: number[] = [];
  // Native indexOf finds each '%' (≈ 1 in 256 bytes of binary data); the rest is checked by hand.
  for (let i = bytes.indexOf(0x25); i >= 0 && i + 5 <= bytes.length; i = bytes.indexOf(0x25, i + 1)) {
    if (bytes[i + 1] !== 0x25 || bytes[i + 2] !== 0x45 || bytes[i + 3] !== 0x4f || bytes[i + 4] !== 0x46) continue; // %%EOF
    let end = i + 5;
    if (bytes[end] === 13) end++;
    if (bytes[end] === 10) end++;
    ends.push(end);
  }
  return ends;
}

export function startsWithBytes(whole: Uint8Array, prefix: Uint8Array): boolean {
  if (whole.length < prefix.length) return false;
  if (whole.buffer === prefix.buffer && whole.byteOffset === prefix.byteOffset) return true;
  let i = 0;
  // Eight bytes at a time when both views are aligned (a 20 MB PDF: 2.5 M comparisons, not 20 M).
  // A word that differs as a double (or is NaN) is re-checked byte by byte.
  if (whole.byteOffset % 8 === 0 && prefix.byteOffset % 8 === 0) {
    const words = prefix.length >>> 3;
    const a = new Float64Array(whole.buffer, whole.byteOffset, words);
    const b = new Float64Array(prefix.buffer, prefix.byteOffset, words);
    for (let w = 0; w < words; w++) {
      if (a[w] === b[w]) continue;
      for (let k = w * 8; k < w * 8 + 8; k++) if (whole[k] !== prefix[k]) return false;
    }
    i = words << 3;
  }
  for (; i < prefix.length; i++) if (whole[i] !== prefix[i]) return false;
  return true;
}
