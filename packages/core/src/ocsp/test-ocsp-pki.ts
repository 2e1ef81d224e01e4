/**
 * TEST-ONLY helper (imported by the OCSP tests of core and server, never by library code): a small
 * PKI made at test time with kyso's own issuance code and profiles — root, issuing CA, subscriber,
 * a delegated OCSP responder of the 'ocsp' profile (id-kp-OCSPSigning, id-pkix-ocsp-nocheck), and
 * the wrong kinds of responders for negative tests. Keys are generated with node:crypto and never
 * written anywhere but a temporary directory; nothing is committed.
 *
 * Validity is anchored on the real time of the run (`T0`) because OpenSSL checks response and
 * certificate times against its own clock; the tests pass explicit `at` times to kyso.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { KeyObjectSigner } from '@kyso/server/keys/key-object-signer.ts';
import type { SignatureAlgorithm, Signer } from '../ports.ts';
import { issueCertificate, type IssuerContext } from '../ca/issue.ts';
import { lintCertificate } from '../ca/lint/index.ts';
import { generateSerial } from '../ca/serial.ts';
import { encodePem } from '../asn1/pem.ts';
import { computeKeyIdentifier } from '../x509/certificate-builder.ts';
import { defaultSignatureAlgorithm } from '../x509/algorithms.ts';
import { encodeName, parseDnString } from '../x509/names.ts';
import { PROFILES, type ProfileName } from '../x509/profiles.ts';
import type { ParsedCertificate } from '../x509/certificate.ts';

/** Whole seconds, one minute before the run started. */
export const T0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
const DAY = 86_400_000;

export interface TestIdentity {
  cert: ParsedCertificate;
  signer: Signer & { signSync(data: Uint8Array, alg: SignatureAlgorithm): Uint8Array };
  key: KeyObject;
  alg: SignatureAlgorithm;
}

function newKey(kind: 'p256' | 'rsa2048'): KeyObject {
  return kind === 'p256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

const lintKey = new KeyObjectSigner(newKey('p256'));

/** Issues one certificate of a kyso profile (lint-before-sign, as the CA does). */
export async function issue(p: {
  profile: ProfileName; subject: string; issuer?: TestIdentity; key?: 'p256' | 'rsa2048'; rsaPadding?: 'pss' | 'pkcs1';
  notBefore?: Date; notAfter?: Date;
}): Promise<TestIdentity> {
  const key = newKey(p.key ?? 'p256');
  const signer = new KeyObjectSigner(key);
  const alg = defaultSignatureAlgorithm(signer.keySpec, { rsaPadding: p.rsaPadding });
  const issuerSigner = p.issuer?.signer ?? signer;
  const issuerAlg = p.issuer?.alg ?? alg;
  const subject = encodeName(parseDnString(p.subject));
  const ctx: IssuerContext = {
    name: p.issuer ? p.issuer.cert.subjectDer : subject,
    keyId: computeKeyIdentifier(issuerSigner.publicKey, nodeCrypto),
    notAfter: p.issuer?.cert.notAfter,
    signer: issuerSigner,
    signatureAlgorithm: issuerAlg,
    urls: { crl: ['http://127.0.0.1/crl/issuing.crl'], ocsp: ['http://127.0.0.1/ocsp'], caIssuers: ['http://127.0.0.1/ca/issuing.cer'] },
    policies: ['2.999.84.1.1'],
  };
  const notBefore = p.notBefore ?? new Date(T0.getTime() - DAY);
  const years = p.profile === 'root' || p.profile === 'issuing' ? 10 : 1;
  const r = await issueCertificate({
    profile: PROFILES[p.profile], subject, spki: signer.publicKey, serial: generateSerial(nodeCrypto).bytes,
    notBefore, notAfter: p.notAfter ?? new Date(notBefore.getTime() + years * 365 * DAY),
    // An RSA throwaway key would cost a second of key generation; in tests the issuer's own key may sign the lint copy.
    issuer: ctx, crypto: nodeCrypto, lintSigner: issuerSigner.keySpec.kind === 'rsa' ? issuerSigner : lintKey,
    lint: (cert, o) => lintCertificate(cert, o),
  });
  return { cert: r.certificate, signer, key, alg };
}

export interface TestOcspPki {
  root: TestIdentity;
  issuing: TestIdentity;
  /** Subscribers of the issuing CA. */
  leaf: TestIdentity;
  leaf2: TestIdentity;
  /** Delegated responder of the issuing CA (profile 'ocsp'). */
  responder: TestIdentity;
  /** A 'service' certificate of the issuing CA: no id-kp-OCSPSigning. */
  notResponder: TestIdentity;
  /** An 'ocsp' certificate issued by the root, not by the issuing CA. */
  foreignResponder: TestIdentity;
  /** An 'ocsp' certificate of the issuing CA that expired before T0. */
  expiredResponder: TestIdentity;
  /** Another issuing CA under the same root (for "wrong issuer"). */
  otherIssuing: TestIdentity;
}

export async function makeTestOcspPki(): Promise<TestOcspPki> {
  const O = 'O=Ủy ban nhân dân tỉnh Thử nghiệm,C=VN';
  const root = await issue({ profile: 'root', subject: `CN=OCSP Test Root,${O}` });
  const issuing = await issue({ profile: 'issuing', subject: `CN=OCSP Test Issuing CA,${O}`, issuer: root });
  const otherIssuing = await issue({ profile: 'issuing', subject: `CN=OCSP Other Issuing CA,${O}`, issuer: root });
  return {
    root, issuing, otherIssuing,
    leaf: await issue({ profile: 'service', subject: `CN=Cổng dịch vụ công,${O}`, issuer: issuing }),
    leaf2: await issue({ profile: 'service', subject: `CN=Hệ thống quản lý văn bản,${O}`, issuer: issuing }),
    responder: await issue({ profile: 'ocsp', subject: `CN=Kyso OCSP,${O}`, issuer: issuing }),
    notResponder: await issue({ profile: 'service', subject: `CN=Not an OCSP responder,${O}`, issuer: issuing }),
    foreignResponder: await issue({ profile: 'ocsp', subject: `CN=Root OCSP,${O}`, issuer: root }),
    expiredResponder: await issue({
      profile: 'ocsp', subject: `CN=Expired OCSP,${O}`, issuer: issuing,
      notBefore: new Date(T0.getTime() - 30 * DAY), notAfter: new Date(T0.getTime() - 2 * DAY),
    }),
  };
}

/** A fresh temporary directory with PEM/DER files written into it. */
export function writeFiles(files: Record<string, Uint8Array | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-ocsp-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export function pem(...certs: ParsedCertificate[]): string {
  return certs.map((c) => encodePem('CERTIFICATE', c.der)).join('');
}
