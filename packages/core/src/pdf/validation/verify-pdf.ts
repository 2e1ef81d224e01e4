/**
 * PDF signature validation (ISO 32000-2 §12.8; ETSI EN 319 142-1 PAdES; indications after ETSI EN
 * 319 102-1 §5.1.3). For every signature and document time-stamp: the ByteRange (starts at 0, its
 * gap is exactly the /Contents string, ends at the end of a revision), the signature dictionary
 * being the one that was signed, the CMS (message digest, signature, signed attributes, ESS
 * signing-certificate-v2), the signer and its chain to a trust anchor (RFC 5280 §6), revocation from
 * the embedded DSS/CMS data or online (through the `RevocationSource` port), the signature
 * time-stamp, the PAdES level, and what changed after signing (modifications.ts).
 *
 * A signature that does not verify is a report, never an exception; only input that is not a PDF
 * at all throws (KysoError 'malformed' / 'auth').
 */
import { PDF, PdfDict, PdfName, PdfNumber, PdfStream, PdfString } from '@libpdf/core';
import { KysoError } from '../../errors.ts';
import type { Clock, CryptoPort, HashName } from '../../ports.ts';
import { equalBytes as eq, readTlv, toHex } from '../../asn1/der.ts';
import { OID } from '../../x509/oids.ts';
import { nameAttribute } from '../../x509/names.ts';
import { getExtendedKeyUsage, parseCertificate, type ParsedCertificate } from '../../x509/certificate.ts';
import { validatePath } from '../../x509/path-validation.ts';
import { parseSignedData, verifySignerInfo, findSignerCertificate, type ParsedSignedData } from '../../cms/signed-data.ts';
import { CMS_OID } from '../../cms/cms-oids.ts';
import { verifyTimeStampToken } from '../../tsp/time-stamp-token.ts';
import { parseOcspResponse, verifyOcspResponse } from '../../ocsp/ocsp-response.ts';
import { computeCertId } from '../../ocsp/cert-id.ts';
import { lastStartXref, xrefKindAt } from '../file-structure.ts';
import { byteRangeBytes, cmsPrefix, digestByteRange, signatureContents } from '../pdf-signature.ts';
import { listPages } from '../page-tree.ts';
import { byteRangeOf, fieldMdpLocks, listSignatureFields, readLock, resolve, resolveArray, resolveDict, type FieldLock, type SignatureFieldInfo } from '../signature-fields.ts';
import { analyseModifications } from './modifications.ts';
import {
  REPORT_SCHEMA_VERSION, type CertificateSummary, type ChainReport, type Decree30Check, type DocumentReport, type Indication,
  type IntegrityReport, type ModificationAnalysis, type RevocationReport, type SignatureReport, type SignerSummary, type SubIndication, type TimestampReport,
} from './report.ts';

/** Online revocation (I/O lives in the server): DER answers, or undefined when none could be had. */
export interface RevocationSource {
  ocsp(cert: ParsedCertificate, issuer: ParsedCertificate): Promise<Uint8Array | undefined>;
  crl(cert: ParsedCertificate, issuer: ParsedCertificate): Promise<Uint8Array | undefined>;
}

export interface VerifyPdfOptions {
  /** DER trust anchors. */
  trustAnchors: Uint8Array[];
  /** Validation time; default the clock's now. */
  at?: Date;
  /** Where revocation evidence may come from. */
  revocation: 'embedded' | 'online' | 'none';
  online?: RevocationSource;
  crypto: CryptoPort;
  clock: Clock;
  password?: string;
  /** Hash the whole file for the report's document.sha256 (default true; one extra pass over a large file). */
  hashDocument?: boolean;
}

const SEVERITY: Record<Indication, number> = { TOTAL_PASSED: 0, INDETERMINATE: 1, TOTAL_FAILED: 2 };
const latin1 = new TextDecoder('latin1');

/** ByteRange digests already computed for a document (see `documentDigest`), by hash and range. */
const rangeDigestMemo = new WeakMap<Uint8Array, Map<string, Uint8Array>>();

function digestRanges(crypto: CryptoPort, hash: HashName, bytes: Uint8Array, br: readonly number[]): Uint8Array {
  return rangeDigestMemo.get(bytes)?.get(`${hash}:${br.join(' ')}`) ?? digestByteRange(crypto, hash, bytes, br);
}

/**
 * The document's SHA-256 for the report. When the port can fork a running hash, the last
 * signature's SHA-256 ByteRange digest comes out of the same pass (hash the bytes before its
 * /Contents once, then finish one copy with the rest of the file and one with the second range), so a
 * large file is read once, not twice.
 */
