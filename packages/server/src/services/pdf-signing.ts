/**
 * PAdES baseline signing (ETSI EN 319 142-1) of one PDF with any Signer: B-B, B-T (signature
 * time-stamp), B-LT (DSS with the certificates, OCSP responses and CRLs of the signer's and the
 * TSA's chains) and B-LTA (B-LT plus a document time-stamp). The PDF work is core's two-phase
 * engine (prepare → sign the signed attributes → complete); this module adds the key, the TSA,
 * the revocation fetches and the embedded fonts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  KysoError, OID, defaultSignatureAlgorithm, equalBytes, formatNameDer, nameAttribute, getAuthorityInfoAccess, getCrlDistributionUris, parseCertificate,
  type Clock, type CryptoPort, type HashName, type ParsedCertificate, type SignatureAlgorithm, type Signer,
} from '@kyso/core';
import { completeCadesSignature, prepareCadesSignature, signatureTimeStampImprint } from '@kyso/core/cms/cades.ts';
import { completePdfSignature, estimateCmsSize, preparePdfSignature, type LayoutContext, type VisibleSignature } from '@kyso/core/pdf/pdf-signature.ts';
import { appendDss, type ValidationData } from '@kyso/core/pdf/dss.ts';
import type { AppearanceFonts } from '@kyso/core/pdf/appearance.ts';
import type { FieldLock } from '@kyso/core/pdf/signature-fields.ts';
import { requestTimestamp } from '../net/tsa-client.ts';
import { queryOcsp } from '../net/ocsp-client.ts';
import { CrlFetcher } from '../net/crl-fetcher.ts';

export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';
export const PADES_LEVELS: readonly PadesLevel[] = ['B-B', 'B-T', 'B-LT', 'B-LTA'];

/** Room reserved for an RFC 3161 token inside the CMS or a document time-stamp (bytes). */
export const TIMESTAMP_ROOM = 12_000;

let fontCache: AppearanceFonts | undefined;
/** Liberation Serif 2 (SIL OFL 1.1; metric-compatible with Times New Roman), shipped with core. */
export function defaultAppearanceFonts(): AppearanceFonts {
  if (fontCache) return fontCache;
  const require = createRequire(import.meta.url);
  const load = (name: string): Uint8Array => new Uint8Array(readFileSync(require.resolve(`@kyso/core/assets/fonts/${name}`)));
  fontCache = { regular: load('LiberationSerif-Regular.ttf'), bold: load('LiberationSerif-Bold.ttf') };
  return fontCache;
}

export interface SignPdfParams {
  input: Uint8Array;
  password?: string;
  signer: Signer;
  certificate: ParsedCertificate;
  /** Issuing CA(s) then root, DER. */
  chain: Uint8Array[];
  level: PadesLevel;
  tsaUrl?: string;
  clock: Clock;
  crypto: CryptoPort;
  hash?: HashName;
  rsaPadding?: 'pss' | 'pkcs1';
  layout?: (ctx: LayoutContext) => VisibleSignature;
  fieldName?: string;
  reason?: string;
  location?: string;
  contactInfo?: string;
  certify?: 1 | 2 | 3;
  lock?: FieldLock;
  extraEntries?: Record<string, string>;
  /** Per-request network timeout for TSA, OCSP and CRL, ms. */
  timeoutMs?: number;
}

export interface SignPdfResult {
  bytes: Uint8Array;
  fieldName: string;
  level: PadesLevel;
  signatureAlgorithm: SignatureAlgorithm;
}

function signerName(cert: ParsedCertificate): string | undefined {
  return nameAttribute(cert.subject, OID.commonName);
}

/** Revocation data for every non-root certificate of `chain` (leaf first): OCSP from the AIA, and the CRLs. */
export async function collectValidationData(chain: ParsedCertificate[], p: { crypto: CryptoPort; clock: Clock; timeoutMs?: number }): Promise<ValidationData> {
  const out: ValidationData = { certificates: chain.map((c) => c.der), ocspResponses: [], crls: [] };
  const crls = new CrlFetcher({ crypto: p.crypto, clock: p.clock, timeoutMs: p.timeoutMs });
  for (let i = 0; i < chain.length - 1; i++) {
    const cert = chain[i]!, issuer = chain[i + 1]!;
    let covered = false;
    const problems: string[] = [];
    for (const url of getAuthorityInfoAccess(cert).ocsp) {
      try {
        const r = await queryOcsp({ url, issuer, certificate: cert, crypto: p.crypto, clock: p.clock, timeoutMs: p.timeoutMs });
        if (r.status.kind === 'revoked') throw new KysoError('policy', `certificate "${formatNameDer(cert.subjectDer)}" is revoked`);
        out.ocspResponses.push(r.responseDer);
        covered = true;
        break;
      } catch (e) {
        if (e instanceof KysoError && e.kind === 'policy') throw e;
        problems.push(`${url}: ${(e as Error).message}`);
      }
    }
    for (const url of getCrlDistributionUris(cert)) {
      try {
        const crl = await crls.get(url, issuer);
        out.crls.push(crl.der);
        covered = true;
        break;
      } catch (e) {
        problems.push(`${url}: ${(e as Error).message}`);
      }
    }
    if (!covered) throw new KysoError('io', `no revocation information for "${formatNameDer(cert.subjectDer)}"${problems.length ? `: ${problems.join('; ')}` : ' (no OCSP or CRL URL in the certificate)'}`);
  }
  return out;
}

