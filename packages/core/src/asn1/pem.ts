/** PEM (RFC 7468) encoding and decoding. */
import { KysoError } from '../errors.ts';

export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export interface PemBlock { label: string; der: Uint8Array }

/** Every PEM block in `text`, in order. Throws KysoError('malformed') on a broken block. */
export function decodePemAll(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    const body = m[2]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new KysoError('malformed', `PEM ${m[1]}: invalid base64`);
    out.push({ label: m[1]!, der: new Uint8Array(Buffer.from(body, 'base64')) });
  }
  return out;
}

/** One block with the given label (the first), or a clear error. */
export function decodePem(text: string, label: string): Uint8Array {
  const block = decodePemAll(text).find((b) => b.label === label);
  if (!block) throw new KysoError('malformed', `no PEM block "${label}" found`);
  return block.der;
}

/** Accepts DER bytes or PEM text of the given label(s): returns DER blocks. */
export function derOrPem(bytes: Uint8Array, labels: readonly string[]): Uint8Array[] {
  if (bytes.length > 0 && bytes[0] === 0x30) return [bytes];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const blocks = decodePemAll(text).filter((b) => labels.includes(b.label));
  if (blocks.length === 0) throw new KysoError('malformed', `expected DER or PEM (${labels.join(', ')})`);
  return blocks.map((b) => b.der);
}
