/**
 * Test support: small certificate hierarchies built directly with the certificate builder (no
 * database, no key derivation), for CMS and TSP tests that need odd certificates — a TSA
 * certificate whose EKU is not critical, several key types — and PEM files for OpenSSL.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assembleCertificate, basicConstraintsExtension, encodeName, computeKeyIdentifier, encodePem, encodeTbsCertificate,
  extendedKeyUsageExtension, keyUsageExtension, parseCertificate, parseDnString, subjectKeyIdentifierExtension,
  authorityKeyIdentifierExtension, type CertificateExtension, type KeyUsageName, type ParsedCertificate, type SignatureAlgorithm,
} from '@kyso/core';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { signWithKeyObject } from '@kyso/server/keys/key-object-signer.ts';

export type TestKeyKind = 'p256' | 'p384' | 'rsa2048';

export interface TestIdentity {
  cert: ParsedCertificate;
  key: KeyObject;
  /** The algorithm the tests sign with for this key. */
  alg: SignatureAlgorithm;
}

let serialCounter = 1;

export function generateTestKey(kind: TestKeyKind): KeyObject {
  if (kind === 'rsa2048') return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return generateKeyPairSync('ec', { namedCurve: kind === 'p256' ? 'P-256' : 'P-384' }).privateKey;
}

export function defaultAlg(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return { scheme: 'ECDSA', hash: curve === 'secp384r1' ? 'SHA-384' : 'SHA-256' };
}

function exportSpki(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
}

/**
 * Issues a certificate: self-signed when `issuer` is absent. `eku` with `ekuCritical` controls the
 * extended key usage; CA certificates get basicConstraints cA and keyCertSign.
 */
export function issueTestCertificate(p: {
  subject: string;
  key: KeyObject;
  issuer?: TestIdentity;
  ca?: boolean;
  eku?: string[];
  ekuCritical?: boolean;
  keyUsage?: KeyUsageName[];
  notBefore?: Date;
  notAfter?: Date;
}): TestIdentity {
  const spki = exportSpki(p.key);
  const subject = encodeName(parseDnString(p.subject));
  const keyId = computeKeyIdentifier(spki, nodeCrypto);
  const issuerKey = p.issuer?.key ?? p.key;
  const alg = defaultAlg(issuerKey);
  const exts: CertificateExtension[] = [];
  if (p.ca) exts.push(basicConstraintsExtension(true));
  exts.push(keyUsageExtension(p.keyUsage ?? (p.ca ? ['keyCertSign', 'cRLSign'] : ['digitalSignature'])));
  if (p.eku) exts.push(extendedKeyUsageExtension(p.eku, p.ekuCritical ?? false));
  exts.push(subjectKeyIdentifierExtension(keyId));
  exts.push(authorityKeyIdentifierExtension(p.issuer ? computeKeyIdentifier(p.issuer.cert.spki, nodeCrypto) : keyId));
  const serial = Uint8Array.of(0x10, (serialCounter >> 8) & 0xff, serialCounter++ & 0xff, 0x5a);
  const now = Date.now();
  const tbs = encodeTbsCertificate({
    serial, issuer: p.issuer?.cert.subjectDer ?? subject, subject,
    notBefore: p.notBefore ?? new Date(now - 3_600_000), notAfter: p.notAfter ?? new Date(now + 30 * 86_400_000),
    spki, signatureAlgorithm: alg, extensions: exts,
  });
  const der = assembleCertificate(tbs, alg, signWithKeyObject(issuerKey, tbs, alg));
  return { cert: parseCertificate(der), key: p.key, alg: defaultAlg(p.key) };
}

/** Writes a certificate (or several) as PEM; returns the path. */
export function writeCertPem(dir: string, name: string, ...certs: ParsedCertificate[]): string {
  const path = join(dir, name);
  writeFileSync(path, certs.map((c) => encodePem('CERTIFICATE', c.der)).join(''));
  return path;
}

/** Writes a private key as PKCS#8 PEM; returns the path. */
export function writeKeyPem(dir: string, name: string, key: KeyObject): string {
  const path = join(dir, name);
  writeFileSync(path, key.export({ type: 'pkcs8', format: 'pem' }) as string);
  return path;
}
