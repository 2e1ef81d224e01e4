/**
 * The validation report of `verifyPdf` (schema version below; documented in README "kyso verify").
 * Indications and sub-indications follow ETSI EN 319 102-1 §5.1.3 (TOTAL_PASSED / TOTAL_FAILED /
 * INDETERMINATE); PAdES levels ETSI EN 319 142-1 §6; modification classes the ones DSS and pyHanko
 * report for incremental updates after a signature (ISO 32000-2 §12.8.2 DocMDP / FieldMDP rules).
 * Every field is plain JSON: dates are ISO 8601 strings, bytes hex.
 */

export const REPORT_SCHEMA_VERSION = '1.0';

export type Indication = 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE';

/** ETSI EN 319 102-1 §5.1.3 Table 5 sub-indications kyso produces. */
export type SubIndication =
  | 'FORMAT_FAILURE'            // the signature or its container cannot be read/used as such
  | 'HASH_FAILURE'              // the ByteRange bytes do not match the message digest / imprint
  | 'SIG_CRYPTO_FAILURE'        // the signature value does not verify with the signer's key
  | 'REVOKED'                   // the signer certificate was revoked before the signature time
  | 'SIG_CONSTRAINTS_FAILURE'   // a disallowed change after signing, a broken DocMDP/FieldMDP rule
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'CHAIN_CONSTRAINTS_FAILURE' // the chain exists but fails RFC 5280 validation
  | 'OUT_OF_BOUNDS_NO_POE'      // certificate expired (or not yet valid) at validation time, no proof of existence before
  | 'OUT_OF_BOUNDS_NOT_REVOKED'
  | 'REVOKED_NO_POE'
  | 'TRY_LATER'                 // revocation status not available now
  | 'SIGNED_DATA_NOT_FOUND';

/**
 * Class of a change after a signature, from the most to the least permitted:
 * - 'validation-data': DSS/VRI (certificates, OCSP responses, CRLs, time-stamps), /Extensions — always permitted;
 * - 'metadata': the document information dictionary (/Info: /ModDate, /Producer…, or a new /Info),
 *   the catalog's XMP stream (/Metadata, changed or re-pointed), a raised catalog /Version, iText's
 *   /ITXT stamp — rendered by no viewer, permitted except under DocMDP P=1;
 * - 'signature-fields': new or newly signed signature fields, their widgets and signature values;
 * - 'form-fields': form field values and their appearances (DocMDP P=2/3, FieldMDP locks);
 * - 'annotations': added, changed or removed annotations (DocMDP P=3 only);
 * - 'other': anything else (page content, fonts, images, the page tree, the structure tree, the catalog…) — never permitted.
 */
export type ChangeCategory = 'validation-data' | 'metadata' | 'signature-fields' | 'form-fields' | 'annotations' | 'other';

/** One object that differs between the signed revision and the final file. */
export interface ObjectChange {
  object: number;
  generation: number;
  kind: 'added' | 'modified' | 'removed';
  category: ChangeCategory;
  /** What the object is (page, content stream, font, XObject, catalog, field, widget, DSS…). */
  role: string;
  /** Dictionary keys that changed, for a modified dictionary. */
  keys?: string[];
  /** One line a person can read. */
  description: string;
}

/** What changed after one signature (or document time-stamp), ISO 32000-2 §7.5.6 incremental updates. */
export interface ModificationAnalysis {
  /** Offset where the signed revision ends (the end of the signature's ByteRange). */
  signedRevisionEnd: number;
  /** Number of incremental updates after the signed revision. */
  laterRevisions: number;
  changes: ObjectChange[];
  categories: ChangeCategory[];
  pagesAdded: number;
  pagesRemoved: number;
  /**
   * Named findings: 'appended-content', 'shadow-hide', 'shadow-replace', 'shadow-hide-and-replace',
   * 'object-overridden', 'page-content-replaced', 'xobject-replaced', 'font-replaced',
   * 'appearance-replaced', 'form-value-changed', 'pages-changed', 'signature-dictionary-replaced',
   * 'hidden-objects', 'unparseable-update', 'metadata-changed' (/Info, XMP or /Version updated)…
   */
  findings: string[];
  /** 'none': no later revision; 'allowed': only changes the signature's rules permit; 'disallowed'. */
  verdict: 'none' | 'allowed' | 'disallowed';
  /** Why it is disallowed, in plain words. */
  reasons: string[];
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialHex: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
}

