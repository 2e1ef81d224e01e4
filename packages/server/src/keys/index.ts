/**
 * Keys at rest and key containers: encrypted PKCS#8 (RFC 5958 + RFC 8018 PBES2, scrypt RFC 7914),
 * PKCS#12 (RFC 7292), PKCS#11 tokens (OASIS PKCS#11 v2.40), and the in-memory KeyObject signer.
 * (`asn1.ts` and `pbes2.ts` are internal helpers.)
 */
export * from './key-object-signer.ts';
export * from './encrypted-pkcs8.ts';
export * from './pkcs12.ts';
export * from './pkcs11-signer.ts';
