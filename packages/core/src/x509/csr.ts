/**
 * PKCS#10 certification requests (RFC 2986): reading one with its proof of possession (§4.2: the
 * request is signed by the private key matching the public key it carries), and making one with
 * any Signer.
 */
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { CertificationRequestInfo } from '@peculiar/asn1-csr';
import { Name, SubjectPublicKeyInfo, Attribute } from '@peculiar/asn1-x509';
import { KysoError } from '../errors.ts';
import type { CryptoPort, SignatureAlgorithm, Signer } from '../ports.ts';
import { concatBytes, encodeTlv, readChildren, readWhole, tlvBytes, toArrayBuffer } from '../asn1/der.ts';
import { decodeSignatureAlgorithmDer, encodeSignatureAlgorithm } from './algorithms.ts';
import { formatNameDer, parseNameDer } from './names.ts';
import { decodeInteger, decodeOid } from './asn1-values.ts';

export interface ParsedCsr {
  der: Uint8Array;
  /** The asn1-schema Name model, decoded on first use. */
  readonly subject: Name;
  subjectDer: Uint8Array;
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
    if (outer.tag !== 0x30 || parts.length !== 3 || parts[0]!.tag !== 0x30 || parts[1]!.tag !== 0x30 || parts[2]!.tag !== 0x03) {
      throw new KysoError('malformed', 'expected info, algorithm, signature');
    }
    const info = tlvBytes(der, parts[0]!);
    const [version, subject, spki, attrs] = readChildren(der, parts[0]!);
    if (!version || version.tag !== 0x02 || !subject || subject.tag !== 0x30 || !spki || spki.tag !== 0x30 || !attrs || attrs.tag !== 0xa0) {
      throw new KysoError('malformed', 'CertificationRequestInfo fields are missing or out of order');
    }
    if (decodeInteger(der, version) !== 0n) throw new KysoError('malformed', 'only version 1 requests exist');
    const subjectDer = tlvBytes(der, subject);
    const subjectString = formatNameDer(subjectDer);
    let name: Name | undefined;
    const sig = parts[2]!;
    if (sig.end === sig.valueStart || der[sig.valueStart] !== 0) throw new KysoError('malformed', 'signature has unused bits');
    return {
      der, info, spki: tlvBytes(der, spki), subjectDer, subjectString,
      get subject() { name ??= parseNameDer(subjectDer); return name; },
      signatureAlgorithm: decodeSignatureAlgorithmDer(tlvBytes(der, parts[1]!)),
      attributeTypes: readChildren(der, attrs).map((a) => decodeOid(der, readChildren(der, a)[0]!)),
      signature: der.subarray(sig.valueStart + 1, sig.end),
    };
  } catch (e) {
    if (e instanceof KysoError && e.kind === 'unsupported') throw e;
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