function documentDigest(crypto: CryptoPort, bytes: Uint8Array, ranges: Array<readonly number[] | undefined>): Uint8Array {
  const br = ranges.filter((r): r is readonly number[] => !!r && r[0] === 0 && r[1]! <= r[2]! && r[2]! + r[3]! <= bytes.length)
    .sort((x, y) => (y[2]! + y[3]!) - (x[2]! + x[3]!))[0];
  if (!crypto.digestFork || !br) return crypto.digest('SHA-256', bytes);
  const [doc, signed] = crypto.digestFork('SHA-256', [bytes.subarray(0, br[1]!)], [[bytes.subarray(br[1]!)], [bytes.subarray(br[2]!, br[2]! + br[3]!)]]);
  let memo = rangeDigestMemo.get(bytes);
  if (!memo) rangeDigestMemo.set(bytes, (memo = new Map()));
  memo.set(`SHA-256:${br.join(' ')}`, signed!);
  return doc!;
}


function summary(c: ParsedCertificate, crypto: CryptoPort): CertificateSummary {
  return {
    subject: c.subjectString, issuer: c.issuerString, serialHex: c.serialHex,
    notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), sha256: toHex(crypto.digest('SHA-256', c.der)),
  };
}

/** kyso's profile of a signer certificate (docs/certificate-profiles.md): agency seal, official, other. */
export function signerProfile(c: ParsedCertificate): SignerSummary['profile'] {
  const eku = getExtendedKeyUsage(c) ?? [];
  const signing = eku.length === 0 || eku.includes(OID.kpDocumentSigning) || eku.includes(OID.kpEmailProtection);
  if (!signing) return 'other';
  const uid = nameAttribute(c.subject, OID.userId) ?? '';
  const orgId = nameAttribute(c.subject, OID.organizationIdentifier) ?? '';
  if (/^CCCD:\d{12}$/.test(uid)) return 'official';
  if (/^VN:/.test(orgId) && (uid === '' || uid.startsWith('MST:'))) return 'agency';
  return 'other';
}

function signerSummary(c: ParsedCertificate, crypto: CryptoPort): SignerSummary {
  const orgId = nameAttribute(c.subject, OID.organizationIdentifier);
  return {
    ...summary(c, crypto),
    commonName: nameAttribute(c.subject, OID.commonName),
    organization: nameAttribute(c.subject, OID.organizationName),
    agencyCode: orgId?.replace(/^VN:/, ''),
    uid: nameAttribute(c.subject, OID.userId),
    title: nameAttribute(c.subject, OID.title),
    profile: signerProfile(c),
  };
}

function text(pdf: PDF, dict: PdfDict, key: string): string | undefined {
  const v = resolve(pdf, dict.get(key));
  return v instanceof PdfString ? v.asString() : undefined;
}

function name(pdf: PDF, dict: PdfDict, key: string): string | undefined {
  const v = resolve(pdf, dict.get(key));
  return v instanceof PdfName ? v.value : undefined;
}

