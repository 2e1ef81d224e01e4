/**
 * Certificate serial numbers (RFC 5280 §4.1.2.2; CA/B Forum practice of ≥ 64 bits of CSPRNG output):
 * 16 bytes, the first forced into 0x40–0x7F so the INTEGER is positive, minimal and always
 * 16 octets — 126 random bits.
 */
import type { CryptoPort } from '../ports.ts';
import { toHex } from '../asn1/der.ts';

export function generateSerial(crypto: CryptoPort): { bytes: Uint8Array; hex: string } {
  const bytes = crypto.randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return { bytes, hex: toHex(bytes) };
}

/**
 * Normalises a serial as a person or a tool writes it (hex, optional 0x, colons, spaces, any case)
 * to kyso's key form: lower-case hex without leading zeros. Returns '' when it is not hex.
 */
export function normalizeSerialHex(s: string): string {
  const h = s.trim().replace(/^0x/i, '').replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(h)) return '';
  return h.replace(/^0+/, '') || '0';
}
