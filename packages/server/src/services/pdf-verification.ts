/**
 * PDF signature validation with I/O: the online revocation source (OCSP from the certificate's AIA,
 * then CRLs from its distribution points, RFC 6960 / RFC 5280) behind core's `RevocationSource`
 * port, and the fonts of the printable report.
 */
import { getAuthorityInfoAccess, getCrlDistributionUris, type Clock, type CryptoPort, type ParsedCertificate } from '@kyso/core';
import { verifyPdf, type RevocationSource, type VerifyPdfOptions } from '@kyso/core/pdf/validation/verify-pdf.ts';
import type { DocumentReport } from '@kyso/core/pdf/validation/report.ts';
import { queryOcsp } from '../net/ocsp-client.ts';
import { CrlFetcher } from '../net/crl-fetcher.ts';

export function onlineRevocationSource(p: { crypto: CryptoPort; clock: Clock; timeoutMs?: number }): RevocationSource {
  const crls = new CrlFetcher({ crypto: p.crypto, clock: p.clock, timeoutMs: p.timeoutMs });
  return {
    async ocsp(cert: ParsedCertificate, issuer: ParsedCertificate) {
      let last: unknown;
      for (const url of getAuthorityInfoAccess(cert).ocsp) {
        try {
          return (await queryOcsp({ url, issuer, certificate: cert, crypto: p.crypto, clock: p.clock, timeoutMs: p.timeoutMs })).responseDer;
        } catch (e) { last = e; }
      }
      if (last) throw last;
      return undefined;
    },
    async crl(cert: ParsedCertificate, issuer: ParsedCertificate) {
      let last: unknown;
      for (const url of getCrlDistributionUris(cert)) {
        try { return (await crls.get(url, issuer)).der; } catch (e) { last = e; }
      }
      if (last) throw last;
      return undefined;
    },
  };
}

/** `verifyPdf` with the online source wired in when revocation is 'online'. */
export function verifyPdfDocument(bytes: Uint8Array, o: Omit<VerifyPdfOptions, 'online'> & { timeoutMs?: number }): Promise<DocumentReport> {
  const online = o.revocation === 'online' ? onlineRevocationSource({ crypto: o.crypto, clock: o.clock, timeoutMs: o.timeoutMs }) : undefined;
  return verifyPdf(bytes, { ...o, online });
}
