/** The CryptoPort of core, implemented with node:crypto (OpenSSL). */
import * as nodeCryptoModule from 'node:crypto';
import { createHash, createPublicKey, randomBytes as nodeRandomBytes, verify as nodeVerify, constants, type KeyObject } from 'node:crypto';
import { KysoError, type CryptoPort, type HashName, type SignatureAlgorithm } from '@kyso/core';

const NODE_HASH: Record<HashName, string> = {
  'SHA-1': 'sha1', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512',
};

/** Lower-case hex SHA-256 of bytes or a UTF-8 string (blob names, token hashes, fingerprints in logs). */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function nodeHashName(h: HashName): string {
  return NODE_HASH[h];
}

const keyCache = new Map<string, KeyObject>();
function publicKeyFromSpki(spki: Uint8Array): KeyObject {
  const id = Buffer.from(spki).toString('base64');
  let key = keyCache.get(id);
  if (!key) {
    try {
      key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    } catch (e) {
      throw new KysoError('unsupported', `public key cannot be used: ${(e as Error).message}`, { cause: e });
    }
    if (keyCache.size > 4096) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

/** Node's options for one signature algorithm (shared by verify and the key-object signer). */
export function nodeSignOptions(alg: SignatureAlgorithm): { hash: string | null; padding?: number; saltLength?: number; dsaEncoding?: 'der' } {
  const hash = alg.hash ? NODE_HASH[alg.hash] : null;
  switch (alg.scheme) {
    case 'RSASSA-PKCS1-v1_5': return { hash, padding: constants.RSA_PKCS1_PADDING };
    case 'RSASSA-PSS': return { hash, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? 20 };
    case 'ECDSA': case 'DSA': return { hash, dsaEncoding: 'der' };
    case 'Ed25519': return { hash: null };
  }
}

/** One-shot crypto.hash (Node ≥ 20.12) is cheaper than createHash for small inputs. */
const oneShot = (nodeCryptoModule as unknown as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;

export const nodeCrypto: CryptoPort = {
  digest(hash, data) {
    const out = oneShot ? oneShot(NODE_HASH[hash], data, 'buffer') : createHash(NODE_HASH[hash]).update(data).digest();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  digestParts(hash, parts) {
    const h = createHash(NODE_HASH[hash]);
    for (const part of parts) h.update(part);
    const out = h.digest();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  digestFork(hash, prefix, branches) {
    const h = createHash(NODE_HASH[hash]);
    for (const part of prefix) h.update(part);
    return branches.map((parts) => {
      const c = h.copy();
      for (const part of parts) c.update(part);
      const out = c.digest();
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    });
  },
  verify({ algorithm, spki, data, signature }) {
    const key = publicKeyFromSpki(spki);
    const o = nodeSignOptions(algorithm);
    try {
      return nodeVerify(o.hash, data, { key, padding: o.padding, saltLength: o.saltLength, dsaEncoding: o.dsaEncoding }, signature);
    } catch {
      // OpenSSL refuses some mismatches (wrong key type for the scheme, bad DER signature): not a valid signature.
      return false;
    }
  },
  randomBytes(length) {
    return new Uint8Array(nodeRandomBytes(length));
  },
};
