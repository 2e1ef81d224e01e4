/**
 * Object identifiers the linter needs beyond x509/oids.ts: extensions it recognises, public-key
 * and signature algorithms it can judge, and a few attribute types with upper bounds.
 */
import { OID } from '../../x509/oids.ts';

export const LOID = {
  // RFC 5280 §4.2.1.8
  subjectDirectoryAttributes: '2.5.29.9',
  // RFC 5280 §4.2.1.4
  qtCps: '1.3.6.1.5.5.7.2.1',
  qtUnotice: '1.3.6.1.5.5.7.2.2',
  // RFC 9598 §3
  onSmtpUtf8Mailbox: '1.3.6.1.5.5.7.8.9',
  // RFC 6962 §3.1, §3.3
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
  ctSctList: '1.3.6.1.4.1.11129.2.4.2',
  // RFC 8410
  x25519: '1.3.101.110',
  x448: '1.3.101.111',
  ed448: '1.3.101.113',
  // RFC 3279 §2.3.2
  dsaKey: '1.2.840.10040.4.1',
  md5WithRSA: '1.2.840.113549.1.1.4',
  md2WithRSA: '1.2.840.113549.1.1.2',
  md4WithRSA: '1.2.840.113549.1.1.3',
  // RFC 3779 IP/AS resources, RFC 7633 TLS feature, RFC 3709 logotype, biometric
  ipAddrBlocks: '1.3.6.1.5.5.7.1.7',
  autonomousSysIds: '1.3.6.1.5.5.7.1.8',
  tlsFeature: '1.3.6.1.5.5.7.1.24',
  logotype: '1.3.6.1.5.5.7.1.12',
  biometricInfo: '1.3.6.1.5.5.7.1.2',
  // CA/Browser Forum subject organisation identifier extension (non-critical)
  cabfOrganizationIdentifier: '2.23.140.3.1',
} as const;

/** NIST CSOR arcs for ML-DSA (FIPS 204, RFC 9881), SLH-DSA (FIPS 205) and ML-KEM (FIPS 203). */
const SIG_ARC = '2.16.840.1.101.3.4.3.';
const KEM_ARC = '2.16.840.1.101.3.4.4.';

export interface PqcAlgorithm {
  family: 'ml-dsa' | 'hash-ml-dsa' | 'slh-dsa' | 'hash-slh-dsa' | 'ml-kem';
  name: string;
  /** Exact public key length in octets (inside the BIT STRING). */
  publicKeyLength: number;
}

export const PQC: Record<string, PqcAlgorithm> = {
  [SIG_ARC + '17']: { family: 'ml-dsa', name: 'ML-DSA-44', publicKeyLength: 1312 },
  [SIG_ARC + '18']: { family: 'ml-dsa', name: 'ML-DSA-65', publicKeyLength: 1952 },
  [SIG_ARC + '19']: { family: 'ml-dsa', name: 'ML-DSA-87', publicKeyLength: 2592 },
  [SIG_ARC + '32']: { family: 'hash-ml-dsa', name: 'HashML-DSA-44', publicKeyLength: 1312 },
  [SIG_ARC + '33']: { family: 'hash-ml-dsa', name: 'HashML-DSA-65', publicKeyLength: 1952 },
  [SIG_ARC + '34']: { family: 'hash-ml-dsa', name: 'HashML-DSA-87', publicKeyLength: 2592 },
  [KEM_ARC + '1']: { family: 'ml-kem', name: 'ML-KEM-512', publicKeyLength: 800 },
  [KEM_ARC + '2']: { family: 'ml-kem', name: 'ML-KEM-768', publicKeyLength: 1184 },
  [KEM_ARC + '3']: { family: 'ml-kem', name: 'ML-KEM-1024', publicKeyLength: 1568 },
};
// SLH-DSA: .20–.31 (pure), .35–.46 (pre-hash); security category by pairs of (s, f) variants.
{
  const names = ['SHA2-128s', 'SHA2-128f', 'SHA2-192s', 'SHA2-192f', 'SHA2-256s', 'SHA2-256f',
    'SHAKE-128s', 'SHAKE-128f', 'SHAKE-192s', 'SHAKE-192f', 'SHAKE-256s', 'SHAKE-256f'];
  names.forEach((n, i) => {
    const len = n.includes('128') ? 32 : n.includes('192') ? 48 : 64;
    PQC[SIG_ARC + String(20 + i)] = { family: 'slh-dsa', name: `SLH-DSA-${n}`, publicKeyLength: len };
    PQC[SIG_ARC + String(35 + i)] = { family: 'hash-slh-dsa', name: `HashSLH-DSA-${n}`, publicKeyLength: len };
  });
}

/** Pre-standard post-quantum arcs (e.g. the round-3 / IPD Dilithium identifiers under 1.3.6.1.4.1.2.267). */
export function isObsoletePqcOid(oid: string): boolean {
  return oid.startsWith('1.3.6.1.4.1.2.267.');
}

