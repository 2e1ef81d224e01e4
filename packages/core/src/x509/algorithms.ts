/**
 * Signature algorithm identifiers (RFC 5280 §4.1.1.2, RFC 4055 §3 for RSASSA-PSS, RFC 5758 §3.2
 * for ECDSA) and the public-key policy kyso applies to *new* certificates (Circular 15/2025:
 * RSA ≥ 2048, ECDSA ≥ 256, SHA-2 family).
 */
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { KysoError } from '../errors.ts';
import type { HashName, KeySpec, SignatureAlgorithm } from '../ports.ts';
import { OID } from './oids.ts';
import { readChildren, readTlv, readWhole, toArrayBuffer, toHex } from '../asn1/der.ts';
import { decodeOid } from './asn1-values.ts';

const HASH_OIDS: Record<HashName, string> = {
  'SHA-1': OID.sha1, 'SHA-224': OID.sha224, 'SHA-256': OID.sha256, 'SHA-384': OID.sha384, 'SHA-512': OID.sha512,
};
const HASH_LENGTH: Record<HashName, number> = { 'SHA-1': 20, 'SHA-224': 28, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

const SIMPLE: Array<[string, SignatureAlgorithm]> = [
  [OID.sha1WithRSAEncryption, { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }],
  [OID.sha224WithRSAEncryption, { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-224' }],
  [OID.sha256WithRSAEncryption, { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }],
  [OID.sha384WithRSAEncryption, { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }],
  [OID.sha512WithRSAEncryption, { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }],
  [OID.ecdsaWithSHA1, { scheme: 'ECDSA', hash: 'SHA-1' }],
  [OID.ecdsaWithSHA224, { scheme: 'ECDSA', hash: 'SHA-224' }],
  [OID.ecdsaWithSHA256, { scheme: 'ECDSA', hash: 'SHA-256' }],
  [OID.ecdsaWithSHA384, { scheme: 'ECDSA', hash: 'SHA-384' }],
  [OID.ecdsaWithSHA512, { scheme: 'ECDSA', hash: 'SHA-512' }],
  [OID.dsaWithSHA1, { scheme: 'DSA', hash: 'SHA-1' }],
  [OID.dsaWithSHA256, { scheme: 'DSA', hash: 'SHA-256' }],
  [OID.ed25519, { scheme: 'Ed25519', hash: null }],
];

export function hashLength(hash: HashName): number {
  return HASH_LENGTH[hash];
}

export function hashFromOid(oid: string): HashName | undefined {
  return (Object.keys(HASH_OIDS) as HashName[]).find((h) => HASH_OIDS[h] === oid);
}

export function hashOid(hash: HashName): string {
  return HASH_OIDS[hash];
}

/**
 * Reads a signature AlgorithmIdentifier. Throws KysoError('unsupported') for anything else
 * (MD2/MD5 included: nothing signed with them is accepted).
 */
export function decodeSignatureAlgorithm(ai: AlgorithmIdentifier): SignatureAlgorithm {
  const simple = SIMPLE.find(([oid]) => oid === ai.algorithm);
  if (simple) return { ...simple[1] };
  if (ai.algorithm === OID.rsassaPss) {
    // RFC 4055 §3.1: absent fields mean SHA-1, MGF1-SHA-1, salt 20.
    const params = ai.parameters ? AsnParser.parse(ai.parameters, RsaSaPssParams) : new RsaSaPssParams();
    const hash = hashFromOid(params.hashAlgorithm.algorithm);
    if (!hash) throw new KysoError('unsupported', `RSASSA-PSS with unknown hash ${params.hashAlgorithm.algorithm}`);
    if (params.maskGenAlgorithm.algorithm !== OID.mgf1) throw new KysoError('unsupported', 'RSASSA-PSS with a mask generation function other than MGF1');
    const mgfHashAi = params.maskGenAlgorithm.parameters
      ? AsnParser.parse(params.maskGenAlgorithm.parameters, AlgorithmIdentifier) : undefined;
    const mgfHash = mgfHashAi ? hashFromOid(mgfHashAi.algorithm) : 'SHA-1';
    if (mgfHash !== hash) throw new KysoError('unsupported', 'RSASSA-PSS whose MGF1 hash differs from the message hash');
    if (params.trailerField !== 1) throw new KysoError('unsupported', 'RSASSA-PSS with a trailer field other than 1');
    return { scheme: 'RSASSA-PSS', hash, saltLength: params.saltLength };
  }
  throw new KysoError('unsupported', `unsupported signature algorithm ${ai.algorithm}`);
}

const decodedAlgorithms = new Map<string, SignatureAlgorithm>();
/** Decodes a DER AlgorithmIdentifier (the few distinct encodings seen are cached). */
export function decodeSignatureAlgorithmDer(der: Uint8Array): SignatureAlgorithm {
  const id = toHex(der);
  let alg = decodedAlgorithms.get(id);
  if (!alg) {
    let ai: AlgorithmIdentifier;
    try { ai = AsnParser.parse(toArrayBuffer(der), AlgorithmIdentifier); } catch (e) { throw new KysoError('malformed', 'AlgorithmIdentifier is not valid DER', { cause: e }); }
    alg = decodeSignatureAlgorithm(ai);
    if (decodedAlgorithms.size < 256) decodedAlgorithms.set(id, alg);
  }
  return { ...alg };
}

/** The AlgorithmIdentifier kyso writes for a signature it makes. */
export function encodeSignatureAlgorithm(alg: SignatureAlgorithm): AlgorithmIdentifier {
  if (alg.scheme === 'RSASSA-PSS') {
    if (!alg.hash) throw new KysoError('invalid-argument', 'RSASSA-PSS needs a hash');
    const hashAi = new AlgorithmIdentifier({ algorithm: HASH_OIDS[alg.hash], parameters: null });
    const params = new RsaSaPssParams({
      hashAlgorithm: hashAi,
      maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: OID.mgf1, parameters: AsnConvert.serialize(hashAi) }),
      saltLength: alg.saltLength ?? HASH_LENGTH[alg.hash],
    });
    return new AlgorithmIdentifier({ algorithm: OID.rsassaPss, parameters: AsnConvert.serialize(params) });
  }
  const found = SIMPLE.find(([, a]) => a.scheme === alg.scheme && a.hash === alg.hash);
  if (!found) throw new KysoError('unsupported', `cannot encode ${alg.scheme} with ${alg.hash}`);
  // RFC 4055 §5: NULL parameters for the PKCS#1 v1.5 identifiers; RFC 5758 §3.2: absent for ECDSA.
  return new AlgorithmIdentifier({
    algorithm: found[0],
    parameters: alg.scheme === 'RSASSA-PKCS1-v1_5' ? null : undefined,
  });
}

/** What a SubjectPublicKeyInfo holds, as far as policy cares. */
export interface PublicKeyInfo {
  kind: 'rsa' | 'ec' | 'dsa' | 'ed25519' | 'other';
  /** RSA modulus bits, EC field bits, DSA p bits. */
  bits: number;
  curve?: string;
  algorithmOid: string;
}

const CURVES: Record<string, { name: string; bits: number }> = {
  [OID.secp256r1]: { name: 'P-256', bits: 256 },
  [OID.secp384r1]: { name: 'P-384', bits: 384 },
  [OID.secp521r1]: { name: 'P-521', bits: 521 },
};

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/** Describes a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), read with the DER reader. */
export function describePublicKey(spkiDer: Uint8Array): PublicKeyInfo {
  try {
    const outer = readWhole(spkiDer, 'SubjectPublicKeyInfo');
    const [alg, key] = readChildren(spkiDer, outer);
    if (outer.tag !== 0x30 || !alg || alg.tag !== 0x30 || !key || key.tag !== 0x03) throw new KysoError('malformed', 'SubjectPublicKeyInfo: expected algorithm and subjectPublicKey');
    const [oidTlv, params] = readChildren(spkiDer, alg);
    if (!oidTlv) throw new KysoError('malformed', 'SubjectPublicKeyInfo: algorithm without an OID');
    const oid = decodeOid(spkiDer, oidTlv);
    if (oid === OID.rsaEncryption || oid === OID.rsassaPss) {
      const rsa = readTlv(spkiDer, key.valueStart + 1, key.end);
      const [n] = readChildren(spkiDer, rsa);
      if (!n || n.tag !== 0x02) throw new KysoError('malformed', 'RSA public key without a modulus');
      return { kind: 'rsa', bits: bitLength(spkiDer.subarray(n.valueStart, n.end)), algorithmOid: oid };
    }
    if (oid === OID.ecPublicKey) {
      const curveOid = params && params.tag === 0x06 ? decodeOid(spkiDer, params) : '';
      const curve = CURVES[curveOid];
      return { kind: 'ec', bits: curve?.bits ?? 0, curve: curve?.name ?? (curveOid || 'explicit parameters'), algorithmOid: oid };
    }
    if (oid === OID.dsa) return { kind: 'dsa', bits: 0, algorithmOid: oid };
    if (oid === OID.ed25519) return { kind: 'ed25519', bits: 256, algorithmOid: oid };
    return { kind: 'other', bits: 0, algorithmOid: oid };
  } catch (e) {
    if (e instanceof KysoError) throw new KysoError('malformed', `SubjectPublicKeyInfo is not valid DER: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * The key policy for new certificates: RSA 2048/3072/4096 or ECDSA P-256/P-384.
 * Returns the KeySpec, or throws KysoError('weak-crypto' | 'unsupported') with a clear message.
 */
export function requireAcceptableKey(spkiDer: Uint8Array): KeySpec {
  const info = describePublicKey(spkiDer);
  if (info.kind === 'rsa') {
    if (info.bits < 2048) throw new KysoError('weak-crypto', `RSA key of ${info.bits} bits refused: at least 2048 bits are required`);
    if (info.bits === 2048 || info.bits === 3072 || info.bits === 4096) return { kind: 'rsa', bits: info.bits };
    throw new KysoError('unsupported', `RSA key of ${info.bits} bits refused: use 2048, 3072 or 4096 bits`);
  }
  if (info.kind === 'ec') {
    if (info.curve === 'P-256' || info.curve === 'P-384') return { kind: 'ec', curve: info.curve };
    if (info.bits > 0 && info.bits < 256) throw new KysoError('weak-crypto', `EC key on ${info.curve} refused: at least 256 bits are required`);
    throw new KysoError('unsupported', `EC key on ${info.curve} refused: use P-256 or P-384`);
  }
  throw new KysoError('unsupported', `${info.kind === 'other' ? info.algorithmOid : info.kind.toUpperCase()} keys are not accepted: use RSA (2048–4096) or ECDSA (P-256/P-384)`);
}

/** Refuses SHA-1 and anything else outside SHA-256/384/512 for new signatures. */
export function requireAcceptableHash(hash: HashName | null): asserts hash is 'SHA-256' | 'SHA-384' | 'SHA-512' {
  if (hash === 'SHA-256' || hash === 'SHA-384' || hash === 'SHA-512') return;
  throw new KysoError('weak-crypto', `${hash ?? 'no hash'} refused: sign with SHA-256, SHA-384 or SHA-512`);
}

/** The signature algorithm kyso uses by default for a key: PSS for RSA (Circular 15/2025), ECDSA for EC. */
export function defaultSignatureAlgorithm(key: KeySpec, opts?: { hash?: HashName; rsaPadding?: 'pss' | 'pkcs1' }): SignatureAlgorithm {
  if (key.kind === 'ec') {
    const hash = opts?.hash ?? (key.curve === 'P-384' ? 'SHA-384' : 'SHA-256');
    requireAcceptableHash(hash);
    return { scheme: 'ECDSA', hash };
  }
  const hash = opts?.hash ?? 'SHA-256';
  requireAcceptableHash(hash);
  return opts?.rsaPadding === 'pkcs1'
    ? { scheme: 'RSASSA-PKCS1-v1_5', hash }
    : { scheme: 'RSASSA-PSS', hash, saltLength: HASH_LENGTH[hash] };
}

/** Parses a key name as the CLI spells it: rsa2048|rsa3072|rsa4096|p256|p384. */
export function parseKeySpec(name: string): KeySpec {
  switch (name.toLowerCase()) {
    case 'rsa2048': return { kind: 'rsa', bits: 2048 };
    case 'rsa3072': return { kind: 'rsa', bits: 3072 };
    case 'rsa4096': return { kind: 'rsa', bits: 4096 };
    case 'p256': case 'p-256': return { kind: 'ec', curve: 'P-256' };
    case 'p384': case 'p-384': return { kind: 'ec', curve: 'P-384' };
    default:
      if (/^rsa\d+$/.test(name) && Number(name.slice(3)) < 2048) throw new KysoError('weak-crypto', `key ${name} refused: RSA keys need at least 2048 bits`);
      throw new KysoError('invalid-argument', `unknown key type "${name}": use rsa2048, rsa3072, rsa4096, p256 or p384`);
  }
}

export function keySpecName(k: KeySpec): string {
  return k.kind === 'rsa' ? `rsa${k.bits}` : k.curve === 'P-256' ? 'p256' : 'p384';
}
