/**
 * Small secrets the server has to read back later (the signing secret of each webhook): sealed with
 * AES-256-GCM (NIST SP 800-38D) under a subkey derived with HKDF-SHA256 (RFC 5869) from the
 * installation's key-encryption key, so the database alone opens nothing. The caller's label (e.g.
 * `webhook:<id>`) is the associated data: a sealed value copied to another row does not open.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { KysoError } from '@kyso/core';

const VERSION = 'v1';

export class SecretBox {
  readonly #key: Buffer;

  /** `purpose` separates subkeys: the same KEK never encrypts two kinds of data under one key. */
  constructor(kek: Uint8Array, purpose: string) {
    this.#key = Buffer.from(hkdfSync('sha256', kek, new Uint8Array(0), `kyso secret box: ${purpose}`, 32));
  }

  /** `v1.<base64url(iv ‖ tag ‖ ciphertext)>` */
  seal(plaintext: string, label: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv).setAAD(Buffer.from(label, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')}`;
  }

  open(sealed: string, label: string): string {
    const [version, body] = sealed.split('.', 2);
    const raw = Buffer.from(body ?? '', 'base64url');
    if (version !== VERSION || raw.length < 28) throw new KysoError('internal', `the stored secret for ${label} is not in a known format`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12)).setAAD(Buffer.from(label, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new KysoError('internal', `the stored secret for ${label} cannot be opened with this server secret`);
    }
  }
}
