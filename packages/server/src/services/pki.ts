/**
 * The PKI services of one CA directory wired together: CRLs, the OCSP responder and the TSA, with a
 * poller that notices status changes made by other processes (the CLI, another server instance)
 * and refreshes CRLs and pre-signed OCSP responses.
 */
import { KysoError, defaultSignatureAlgorithm } from '@kyso/core';
import type { CaDeps, CaService } from './ca-service.ts';
import { RevocationService, type CaId } from './revocation-service.ts';
import { OcspResponder } from './ocsp-responder.ts';
import { SerialAllocator, TsaService } from './tsa-service.ts';

export interface PkiOptions {
  crlPeriodSeconds?: number;
  ocspValiditySeconds?: number;
  /** How often to look for status changes made elsewhere, ms (default 1000). */
  pollMs?: number;
  tsaPolicy?: string;
  tsaAccuracy?: { seconds?: number; millis?: number; micros?: number };
}

export interface Pki {
  ca: CaService;
  revocation: RevocationService;
  ocsp: OcspResponder;
  tsa: TsaService;
  /** DER certificates served at /ca/<id>.crt (the caIssuers URLs). */
  caCertificates: Record<CaId, Uint8Array>;
  /** Refresh after status changes (called by the poller; tests may call it directly). */
  refresh(): Promise<void>;
  close(): void;
}

export const DEFAULT_TSA_POLICY = '2.999.84.1.2';

export async function startPki(deps: CaDeps, ca: CaService, opts: PkiOptions = {}): Promise<Pki> {
  const revocation = new RevocationService(deps, ca, { crlPeriodSeconds: opts.crlPeriodSeconds });
  const [root, issuing] = [await ca.caCertificate('root'), await ca.caCertificate('issuing')];
  const ocspId = await ca.serviceIdentity('ocsp');
  const tsaId = await ca.serviceIdentity('tsa');
  const ocsp = new OcspResponder({
    crypto: deps.crypto, clock: deps.clock, revocation, validitySeconds: opts.ocspValiditySeconds,
    issuing: { certificate: issuing, responder: { ...ocspId, signatureAlgorithm: defaultSignatureAlgorithm(ocspId.signer.keySpec) } },
    root: { certificate: root, signer: await ca.caSigner('root'), signatureAlgorithm: await ca.caSignatureAlgorithm('root') },
  });
  const tsa = new TsaService({
    crypto: deps.crypto, clock: deps.clock, signer: tsaId.signer, certificate: tsaId.certificate,
    // RSA tokens use PKCS#1 v1.5: OpenSSL 3.0's `ts -verify` (PKCS#7 code) cannot check PSS tokens.
    signatureAlgorithm: defaultSignatureAlgorithm(tsaId.signer.keySpec, { rsaPadding: 'pkcs1' }), chain: [issuing.der, root.der],
    policy: opts.tsaPolicy ?? ca.ceremony.tsaPolicy ?? DEFAULT_TSA_POLICY, accuracy: opts.tsaAccuracy ?? { seconds: 1 },
    serials: new SerialAllocator(deps.db.kysely, 'tsa.serial'),
  });
  // Make sure both CRLs exist before the first request.
  await revocation.currentCrl('root');
  await revocation.currentCrl('issuing');

  let watermark = deps.clock.now();
  let running: Promise<void> | undefined;
  const refresh = async () => {
    const since = new Date(watermark.getTime() - 5_000); // overlap: changes stamped by slightly slow clocks
    const now = deps.clock.now();
    const changed = await revocation.changedSince(since);
    ocsp.invalidate(changed);
    for (const caId of ['issuing', 'root'] as const) {
      // Rebuilding reads every revoked entry: only when something changed or the CRL is half-way to nextUpdate.
      if ((caId === 'issuing' && changed.length > 0) || revocation.due(caId)) await revocation.currentCrl(caId);
    }
    watermark = now;
  };
  const timer = setInterval(() => {
    running ??= refresh().catch(() => { /* next tick retries; the CRL route regenerates on demand too */ }).finally(() => { running = undefined; });
  }, opts.pollMs ?? 1000);
  timer.unref();
  return {
    ca, revocation, ocsp, tsa,
    caCertificates: { root: root.der, issuing: issuing.der },
    refresh: async () => { await running; await refresh(); },
    close: () => clearInterval(timer),
  };
}

export function caIdFromFile(file: string, ext: 'crl' | 'crt'): CaId {
  const m = new RegExp(`^(root|issuing)\\.${ext}$`).exec(file);
  if (!m) throw new KysoError('not-found', `no such ${ext === 'crl' ? 'CRL' : 'CA certificate'}: ${file}`);
  return m[1] as CaId;
}
