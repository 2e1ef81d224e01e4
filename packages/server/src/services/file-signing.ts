/**
 * Detached CAdES signatures of any file (ETSI EN 319 122-1 B-B, or B-T with a signature time-stamp
 * from a TSA). The key is any Signer; the time-stamp comes from the TSA client, which fails loudly
 * rather than fall back to the local clock.
 */
import { KysoError, defaultSignatureAlgorithm, type Clock, type CryptoPort, type HashName, type ParsedCertificate, type Signer } from '@kyso/core';
import { completeCadesSignature, prepareCadesSignature, signatureTimeStampImprint } from '@kyso/core/cms/cades.ts';
import { requestTimestamp } from '../net/tsa-client.ts';

export type CadesLevel = 'B-B' | 'B-T';

export async function signDetachedCades(p: {
  data: Uint8Array;
  signer: Signer;
  certificate: ParsedCertificate;
  /** Issuing CA(s) and root, DER, included in the signature. */
  chain: Uint8Array[];
  level: CadesLevel;
  tsaUrl?: string;
  clock: Clock;
  crypto: CryptoPort;
  hash?: HashName;
}): Promise<Uint8Array> {
  if (p.level === 'B-T' && !p.tsaUrl) throw new KysoError('invalid-argument', 'level B-T needs a timestamp authority: --tsa URL');
  const hash = p.hash ?? 'SHA-256';
  const signatureAlgorithm = defaultSignatureAlgorithm(p.signer.keySpec, { hash });
  const prepared = prepareCadesSignature({
    contentDigest: p.crypto.digest(hash, p.data), hash, signerCert: p.certificate, signingTime: p.clock.now(), crypto: p.crypto,
  });
  const signature = await p.signer.sign(prepared.toSign, signatureAlgorithm);
  let token: Uint8Array | undefined;
  if (p.level === 'B-T') {
    token = (await requestTimestamp({ url: p.tsaUrl!, digest: signatureTimeStampImprint(signature, 'SHA-256', p.crypto), hash: 'SHA-256', crypto: p.crypto })).token;
  }
  return completeCadesSignature({ prepared, signature, signatureAlgorithm, certificates: [p.certificate.der, ...p.chain], signatureTimeStampToken: token });
}
