/**
 * TEST-ONLY helper (imported by *.test.ts, never by library code): builds certificates byte by
 * byte so tests can produce a good certificate for each kyso profile and then break exactly one
 * encoding detail. Keys are generated at test time with node:crypto; nothing is committed.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { concatBytes, encodeTlv } from '../../asn1/der.ts';
import { parseCertificate, type KeyUsageName, KEY_USAGE_BITS, type ParsedCertificate } from '../../x509/certificate.ts';
import { OID } from '../../x509/oids.ts';
import type { ProfileName } from '../../x509/profiles.ts';

// ---------------------------------------------------------------------------------------------
// A tiny DER writer

type B = Uint8Array;

function oidContent(s: string): B {
  const arcs = s.split('.').map((x) => BigInt(x));
  const out: number[] = [];
  const push = (v: bigint) => {
    const tmp: number[] = [Number(v & 0x7fn)];
    v >>= 7n;
    while (v > 0n) { tmp.unshift(Number(v & 0x7fn) | 0x80); v >>= 7n; }
    out.push(...tmp);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return Uint8Array.from(out);
}

function intContent(v: bigint): B {
  let n = 1;
  while (v >= 1n << BigInt(8 * n - 1) || v < -(1n << BigInt(8 * n - 1))) n++;
  let x = v < 0n ? v + (1n << BigInt(8 * n)) : v;
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) { out[i] = Number(x & 0xffn); x >>= 8n; }
  return out;
}

const enc = new TextEncoder();
const ascii = (s: string): B => Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff));

export const d = {
  tlv: (tag: number, ...content: B[]): B => encodeTlv(tag, concatBytes(content)),
  seq: (...xs: B[]): B => encodeTlv(0x30, concatBytes(xs)),
  set: (...xs: B[]): B => encodeTlv(0x31, concatBytes(xs)),
  oid: (s: string): B => encodeTlv(0x06, oidContent(s)),
  int: (v: bigint | number): B => encodeTlv(0x02, intContent(BigInt(v))),
  bool: (v: boolean): B => encodeTlv(0x01, Uint8Array.of(v ? 0xff : 0)),
  null: (): B => Uint8Array.of(0x05, 0x00),
  octet: (b: B): B => encodeTlv(0x04, b),
  bits: (b: B, unused = 0): B => encodeTlv(0x03, concatBytes([Uint8Array.of(unused), b])),
  utf8: (s: string): B => encodeTlv(0x0c, enc.encode(s)),
  printable: (s: string): B => encodeTlv(0x13, ascii(s)),
  ia5: (s: string): B => encodeTlv(0x16, ascii(s)),
  visible: (s: string): B => encodeTlv(0x1a, ascii(s)),
  bmp: (s: string): B => encodeTlv(0x1e, Uint8Array.from([...s].flatMap((c) => [c.charCodeAt(0) >> 8, c.charCodeAt(0) & 0xff]))),
  utc: (t: Date | string): B => encodeTlv(0x17, ascii(typeof t === 'string' ? t : t.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z')),
  gen: (t: Date | string): B => encodeTlv(0x18, ascii(typeof t === 'string' ? t : t.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z')),
  /** [n] EXPLICIT (constructed). */
  explicit: (n: number, ...xs: B[]): B => encodeTlv(0xa0 | n, concatBytes(xs)),
  /** [n] IMPLICIT primitive. */
  implicit: (n: number, content: B): B => encodeTlv(0x80 | n, content),
};

/** RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(t: Date): B {
  return t.getUTCFullYear() < 2050 ? d.utc(t) : d.gen(t);
}

// ---------------------------------------------------------------------------------------------
// Names

export type Atv = [oid: string, value: string, kind?: 'utf8' | 'printable' | 'ia5' | 'bmp' | 'visible' | 'raw'];

function atvValue(oid: string, value: string, kind?: Atv[2]): B {
  const k = kind ?? (oid === OID.countryName || oid === OID.serialNumber ? 'printable' : oid === OID.emailAddress || oid === OID.domainComponent ? 'ia5' : 'utf8');
  if (k === 'raw') return Uint8Array.from(Buffer.from(value, 'hex'));
  return d[k](value);
}

/** A Name with one attribute per RDN, in DER order (most general first). */
export function dn(...atvs: Atv[]): B {
  return d.seq(...atvs.map(([oid, v, k]) => d.set(d.seq(d.oid(oid), atvValue(oid, v, k)))));
}

/** A Name from explicit RDNs (each an array of attributes). */
export function dnRdns(...rdns: Atv[][]): B {
  return d.seq(...rdns.map((rdn) => d.set(...rdn.map(([oid, v, k]) => d.seq(d.oid(oid), atvValue(oid, v, k))))));
}

