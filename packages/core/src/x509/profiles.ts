/**
 * Certificate profiles of kyso (RFC 5280 §4.2; Decree 68/2024/NĐ-CP on public-service digital
 * signatures: CA certificates up to 20 years, new subscriber certificates up to 5 years, a renewal
 * extending at most 3 years). See docs/certificate-profiles.md for the rationale of each field.
 */
import { KysoError } from '../errors.ts';
import type { KeyUsageName } from './certificate.ts';
import { OID } from './oids.ts';

export type ProfileName = 'root' | 'issuing' | 'agency' | 'official' | 'service' | 'tsa' | 'ocsp';
export const SUBSCRIBER_PROFILES = ['agency', 'official', 'service', 'tsa', 'ocsp'] as const;
export type SubscriberProfileName = (typeof SUBSCRIBER_PROFILES)[number];

export interface CertificateProfile {
  name: ProfileName;
  /** Vietnamese first, English second. */
  title: { vi: string; en: string };
  ca: boolean;
  /** basicConstraints pathLenConstraint for CA profiles. */
  pathLen?: number;
  /** Key usage bits that must be set (keyUsage is always present and critical). */
  keyUsage: KeyUsageName[];
  /** Further bits allowed, by key type (RSA keys may also encipher for service certificates). */
  keyUsageAllowed: KeyUsageName[];
  /** Extended key usages, in order; undefined = no EKU extension. */
  extendedKeyUsage?: string[];
  extendedKeyUsageCritical?: boolean;
  /** id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1). */
  ocspNoCheck?: boolean;
  /** Maximum validity of a new certificate, in calendar years. */
  maxYears: number;
  /** How far a renewal may extend validity, in calendar years. */
  maxRenewalYears: number;
  /** Default validity when none is asked for, in days. */
  defaultDays: number;
  /** Subject attributes that must be present (OIDs) and those that may be. */
  subjectRequired: string[];
  subjectAllowed: string[];
  /** What the UID attribute must hold, if any: CCCD:<12 digits> or MST:<tax code>. */
  uid: 'CCCD' | 'MST' | 'none';
  uidRequired: boolean;
  /** The agency identifier code (organizationIdentifier VN:<code>) is expected. */
  agencyCode: 'required' | 'optional' | 'none';
  /** CRL distribution point and AIA (OCSP + caIssuers) go into certificates of this profile. */
  revocationPointers: boolean;
}

const COMMON_SUBJECT = [OID.countryName, OID.stateOrProvinceName, OID.localityName, OID.organizationName, OID.organizationalUnitName, OID.commonName];