/** A PDF date (ISO 32000-2 §7.9.4) as ISO 8601, or undefined. */
export function parsePdfDate(s: string | undefined): string | undefined {
  const m = s && /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?/.exec(s);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', sign, oh = '00', om = '00'] = m;
  const off = !sign || sign === 'Z' || sign === 'z' ? 'Z' : `${sign}${oh}:${om}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${se}${off}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

interface DssData { certs: Uint8Array[]; ocsps: Uint8Array[]; crls: Uint8Array[] }

function readDss(pdf: PDF): DssData {
  const out: DssData = { certs: [], ocsps: [], crls: [] };
  const dss = resolveDict(pdf, pdf.getCatalog().get('DSS'));
  if (!dss) return out;
  const streams = (key: string): Uint8Array[] => (resolveArray(pdf, dss.get(key))?.toArray() ?? [])
    .map((o) => resolve(pdf, o)).filter((s): s is PdfStream => s instanceof PdfStream)
    .flatMap((s) => { try { return [s.getDecodedData()]; } catch { return []; } });
  out.certs = streams('Certs'); out.ocsps = streams('OCSPs'); out.crls = streams('CRLs');
  return out;
}

/**
 * Whether `end` is the end of a revision (ISO 32000-2 §7.5.5): `%%EOF`, then at most an end-of-line,
 * right before it — or trailing white space after it up to `end`. Checked in place, not by scanning.
 */
export function endsRevision(bytes: Uint8Array, end: number): boolean {
  if (end > bytes.length) return false;
  let j = end;
  while (j > 0 && (bytes[j - 1] === 10 || bytes[j - 1] === 13 || bytes[j - 1] === 32 || bytes[j - 1] === 0)) j--;
  return j >= 5 && bytes[j - 5] === 0x25 && bytes[j - 4] === 0x25 && bytes[j - 3] === 0x45 && bytes[j - 2] === 0x4f && bytes[j - 1] === 0x46;
}

/** §12.8.1: ByteRange sanity. */
function checkByteRange(bytes: Uint8Array, br: [number, number, number, number] | undefined, contents: Uint8Array | undefined): IntegrityReport['byteRangeProblems'] {
  if (!br) return ['the signature has no usable /ByteRange (four non-negative integers)'];
  const [a, b, c, d] = br;
  const problems: string[] = [];
  if (a !== 0) problems.push('the ByteRange does not start at the beginning of the file');
  if (b > c) problems.push('the two ByteRange parts overlap');
  if (c + d > bytes.length) problems.push('the ByteRange runs past the end of the file');
  if (bytes[b] !== 0x3c || bytes[c - 1] !== 0x3e) problems.push('the ByteRange gap is not exactly the /Contents hex string');
  else if (contents && (c - b - 2) !== contents.length * 2 && !/^<[0-9A-Fa-f\s]*>$/.test(latin1.decode(bytes.subarray(b, c)))) problems.push('the ByteRange gap is not exactly the /Contents hex string');
  if (!endsRevision(bytes, c + d)) problems.push('the signed bytes do not end at the end of a revision (%%EOF)');
  return problems;
}

/**
 * The number of revisions: the length of the chain of cross-reference sections from the last
 * startxref through /Prev (§7.5.6), read from the bytes near each section (no whole-file scan).
 */
function countRevisions(bytes: Uint8Array): number {
  let offset: number;
  try { offset = lastStartXref(bytes); } catch { return 0; }
  const seen = new Set<number>();
  while (!seen.has(offset) && seen.size < 10_000) {
    seen.add(offset);
    let kind: 'table' | 'stream';
    try { kind = xrefKindAt(bytes, offset); } catch { break; }
    let text = latin1.decode(bytes.subarray(offset, Math.min(bytes.length, offset + 4096)));
    if (kind === 'table') {
      // The trailer follows the entries (20 bytes each): find it, reading further when needed.
      let at = text.indexOf('trailer');
      for (let window = 65_536; at < 0 && offset + window / 2 < bytes.length; window *= 4) {
        text = latin1.decode(bytes.subarray(offset, Math.min(bytes.length, offset + window)));
        at = text.indexOf('trailer');
      }
      if (at < 0) break;
      text = text.slice(at, text.indexOf('startxref', at) > 0 ? text.indexOf('startxref', at) : undefined);
    } else {
      const end = text.indexOf('stream');
      text = end > 0 ? text.slice(0, end) : text;
    }
    const m = /\/Prev\s+(\d+)/.exec(text);
    if (!m) break;
    offset = Number(m[1]);
    if (offset >= bytes.length) break;
  }
  return seen.size;
}

interface SigContext {
  field: SignatureFieldInfo;
  dict: PdfDict;
  br: [number, number, number, number] | undefined;
  end: number;
}

/** Validates every signature and document time-stamp of a PDF. */
export async function verifyPdf(bytes: Uint8Array, o: VerifyPdfOptions): Promise<DocumentReport> {
  const validationTime = o.at ?? o.clock.now();
  const head = latin1.decode(bytes.subarray(0, Math.min(1024, bytes.length)));
  if (!head.includes('%PDF-')) throw new KysoError('malformed', 'not a PDF file (no %PDF- header in the first 1024 bytes)');
  let pdf: PDF;
  try {
    pdf = await PDF.load(bytes, o.password !== undefined ? { credentials: o.password } : {});
  } catch (e) {
    throw new KysoError('malformed', `the PDF cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (pdf.isEncrypted && !pdf.isAuthenticated) throw new KysoError('auth', o.password === undefined ? 'the PDF is encrypted: give its password' : 'the PDF password is wrong');
  const problems: string[] = [];
  if (pdf.recoveredViaBruteForce) problems.push('the file structure is damaged: its cross-reference table had to be rebuilt by scanning');

  let pages = 0;
  try { pages = listPages(pdf).length; } catch (e) { problems.push(`the page tree is broken: ${(e as Error).message}`); }
  let fields: SignatureFieldInfo[] = [];
  try { fields = listSignatureFields(pdf); } catch (e) { problems.push(`the form is broken: ${(e as Error).message}`); }
  const revisions = countRevisions(bytes);
  const dss = readDss(pdf);

  const sigs: SigContext[] = fields.filter((f) => f.value).map((f) => {
    const br = byteRangeOf(pdf, f.value!.dict);
    return { field: f, dict: f.value!.dict, br, end: br ? br[2] + br[3] : Number.MAX_SAFE_INTEGER };
  }).sort((x, y) => x.end - y.end);

  rangeDigestMemo.delete(bytes); // digests are shared within one call only
  const docSha256 = o.hashDocument === false ? '' : toHex(documentDigest(o.crypto, bytes, sigs.map((x) => x.br)));
  const reports: SignatureReport[] = [];
  try {
    for (let i = 0; i < sigs.length; i++) {
      reports.push(await verifyOne(pdf, bytes, sigs[i]!, i, sigs, dss, validationTime, o));
    }
  } finally {
    rangeDigestMemo.delete(bytes);
  }
  // Levels that later signatures and time-stamps raise (B-LTA: a document time-stamp after the DSS).
  const docTs = reports.filter((r) => r.kind === 'doc-timestamp' && r.indication === 'TOTAL_PASSED');
  for (const r of reports) {
    if (r.kind !== 'signature') continue;
    if (r.level === 'B-LT' && docTs.some((t) => t.index > r.index)) r.level = 'B-LTA';
  }
  const last = sigs[sigs.length - 1];
  if (last && last.end < bytes.length) {
    const tail = bytes.subarray(last.end);
    if (!tail.every((x) => x === 10 || x === 13 || x === 32 || x === 0)) problems.push(`${bytes.length - last.end} bytes were added after the last signature`);
  }

  let indication: Indication = 'TOTAL_PASSED';
  let sub: SubIndication | undefined;
  if (reports.length === 0) { indication = 'TOTAL_FAILED'; sub = 'SIGNED_DATA_NOT_FOUND'; problems.push('the document has no signature'); }
  for (const r of reports) {
    if (SEVERITY[r.indication] > SEVERITY[indication]) { indication = r.indication; sub = r.subIndication; }
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    validationTime: validationTime.toISOString(),
    document: { sha256: docSha256, size: bytes.length, pages, revisions, encrypted: pdf.isEncrypted },
    signatures: reports,
    indication, subIndication: sub,
    decree30: decree30(reports),
    problems,
  };
}

