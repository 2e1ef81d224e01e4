/**
 * PDF signatures in two phases (ISO 32000-2 §12.8 digital signatures; ETSI EN 319 142-1 PAdES
 * baseline): `preparePdfSignature` appends one incremental update holding the signature field, its
 * widget and appearance and a signature dictionary whose /Contents is a zero-filled placeholder,
 * and returns the digest of the ByteRange; the signature is made elsewhere (file key, PKCS#11, a
 * phone); `completePdfSignature` writes the CMS (or, for a document time-stamp, the RFC 3161 token)
 * into the placeholder. Nothing before the placeholder changes between the phases, so the digest
 * stays right.
 *
 * Guards, never skipped: the input is opened without brute-force recovery; encrypted files need
 * their password and a permission to sign; a certification (DocMDP P=1) forbids the change; a
 * locked field cannot be signed; a certification signature must be the first; and after building,
 * the output must begin with the input's exact bytes and every earlier signature's digest must
 * still match the bytes it covers.
 */
import { PDF, PdfArray, PdfDict, PdfName, PdfNumber, PdfRef } from '@libpdf/core';
import { KysoError } from '../errors.ts';
import type { CryptoPort, HashName } from '../ports.ts';
import { equalBytes as eq, readTlv } from '../asn1/der.ts';
import { parseSignedData } from '../cms/signed-data.ts';
import { CMS_OID } from '../cms/cms-oids.ts';
import { parseTstInfo } from '../tsp/tst-info.ts';
import { headerVersion, lastStartXref, startsWithBytes } from './file-structure.ts';
import { IncrementalUpdate } from './incremental-update.ts';
import { AppearanceFontSet, writeAppearance, writeEmptyAppearance, type AppearanceContent, type AppearanceFonts } from './appearance.ts';
import { byteRangeOf, docMdpPermission, fieldMdpLocks, listSignatureFields, lockCovers, resolve, resolveArray, resolveDict, widgetPlacement, type FieldLock, type SignatureFieldInfo } from './signature-fields.ts';
import { listPages, type PageInfo } from './page-tree.ts';
import { pageGeometry, appearanceMatrix, type PageGeometry } from './page-geometry.ts';
import { findAnchor } from './text-anchor.ts';
import { ByteSink, encryptObjectCopy, hex, pdfDate, serializePdfObject, textString, writeHex, type ObjectEncryptor } from './pdf-objects.ts';

export type PdfSignatureKind = 'signature' | 'doc-timestamp';

/** Where and what to draw, decided with the opened document at hand (see decree30.ts presets). */
export interface VisibleSignature {
  pageIndex: number;
  /** Widget /Rect in the page's default user space [x1 y1 x2 y2]. */
  rect: [number, number, number, number];
  content: AppearanceContent;
}

export interface LayoutContext {
  pdf: PDF;
  pages: PageInfo[];
  geometry(pageIndex: number): PageGeometry;
  findAnchor(text: string): { pageIndex: number; bbox: { x: number; y: number; width: number; height: number } };
  signatureFields: SignatureFieldInfo[];
  fonts: AppearanceFontSet;
}

export interface PreparePdfSignatureParams {
  input: Uint8Array;
  /** Password of an encrypted input (user or owner). */
  password?: string;
  kind?: PdfSignatureKind;
  hash: HashName;
  crypto: CryptoPort;
  /** Signing time for /M (PAdES: here, never in the CMS). */
  signingTime?: Date;
  /** Field to sign: an existing empty signature field of that name, or a new one. */
  fieldName?: string;
  layout?: (ctx: LayoutContext) => VisibleSignature;
  fonts?: AppearanceFonts;
  reason?: string;
  location?: string;
  contactInfo?: string;
  signerName?: string;
  /** Certification signature with DocMDP permission P (§12.8.2.2). */
  certify?: 1 | 2 | 3;
  /** FieldMDP lock set by this signature (§12.8.2.4), e.g. the leader locking the document's fields. */
  lock?: FieldLock;
  /** Extra text entries in the signature dictionary (second-class names, e.g. KysoDocNumber). */
  extraEntries?: Record<string, string>;
  /** Bytes reserved for /Contents (DER, before hex): the CMS estimate plus time-stamp room. */
  contentsCapacity: number;
}