// ---------------------------------------------------------------------------------------------
// Extensions

export interface Ext {
  oid: string;
  /** true/false, or the raw BOOLEAN content octet, or 'explicit-false' to encode DEFAULT FALSE. */
  critical?: boolean | number | 'explicit-false';
  value: B;
}

export function encodeExt(e: Ext): B {
  const parts: B[] = [d.oid(e.oid)];
  if (e.critical === true) parts.push(d.bool(true));
  else if (e.critical === 'explicit-false') parts.push(d.bool(false));
  else if (typeof e.critical === 'number') parts.push(encodeTlv(0x01, Uint8Array.of(e.critical)));
  parts.push(d.octet(e.value));
  return d.seq(...parts);
}

/** KeyUsage BIT STRING with the DER named-bit encoding (no trailing zero bits). */
export function kuValue(names: KeyUsageName[]): B {
  const idx = names.map((n) => KEY_USAGE_BITS.indexOf(n));
  if (idx.length === 0) return d.bits(new Uint8Array(0));
  const max = Math.max(...idx);
  const bytes = new Uint8Array((max >> 3) + 1);
  for (const i of idx) bytes[i >> 3]! |= 0x80 >> (i & 7);
  return d.bits(bytes, 7 - (max & 7));
}

export const gn = {
  dns: (s: string): B => d.tlv(0x82, ascii(s)),
  email: (s: string): B => d.tlv(0x81, enc.encode(s)),
  uri: (s: string): B => d.tlv(0x86, ascii(s)),
  ip: (b: number[]): B => d.tlv(0x87, Uint8Array.from(b)),
  dir: (name: B): B => d.tlv(0xa4, name),
  other: (oid: string, value: B): B => d.tlv(0xa0, d.oid(oid), d.explicit(0, value)),
};

export const ext = {
  bc: (ca: boolean, pathLen?: number, critical = true): Ext => ({
    oid: OID.basicConstraints, critical,
    value: d.seq(...(ca ? [d.bool(true)] : []), ...(pathLen !== undefined ? [d.int(pathLen)] : [])),
  }),
  ku: (names: KeyUsageName[], critical = true): Ext => ({ oid: OID.keyUsage, critical, value: kuValue(names) }),
  eku: (oids: string[], critical = false): Ext => ({ oid: OID.extKeyUsage, critical, value: d.seq(...oids.map(d.oid)) }),
  ski: (id: B): Ext => ({ oid: OID.subjectKeyIdentifier, value: d.octet(id) }),
  aki: (id: B): Ext => ({ oid: OID.authorityKeyIdentifier, value: d.seq(d.implicit(0, id)) }),
  san: (names: B[], critical = false): Ext => ({ oid: OID.subjectAltName, critical, value: d.seq(...names) }),
  crldp: (uris: string[]): Ext => ({
    oid: OID.crlDistributionPoints,
    value: d.seq(d.seq(d.explicit(0, d.explicit(0, ...uris.map(gn.uri))))),
  }),
  aia: (entries: Array<[method: string, uri: string]>): Ext => ({
    oid: OID.authorityInfoAccess,
    value: d.seq(...entries.map(([m, u]) => d.seq(d.oid(m), gn.uri(u)))),
  }),
  policies: (oids: string[]): Ext => ({ oid: OID.certificatePolicies, value: d.seq(...oids.map((o) => d.seq(d.oid(o)))) }),
  ocspNoCheck: (): Ext => ({ oid: OID.ocspNoCheck, value: d.null() }),
};

// ---------------------------------------------------------------------------------------------
// Keys

export type KeyKind = 'rsa2048' | 'rsa1024' | 'p256' | 'p384' | 'p521' | 'secp256k1' | 'ed25519';

export interface TestKey {
  kind: KeyKind;
  privateKey: KeyObject;
  spki: B;
}

const keyCache = new Map<string, TestKey>();

/** A fresh key per (kind, label), generated once per test process. */
export function testKey(kind: KeyKind, label = 'default'): TestKey {
  const cacheKey = `${kind}/${label}`;
  const hit = keyCache.get(cacheKey);
  if (hit) return hit;
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  switch (kind) {
    case 'rsa2048': pair = generateKeyPairSync('rsa', { modulusLength: 2048 }); break;
    case 'rsa1024': pair = generateKeyPairSync('rsa', { modulusLength: 1024 }); break;
    case 'p256': pair = generateKeyPairSync('ec', { namedCurve: 'P-256' }); break;
    case 'p384': pair = generateKeyPairSync('ec', { namedCurve: 'P-384' }); break;
    case 'p521': pair = generateKeyPairSync('ec', { namedCurve: 'P-521' }); break;
    case 'secp256k1': pair = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }); break;
    case 'ed25519': pair = generateKeyPairSync('ed25519'); break;
  }
  const k: TestKey = { kind, privateKey: pair.privateKey, spki: new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })) };
  keyCache.set(cacheKey, k);
  return k;
}

