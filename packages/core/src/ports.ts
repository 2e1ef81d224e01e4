/**
 * Ports: the only ways core reaches the outside world. Core never imports node:crypto, fs, net,
 * a database, the environment or the system clock; implementations live in @kyso/server
 * (`server/src/crypto`, `server/src/keys`) and @kyso/testkit.
 */

/** Hash functions by their WebCrypto-style names. SHA-1 exists only to *verify* legacy data. */
export type HashName = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/**
 * A signature scheme and its hash. For RSASSA-PSS `saltLength` is in bytes (RFC 4055 §3.1;
 * kyso signs with salt length = hash length and MGF1 with the same hash).
 */
export interface SignatureAlgorithm {
  scheme: 'RSASSA-PKCS1-v1_5' | 'RSASSA-PSS' | 'ECDSA' | 'DSA' | 'Ed25519';
  hash: HashName | null;
  saltLength?: number;
}

/** A key type that kyso may create or accept for a new certificate. */
export type KeySpec =
  | { kind: 'rsa'; bits: 2048 | 3072 | 4096 }
  | { kind: 'ec'; curve: 'P-256' | 'P-384' };

/**
 * Synchronous primitives core needs to *check* things: hashing, signature verification, randomness.
 * `verify` returns false (never throws) for a wrong signature; it throws KysoError('unsupported')
 * for a key or algorithm it cannot handle.
 */
export interface CryptoPort {
  digest(hash: HashName, data: Uint8Array): Uint8Array;
  /** The digest of the concatenation of `parts`, without copying them together (large PDFs). */
  digestParts?(hash: HashName, parts: readonly Uint8Array[]): Uint8Array;
  /**
   * Hashes `prefix` once, then finishes one copy of that running hash per branch (its parts appended):
   * several digests that share a long common start in one pass.
   */
  digestFork?(hash: HashName, prefix: readonly Uint8Array[], branches: readonly (readonly Uint8Array[])[]): Uint8Array[];
  verify(params: {
    algorithm: SignatureAlgorithm;
    /** DER SubjectPublicKeyInfo of the signer. */
    spki: Uint8Array;
    data: Uint8Array;
    /** As carried in X.509/CMS: ECDSA and DSA as DER Ecdsa-Sig-Value / Dss-Sig-Value. */
    signature: Uint8Array;
  }): boolean;
  randomBytes(length: number): Uint8Array;
}

/**
 * The only thing that touches a private key: a file key, a PKCS#11 token, later a phone.
 * `sign` receives the exact to-be-signed bytes (a TBSCertificate, CMS signed attributes…) and
 * returns the signature as X.509/CMS carry it (ECDSA: DER Ecdsa-Sig-Value).
 */
export interface Signer {
  readonly keySpec: KeySpec;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey: Uint8Array;
  sign(data: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array>;
}

/** The time, injected; tests freeze it. */
export interface Clock {
  now(): Date;
}