export interface SignerSummary extends CertificateSummary {
  commonName?: string;
  organization?: string;
  /** organizationIdentifier (VN:000.00.00.H41) without the prefix. */
  agencyCode?: string;
  /** UID attribute, e.g. CCCD:001085000001 or MST:0100000001. */
  uid?: string;
  title?: string;
  /** kyso profile recognised from EKU/KU/subject: the agency seal, an official, or anything else. */
  profile: 'agency' | 'official' | 'other';
}

export interface ChainReport {
  /** Leaf first, trust anchor last, when a path was found. */
  certificates: CertificateSummary[];
  valid: boolean;
  trustAnchor?: string;
  problem?: string;
}

export interface RevocationReport {
  status: 'good' | 'revoked' | 'unknown' | 'not-checked';
  /** Where the answer came from. */
  source?: 'dss' | 'cms' | 'ocsp' | 'crl' | 'online-ocsp' | 'online-crl';
  revokedAt?: string;
  reason?: string;
  /** thisUpdate / producedAt of the evidence. */
  evidenceTime?: string;
  problem?: string;
}

export interface TimestampReport {
  time: string;
  valid: boolean;
  tsa?: string;
  problem?: string;
}

export interface IntegrityReport {
  byteRange: [number, number, number, number] | null;
  byteRangeValid: boolean;
  /** Why not: does not start at 0, gap is not exactly /Contents, overlaps, does not end a revision… */
  byteRangeProblems: string[];
  /** The signature covers the whole file as it is now. */
  coversWholeDocument: boolean;
  /** The signature dictionary reached from the field is the one inside the signed bytes. */
  dictionaryConsistent: boolean;
  digestMatches: boolean | null;
  signatureValid: boolean | null;
  signedAttributes: {
    contentType: boolean;
    messageDigest: boolean;
    signingCertificateV2: boolean;
    /** PAdES baseline forbids a CMS signing-time (the time goes in /M). */
    signingTime: boolean;
  };
}

export interface SignatureReport {
  /** 1-based, in file order. */
  index: number;
  fieldName: string;
  kind: 'signature' | 'doc-timestamp';
  subFilter: string;
  indication: Indication;
  subIndication?: SubIndication;
  /** Plain-language reasons behind the indication (English; the renderers translate by code). */
  reasons: string[];
  integrity: IntegrityReport;
  signer?: SignerSummary;
  chain?: ChainReport;
  revocation?: RevocationReport;
  time: {
    /** /M of the signature dictionary. */
    claimed?: string;
    signatureTimestamp?: TimestampReport;
    /** The time the checks were made at: the validated signature time-stamp, else the validation time. */
    usedForValidation: string;
  };
  level: 'B-B' | 'B-T' | 'B-LT' | 'B-LTA' | 'none';
  /** DocMDP permission when this is a certification signature. */
  docMdp?: 1 | 2 | 3;
  fieldMdp?: { action: 'All' | 'Include' | 'Exclude'; fields?: string[] };
  reason?: string;
  location?: string;
  /** Decree 30 data kyso writes (/KysoDocNumber, /KysoDocDate). */
  docNumber?: string;
  docDate?: string;
  modifications: ModificationAnalysis;
}

export interface Decree30Check {
  hasOfficialSignature: boolean;
  hasAgencySignature: boolean;
  /** The agency seal signature comes after the official's. */
  agencyAfterOfficial: boolean;
  complete: boolean;
  notes: string[];
}

export interface DocumentReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  validationTime: string;
  document: { sha256: string; size: number; pages: number; revisions: number; encrypted: boolean };
  signatures: SignatureReport[];
  /** The worst signature indication; TOTAL_FAILED when there is no signature at all. */
  indication: Indication;
  subIndication?: SubIndication;
  decree30: Decree30Check;
  /** Problems of the document itself (unsigned content appended at the end, no signatures…). */
  problems: string[];
}
