/**
 * CAdES baseline signatures (ETSI EN 319 122-1), detached, in two phases so the key can be anywhere:
 * `prepareCadesSignature` gives the signed attributes to sign (content-type, message-digest,
 * signing-time, signing-certificate-v2 — the B-B set, §5.1/§6.3), `completeCadesSignature` wraps the
 * signature made elsewhere and, for B-T, the signature time-stamp (id-aa-signatureTimeStampToken,
 * §5.2.1 and RFC 3161 Appendix A) as an unsigned attribute.
 */
import type { CryptoPort, HashName, SignatureAlgorithm } from '../ports.ts';
import { requireAcceptableHash } from '../x509/algorithms.ts';
import type { ParsedCertificate } from '../x509/certificate.ts';
import { CMS_OID } from './cms-oids.ts';
import { encodeSignedAttributes } from './signed-attributes.ts';
import { assembleSignedData } from './signed-data.ts';

export interface PreparedCadesSignature {
  hash: HashName;
  signerCert: ParsedCertificate;
  contentType: string;
  /** DER SET OF Attribute: the exact bytes the signer signs. */
  toSign: Uint8Array;
  /** The same attributes as SignerInfo carries them ([0] IMPLICIT). */
  embedded: Uint8Array;
}

/** Phase 1: the signed attributes over a content digest computed by the caller. */
export function prepareCadesSignature(p: {
  contentDigest: Uint8Array;
  hash: HashName;
  signerCert: ParsedCertificate;
  /** CAdES B-B carries it; PAdES baseline must not (ETSI EN 319 142-1 §5.3: the time goes in /M). */
  signingTime?: Date;
  crypto: CryptoPort;
  contentType?: string;
}): PreparedCadesSignature {
  requireAcceptableHash(p.hash);
  const contentType = p.contentType ?? CMS_OID.data;
  const { toSign, embedded } = encodeSignedAttributes({
    contentType, messageDigest: p.contentDigest, signingTime: p.signingTime,
    signingCertificate: { cert: p.signerCert, hash: 'SHA-256' }, crypto: p.crypto,
  });
  return { hash: p.hash, signerCert: p.signerCert, contentType, toSign, embedded };
}

/** The imprint a signature time-stamp covers: the hash of the SignerInfo's signature value (RFC 3161 Appendix A). */
export function signatureTimeStampImprint(signature: Uint8Array, hash: HashName, crypto: CryptoPort): Uint8Array {
  return crypto.digest(hash, signature);
}

/** Phase 2: the detached SignedData (ContentInfo DER), with a signature time-stamp for B-T. */
export function completeCadesSignature(p: {
  prepared: PreparedCadesSignature;
  signature: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  /** Certificates to include: the signer's and its chain (DER). */
  certificates: Uint8Array[];
  /** RFC 3161 TimeStampToken (ContentInfo DER) over `signatureTimeStampImprint(signature)`. */
  signatureTimeStampToken?: Uint8Array;
}): Uint8Array {
  return assembleSignedData({
    eContentType: p.prepared.contentType,
    digestAlgorithm: p.prepared.hash,
    signerCert: p.prepared.signerCert,
    certificates: p.certificates,
    signedAttrs: p.prepared.embedded,
    signatureAlgorithm: p.signatureAlgorithm,
    signature: p.signature,
    unsignedAttrs: p.signatureTimeStampToken ? [{ oid: CMS_OID.timeStampToken, values: [p.signatureTimeStampToken] }] : undefined,
  });
}