/** Signs one PDF at the requested PAdES level; the output is a new buffer (the input is untouched). */
export async function signPdf(p: SignPdfParams): Promise<SignPdfResult> {
  if (p.level !== 'B-B' && !p.tsaUrl) throw new KysoError('invalid-argument', `level ${p.level} needs a timestamp authority: --tsa URL`);
  const hash = p.hash ?? 'SHA-256';
  // PKCS#1 v1.5 by default: mutool (OpenSSL's PKCS7 code) cannot check RSASSA-PSS in PDFs; --rsa-padding pss is there.
  const signatureAlgorithm = defaultSignatureAlgorithm(p.signer.keySpec, { hash, rsaPadding: p.rsaPadding ?? 'pkcs1' });
  const certificates = [p.certificate.der, ...p.chain];
  const signingTime = p.clock.now();
  const prepared = await preparePdfSignature({
    input: p.input, password: p.password, hash, crypto: p.crypto, signingTime,
    fieldName: p.fieldName, layout: p.layout, fonts: p.layout ? defaultAppearanceFonts() : undefined,
    reason: p.reason, location: p.location, contactInfo: p.contactInfo, signerName: signerName(p.certificate),
    certify: p.certify, lock: p.lock, extraEntries: p.extraEntries,
    contentsCapacity: estimateCmsSize({ certificates, signerSpki: p.certificate.spki, timeStampRoom: p.level === 'B-B' ? 0 : TIMESTAMP_ROOM }),
  });
  const cades = prepareCadesSignature({ contentDigest: prepared.digest, hash, signerCert: p.certificate, crypto: p.crypto });
  const signature = await p.signer.sign(cades.toSign, signatureAlgorithm);
  let token: Uint8Array | undefined;
  let tsaChain: ParsedCertificate[] = [];
  if (p.level !== 'B-B') {
    const ts = await requestTimestamp({ url: p.tsaUrl!, digest: signatureTimeStampImprint(signature, hash, p.crypto), hash, crypto: p.crypto, timeoutMs: p.timeoutMs });
    token = ts.token;
    tsaChain = [ts.tsaCert];
  }
  const cms = completeCadesSignature({ prepared: cades, signature, signatureAlgorithm, certificates, signatureTimeStampToken: token });
  let bytes = completePdfSignature(prepared, cms);
  if (p.level === 'B-LT' || p.level === 'B-LTA') {
    const chain = [p.certificate, ...p.chain.map((d) => parseCertificate(d))];
    const data = await collectValidationData(chain, p);
    if (tsaChain.length) {
      const tsa = tsaChain[0]!;
      const tsaIssuer = chain.find((c) => equalBytes(c.subjectDer, tsa.issuerDer));
      if (tsaIssuer) {
        const tsaData = await collectValidationData([tsa, ...chain.slice(chain.indexOf(tsaIssuer))], p);
        data.certificates.push(...tsaData.certificates);
        data.ocspResponses.push(...tsaData.ocspResponses);
        data.crls.push(...tsaData.crls);
      }
    }
    bytes = await appendDss({ input: bytes, password: p.password, data });
  }
  if (p.level === 'B-LTA') bytes = await addDocumentTimestamp({ input: bytes, password: p.password, tsaUrl: p.tsaUrl!, crypto: p.crypto, hash, timeoutMs: p.timeoutMs });
  return { bytes, fieldName: prepared.fieldName, level: p.level, signatureAlgorithm };
}

/** A document time-stamp (ISO 32000-2 §12.8.5; PAdES B-LTA): an RFC 3161 token over the ByteRange. */
export async function addDocumentTimestamp(p: { input: Uint8Array; password?: string; tsaUrl: string; crypto: CryptoPort; hash?: HashName; timeoutMs?: number }): Promise<Uint8Array> {
  const hash = p.hash ?? 'SHA-256';
  const prepared = await preparePdfSignature({ input: p.input, password: p.password, kind: 'doc-timestamp', hash, crypto: p.crypto, contentsCapacity: TIMESTAMP_ROOM });
  const ts = await requestTimestamp({ url: p.tsaUrl, digest: prepared.digest, hash, crypto: p.crypto, timeoutMs: p.timeoutMs });
  return completePdfSignature(prepared, ts.token);
}