export const PROFILES: Readonly<Record<ProfileName, CertificateProfile>> = {
  root: {
    name: 'root', title: { vi: 'CA gốc', en: 'Root CA' }, ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'], keyUsageAllowed: ['digitalSignature'],
    maxYears: 20, maxRenewalYears: 0, defaultDays: 20 * 365,
    subjectRequired: [OID.countryName, OID.organizationName, OID.commonName], subjectAllowed: [...COMMON_SUBJECT, OID.organizationIdentifier],
    uid: 'none', uidRequired: false, agencyCode: 'optional', revocationPointers: false,
  },
  issuing: {
    name: 'issuing', title: { vi: 'CA cấp dưới', en: 'Issuing CA' }, ca: true, pathLen: 0,
    keyUsage: ['keyCertSign', 'cRLSign'], keyUsageAllowed: ['digitalSignature'],
    maxYears: 20, maxRenewalYears: 0, defaultDays: 10 * 365,
    subjectRequired: [OID.countryName, OID.organizationName, OID.commonName], subjectAllowed: [...COMMON_SUBJECT, OID.organizationIdentifier],
    uid: 'none', uidRequired: false, agencyCode: 'optional', revocationPointers: true,
  },
  agency: {
    name: 'agency', title: { vi: 'Chứng thư số của cơ quan, tổ chức (con dấu số)', en: 'Agency (organisation seal)' }, ca: false,
    keyUsage: ['digitalSignature', 'nonRepudiation'], keyUsageAllowed: [],
    extendedKeyUsage: [OID.kpEmailProtection, OID.kpDocumentSigning], extendedKeyUsageCritical: false,
    maxYears: 5, maxRenewalYears: 3, defaultDays: 3 * 365,
    subjectRequired: [OID.countryName, OID.organizationName, OID.commonName],
    subjectAllowed: [...COMMON_SUBJECT, OID.organizationIdentifier, OID.userId],
    uid: 'MST', uidRequired: false, agencyCode: 'required', revocationPointers: true,
  },
  official: {
    name: 'official', title: { vi: 'Chứng thư số của cá nhân (người có thẩm quyền)', en: 'Official (individual)' }, ca: false,
    keyUsage: ['digitalSignature', 'nonRepudiation'], keyUsageAllowed: [],
    extendedKeyUsage: [OID.kpEmailProtection, OID.kpDocumentSigning], extendedKeyUsageCritical: false,
    maxYears: 5, maxRenewalYears: 3, defaultDays: 3 * 365,
    subjectRequired: [OID.countryName, OID.organizationName, OID.commonName, OID.userId],
    subjectAllowed: [...COMMON_SUBJECT, OID.title, OID.userId, OID.organizationIdentifier, OID.emailAddress],
    uid: 'CCCD', uidRequired: true, agencyCode: 'optional', revocationPointers: true,
  },
  service: {
    name: 'service', title: { vi: 'Chứng thư số của thiết bị, dịch vụ', en: 'Service or device' }, ca: false,
    keyUsage: ['digitalSignature'], keyUsageAllowed: ['keyEncipherment', 'keyAgreement'],
    extendedKeyUsage: [OID.kpServerAuth, OID.kpClientAuth], extendedKeyUsageCritical: false,
    maxYears: 5, maxRenewalYears: 3, defaultDays: 2 * 365,
    subjectRequired: [OID.countryName, OID.organizationName, OID.commonName],
    subjectAllowed: [...COMMON_SUBJECT, OID.organizationIdentifier, OID.userId],
    uid: 'MST', uidRequired: false, agencyCode: 'optional', revocationPointers: true,
  },
  tsa: {
    name: 'tsa', title: { vi: 'Dịch vụ cấp dấu thời gian', en: 'Timestamp authority' }, ca: false,
    // RFC 3161 §2.3: the EKU extension is critical and holds only id-kp-timeStamping.
    keyUsage: ['digitalSignature'], keyUsageAllowed: ['nonRepudiation'],
    extendedKeyUsage: [OID.kpTimeStamping], extendedKeyUsageCritical: true,
    maxYears: 5, maxRenewalYears: 3, defaultDays: 5 * 365,
    subjectRequired: [OID.countryName, OID.organizationName, OID.commonName],
    subjectAllowed: [...COMMON_SUBJECT, OID.organizationIdentifier],
    uid: 'none', uidRequired: false, agencyCode: 'optional', revocationPointers: true,
  },
  ocsp: {
    name: 'ocsp', title: { vi: 'Dịch vụ trả lời trạng thái chứng thư số (OCSP)', en: 'OCSP responder' }, ca: false,
    // RFC 6960 §4.2.2.2: delegated responder, id-kp-OCSPSigning; §4.2.2.2.1 id-pkix-ocsp-nocheck.
    keyUsage: ['digitalSignature'], keyUsageAllowed: ['nonRepudiation'],
    extendedKeyUsage: [OID.kpOcspSigning], extendedKeyUsageCritical: false, ocspNoCheck: true,
    maxYears: 5, maxRenewalYears: 3, defaultDays: 365,
    subjectRequired: [OID.countryName, OID.organizationName, OID.commonName],
    subjectAllowed: [...COMMON_SUBJECT, OID.organizationIdentifier],
    // An OCSP signer carries no pointers to revocation data about itself (ocsp-nocheck).
    uid: 'none', uidRequired: false, agencyCode: 'optional', revocationPointers: false,
  },
};

export function getProfile(name: string): CertificateProfile {
  const p = (PROFILES as Record<string, CertificateProfile>)[name];
  if (!p) throw new KysoError('invalid-argument', `unknown profile "${name}": use ${Object.keys(PROFILES).join(', ')}`);
  return p;
}

/** Identity formats (Vietnam): CCCD citizen ID, MST tax code, agency identifier code. */
export const IDENTITY_FORMATS = {
  /** Căn cước công dân: 12 digits. */
  cccd: /^CCCD:\d{12}$/,
  /** Mã số thuế: 10 digits, or 10-3 for a dependent unit. */
  mst: /^MST:\d{10}(-\d{3})?$/,
  /** Mã định danh cơ quan (e.g. 000.00.00.H41), carried as organizationIdentifier "VN:<code>". */
  agencyCode: /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/,
  organizationIdentifier: /^VN:\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/,
} as const;

/** The organizationIdentifier value for an agency identifier code. */
export function agencyCodeToOrganizationIdentifier(code: string): string {
  if (!IDENTITY_FORMATS.agencyCode.test(code)) throw new KysoError('invalid-argument', `agency code "${code}" must look like 000.00.00.H41`);
  return `VN:${code}`;
}

/** Adds calendar years in UTC (29 Feb → 28 Feb when the target year is not a leap year). */
export function addYears(d: Date, years: number): Date {
  const out = new Date(d.getTime());
  out.setUTCFullYear(out.getUTCFullYear() + years);
  if (out.getUTCDate() !== d.getUTCDate()) out.setUTCDate(0);
  return out;
}
