/**
 * One PDF signing job as the CLI describes it (and as the batch mode hands it to worker threads:
 * plain JSON, secrets already read by the main thread), and the code that loads the key and runs it.
 */
import type { KeyObject } from 'node:crypto';
import { KysoError, decodePemAll, equalBytes, parseCertificate, type ParsedCertificate, type Signer, type HashName } from '@kyso/core';
import type { CopyForm, Decree30Preset } from '@kyso/core/pdf/decree30.ts';
import { decodePng, type DecodedImage } from '@kyso/core/pdf/png.ts';
import type { FieldLock } from '@kyso/core/pdf/signature-fields.ts';
import { readPkcs12 } from '@kyso/server/keys/pkcs12.ts';
import { KeyObjectSigner } from '@kyso/server/keys/key-object-signer.ts';
import { Pkcs11Token, openPkcs11Signer } from '@kyso/server/keys/pkcs11-signer.ts';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { systemClock } from '@kyso/server/services/system-clock.ts';
import { PADES_LEVELS, signPdf, type PadesLevel, type SignPdfResult } from '@kyso/server/services/pdf-signing.ts';
import { documentNumberEntries, signatureLayout, type SignatureLayoutSpec } from '@kyso/server/services/pdf-layout.ts';
import { readInput, readSecret } from '../io.ts';

export type KeySource =
  | { kind: 'p12'; file: string; password: string }
  | { kind: 'pkcs11'; module: string; token: string; keyLabel: string; pin: string; certFile: string };

/** What the CLI job shares with the server's layout spec (placement and the Decree 30 texts). */
type LayoutFields = Pick<SignatureLayoutSpec, 'page' | 'rect' | 'docNumber' | 'docDate' | 'agencyName' | 'copyForm'>;

export interface PdfSignJob extends LayoutFields {
  key: KeySource;
  level: PadesLevel;
  tsa?: string;
  preset?: Decree30Preset;
  image?: string;
  seal?: string;
  sealMm?: number;
  anchor?: string;
  reason?: string;
  location?: string;
  certify?: 1 | 2 | 3;
  lock?: FieldLock;
  field?: string;
  pdfPassword?: string;
  hash?: HashName;
  rsaPadding?: 'pss' | 'pkcs1';
}

/** The option spec shared by single and batch signing (node:util parseArgs form). */
export const PDF_SIGN_OPTIONS = {
  p12: { type: 'string' }, 'pass-env': { type: 'string' }, 'pass-file': { type: 'string' },
  pkcs11: { type: 'string' }, token: { type: 'string' }, 'key-label': { type: 'string' }, 'pin-env': { type: 'string' }, 'pin-file': { type: 'string' }, cert: { type: 'string' },
  level: { type: 'string' }, tsa: { type: 'string' }, preset: { type: 'string' }, image: { type: 'string' }, seal: { type: 'string' }, 'seal-mm': { type: 'string' },
  anchor: { type: 'string' }, page: { type: 'string' }, rect: { type: 'string' }, 'doc-number': { type: 'string' }, 'doc-date': { type: 'string' },
  'agency-name': { type: 'string' }, 'copy-form': { type: 'string' }, reason: { type: 'string' }, location: { type: 'string' }, certify: { type: 'string' },
  lock: { type: 'string' }, field: { type: 'string' }, 'pdf-pass-env': { type: 'string' }, hash: { type: 'string' }, 'rsa-padding': { type: 'string' },
} as const;

type Values = Partial<Record<keyof typeof PDF_SIGN_OPTIONS, string>>;

function num(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new KysoError('invalid-argument', `${what} must be a number, got "${v}"`);
  return n;
}