function decree30(reports: SignatureReport[]): Decree30Check {
  const signatures = reports.filter((r) => r.kind === 'signature');
  const official = signatures.find((r) => r.signer?.profile === 'official');
  const agency = [...signatures].reverse().find((r) => r.signer?.profile === 'agency');
  const notes: string[] = [];
  if (!official) notes.push('no signature of an official (personal certificate with a CCCD number)');
  if (!agency) notes.push('no signature of an agency (seal certificate with an agency code)');
  const after = !!official && !!agency && agency.index > official.index;
  if (official && agency && !after) notes.push('the agency seal was applied before the official signed');
  for (const r of [official, agency]) if (r && r.indication !== 'TOTAL_PASSED') notes.push(`signature ${r.index} (${r.fieldName}) is not valid`);
  return { hasOfficialSignature: !!official, hasAgencySignature: !!agency, agencyAfterOfficial: after, complete: after && official!.indication === 'TOTAL_PASSED' && agency!.indication === 'TOTAL_PASSED', notes };
}

async function verifyOne(pdf: PDF, bytes: Uint8Array, s: SigContext, i: number, all: SigContext[], dss: DssData, validationTime: Date, o: VerifyPdfOptions): Promise<SignatureReport> {
  const dict = s.dict;
  const subFilter = name(pdf, dict, 'SubFilter') ?? '';
  const kind: SignatureReport['kind'] = name(pdf, dict, 'Type') === 'DocTimeStamp' || subFilter === 'ETSI.RFC3161' ? 'doc-timestamp' : 'signature';
  const reasons: string[] = [];
  let indication: Indication = 'TOTAL_PASSED';
  let sub: SubIndication | undefined;
  const downgrade = (ind: Indication, code: SubIndication, reason: string): void => {
    reasons.push(reason);
    if (SEVERITY[ind] > SEVERITY[indication]) { indication = ind; sub = code; }
  };

  const gap = s.br ? signatureContents(bytes, s.br) : { der: new Uint8Array(0), problem: 'no ByteRange' };
  const dictContents = resolve(pdf, dict.get('Contents'));
  const integrity: IntegrityReport = {
    byteRange: s.br ?? null, byteRangeValid: false, byteRangeProblems: checkByteRange(bytes, s.br, dictContents instanceof PdfString ? dictContents.bytes : undefined),
    coversWholeDocument: s.br ? s.end === bytes.length || bytes.subarray(s.end).every((x) => x === 10 || x === 13 || x === 32) : false,
    dictionaryConsistent: true, digestMatches: null, signatureValid: null,
    signedAttributes: { contentType: false, messageDigest: false, signingCertificateV2: false, signingTime: false },
  };
  integrity.byteRangeValid = integrity.byteRangeProblems.length === 0;
  // The dictionary the field points to must be the one inside the signed bytes: its /Contents and /ByteRange.
  if (s.br && dictContents instanceof PdfString) {
    const fromDict = dictContents.bytes;
    if (!eq(cmsPrefix(fromDict), gap.der) && !eq(fromDict, gap.der)) integrity.dictionaryConsistent = false;
  } else if (!(dictContents instanceof PdfString)) {
    integrity.dictionaryConsistent = false;
  }
  if (!integrity.byteRangeValid) for (const p of integrity.byteRangeProblems) downgrade('TOTAL_FAILED', 'FORMAT_FAILURE', p);
  if (!integrity.dictionaryConsistent) downgrade('TOTAL_FAILED', 'FORMAT_FAILURE', 'the signature dictionary in the document is not the one that was signed (its /Contents differs from the signed bytes)');
  if (gap.problem) downgrade('TOTAL_FAILED', 'FORMAT_FAILURE', gap.problem);

  const dssCerts = dss.certs;
  let sd: ParsedSignedData | undefined;
  if (!gap.problem && gap.der.length > 0) {
    try { sd = parseSignedData(gap.der); } catch (e) { downgrade('TOTAL_FAILED', 'FORMAT_FAILURE', `the signature is not a readable CMS SignedData: ${(e as Error).message}`); }
  }

  let signerCert: ParsedCertificate | undefined;
  let usedTime = validationTime;
  let tsReport: TimestampReport | undefined;
  const claimed = parsePdfDate(text(pdf, dict, 'M'));

  if (sd && s.br) {
    if (kind === 'doc-timestamp') {
      const v = verifyTimeStampToken(gap.der, { crypto: o.crypto, data: undefined, messageImprint: undefined });
      // Imprint check over the ByteRange with the token's own hash.
      if (v.ok) {
        const imprint = digestRanges(o.crypto, v.tstInfo.hash, bytes, s.br);
        integrity.digestMatches = eq(imprint, v.tstInfo.messageImprint);
        integrity.signatureValid = true;
        signerCert = v.tsaCert;
        usedTime = v.tstInfo.genTime;
        tsReport = { time: v.tstInfo.genTime.toISOString(), valid: integrity.digestMatches, tsa: v.tsaCert.subjectString };
        if (!integrity.digestMatches) downgrade('TOTAL_FAILED', 'HASH_FAILURE', 'the document time-stamp does not match the bytes it covers');
      } else {
        integrity.signatureValid = false;
        downgrade('TOTAL_FAILED', 'SIG_CRYPTO_FAILURE', `the document time-stamp is not valid: ${v.reason}`);
      }
    } else {
      const si = sd.signerInfos[0];
      if (!si) downgrade('TOTAL_FAILED', 'FORMAT_FAILURE', 'the CMS has no SignerInfo');
      else {
        const attrs = new Set(si.signedAttrs.map((a) => a.oid));
        integrity.signedAttributes = {
          contentType: attrs.has(CMS_OID.contentType), messageDigest: attrs.has(CMS_OID.messageDigest),
          signingCertificateV2: attrs.has(CMS_OID.signingCertificateV2) || attrs.has(CMS_OID.signingCertificate), signingTime: attrs.has(CMS_OID.signingTime),
        };
        const detached = subFilter !== 'adbe.pkcs7.sha1';
        if (subFilter === 'ETSI.CAdES.detached' && (!integrity.signedAttributes.messageDigest || !integrity.signedAttributes.contentType || !integrity.signedAttributes.signingCertificateV2)) {
          downgrade('TOTAL_FAILED', 'FORMAT_FAILURE', 'a PAdES signature must carry content-type, message-digest and signing-certificate-v2 signed attributes');
        }
        signerCert = findSignerCertificate(sd, si.sid, dssCerts.flatMap((d) => { try { return [parseCertificate(d)]; } catch { return []; } }));
        if (!signerCert) downgrade('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND', 'the signer certificate is not in the signature or the DSS');
        let contentDigest: Uint8Array;
        if (detached) contentDigest = digestRanges(o.crypto, si.digestAlgorithm, bytes, s.br);
        else contentDigest = digestRanges(o.crypto, 'SHA-1', bytes, s.br);
        if (!detached) {
          // adbe.pkcs7.sha1: the encapsulated content is the SHA-1 of the ByteRange.
          const inner = sd.eContent ? (() => { try { const t = readTlv(sd!.eContent!, 0); return sd!.eContent!.subarray(t.valueStart, t.end); } catch { return sd!.eContent!; } })() : undefined;
          integrity.digestMatches = !!inner && eq(inner, contentDigest);
          if (!integrity.digestMatches) downgrade('TOTAL_FAILED', 'HASH_FAILURE', 'the signed bytes do not match the SHA-1 digest in the signature');
        } else {
          const md = si.signedAttrs.find((a) => a.oid === CMS_OID.messageDigest)?.values[0];
          if (md) {
            try { const t = readTlv(md, 0); integrity.digestMatches = eq(md.subarray(t.valueStart, t.end), contentDigest); } catch { integrity.digestMatches = false; }
            if (!integrity.digestMatches) downgrade('TOTAL_FAILED', 'HASH_FAILURE', 'the document bytes the signature covers have changed (message digest mismatch)');
          }
        }
        if (signerCert && integrity.digestMatches !== false) {
          let v: { ok: boolean; reason?: string };
          try {
            // Without signed attributes the signature is over the signed bytes themselves (RFC 5652 §5.4).
            const content = detached && !si.signedAttrsDer && !sd.eContent ? byteRangeBytes(bytes, s.br) : undefined;
            v = verifySignerInfo(sd, 0, detached ? { crypto: o.crypto, contentDigest, detachedContent: content, signerCert } : { crypto: o.crypto, signerCert });
          } catch (e) {
            v = { ok: false, reason: (e as Error).message };
          }
          integrity.signatureValid = v.ok;
          if (!v.ok) {
            const binding = /signing-certificate/i.test(v.reason ?? '');
            downgrade('TOTAL_FAILED', binding ? 'FORMAT_FAILURE' : 'SIG_CRYPTO_FAILURE', `the signature does not verify: ${v.reason}`);
          }
        }
        // Signature time-stamp (ETSI EN 319 122-1 §5.3).
        const tst = si.unsignedAttrs.find((a) => a.oid === CMS_OID.timeStampToken)?.values[0];
        if (tst) {
          const tv = verifyTimeStampToken(tst, { crypto: o.crypto, hash: undefined, messageImprint: undefined });
          if (tv.ok) {
            const imprint = o.crypto.digest(tv.tstInfo.hash, si.signature);
            const okImprint = eq(imprint, tv.tstInfo.messageImprint);
            const tsaChain = validatePath({ target: tv.tsaCert.der, trustAnchors: o.trustAnchors, intermediates: [...sd.certificates, ...dssCerts, ...(parseSignedDataCerts(tst))], at: tv.tstInfo.genTime, crypto: o.crypto });
            tsReport = { time: tv.tstInfo.genTime.toISOString(), valid: okImprint && tsaChain.valid, tsa: tv.tsaCert.subjectString, problem: !okImprint ? 'the time-stamp is not over this signature' : tsaChain.valid ? undefined : tsaChain.reason };
            if (tsReport.valid) usedTime = tv.tstInfo.genTime;
          } else {
            tsReport = { time: '', valid: false, problem: tv.reason };
          }
        }
      }
    }
  } else if (!gap.problem && gap.der.length === 0) {
    downgrade('TOTAL_FAILED', 'FORMAT_FAILURE', 'the signature value is empty');
  }

  // Chain and revocation at the time the signature is known to have existed.
  let chain: ChainReport | undefined;
  let revocation: RevocationReport | undefined;
  let pathCerts: ParsedCertificate[] = [];
  if (signerCert && sd) {
    const intermediates = [...sd.certificates, ...dssCerts];
    const crls = [...sd.crls, ...dss.crls];
    const pv = validatePath({ target: signerCert.der, trustAnchors: o.trustAnchors, intermediates, at: usedTime, crypto: o.crypto });
    pathCerts = pv.path;
    chain = { certificates: pv.path.map((c) => summary(c, o.crypto)), valid: pv.valid, trustAnchor: pv.valid ? pv.path[pv.path.length - 1]?.subjectString : undefined, problem: pv.valid ? undefined : pv.reason };
    if (!pv.valid) {
      if (pv.code === 'NO_PATH') downgrade('INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND', `no chain to a trusted root: ${pv.reason}`);
      else if (pv.code === 'EXPIRED' || pv.code === 'NOT_YET_VALID') downgrade('INDETERMINATE', 'OUT_OF_BOUNDS_NO_POE', `a certificate was not valid at ${usedTime.toISOString()} and nothing proves the signature existed earlier: ${pv.reason}`);
      else if (pv.code === 'SIGNATURE_INVALID' || pv.code === 'MALFORMED') downgrade('INDETERMINATE', 'CHAIN_CONSTRAINTS_FAILURE', `the certificate chain is not valid: ${pv.reason}`);
      else downgrade('INDETERMINATE', 'CHAIN_CONSTRAINTS_FAILURE', `the certificate chain is not valid: ${pv.reason}`);
    } else if (o.revocation !== 'none') {
      revocation = await checkRevocation(pv.path, { ocsps: dss.ocsps, crls }, usedTime, o);
      if (revocation.status === 'revoked') {
        const at = revocation.revokedAt ? new Date(revocation.revokedAt) : undefined;
        if (!at || at.getTime() <= usedTime.getTime()) downgrade('TOTAL_FAILED', 'REVOKED', `the signer certificate was revoked${revocation.revokedAt ? ` on ${revocation.revokedAt}` : ''}${revocation.reason ? ` (${revocation.reason})` : ''}`);
      } else if (revocation.status !== 'good') {
        downgrade('INDETERMINATE', 'TRY_LATER', `the revocation status could not be established: ${revocation.problem ?? 'no evidence'}`);
      }
    }
  }

  // What changed afterwards, judged by this signature's rules and the locks of signatures so far.
  const certDocMdp = docMdpFor(pdf, dict);
  const locks: FieldLock[] = [];
  for (const prior of all.slice(0, i + 1)) {
    locks.push(...fieldMdpLocks(pdf, prior.dict));
    if (prior.field.lock) locks.push(prior.field.lock);
  }
  const docMdp = documentDocMdp(pdf, all);
  let modifications: ModificationAnalysis;
  if (s.br && integrity.byteRangeValid) {
    try {
      modifications = await analyseModifications({ bytes, signedRevisionEnd: s.end, password: o.password, rules: { docMdp, locks } });
    } catch (e) {
      modifications = emptyAnalysis(s.end, ['unparseable-update'], [`the changes after signing cannot be analysed: ${(e as Error).message}`]);
    }
  } else {
    modifications = emptyAnalysis(s.end, [], []);
  }
  if (modifications.verdict === 'disallowed') downgrade('TOTAL_FAILED', 'SIG_CONSTRAINTS_FAILURE', `the document was changed after this signature: ${modifications.reasons.join('; ')}`);
  // A signature dictionary rewritten by a later revision is not the one that was signed, even when
  // its /Contents and /ByteRange were copied over (signature-dictionary spoofing).
  const sigRef = s.field.value?.ref;
  if (integrity.dictionaryConsistent && sigRef && modifications.changes.some((c) => c.object === sigRef.objectNumber && c.generation === sigRef.generation && c.kind !== 'added')) {
    integrity.dictionaryConsistent = false;
    downgrade('TOTAL_FAILED', 'FORMAT_FAILURE', 'the signature dictionary in the document is not the one that was signed (a later revision rewrote it)');
  }

  // PAdES level (ETSI EN 319 142-1 §6).
  let level: SignatureReport['level'] = 'none';
  if (kind === 'signature' && subFilter === 'ETSI.CAdES.detached' && integrity.signedAttributes.signingCertificateV2) {
    level = 'B-B';
    if (tsReport?.valid) level = 'B-T';
    if (level === 'B-T' && pathCerts.length > 1) {
      const embedded = await checkRevocation(pathCerts, { ocsps: dss.ocsps, crls: dss.crls }, usedTime, { ...o, revocation: 'embedded' });
      if (embedded.status === 'good' && dss.certs.length > 0) level = 'B-LT';
    }
  }

  const lock = readLock(pdf, resolveDict(pdf, s.field.field.get('Lock')));
  return {
    index: i + 1, fieldName: s.field.name, kind, subFilter, indication, subIndication: sub, reasons,
    integrity,
    signer: signerCert ? signerSummary(signerCert, o.crypto) : undefined,
    chain, revocation: revocation ?? (o.revocation === 'none' && chain?.valid ? { status: 'not-checked' } : undefined),
    time: { claimed, signatureTimestamp: kind === 'signature' ? tsReport : undefined, usedForValidation: usedTime.toISOString() },
    level, docMdp: certDocMdp, fieldMdp: fieldMdpLocks(pdf, dict)[0] ?? lock,
    reason: text(pdf, dict, 'Reason'), location: text(pdf, dict, 'Location'),
    docNumber: text(pdf, dict, 'KysoDocNumber'), docDate: text(pdf, dict, 'KysoDocDate'),
    modifications,
  };
}