/** The AlgorithmIdentifier a key signs with. */
export function sigAlgFor(k: TestKey): B {
  if (k.kind.startsWith('rsa')) return d.seq(d.oid(OID.sha256WithRSAEncryption), d.null());
  if (k.kind === 'ed25519') return d.seq(d.oid(OID.ed25519));
  return d.seq(d.oid(k.kind === 'p384' ? OID.ecdsaWithSHA384 : OID.ecdsaWithSHA256));
}

function signWith(k: TestKey, data: B): B {
  if (k.kind === 'ed25519') return new Uint8Array(sign(null, data, k.privateKey));
  const hash = k.kind === 'p384' ? 'sha384' : 'sha256';
  return new Uint8Array(sign(hash, data, k.kind.startsWith('rsa') ? k.privateKey : { key: k.privateKey, dsaEncoding: 'der' }));
}

// ---------------------------------------------------------------------------------------------
// Certificates

export interface CertSpec {
  /** The whole `[0] EXPLICIT Version` field, or null to omit it (v1). */
  version: B | null;
  /** The serialNumber INTEGER (DER). */
  serial: B;
  signature: B;
  /** Defaults to `signature`. */
  outerSignature?: B;
  issuer: B;
  notBefore: B;
  notAfter: B;
  subject: B;
  spki: B;
  /** Fields between subjectPublicKeyInfo and extensions (unique identifiers). */
  extraFields?: B[];
  /** null = no extensions field at all. */
  extensions: Ext[] | null;
  signer: TestKey;
}

export function buildDer(s: CertSpec): B {
  const tbs = d.seq(
    ...(s.version ? [s.version] : []),
    s.serial, s.signature, s.issuer, d.seq(s.notBefore, s.notAfter), s.subject, s.spki,
    ...(s.extraFields ?? []),
    ...(s.extensions ? [d.explicit(3, d.seq(...s.extensions.map(encodeExt)))] : []),
  );
  return d.seq(tbs, s.outerSignature ?? s.signature, d.bits(signWith(s.signer, tbs)));
}

export function build(s: CertSpec): ParsedCertificate {
  return parseCertificate(buildDer(s));
}

// ---------------------------------------------------------------------------------------------
// The kyso fixture chain and a good certificate per profile

export const URLS = {
  crl: 'http://ca.kyso.gov.vn/crl/issuing.crl',
  ocsp: 'http://ocsp.kyso.gov.vn',
  caIssuers: 'http://ca.kyso.gov.vn/issuing.cer',
};
export const POLICY = '2.16.704.1.99.1.1';
export const V3 = d.explicit(0, d.int(2));

const ROOT_NAME = dn([OID.countryName, 'VN'], [OID.organizationName, 'Ban Cơ yếu Chính phủ'], [OID.commonName, 'Kyso Root CA']);
const ISSUING_NAME = dn([OID.countryName, 'VN'], [OID.organizationName, 'Ban Cơ yếu Chính phủ'], [OID.commonName, 'Kyso Issuing CA']);

export const SKI = {
  root: Uint8Array.from({ length: 20 }, (_, i) => i + 1),
  issuing: Uint8Array.from({ length: 20 }, (_, i) => 0x40 + i),
  subject: Uint8Array.from({ length: 20 }, (_, i) => 0x80 + i),
};

export const DATES = {
  rootFrom: new Date('2025-01-01T00:00:00Z'), rootTo: new Date('2045-01-01T00:00:00Z'),
  issuingFrom: new Date('2025-01-02T00:00:00Z'), issuingTo: new Date('2040-01-01T00:00:00Z'),
  from: new Date('2025-06-01T00:00:00Z'), to: new Date('2028-06-01T00:00:00Z'),
};

export function rootSpec(): CertSpec {
  const k = testKey('rsa2048', 'root');
  return {
    version: V3, serial: d.int(0x0101), signature: sigAlgFor(k), issuer: ROOT_NAME,
    notBefore: time(DATES.rootFrom), notAfter: time(DATES.rootTo), subject: ROOT_NAME, spki: k.spki,
    extensions: [ext.bc(true), ext.ku(['keyCertSign', 'cRLSign']), ext.ski(SKI.root)],
    signer: k,
  };
}