/** Turns the command-line values into a job, reading secrets from the environment or files. */
export function jobFromOptions(v: Values): PdfSignJob {
  let key: KeySource;
  if (v.p12 && v.pkcs11) throw new KysoError('invalid-argument', 'give either --p12 or --pkcs11, not both');
  if (v.p12) {
    const password = readSecret({ env: v['pass-env'], file: v['pass-file'], what: 'PKCS#12 password' });
    if (password === undefined) throw new KysoError('invalid-argument', 'the PKCS#12 password is needed: --pass-env VAR or --pass-file FILE');
    key = { kind: 'p12', file: v.p12, password };
  } else if (v.pkcs11) {
    if (!v.token || !v['key-label'] || !v.cert) throw new KysoError('invalid-argument', '--pkcs11 needs --token LABEL, --key-label L and --cert CERT.pem (the key\'s certificate, then its chain)');
    const pin = readSecret({ env: v['pin-env'], file: v['pin-file'], what: 'token PIN' });
    if (pin === undefined) throw new KysoError('invalid-argument', 'the token PIN is needed: --pin-env VAR or --pin-file FILE');
    key = { kind: 'pkcs11', module: v.pkcs11, token: v.token, keyLabel: v['key-label'], pin, certFile: v.cert };
  } else {
    throw new KysoError('invalid-argument', 'a signing key is needed: --p12 FILE --pass-env VAR, or --pkcs11 MODULE --token LABEL --key-label L --pin-env VAR --cert CERT.pem');
  }
  const level = (v.level ?? (v.tsa ? 'B-T' : 'B-B')).toUpperCase() as PadesLevel;
  if (!PADES_LEVELS.includes(level)) throw new KysoError('invalid-argument', `--level must be one of ${PADES_LEVELS.join(', ')}, got "${v.level}"`);
  const presets = ['official', 'agency', 'attachment', 'copy'];
  if (v.preset && !presets.includes(v.preset)) throw new KysoError('invalid-argument', `--preset must be one of ${presets.join(', ')}, got "${v.preset}"`);
  if (v['copy-form'] && !['SY', 'SL', 'TrS'].includes(v['copy-form'])) throw new KysoError('invalid-argument', `--copy-form must be SY, SL or TrS, got "${v['copy-form']}"`);
  if (v.anchor && v.rect) throw new KysoError('invalid-argument', 'give either --anchor or --page/--rect, not both');
  let rect: PdfSignJob['rect'];
  if (v.rect) {
    const parts = v.rect.split(',').map((s) => Number(s.trim()));
    if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) throw new KysoError('invalid-argument', `--rect must be X,Y,W,H in mm from the page's top-left corner, got "${v.rect}"`);
    rect = { x: parts[0]!, y: parts[1]!, w: parts[2]!, h: parts[3]! };
  }
  const page = num(v.page, '--page');
  if (page !== undefined && (!Number.isInteger(page) || page < 1)) throw new KysoError('invalid-argument', '--page is a page number from 1');
  const certify = num(v.certify, '--certify');
  if (certify !== undefined && certify !== 1 && certify !== 2 && certify !== 3) throw new KysoError('invalid-argument', '--certify must be 1, 2 or 3 (DocMDP permission)');
  let lock: FieldLock | undefined;
  if (v.lock) lock = v.lock === 'all' ? { action: 'All' } : { action: 'Include', fields: v.lock.split(',').map((s) => s.trim()).filter(Boolean) };
  const hash = v.hash?.toUpperCase() as HashName | undefined;
  if (hash && !['SHA-256', 'SHA-384', 'SHA-512'].includes(hash)) throw new KysoError('invalid-argument', '--hash must be SHA-256, SHA-384 or SHA-512');
  if (v['rsa-padding'] && v['rsa-padding'] !== 'pss' && v['rsa-padding'] !== 'pkcs1') throw new KysoError('invalid-argument', '--rsa-padding must be pss or pkcs1');
  const pdfPassword = v['pdf-pass-env'] ? readSecret({ env: v['pdf-pass-env'], what: 'PDF password' }) : undefined;
  if (v['pdf-pass-env'] && pdfPassword === undefined) throw new KysoError('invalid-argument', `environment variable ${v['pdf-pass-env']} (PDF password) is not set`);
  return {
    key, level, tsa: v.tsa, preset: v.preset as Decree30Preset | undefined, image: v.image, seal: v.seal, sealMm: num(v['seal-mm'], '--seal-mm'),
    anchor: v.anchor, page, rect, docNumber: v['doc-number'], docDate: v['doc-date'], agencyName: v['agency-name'],
    copyForm: v['copy-form'] as CopyForm | undefined, reason: v.reason, location: v.location, certify: certify as 1 | 2 | 3 | undefined,
    lock, field: v.field, pdfPassword, hash, rsaPadding: v['rsa-padding'] as 'pss' | 'pkcs1' | undefined,
  };
}