function parseSignedDataCerts(token: Uint8Array): Uint8Array[] {
  try { return parseSignedData(token).certificates; } catch { return []; }
}

function emptyAnalysis(end: number, findings: string[], reasons: string[]): ModificationAnalysis {
  return { signedRevisionEnd: end, laterRevisions: 0, changes: [], categories: [], pagesAdded: 0, pagesRemoved: 0, findings, verdict: reasons.length ? 'disallowed' : 'none', reasons };
}

/** DocMDP P of this signature dictionary when it is a certification signature (§12.8.2.2). */
function docMdpFor(pdf: PDF, dict: PdfDict): 1 | 2 | 3 | undefined {
  for (const r of resolveArray(pdf, dict.get('Reference'))?.toArray() ?? []) {
    const ref = resolveDict(pdf, r);
    if (ref && name(pdf, ref, 'TransformMethod') === 'DocMDP') {
      const p = resolve(pdf, resolveDict(pdf, ref.get('TransformParams'))?.get('P'));
      const v = p instanceof PdfNumber ? p.value : 2;
      return v === 1 || v === 3 ? v : 2;
    }
  }
  return undefined;
}

/** The certification in force: the DocMDP of the first signature, if it is a certification signature. */
function documentDocMdp(pdf: PDF, all: SigContext[]): 1 | 2 | 3 | undefined {
  const first = all[0];
  return first ? docMdpFor(pdf, first.dict) : undefined;
}

