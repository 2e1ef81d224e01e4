/**
 * Object identifiers of CMS (RFC 5652 §4, §5, §11), ESS (RFC 2634 §5.4, RFC 5035 §3) and the
 * Time-Stamp Protocol (RFC 3161 §2.4.2). Kept beside the CMS code rather than in `x509/oids.ts`.
 */
export const CMS_OID = {
  /** RFC 5652 §4 id-data */
  data: '1.2.840.113549.1.7.1',
  /** RFC 5652 §5.1 id-signedData */
  signedData: '1.2.840.113549.1.7.2',
  /** RFC 5652 §11.1 id-contentType */
  contentType: '1.2.840.113549.1.9.3',
  /** RFC 5652 §11.2 id-messageDigest */
  messageDigest: '1.2.840.113549.1.9.4',
  /** RFC 5652 §11.3 id-signingTime */
  signingTime: '1.2.840.113549.1.9.5',
  /** RFC 5652 §11.4 id-countersignature */
  counterSignature: '1.2.840.113549.1.9.6',
  /** RFC 8551 §2.5.2 S/MIME capabilities */
  smimeCapabilities: '1.2.840.113549.1.9.15',
  /** RFC 6211 §2 CMS algorithm protection */
  cmsAlgorithmProtection: '1.2.840.113549.1.9.52',
  /** RFC 2634 §5.4 id-aa-signingCertificate (ESSCertID, SHA-1) */
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  /** RFC 5035 §3 id-aa-signingCertificateV2 (ESSCertIDv2) */
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  /** RFC 3161 Appendix A id-aa-timeStampToken (unsigned attribute, CAdES-T) */
  timeStampToken: '1.2.840.113549.1.9.16.2.14',
  /** RFC 3161 §2.4.2 id-ct-TSTInfo */
  tstInfo: '1.2.840.113549.1.9.16.1.4',
} as const;