export interface PreparedPdfSignature {
  kind: PdfSignatureKind;
  /** The whole output with a zero-filled /Contents. */
  bytes: Uint8Array;
  byteRange: [number, number, number, number];
  hash: HashName;
  /** Hash of the ByteRange: the CMS message-digest or the document time-stamp's imprint. */
  digest: Uint8Array;
  /** Capacity of /Contents in bytes. */
  capacity: number;
  fieldName: string;
}

const enc = new TextEncoder();
const SUBFILTER: Record<PdfSignatureKind, string> = { 'signature': 'ETSI.CAdES.detached', 'doc-timestamp': 'ETSI.RFC3161' };
const BR_WIDTH = 10;

function isEncryptedRaw(bytes: Uint8Array): boolean {
  const tail = new TextDecoder('latin1').decode(bytes.subarray(Math.max(0, bytes.length - 65536)));
  return tail.includes('/Encrypt');
}

/** Opens a PDF for appending, or explains in one line why it cannot be updated safely. */
export async function openPdfForUpdate(input: Uint8Array, password?: string): Promise<PDF> {
  headerVersion(input);
  lastStartXref(input);
  let pdf: PDF;
  try {
    pdf = await PDF.load(input, password !== undefined ? { credentials: password } : {});
  } catch (e) {
    if (isEncryptedRaw(input)) throw new KysoError('auth', password === undefined ? 'the PDF is encrypted: give its password' : 'the PDF password is wrong (or its encryption dictionary is damaged)', { cause: e });
    throw new KysoError('malformed', `the PDF cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (pdf.recoveredViaBruteForce) {
    throw new KysoError('malformed', 'the PDF is damaged: its cross-reference table could only be rebuilt by scanning the file, so an incremental update would not be safe');
  }
  if (pdf.isEncrypted) {
    if (!pdf.isAuthenticated) throw new KysoError('auth', password === undefined ? 'the PDF is encrypted: give its password' : 'the PDF password is wrong');
    if (!signingPermissions(pdf).fillExisting) {
      throw new KysoError('policy', 'the PDF permissions do not allow signing (no form filling or annotation): give the owner password');
    }
  }
  return pdf;
}

/**
 * What the user access permissions of an encrypted file allow (ISO 32000-2 §7.6.4.2 Table 22):
 * signing an existing empty signature field needs bit 9 (fill forms) or bit 6 (annotate); creating
 * a new field — a new signature, a document time-stamp — needs bits 4 (modify) and 6 together.
 * The owner, and unencrypted files, may do both.
 */
export function signingPermissions(pdf: PDF): { fillExisting: boolean; createField: boolean } {
  if (!pdf.isEncrypted) return { fillExisting: true, createField: true };
  const sec = pdf.getSecurity() as { authenticatedAs?: string } | null;
  if (sec?.authenticatedAs === 'owner') return { fillExisting: true, createField: true };
  const perms = pdf.getPermissions() as { modify?: boolean; annotate?: boolean; fillForms?: boolean };
  return { fillExisting: Boolean(perms.fillForms || perms.annotate), createField: Boolean(perms.modify && perms.annotate) };
}

/** The /Contents bytes in the ByteRange gap, hex-decoded, the DER value without its zero padding. */
export function signatureContents(bytes: Uint8Array, br: [number, number, number, number]): { der: Uint8Array; problem?: string } {
  const [, b, c] = br;
  if (bytes[b] !== 0x3c || bytes[c - 1] !== 0x3e) return { der: new Uint8Array(0), problem: 'the ByteRange gap is not a hex string <…>' };
  const hexText = new TextDecoder('latin1').decode(bytes.subarray(b + 1, c - 1));
  if (!/^[0-9A-Fa-f\s]*$/.test(hexText)) return { der: new Uint8Array(0), problem: 'the ByteRange gap holds more than the /Contents hex string' };
  const compact = hexText.replace(/\s+/g, '');
  const raw = new Uint8Array(compact.length >> 1);
  for (let i = 0; i < raw.length; i++) raw[i] = parseInt(compact.substr(i * 2, 2), 16);
  if (raw.every((x) => x === 0)) return { der: raw, problem: 'the signature value is empty (all zeros): nothing was signed' };
  return { der: cmsPrefix(raw) };
}

/**
 * The CMS at the start of a /Contents value without the padding or anything else after it: one DER
 * TLV, or one BER TLV (many signers write indefinite lengths, X.690 §8.1.3.6; the CMS parser
 * normalises them). Undelimitable bytes are returned whole, for the CMS parser to report.
 */
export function cmsPrefix(raw: Uint8Array): Uint8Array {
  try {
    return raw.subarray(0, readTlv(raw, 0).end);
  } catch {
    const end = berEnd(raw, 0, 0);
    return end !== undefined ? raw.subarray(0, end) : raw;
  }
}

/** End offset of the BER TLV at `pos` (X.690 §8.1), or undefined when it cannot be delimited. */
function berEnd(b: Uint8Array, pos: number, depth: number): number | undefined {
  if (depth > 64 || pos + 2 > b.length) return undefined;
  const constructed = (b[pos]! & 0x20) !== 0;
  let p = pos + 1;
  const first = b[p++]!;
  if (first !== 0x80) {
    let len = first;
    if (first > 0x80) {
      const n = first & 0x7f;
      if (n > 4 || p + n > b.length) return undefined;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
    }
    return p + len <= b.length ? p + len : undefined;
  }
  if (!constructed) return undefined;
  while (p + 2 <= b.length) {
    if (b[p] === 0 && b[p + 1] === 0) return p + 2;
    const next = berEnd(b, p, depth + 1);
    if (next === undefined) return undefined;
    p = next;
  }
  return undefined;
}

/** The two ByteRange parts joined, as far as they lie inside the file (§12.8.1). */
export function byteRangeBytes(bytes: Uint8Array, br: readonly number[]): Uint8Array {
  const a = bytes.subarray(br[0]!, br[0]! + br[1]!), b = bytes.subarray(br[2]!, br[2]! + br[3]!);
  const all = new Uint8Array(a.length + b.length);
  all.set(a, 0); all.set(b, a.length);
  return all;
}

/** The digest of the bytes a ByteRange covers, streamed when the port can (no copy of a large file). */
export function digestByteRange(crypto: CryptoPort, hash: HashName, bytes: Uint8Array, br: readonly number[]): Uint8Array {
  if (crypto.digestParts) return crypto.digestParts(hash, [bytes.subarray(br[0]!, br[0]! + br[1]!), bytes.subarray(br[2]!, br[2]! + br[3]!)]);
  return crypto.digest(hash, byteRangeBytes(bytes, br));
}
const digestRanges = digestByteRange;


/**
 * Which digest an existing signature commits to, and whether `bytes` still match it: the CMS
 * message-digest attribute (or, for adbe.pkcs7.sha1, the encapsulated SHA-1), or the document
 * time-stamp's imprint. Undefined when kyso cannot tell (adbe.x509.rsa_sha1, unreadable CMS).
 */
export function existingSignatureDigestMatches(pdf: PDF, sig: PdfDict, bytes: Uint8Array, crypto: CryptoPort): { ok: boolean; reason?: string } | undefined {
  const br = byteRangeOf(pdf, sig);
  if (!br) return { ok: false, reason: 'no usable /ByteRange' };
  if (br[0] !== 0 || br[1] > br[2] || br[2] + br[3] > bytes.length) return { ok: false, reason: `its /ByteRange [${br.join(' ')}] does not lie inside the file` };
  const sub = resolve(pdf, sig.get('SubFilter'));
  const subFilter = sub instanceof PdfName ? sub.value : '';
  if (subFilter === 'adbe.x509.rsa_sha1') return undefined;
  const gap = signatureContents(bytes, br);
  if (gap.der.length === 0) return { ok: false, reason: gap.problem };
  const cms = gap.der;
  try {
    const sd = parseSignedData(cms);
    if (subFilter === 'ETSI.RFC3161' || sd.eContentType === CMS_OID.tstInfo) {
      const tst = parseTstInfo(sd.eContent!);
      return eq(digestRanges(crypto, tst.hash, bytes, br), tst.messageImprint) ? { ok: true } : { ok: false, reason: 'the time-stamp imprint does not match the bytes it covers' };
    }
    const si = sd.signerInfos[0];
    if (!si) return { ok: false, reason: 'the CMS has no SignerInfo' };
    if (subFilter === 'adbe.pkcs7.sha1' && sd.eContent) {
      const inner = readTlv(sd.eContent, 0);
      const expected = sd.eContent.subarray(inner.valueStart, inner.end);
      return eq(digestRanges(crypto, 'SHA-1', bytes, br), expected.length === 20 ? expected : sd.eContent) ? { ok: true } : { ok: false, reason: 'the SHA-1 digest does not match the bytes it covers' };
    }
    const md = si.signedAttrs.find((a) => a.oid === CMS_OID.messageDigest)?.values[0];
    if (!md) return undefined;
    const t = readTlv(md, 0);
    const expected = md.subarray(t.valueStart, t.end);
    return eq(digestRanges(crypto, si.digestAlgorithm, bytes, br), expected) ? { ok: true } : { ok: false, reason: 'its message digest does not match the bytes it covers' };
  } catch (e) {
    if (e instanceof KysoError) return undefined;
    throw e;
  }
}

function pdfString(pdf: PDF, value: string, num: number, gen: number, encryptor: ObjectEncryptor | null): string {
  const s = textString(value);
  const bytes = encryptor ? encryptor.encryptString(s.bytes, num, gen) : s.bytes;
  return `<${hex(bytes)}>`;
}

function sigReference(kind: 'DocMDP' | 'FieldMDP', params: PdfDict): PdfDict {
  return PdfDict.of({ Type: PdfName.of('SigRef'), TransformMethod: PdfName.of(kind), TransformParams: params });
}

function lockParams(lock: FieldLock): PdfDict {
  const d = PdfDict.of({ Type: PdfName.of('TransformParams'), Action: PdfName.of(lock.action), V: PdfName.of('1.2') });
  if (lock.action !== 'All') d.set('Fields', new PdfArray(lock.fields.map((f) => textString(f))));
  return d;
}

/** Phase 1: the incremental update with a placeholder, and the ByteRange digest to sign. */
export async function preparePdfSignature(p: PreparePdfSignatureParams): Promise<PreparedPdfSignature> {
  const kind = p.kind ?? 'signature';
  const pdf = await openPdfForUpdate(p.input, p.password);
  const pages = listPages(pdf);
  const fields = listSignatureFields(pdf);
  const signed = fields.filter((f) => f.value);
  const mdp = docMdpPermission(pdf);
  if (mdp === 1) throw new KysoError('policy', 'the document is certified with DocMDP P=1: no change, not even a signature, is allowed');
  if (p.certify && signed.length > 0) throw new KysoError('policy', 'a certification signature must be the first signature in the document');
  if (kind === 'doc-timestamp' && (p.certify || p.lock || p.layout)) throw new KysoError('invalid-argument', 'a document time-stamp has no certification, lock or appearance');

  const update = new IncrementalUpdate(pdf, p.input);
  const encryptor = update.encrypted ? (pdf.context.info.securityHandler as unknown as ObjectEncryptor) : null;
  const catalogRef = pdf.context.info.trailer.getRef('Root');
  if (!catalogRef) throw new KysoError('malformed', 'the PDF trailer has no /Root reference');
  const catalog = pdf.getCatalog() as PdfDict;

  // The field: an existing empty one, or a new one with a unique name.
  const existing = p.fieldName ? fields.find((f) => f.name === p.fieldName) : undefined;
  if (existing?.value) throw new KysoError('conflict', `signature field "${p.fieldName}" is already signed`);
  if (existing) {
    for (const s of signed) {
      for (const lock of [...fieldMdpLocks(pdf, s.value!.dict), ...(s.lock ? [s.lock] : [])]) {
        if (lockCovers(lock, existing.name)) throw new KysoError('policy', `signature field "${existing.name}" is locked by the signature in "${s.name}"`);
      }
    }
  }
  if (!existing && !signingPermissions(pdf).createField) {
    const empty = fields.filter((f) => !f.value).map((f) => `"${f.name}"`);
    throw new KysoError('policy', `the PDF permissions allow filling existing fields but not creating a signature field${empty.length ? `: sign one of the empty fields ${empty.join(', ')} (--field NAME)` : ''}, or give the owner password`);
  }
  const taken = new Set(fields.map((f) => f.name));
  let fieldName = p.fieldName ?? '';
  if (!existing) {
    if (!fieldName) { let i = 1; while (taken.has(`Signature${i}`)) i++; fieldName = `Signature${i}`; }
    if (taken.has(fieldName)) throw new KysoError('conflict', `a field named "${fieldName}" exists and is not an empty signature field`);
  }

  // Appearance (before the signature dictionary, so fonts are finalised with everything else).
  let visible: VisibleSignature | undefined;
  let fonts: AppearanceFontSet | null = null;
  if (p.layout) {
    fonts = p.fonts ? new AppearanceFontSet(pdf, p.fonts) : null;
    const ctx: LayoutContext = {
      pdf, pages, signatureFields: fields,
      geometry: (i) => {
        const page = pages[i];
        if (!page) throw new KysoError('invalid-argument', `page ${i + 1} does not exist (the document has ${pages.length})`);
        return pageGeometry(page, pdf);
      },
      findAnchor: (t) => findAnchor(pdf, pages, t),
      get fonts(): AppearanceFontSet {
        if (!fonts) throw new KysoError('invalid-argument', 'this appearance needs a font');
        return fonts;
      },
    };
    visible = p.layout(ctx);
  }

  // Signature dictionary: raw, fixed-width ByteRange, /Contents in clear (§7.6.2). The placeholder
  // (thousands of '0's) is filled in as bytes, the text around it encoded on its own.
  const capacity = p.contentsCapacity;
  let brText = 0, contentsText = 0;
  const sigRef = update.addRaw((num, gen) => {
    const s = (v: string): string => pdfString(pdf, v, num, gen, encryptor);
    const lines = [`<<`, kind === 'signature' ? '/Type /Sig' : '/Type /DocTimeStamp', '/Filter /Adobe.PPKLite', `/SubFilter /${SUBFILTER[kind]}`];
    lines.push(`/ByteRange [0 ${'0'.repeat(BR_WIDTH)} ${'0'.repeat(BR_WIDTH)} ${'0'.repeat(BR_WIDTH)}]`);
    lines.push('/Contents <');
    const head = lines.join('\n');
    lines.length = 0;
    if (kind === 'signature') {
      if (p.signingTime) lines.push(`/M ${s(pdfDate(p.signingTime))}`);
      if (p.signerName) lines.push(`/Name ${s(p.signerName)}`);
      if (p.reason) lines.push(`/Reason ${s(p.reason)}`);
      if (p.location) lines.push(`/Location ${s(p.location)}`);
      if (p.contactInfo) lines.push(`/ContactInfo ${s(p.contactInfo)}`);
      for (const [k, v] of Object.entries(p.extraEntries ?? {})) {
        if (!/^[A-Za-z][A-Za-z0-9_.]*$/.test(k)) throw new KysoError('invalid-argument', `bad signature dictionary key "${k}"`);
        lines.push(`/${k} ${s(v)}`);
      }
      const refs: PdfDict[] = [];
      if (p.certify) refs.push(sigReference('DocMDP', PdfDict.of({ Type: PdfName.of('TransformParams'), P: PdfNumber.of(p.certify), V: PdfName.of('1.2') })));
      if (p.lock) refs.push(sigReference('FieldMDP', lockParams(p.lock)));
      if (refs.length) {
        const arr = new PdfArray(refs);
        const w = new ByteSink();
        (arr as unknown as { toBytes(w: ByteSink): void }).toBytes(w);
        lines.push(`/Reference ${new TextDecoder('latin1').decode(encryptor ? serializePdfObject(encryptObjectCopy(arr, encryptor, num, gen)) : w.toBytes())}`);
      }
      lines.push('/Prop_Build << /App << /Name /kyso >> >>');
    }
    lines.push('>>');
    const tail = `>\n${lines.join('\n')}`;
    brText = head.indexOf('/ByteRange [');
    contentsText = head.length - '/Contents <'.length;
    const headBytes = enc.encode(head), tailBytes = enc.encode(tail);
    const body = new Uint8Array(headBytes.length + capacity * 2 + tailBytes.length);
    body.set(headBytes, 0);
    body.fill(0x30, headBytes.length, headBytes.length + capacity * 2);
    body.set(tailBytes, headBytes.length + capacity * 2);
    return body;
  });

  // An existing field placed by the document's author keeps its place: the appearance is fitted into
  // its widget's /Rect (only an invisible, zero-size field gets the layout's rectangle).
  let keepRect = false;
  if (existing && visible) {
    const placed = existing.widgets[0] && widgetPlacement(pdf, pages, existing.widgets[0]);
    if (placed) {
      const rot = pageGeometry(pages[placed.pageIndex]!, pdf).rotate;
      const [w, h] = rot === 90 || rot === 270 ? [placed.rect[3] - placed.rect[1], placed.rect[2] - placed.rect[0]] : [placed.rect[2] - placed.rect[0], placed.rect[3] - placed.rect[1]];
      visible = { pageIndex: placed.pageIndex, rect: placed.rect, content: fitContent(visible.content, w, h) };
      keepRect = true;
    }
  }

  // Widget + field (merged dictionary), page /Annots, AcroForm /Fields and /SigFlags.
  const rect = visible?.rect ?? [0, 0, 0, 0];
  const pageIndex = visible?.pageIndex ?? (existing ? -1 : 0);
  const page = pageIndex >= 0 ? pages[pageIndex] : undefined;
  if (pageIndex >= 0 && !page) throw new KysoError('invalid-argument', `page ${pageIndex + 1} does not exist (the document has ${pages.length})`);
  if (page) ensureIndirectPage(pdf, update, page);
  let apRef: PdfRef;
  if (visible) {
    const rot = pageGeometry(page!, pdf).rotate;
    apRef = writeAppearance(update, fonts, visible.content, appearanceMatrix(rot, { width: visible.content.width, height: visible.content.height }));
  } else {
    apRef = writeEmptyAppearance(update);
  }
  if (fonts?.used) pdf.fonts.finalize(true);

  if (existing) {
    const widget = existing.widgets[0];
    const field = existing.field;
    field.set('V', sigRef);
    if (p.lock) field.set('Lock', PdfDict.of({ Type: PdfName.of('SigFieldLock'), Action: PdfName.of(p.lock.action), ...(p.lock.action !== 'All' ? { Fields: new PdfArray(p.lock.fields.map((f) => textString(f))) } : {}) }));
    if (!existing.fieldRef) throw new KysoError('unsupported', `signature field "${existing.name}" is a direct object; kyso cannot update it in place`);
    update.put(existing.fieldRef, field);
    if (widget && widget.dict !== field) {
      if (!widget.ref) throw new KysoError('unsupported', `the widget of "${existing.name}" is a direct object`);
      widget.dict.set('AP', PdfDict.of({ N: apRef }));
      if (visible && !keepRect) widget.dict.set('Rect', new PdfArray(rect.map((v) => PdfNumber.of(v))));
      update.put(widget.ref, widget.dict);
    } else {
      field.set('AP', PdfDict.of({ N: apRef }));
      if (visible && !keepRect) field.set('Rect', new PdfArray(rect.map((v) => PdfNumber.of(v))));
    }
    if (visible && page) addToAnnots(pdf, update, page, existing.widgets[0]?.ref ?? existing.fieldRef);
  } else {
    const widget = PdfDict.of({
      Type: PdfName.of('Annot'), Subtype: PdfName.of('Widget'), FT: PdfName.of('Sig'), T: textString(fieldName),
      V: sigRef, F: PdfNumber.of(132), Rect: new PdfArray(rect.map((v) => PdfNumber.of(v))), AP: PdfDict.of({ N: apRef }),
    });
    if (page?.ref) widget.set('P', page.ref);
    if (p.lock) widget.set('Lock', PdfDict.of({ Type: PdfName.of('SigFieldLock'), Action: PdfName.of(p.lock.action), ...(p.lock.action !== 'All' ? { Fields: new PdfArray(p.lock.fields.map((f) => textString(f))) } : {}) }));
    const widgetRef = update.add(widget);
    addToAnnots(pdf, update, page!, widgetRef);
    addToAcroForm(pdf, update, catalog, catalogRef, widgetRef);
  }
  if (p.certify) {
    catalog.set('Perms', PdfDict.of({ DocMDP: sigRef }));
    update.put(catalogRef, catalog);
  }
  update.importRegistryNewObjects();

  const built = update.build();
  const out = built.bytes;
  const bodyAt = built.rawBodyOffsets.get(sigRef.objectNumber)!;
  const brAt = bodyAt + brText + '/ByteRange ['.length;
  const gapStart = bodyAt + contentsText + '/Contents '.length;
  const gapEnd = gapStart + capacity * 2 + 2;
  const byteRange: [number, number, number, number] = [0, gapStart, gapEnd, out.length - gapEnd];
  const brValue = `0 ${byteRange[1]} ${byteRange[2]} ${byteRange[3]}]`.padEnd(3 * (BR_WIDTH + 1) + 2, ' ');
  out.set(enc.encode(brValue), brAt);
  if (out[gapStart] !== 0x3c || out[gapEnd - 1] !== 0x3e) throw new KysoError('internal', 'signature placeholder is not where it was written');
  // Everything written after the build lies inside the update (the input may share the output's buffer).
  if (brAt < p.input.length || gapStart < p.input.length) throw new KysoError('internal', 'the signature placeholder lies inside the input bytes');

  // Guards on the result.
  if (!startsWithBytes(out, p.input)) throw new KysoError('internal', 'the update does not start with the input bytes');
  for (const s of signed) {
    const check = existingSignatureDigestMatches(pdf, s.value!.dict, out, p.crypto);
    if (check && !check.ok) throw new KysoError('conflict', `the existing signature in "${s.name}" would not verify after this update (${check.reason}); refusing to sign`);
  }
  const digest = digestRanges(p.crypto, p.hash, out, byteRange);
  return { kind, bytes: out, byteRange, hash: p.hash, digest, capacity, fieldName: existing?.name ?? fieldName };
}


/**
 * A page written directly inside a /Kids array (allowed by nothing in ISO 32000-2 §7.7.3.3, which
 * requires pages to be indirect objects, but found in the wild) becomes an indirect object: the
 * same dictionary under a new number, and the /Kids entry now refers to it — what qpdf does when
 * it reads such a file. Then the widget can name its page (/P) and the page can list the widget.
 */
function ensureIndirectPage(pdf: PDF, update: IncrementalUpdate, page: PageInfo): void {
  if (page.ref) return;
  const holder = page.holder;
  const kids = holder ? (holder.obj instanceof PdfArray ? holder.obj : resolveArray(pdf, (holder.obj as PdfDict).get('Kids'))) : undefined;
  const at = kids ? kids.toArray().indexOf(page.dict) : -1;
  if (!holder || !kids || at < 0) throw new KysoError('unsupported', `page ${page.index + 1} is a direct object kyso cannot locate in the page tree`);
  const ref = update.add(page.dict);
  kids.set(at, ref);
  update.put(holder.ref, holder.obj);
  page.ref = ref;
  page.holder = { ref, obj: page.dict };
}

/**
 * The same drawing centred in a width × height box, at its own size when it fits (a seal keeps its
 * real size in a larger field), else scaled down uniformly to fit the author's field.
 */
function fitContent(c: AppearanceContent, width: number, height: number): AppearanceContent {
  const s = Math.min(1, width / (c.width || 1), height / (c.height || 1));
  const dx = (width - c.width * s) / 2, dy = (height - c.height * s) / 2;
  return {
    width, height,
    images: c.images.map((im) => ({ ...im, x: dx + im.x * s, y: dy + im.y * s, width: im.width * s, height: im.height * s })),
    texts: c.texts.map((t) => ({ ...t, x: dx + t.x * s, y: dy + t.y * s, size: t.size * s })),
  };
}

function addToAnnots(pdf: PDF, update: IncrementalUpdate, page: PageInfo, widgetRef: PdfRef): void {
  const annots = page.dict.get('Annots');
  if (annots instanceof PdfRef) {
    const arr = resolveArray(pdf, annots);
    if (!arr) throw new KysoError('malformed', `page ${page.index + 1} has a broken /Annots reference`);
    if (arr.toArray().some((a) => a instanceof PdfRef && a.objectNumber === widgetRef.objectNumber)) return;
    arr.push(widgetRef);
    update.put(annots, arr);
    return;
  }
  const arr = annots instanceof PdfArray ? annots : new PdfArray([]);
  if (arr.toArray().some((a) => a instanceof PdfRef && a.objectNumber === widgetRef.objectNumber)) return;
  arr.push(widgetRef);
  page.dict.set('Annots', arr);
  if (!page.ref) throw new KysoError('internal', `page ${page.index + 1} was not made indirect before adding a widget`);
  update.put(page.ref, page.dict);
}

function addToAcroForm(pdf: PDF, update: IncrementalUpdate, catalog: PdfDict, catalogRef: PdfRef, fieldRef: PdfRef): void {
  const acroObj = catalog.get('AcroForm');
  let acro = resolveDict(pdf, acroObj);
  let acroRef = acroObj instanceof PdfRef ? acroObj : null;
  if (!acro) {
    acro = new PdfDict();
    acroRef = update.add(acro);
    catalog.set('AcroForm', acroRef);
    update.put(catalogRef, catalog);
  }
  const fieldsObj = acro.get('Fields');
  if (fieldsObj instanceof PdfRef) {
    const arr = resolveArray(pdf, fieldsObj);
    if (!arr) throw new KysoError('malformed', 'the AcroForm /Fields reference is broken');
    arr.push(fieldRef);
    update.put(fieldsObj, arr);
  } else {
    const arr = fieldsObj instanceof PdfArray ? fieldsObj : new PdfArray([]);
    arr.push(fieldRef);
    acro.set('Fields', arr);
  }
  acro.set('SigFlags', PdfNumber.of(3));
  if (acroRef) update.put(acroRef, acro);
  else update.put(catalogRef, catalog);
}

/**
 * Phase 2: write the CMS SignedData (or time-stamp token) DER into the placeholder. The prepared
 * buffer is filled in place and returned (no second copy of a large file): a prepared signature
 * is completed once.
 */
export function completePdfSignature(prepared: PreparedPdfSignature, der: Uint8Array): Uint8Array {
  if (der.length > prepared.capacity) {
    throw new KysoError('internal', `the signature (${der.length} bytes) is larger than the space reserved for it (${prepared.capacity}); the size estimate is wrong`);
  }
  const at = prepared.byteRange[1] + 1;
  for (let i = at; i < prepared.byteRange[2] - 1; i++) {
    if (prepared.bytes[i] !== 0x30) throw new KysoError('invalid-argument', 'this prepared signature was already completed');
  }
  writeHex(der, prepared.bytes, at);
  return prepared.bytes;
}

/** The size to reserve for a CMS signature: certificates, signature value, attributes, time-stamp room. */
export function estimateCmsSize(p: { certificates: Uint8Array[]; signerSpki: Uint8Array; timeStampRoom?: number }): number {
  const certs = p.certificates.reduce((n, c) => n + c.length, 0);
  return certs + p.signerSpki.length + 16 + 1200 + (p.timeStampRoom ?? 0);
}

