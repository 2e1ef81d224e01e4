/**
 * What the generic lints learn about a certificate while checking it, handed on to the kyso
 * profile lints so that each extension is decoded once, from the exact DER.
 */
import type { KeyUsageName } from '../../x509/certificate.ts';
import type { ParsedCertificate } from '../../x509/certificate.ts';
import type { DerNode, StringKind } from './der-tree.ts';
import { FindingSink, type LintOptions } from './types.ts';

export interface NameAttributeFact {
  oid: string;
  kind: StringKind | 'other';
  text: string;
  /** RDN index (DER order) and position inside it. */
  rdn: number;
}

export interface ExtensionFact {
  oid: string;
  critical: boolean;
  /** extnValue contents (the DER inside the OCTET STRING). */
  value: Uint8Array;
  /** Parsed value, when it was valid DER. */
  node?: DerNode;
  /** Set when the value could not be decoded per its ASN.1 definition. */
  invalid?: boolean;
}

export interface PublicKeyFact {
  algorithm: string;
  kind: 'rsa' | 'rsa-pss' | 'ec' | 'edwards-sig' | 'edwards-kex' | 'dsa' | 'ml-dsa' | 'hash-ml-dsa' | 'slh-dsa' | 'hash-slh-dsa' | 'ml-kem' | 'other';
  bits?: number;
  curve?: string;
}

export interface CertFacts {
  version?: number;
  subjectEmpty: boolean;
  issuerEmpty: boolean;
  selfIssued: boolean;
  subjectAttributes: NameAttributeFact[];
  extensions: ExtensionFact[];
  publicKey?: PublicKeyFact;
  signatureOid?: string;
  /** basicConstraints, when present and decodable. */
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean };
  keyUsage?: { bits: Set<KeyUsageName>; critical: boolean };
  extKeyUsage?: { oids: string[]; critical: boolean };
  ski?: Uint8Array;
  aki?: { keyIdentifier?: Uint8Array; hasIssuer: boolean; hasSerial: boolean };
  crldpUris: string[];
  aiaOcsp: string[];
  aiaCaIssuers: string[];
  policies?: string[];
  sanRfc822: string[];
}

export class LintContext {
  readonly sink = new FindingSink();
  readonly facts: CertFacts = {
    subjectEmpty: false, issuerEmpty: false, selfIssued: false, subjectAttributes: [], extensions: [],
    crldpUris: [], aiaOcsp: [], aiaCaIssuers: [], sanRfc822: [],
  };
  constructor(readonly cert: ParsedCertificate, readonly opts: LintOptions) {}

  get buf(): Uint8Array {
    return this.cert.der;
  }

  extension(oid: string): ExtensionFact | undefined {
    return this.facts.extensions.find((e) => e.oid === oid);
  }

  get isCa(): boolean {
    return this.facts.basicConstraints?.ca === true;
  }
}