export interface LoadedIdentity {
  signer: Signer;
  certificate: ParsedCertificate;
  chain: Uint8Array[];
  close(): void;
  /**
   * The unlocked key and its certificates as another thread of this process can take them
   * (postMessage clones a KeyObject), so a batch unlocks a PKCS#12 file once rather than once per
   * worker; absent for a token key, where each thread opens its own session.
   */
  shared?: SharedIdentity;
}

export interface SharedIdentity { privateKey: KeyObject; certificate: Uint8Array; chain: Uint8Array[] }

export function loadIdentity(key: KeySource): LoadedIdentity {
  if (key.kind === 'p12') {
    const p12 = readPkcs12(readInput(key.file, 'PKCS#12 file'), key.password);
    return { ...identityFromShared(p12), shared: { privateKey: p12.privateKey, certificate: p12.certificate, chain: p12.chain } };
  }
  const pem = new TextDecoder().decode(readInput(key.certFile, 'certificate file'));
  const ders = decodePemAll(pem).filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
  if (ders.length === 0) throw new KysoError('malformed', `${key.certFile} holds no PEM certificate`);
  const token = Pkcs11Token.open({ module: key.module, tokenLabel: key.token, pin: key.pin });
  try {
    const signer = openPkcs11Signer(token, { label: key.keyLabel });
    const certificate = parseCertificate(ders[0]!);
    if (!equalBytes(certificate.spki, signer.publicKey)) throw new KysoError('invalid-argument', `${key.certFile} is not the certificate of key "${key.keyLabel}" (public keys differ)`);
    return { signer, certificate, chain: ders.slice(1), close: () => token.close() };
  } catch (e) {
    token.close();
    throw e;
  }
}

/** The identity a batch's main thread unlocked, rebuilt in a worker thread. */
export function identityFromShared(s: SharedIdentity): LoadedIdentity {
  return { signer: new KeyObjectSigner(s.privateKey), certificate: parseCertificate(s.certificate), chain: s.chain, close() {} };
}

function image(path: string | undefined, what: string): DecodedImage | undefined {
  return path === undefined ? undefined : decodePng(readInput(path, what));
}

const decodedImages = new WeakMap<PdfSignJob, { sigImage?: DecodedImage; seal?: DecodedImage }>();

/** Images are decoded once per job description (a batch worker reuses them for every file). */
export function prepareLayout(job: PdfSignJob, signingTime: Date) {
  let images = decodedImages.get(job);
  if (!images) decodedImages.set(job, (images = { sigImage: image(job.image, 'signature image'), seal: image(job.seal, 'seal image') }));
  return signatureLayout({
    preset: job.preset, signingTime, image: images.sigImage, seal: images.seal, sealMm: job.sealMm, anchor: job.anchor, page: job.page, rect: job.rect,
    docNumber: job.docNumber, docDate: job.docDate, agencyName: job.agencyName, copyForm: job.copyForm,
  });
}

export async function runPdfSignJob(job: PdfSignJob, identity: LoadedIdentity, input: Uint8Array): Promise<SignPdfResult> {
  const signingTime = systemClock.now();
  return signPdf({
    input, password: job.pdfPassword, signer: identity.signer, certificate: identity.certificate, chain: identity.chain,
    level: job.level, tsaUrl: job.tsa, clock: { now: () => signingTime }, crypto: nodeCrypto, hash: job.hash, rsaPadding: job.rsaPadding,
    layout: prepareLayout(job, signingTime), fieldName: job.field, reason: job.reason, location: job.location,
    certify: job.certify, lock: job.lock, extraEntries: documentNumberEntries(job.docNumber, job.docDate),
  });
}

export function isPdf(data: Uint8Array): boolean {
  return Buffer.from(data.subarray(0, 1024)).toString('latin1').includes('%PDF-');
}

