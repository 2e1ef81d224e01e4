/** A Signer over an in-memory node:crypto private key (after it was unlocked from an encrypted store). */
import { createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { KysoError, requireAcceptableKey, type KeySpec, type SignatureAlgorithm, type Signer } from '@kyso/core';
import { nodeSignOptions } from '../crypto/node-crypto.ts';

export class KeyObjectSigner implements Signer {
  readonly keySpec: KeySpec;
  readonly publicKey: Uint8Array;
  readonly #key: KeyObject;

  constructor(privateKey: KeyObject) {
    if (privateKey.type !== 'private') throw new KysoError('invalid-argument', 'KeyObjectSigner needs a private key');
    this.#key = privateKey;
    this.publicKey = new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
    this.keySpec = requireAcceptableKey(this.publicKey);
  }

  async sign(data: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array> {
    return this.signSync(data, algorithm);
  }

  /** Synchronous form, for hot loops (benchmarks, CRL/OCSP pre-signing). */
  signSync(data: Uint8Array, algorithm: SignatureAlgorithm): Uint8Array {
    if ((algorithm.scheme === 'ECDSA') !== (this.keySpec.kind === 'ec')) {
      throw new KysoError('invalid-argument', `${algorithm.scheme} cannot be used with a ${this.keySpec.kind.toUpperCase()} key`);
    }
    return signWithKeyObject(this.#key, data, algorithm);
  }
}

/** One signature with a node private key, encoded as X.509/CMS carry it. */
export function signWithKeyObject(key: KeyObject, data: Uint8Array, algorithm: SignatureAlgorithm): Uint8Array {
  const o = nodeSignOptions(algorithm);
  return new Uint8Array(nodeSign(o.hash, data, { key, padding: o.padding, saltLength: o.saltLength, dsaEncoding: o.dsaEncoding }));
}
