/**
 * PKCS#10 certification requests (RFC 2986): reading one with its proof of possession (§4.2: the
 * request is signed by the private key matching the public key it carries), and making one with
 * any Signer.
 */
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { Name, SubjectPublicKeyInfo, Attribute } from '@peculiar/asn1-x509';
import { KysoError } from '../errors.ts';
import type { CryptoPort, SignatureAlgorithm, Signer } from '../ports.ts';
import { concatBytes, encodeTlv, readChildren, readWhole, tlvBytes, toArrayBuffer } from '../asn1/der.ts';
import { decodeSignatureAlgorithm, encodeSignatureAlgorithm } from './algorithms.ts';
import { formatName } from './names.ts';

export interface ParsedCsr {
  der: Uint8Array;
  subject: Name;
  subjectString: string;
  spki: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  /** Attribute types present (e.g. extensionRequest); kyso takes extensions from the profile, not the request. */
  attributeTypes: string[];
  /** The exact CertificationRequestInfo bytes the signature covers. */
  info: Uint8Array;
  signature: Uint8Array;
}

/** Parses a DER CSR. Throws KysoError('malformed') for anything that is not a PKCS#10 request. */
export function parseCsr(der: Uint8Array): ParsedCsr {
  try {
    const outer = readWhole(der, 'certification request');
    const parts = readChildren(der, outer);
    if (parts.length !== 3) throw new KysoError('malformed', 'certification request: expected info, algorithm, signature');
    const info = tlvBytes(der, parts[0]!);
    const infoParts = readChildren(der, parts[0]!);
    const spki = tlvBytes(der, infoParts[2]!);
    const csr = AsnParser.parse(toArrayBuffer(der), CertificationRequest);
    const ri = csr.certificationRequestInfo;
    if (ri.version !== 0) throw new KysoError('malformed', `certification request version ${ri.version + 1} is not 1`);
    return {
      der, info, spki,
      subject: ri.subject,
      subjectString: formatName(ri.subject),
      signatureAlgorithm: decodeSignatureAlgorithm(csr.signatureAlgorithm),
      attributeTypes: ri.attributes.map((a) => a.type),
      signature: new Uint8Array(csr.signature),
    };
  } catch (e) {
    if (e instanceof KysoError) throw e.kind === 'unsupported' ? e : new KysoError('malformed', `corrupt certificate request: ${e.message}`, { cause: e });
    throw new KysoError('malformed', `corrupt certificate request: ${(e as Error).message}`, { cause: e });
  }
}

/** RFC 2986 §4.2 proof of possession: the request's signature verifies under its own public key. */
export function verifyCsrSignature(csr: ParsedCsr, crypto: CryptoPort): boolean {
  return crypto.verify({ algorithm: csr.signatureAlgorithm, spki: csr.spki, data: csr.info, signature: csr.signature });
}

/** Makes a CSR for `subject`, signed by `signer` (its public key goes in the request). */
export async function createCsr(params: { subject: Name; signer: Signer; algorithm: SignatureAlgorithm; attributes?: Attribute[] }): Promise<Uint8Array> {
  const info = new CertificationRequestInfo({
    version: 0,
    subject: params.subject,
    subjectPKInfo: AsnParser.parse(toArrayBuffer(params.signer.publicKey), SubjectPublicKeyInfo),
  });
  if (params.attributes) info.attributes.push(...params.attributes);
  const infoDer = new Uint8Array(AsnConvert.serialize(info));
  const sig = await params.signer.sign(infoDer, params.algorithm);
  const alg = new Uint8Array(AsnConvert.serialize(encodeSignatureAlgorithm(params.algorithm)));
  return encodeTlv(0x30, concatBytes([infoDer, alg, encodeTlv(0x03, concatBytes([Uint8Array.of(0), sig]))]));
}
