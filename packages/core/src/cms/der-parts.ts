/**
 * One-allocation TLV assembly (X.690 §8.1, DER definite lengths §10.1) for the CMS and TSP hot
 * paths, complementing `asn1/der-writer.ts`: a constructed value built from several already-encoded
 * parts is written once instead of concatenated and then copied behind its header.
 */

/** The shared DER header helpers, under the names the CMS code uses. */
import { derLengthSize as lengthOctets, writeDerHeader as writeHeader } from '../asn1/der-writer.ts';
export { lengthOctets, writeHeader };

/** TLV of `tag` around the concatenation of `parts`, in one allocation. */
export function encodeTlvParts(tag: number, parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(1 + lengthOctets(len) + len);
  let pos = writeHeader(out, 0, tag, len);
  for (const p of parts) { out.set(p, pos); pos += p.length; }
  return out;
}

const SLAB_SIZE = 32 * 1024;
let slab = new Uint8Array(0);
let slabUsed = 0;

/**
 * Output buffers (≤ 4 KiB) for the per-token encodings, carved from shared 32 KiB slabs like Node's
 * Buffer pool: a typed array of more than a few dozen bytes is allocated off the JS heap, which
 * costs more than encoding a TSTInfo. The bytes returned are views (mind `byteOffset` when using
 * `.buffer`); a long-lived one keeps its slab alive (copy it to keep it for long); every byte is
 * written by the caller before it is returned, and slabs are never reused.
 */
export function allocBytes(n: number): Uint8Array {
  if (n > 4096) return new Uint8Array(n);
  if (slabUsed + n > slab.length) { slab = new Uint8Array(SLAB_SIZE); slabUsed = 0; }
  const out = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += (n + 7) & ~7;
  return out;
}