export function issuingSpec(): CertSpec {
  const root = testKey('rsa2048', 'root');
  const k = testKey('p384', 'issuing');
  return {
    version: V3, serial: d.int(0x0202), signature: sigAlgFor(root), issuer: ROOT_NAME,
    notBefore: time(DATES.issuingFrom), notAfter: time(DATES.issuingTo), subject: ISSUING_NAME, spki: k.spki,
    extensions: [
      ext.bc(true, 0), ext.ku(['keyCertSign', 'cRLSign']), ext.ski(SKI.issuing), ext.aki(SKI.root),
      ext.crldp(['http://ca.kyso.gov.vn/crl/root.crl']),
      ext.aia([[OID.adOcsp, URLS.ocsp], [OID.adCaIssuers, 'http://ca.kyso.gov.vn/root.cer']]),
      ext.policies([POLICY]),
    ],
    signer: root,
  };
}

let chain: { root: ParsedCertificate; issuing: ParsedCertificate } | undefined;
export function fixtureChain(): { root: ParsedCertificate; issuing: ParsedCertificate } {
  chain ??= { root: build(rootSpec()), issuing: build(issuingSpec()) };
  return chain;
}

const SUBJECTS: Record<Exclude<ProfileName, 'root' | 'issuing'>, Atv[]> = {
  official: [[OID.countryName, 'VN'], [OID.organizationName, 'Bộ Tài chính'], [OID.organizationalUnitName, 'Văn phòng Bộ'],
    [OID.title, 'Chánh Văn phòng'], [OID.commonName, 'Nguyễn Văn An'], [OID.userId, 'CCCD:001203004567']],
  agency: [[OID.countryName, 'VN'], [OID.stateOrProvinceName, 'Hà Nội'], [OID.organizationName, 'Bộ Tài chính'],
    [OID.organizationIdentifier, 'VN:000.00.00.H41'], [OID.commonName, 'Bộ Tài chính']],
  service: [[OID.countryName, 'VN'], [OID.organizationName, 'Cục Chuyển đổi số'], [OID.commonName, 'dichvucong.example.gov.vn'],
    [OID.userId, 'MST:0101234567-001']],
  tsa: [[OID.countryName, 'VN'], [OID.organizationName, 'Ban Cơ yếu Chính phủ'], [OID.commonName, 'Kyso TSA 1']],
  ocsp: [[OID.countryName, 'VN'], [OID.organizationName, 'Ban Cơ yếu Chính phủ'], [OID.commonName, 'Kyso OCSP Responder 1']],
};

/** A certificate spec that passes every lint of `profile`, issued by the fixture chain. */
export function goodSpec(profile: ProfileName): CertSpec {
  if (profile === 'root') return rootSpec();
  if (profile === 'issuing') return issuingSpec();
  const issuing = testKey('p384', 'issuing');
  const k = testKey('p256', 'subject');
  const pointers = [ext.crldp([URLS.crl]), ext.aia([[OID.adOcsp, URLS.ocsp], [OID.adCaIssuers, URLS.caIssuers]])];
  const exts: Ext[] = [ext.ski(SKI.subject), ext.aki(SKI.issuing), ext.policies([POLICY])];
  switch (profile) {
    case 'official': case 'agency':
      exts.push(ext.ku(['digitalSignature', 'nonRepudiation']), ext.eku([OID.kpEmailProtection, OID.kpDocumentSigning]), ...pointers);
      break;
    case 'service':
      exts.push(ext.ku(['digitalSignature']), ext.eku([OID.kpServerAuth, OID.kpClientAuth]), ext.san([gn.dns('dichvucong.example.gov.vn')]), ...pointers);
      break;
    case 'tsa':
      exts.push(ext.ku(['digitalSignature']), ext.eku([OID.kpTimeStamping], true), ...pointers);
      break;
    case 'ocsp':
      exts.push(ext.ku(['digitalSignature']), ext.eku([OID.kpOcspSigning]), ext.ocspNoCheck());
      break;
  }
  return {
    version: V3, serial: d.int(0x3f2a9c0011n), signature: sigAlgFor(issuing), issuer: ISSUING_NAME,
    notBefore: time(DATES.from), notAfter: time(DATES.to), subject: dn(...SUBJECTS[profile]), spki: k.spki,
    extensions: exts, signer: issuing,
  };
}

/** Replaces (or appends) the extension with the same OID. */
export function withExt(s: CertSpec, e: Ext): CertSpec {
  const list = s.extensions ?? [];
  const i = list.findIndex((x) => x.oid === e.oid);
  return { ...s, extensions: i >= 0 ? list.map((x, j) => (j === i ? e : x)) : [...list, e] };
}

export function withoutExt(s: CertSpec, oid: string): CertSpec {
  return { ...s, extensions: (s.extensions ?? []).filter((x) => x.oid !== oid) };
}

export function subjectOf(profile: Exclude<ProfileName, 'root' | 'issuing'>): Atv[] {
  return SUBJECTS[profile].map((a) => [...a] as Atv);
}