/** Signature algorithms whose AlgorithmIdentifier parameters MUST be absent. */
export const SIG_PARAMS_ABSENT = new Set<string>([
  OID.ecdsaWithSHA1, OID.ecdsaWithSHA224, OID.ecdsaWithSHA256, OID.ecdsaWithSHA384, OID.ecdsaWithSHA512,
  OID.ed25519, LOID.ed448, OID.dsaWithSHA1, OID.dsaWithSHA256,
  ...Object.keys(PQC).filter((k) => PQC[k]!.family !== 'ml-kem'),
]);

/** Signature algorithms whose parameters MUST be NULL (RFC 4055 §5, RFC 3279 §2.2.1). */
export const SIG_PARAMS_NULL = new Set<string>([
  OID.sha1WithRSAEncryption, OID.sha224WithRSAEncryption, OID.sha256WithRSAEncryption,
  OID.sha384WithRSAEncryption, OID.sha512WithRSAEncryption, LOID.md5WithRSA, LOID.md2WithRSA, LOID.md4WithRSA,
]);

/** Signature algorithms refused for any new certificate (collision-broken hashes). */
export const SIG_WEAK: Record<string, string> = {
  [LOID.md2WithRSA]: 'MD2', [LOID.md4WithRSA]: 'MD4', [LOID.md5WithRSA]: 'MD5',
  [OID.sha1WithRSAEncryption]: 'SHA-1', [OID.ecdsaWithSHA1]: 'SHA-1', [OID.dsaWithSHA1]: 'SHA-1',
  '1.3.14.3.2.29': 'SHA-1', // sha1WithRSASignature (OIW)
};

/** Public-key algorithms whose SPKI parameters MUST be absent. */
export const SPKI_PARAMS_ABSENT = new Set<string>([
  OID.ed25519, LOID.ed448, LOID.x25519, LOID.x448, ...Object.keys(PQC),
]);

/** Raw public key lengths for RFC 8410 keys. */
export const EDWARDS_KEY_LENGTH: Record<string, number> = {
  [OID.ed25519]: 32, [LOID.ed448]: 57, [LOID.x25519]: 32, [LOID.x448]: 56,
};

/** Extensions the linter knows (and therefore may be critical without an "unknown critical" error). */
export const KNOWN_EXTENSIONS: Record<string, string> = {
  [OID.subjectKeyIdentifier]: 'subjectKeyIdentifier',
  [OID.keyUsage]: 'keyUsage',
  [OID.privateKeyUsagePeriod]: 'privateKeyUsagePeriod',
  [OID.subjectAltName]: 'subjectAltName',
  [OID.issuerAltName]: 'issuerAltName',
  [OID.basicConstraints]: 'basicConstraints',
  [OID.nameConstraints]: 'nameConstraints',
  [OID.crlDistributionPoints]: 'cRLDistributionPoints',
  [OID.certificatePolicies]: 'certificatePolicies',
  [OID.policyMappings]: 'policyMappings',
  [OID.authorityKeyIdentifier]: 'authorityKeyIdentifier',
  [OID.policyConstraints]: 'policyConstraints',
  [OID.extKeyUsage]: 'extKeyUsage',
  [OID.freshestCrl]: 'freshestCRL',
  [OID.inhibitAnyPolicy]: 'inhibitAnyPolicy',
  [OID.authorityInfoAccess]: 'authorityInfoAccess',
  [OID.subjectInfoAccess]: 'subjectInfoAccess',
  [OID.qcStatements]: 'qcStatements',
  [OID.ocspNoCheck]: 'ocspNoCheck',
  [LOID.subjectDirectoryAttributes]: 'subjectDirectoryAttributes',
  [LOID.ctPoison]: 'ctPrecertificatePoison',
  [LOID.ctSctList]: 'signedCertificateTimestampList',
  [LOID.ipAddrBlocks]: 'ipAddrBlocks',
  [LOID.autonomousSysIds]: 'autonomousSysIds',
  [LOID.tlsFeature]: 'tlsFeature',
};

export function extensionName(oid: string): string {
  return KNOWN_EXTENSIONS[oid] ?? oid;
}

/** Short names for attribute types in finding paths and messages. */
export const ATTRIBUTE_NAMES: Record<string, string> = {
  [OID.commonName]: 'CN', [OID.surname]: 'SN', [OID.givenName]: 'GN', [OID.serialNumber]: 'serialNumber',
  [OID.countryName]: 'C', [OID.localityName]: 'L', [OID.stateOrProvinceName]: 'ST', [OID.streetAddress]: 'street',
  [OID.organizationName]: 'O', [OID.organizationalUnitName]: 'OU', [OID.title]: 'title',
  [OID.organizationIdentifier]: 'organizationIdentifier', [OID.emailAddress]: 'emailAddress',
  [OID.domainComponent]: 'DC', [OID.userId]: 'UID',
  '2.5.4.65': 'pseudonym', '2.5.4.43': 'initials', '2.5.4.44': 'generationQualifier', '2.5.4.46': 'dnQualifier',
  '2.5.4.17': 'postalCode', '2.5.4.15': 'businessCategory', '2.5.4.18': 'postOfficeBox',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC', '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST', '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
};

export function attributeName(oid: string): string {
  return ATTRIBUTE_NAMES[oid] ?? oid;
}