/** Revocation of every certificate of the path below the anchor (RFC 6960 OCSP, RFC 5280 CRLs). */
async function checkRevocation(path: ParsedCertificate[], embedded: { ocsps: Uint8Array[]; crls: Uint8Array[] }, at: Date, o: VerifyPdfOptions): Promise<RevocationReport> {
  let leafReport: RevocationReport | undefined;
  for (let k = 0; k < path.length - 1; k++) {
    const cert = path[k]!, issuer = path[k + 1]!;
    const r = await statusOf(cert, issuer, embedded, at, o);
    if (k === 0) leafReport = r;
    if (r.status === 'revoked') return { ...r, problem: k === 0 ? r.problem : `an issuing CA (${cert.subjectString}) is revoked` };
    if (r.status !== 'good') return { ...r, problem: `${cert.subjectString}: ${r.problem ?? 'no revocation evidence'}` };
  }
  return leafReport ?? { status: 'good' };
}

const REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', '', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise'];

async function statusOf(cert: ParsedCertificate, issuer: ParsedCertificate, embedded: { ocsps: Uint8Array[]; crls: Uint8Array[] }, at: Date, o: VerifyPdfOptions): Promise<RevocationReport> {
  const fromOcsp = (der: Uint8Array, source: RevocationReport['source']): RevocationReport | undefined => {
    let parsed;
    try { parsed = parseOcspResponse(der); } catch { return undefined; }
    const single = parsed.basic?.responses[0];
    if (!single) return undefined;
    const hash = single.certId.hash;
    const certId = computeCertId({ issuerNameDer: issuer.subjectDer, issuerSpki: issuer.spki, serialHex: cert.serialHex, hash, crypto: o.crypto });
    if (!parsed.basic!.responses.some((r) => r.certId.serialHex === certId.serialHex)) return undefined;
    const v = verifyOcspResponse(parsed, { issuer, certId, crypto: o.crypto, at: parsed.basic!.producedAt });
    if (!v.ok) return { status: 'unknown', source, problem: `an OCSP response could not be trusted: ${v.reason}` };
    if (v.status.kind === 'good') return { status: 'good', source, evidenceTime: v.thisUpdate.toISOString() };
    if (v.status.kind === 'revoked') return { status: 'revoked', source, revokedAt: v.status.revokedAt.toISOString(), reason: v.status.reason !== undefined ? REASONS[v.status.reason] : undefined, evidenceTime: v.thisUpdate.toISOString() };
    return { status: 'unknown', source, problem: 'the OCSP responder does not know the certificate' };
  };
  const fromCrls = (crls: Uint8Array[], source: RevocationReport['source']): RevocationReport | undefined => {
    if (crls.length === 0) return undefined;
    // validatePath checks the CRL's issuer, signature and scope; a one-step path from the issuer as anchor.
    const pv = validatePath({ target: cert.der, trustAnchors: [issuer.der], crls, at, crypto: o.crypto, revocation: 'require-crl' });
    if (pv.valid) return { status: 'good', source };
    if (pv.code === 'REVOKED') return { status: 'revoked', source, revokedAt: pv.revocation?.revokedAt?.toISOString(), reason: pv.revocation?.reason };
    if (pv.code === 'CRL_MISSING') return undefined;
    return { status: 'unknown', source, problem: pv.reason };
  };
  let best: RevocationReport | undefined;
  for (const der of embedded.ocsps) {
    const r = fromOcsp(der, 'dss');
    if (r && (r.status === 'good' || r.status === 'revoked')) return r;
    best ??= r;
  }
  const crlReport = fromCrls(embedded.crls, 'dss');
  if (crlReport && crlReport.status !== 'unknown') return crlReport;
  best ??= crlReport;
  if (o.revocation === 'online' && o.online) {
    try {
      const der = await o.online.ocsp(cert, issuer);
      const r = der ? fromOcsp(der, 'online-ocsp') : undefined;
      if (r && r.status !== 'unknown') return r;
      best = r ?? best;
    } catch (e) { best = { status: 'unknown', source: 'online-ocsp', problem: (e as Error).message }; }
    try {
      const der = await o.online.crl(cert, issuer);
      const r = der ? fromCrls([der], 'online-crl') : undefined;
      if (r && r.status !== 'unknown') return r;
      best = r ?? best;
    } catch (e) { best = { status: 'unknown', source: 'online-crl', problem: (e as Error).message }; }
  }
  return best ?? { status: 'unknown', problem: o.revocation === 'online' ? 'no OCSP or CRL answer' : 'no revocation data embedded in the document (validate online, or sign at level B-LT)' };
}

