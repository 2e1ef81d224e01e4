/**
 * kyso's own outputs through the validation engine (issue #5 §4): a Decree 30 document passes; B-LT
 * and B-LTA verify offline; a revoked signer fails; an untrusted root or an expired certificate with
 * no proof of existence is indeterminate; and attack files made from signed outputs never pass.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PDF, PdfDict, PdfName, PdfNumber, PdfStream, PdfArray, PdfString } from '@libpdf/core';
import { decree30Layout } from '@kyso/core/pdf/decree30.ts';
import { decodePng } from '@kyso/core/pdf/png.ts';
import { IncrementalUpdate } from '@kyso/core/pdf/incremental-update.ts';
import { listPages } from '@kyso/core/pdf/page-tree.ts';
import { listSignatureFields } from '@kyso/core/pdf/signature-fields.ts';
import type { DocumentReport } from '@kyso/core/pdf/validation/report.ts';
import { generateTestKey, issueTestCertificate } from '@kyso/core/cms/test-cms-certs.ts';
import { makeSealPng, makeSignaturePng, makeSimplePdf } from '@kyso/testkit';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import type { CaService } from './ca-directory.ts';
import type { Pki } from './pki.ts';
import type { FrozenClock } from './test-ca.ts';
import { startTestPdfPki, type TestIdentity, type TestPdfPki } from './test-pdf-pki.ts';
import { signPdf, type PadesLevel } from './pdf-signing.ts';
import { verifyPdfDocument } from './pdf-verification.ts';

describe('verifyPdf on kyso-signed documents', () => {
  let t: TestPdfPki;
  let clock: FrozenClock;
  let base: string;
  let ca: CaService;
  let pki: Pki;
  let official: TestIdentity;
  let agency: TestIdentity;
  let root: Uint8Array;
  let decree: Uint8Array;

  const sign = (input: Uint8Array, who: TestIdentity, level: PadesLevel, preset: 'official' | 'agency' | undefined) => signPdf({
    input, signer: who.signer, certificate: who.certificate, chain: who.chain, level, tsaUrl: `${base}/tsa`, clock, crypto: nodeCrypto,
    layout: preset === 'official' ? decree30Layout({ preset, signingTime: clock.now(), image: decodePng(makeSignaturePng({})), page: 1 })
      : preset === 'agency' ? decree30Layout({ preset, signingTime: clock.now(), seal: decodePng(makeSealPng({})), sealMm: 36, agencyName: 'Văn phòng UBND tỉnh Thử', docNumber: '15/QĐ-UBND' })
        : undefined,
    extraEntries: preset === 'agency' ? { KysoDocNumber: '15/QĐ-UBND' } : undefined,
  }).then((r) => r.bytes);
  const verify = (bytes: Uint8Array, o: { revocation?: 'embedded' | 'online' | 'none'; trust?: Uint8Array[]; at?: Date } = {}): Promise<DocumentReport> =>
    verifyPdfDocument(bytes, { trustAnchors: o.trust ?? [root], revocation: o.revocation ?? 'online', crypto: nodeCrypto, clock, at: o.at, timeoutMs: 5000 });
  const brief = (r: DocumentReport): string => JSON.stringify(r.signatures.map((s) => [s.fieldName, s.indication, s.subIndication, s.reasons]));

  before(async () => {
    t = await startTestPdfPki('verify');
    ({ clock, base, ca, pki } = t);
    root = t.rootDer;
    official = await t.issue({ profile: 'official', subject: 'CN=Nguyễn Văn An,O=UBND tỉnh Thử', uid: 'CCCD:001085000001', key: { kind: 'ec', curve: 'P-256' } });
    agency = await t.issue({ profile: 'agency', subject: 'CN=Văn phòng UBND tỉnh Thử,O=UBND tỉnh Thử', agencyCode: '000.00.31.H41', key: { kind: 'rsa', bits: 2048 } });
    decree = await sign(await sign(makeSimplePdf({ pages: 1, text: 'Quyet dinh so 15' }), official, 'B-B', 'official'), agency, 'B-T', 'agency');
  });

  after(async () => { await t?.close(); });

  test('a Decree 30 document (official B-B, agency seal B-T): TOTAL_PASSED, signers, levels, complete', async () => {
    const r = await verify(decree);
    assert.equal(r.indication, 'TOTAL_PASSED', brief(r));
    assert.equal(r.signatures.length, 2);
    const [a, b] = r.signatures;
    assert.equal(a!.signer?.profile, 'official');
    assert.equal(a!.signer?.uid, 'CCCD:001085000001');
    assert.equal(b!.signer?.profile, 'agency');
    assert.equal(b!.signer?.agencyCode, '000.00.31.H41');
    assert.equal(b!.docNumber, '15/QĐ-UBND');
    assert.equal(a!.level, 'B-B');
    assert.equal(b!.level, 'B-T');
    assert.ok(b!.time.signatureTimestamp?.valid);
    assert.equal(a!.revocation?.status, 'good');
    assert.equal(a!.revocation?.source, 'online-ocsp');
    assert.equal(a!.modifications.verdict, 'allowed', JSON.stringify(a!.modifications));
    assert.equal(b!.modifications.verdict, 'none');
    assert.ok(r.decree30.complete, r.decree30.notes.join('; '));
    assert.ok(b!.integrity.coversWholeDocument && !a!.integrity.coversWholeDocument);
    // The document hash shares its pass with the last signature's digest: both must still be right.
    assert.equal(r.document.sha256, Buffer.from(nodeCrypto.digest('SHA-256', decree)).toString('hex'));
    assert.equal(r.document.revisions, 3);
  });

  test('offline: B-B has no embedded revocation data (INDETERMINATE/TRY_LATER); B-LT and B-LTA pass from the DSS', async () => {
    const bb = await sign(makeSimplePdf(), official, 'B-B', undefined);
    const off = await verify(bb, { revocation: 'embedded' });
    assert.equal(off.indication, 'INDETERMINATE');
    assert.equal(off.subIndication, 'TRY_LATER');
    assert.equal((await verify(bb, { revocation: 'none' })).indication, 'TOTAL_PASSED');
    const lt = await sign(makeSimplePdf(), official, 'B-LT', undefined);
    const rlt = await verify(lt, { revocation: 'embedded' });
    assert.equal(rlt.indication, 'TOTAL_PASSED', brief(rlt));
    assert.equal(rlt.signatures[0]!.level, 'B-LT');
    assert.equal(rlt.signatures[0]!.revocation?.source, 'dss');
    const lta = await sign(makeSimplePdf(), official, 'B-LTA', undefined);
    const rlta = await verify(lta, { revocation: 'embedded' });
    assert.equal(rlta.signatures.length, 2);
    assert.equal(rlta.signatures[1]!.kind, 'doc-timestamp');
    assert.equal(rlta.signatures[1]!.indication, 'TOTAL_PASSED', brief(rlta));
    assert.equal(rlta.signatures[0]!.level, 'B-LTA');
    assert.equal(rlta.signatures[0]!.indication, 'TOTAL_PASSED', brief(rlta));
  });

  test('an untrusted root is INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const stranger = await verify(decree, { trust: [makeOtherRoot()] });
    assert.equal(stranger.indication, 'INDETERMINATE', brief(stranger));
    assert.equal(stranger.subIndication, 'NO_CERTIFICATE_CHAIN_FOUND');
  });

  test('an expired certificate with no proof of existence is INDETERMINATE/OUT_OF_BOUNDS_NO_POE; a signature time-stamp is that proof', async () => {
    const later = new Date(official.certificate.notAfter.getTime() + 86_400_000);
    const bb = await sign(makeSimplePdf(), official, 'B-B', undefined);
    const r = await verify(bb, { revocation: 'none', at: later });
    assert.equal(r.indication, 'INDETERMINATE', brief(r));
    assert.equal(r.subIndication, 'OUT_OF_BOUNDS_NO_POE');
    const bt = await sign(makeSimplePdf(), official, 'B-T', undefined);
    const rt = await verify(bt, { revocation: 'none', at: later });
    assert.equal(rt.indication, 'TOTAL_PASSED', brief(rt));
  });

  test('attack files made from a signed output never pass', async (t) => {
    const signed = await sign(makeSimplePdf({ pages: 2, text: 'So tien 1.000.000 dong' }), official, 'B-B', 'official');
    const attacks: Record<string, Uint8Array> = {};
    // 1. a later revision replaces the page content (incremental saving attack).
    attacks['page content replaced'] = await appendUpdate(signed, (pdf, u) => {
      const page = listPages(pdf)[0]!;
      const contents = page.dict.getRef('Contents')!;
      u.put(contents, new PdfStream([], new TextEncoder().encode('BT /F1 14 Tf 72 770 Td (So tien 9.000.000 dong) Tj ET')));
    });
    // 2. an object overridden in a new revision (the page dictionary, with a new MediaBox).
    attacks['object overridden'] = await appendUpdate(signed, (pdf, u) => {
      const page = listPages(pdf)[1]!;
      page.dict.set('MediaBox', new PdfArray([0, 0, 300, 300].map((n) => PdfNumber.of(n))));
      u.put(page.ref!, page.dict);
    });
    // 3. the signature widget's appearance swapped.
    attacks['appearance swapped'] = await appendUpdate(signed, (pdf, u) => {
      const w = listSignatureFields(pdf)[0]!.widgets[0]!;
      const ap = new PdfStream([['Type', PdfName.of('XObject')], ['Subtype', PdfName.of('Form')], ['BBox', new PdfArray([0, 0, 10, 10].map((n) => PdfNumber.of(n)))]], new TextEncoder().encode('0 0 1 rg 0 0 10 10 re f'));
      w.dict.set('AP', PdfDict.of({ N: u.add(ap) }));
      u.put(w.ref!, w.dict);
    });
    // 4. a new annotation covering the text.
    attacks['annotation added'] = await appendUpdate(signed, (pdf, u) => {
      const page = listPages(pdf)[0]!;
      const annot = u.add(PdfDict.of({ Type: PdfName.of('Annot'), Subtype: PdfName.of('FreeText'), Rect: new PdfArray([60, 760, 400, 790].map((n) => PdfNumber.of(n))), Contents: PdfString.fromString('So tien 9.000.000 dong'), DA: PdfString.fromString('/Helv 14 Tf 0 g') }));
      const annots = page.dict.getArray('Annots') ?? new PdfArray([]);
      annots.push(annot);
      page.dict.set('Annots', annots);
      u.put(page.ref!, page.dict);
    });
    // 5. the ByteRange shifted (same length, so the file still parses).
    const text = new TextDecoder('latin1').decode(signed);
    const m = /\/ByteRange \[0 (\d+) (\d+) (\d+)\s*\]/.exec(text)!;
    const shifted = `/ByteRange [0 ${Number(m[1]) - 1} ${Number(m[2]) - 1} ${Number(m[3]) + 1}]`;
    attacks['ByteRange shifted'] = replaceSameLength(signed, m.index, m[0], shifted);
    // 6. /Contents blanked.
    const gapAt = Number(m[1]);
    const blank = signed.slice();
    blank.fill(0x30, gapAt + 1, Number(m[2]) - 1);
    attacks['Contents blanked'] = blank;
    // 7. one signed byte changed (in the page text).
    const at = text.indexOf('1.000.000');
    attacks['signed byte changed'] = replaceSameLength(signed, at, '1.000.000', '9.000.000');
    // 8. a whole new xref + trailer that points to a different catalog (hide-and-replace).
    attacks['hidden catalog via new xref'] = await appendUpdate(signed, (pdf, u) => {
      const catalog = pdf.getCatalog();
      const pages = catalog.getRef('Pages')!;
      const newPage = u.add(PdfDict.of({ Type: PdfName.of('Page'), Parent: pages, MediaBox: new PdfArray([0, 0, 595, 842].map((n) => PdfNumber.of(n))), Contents: u.add(new PdfStream([], new TextEncoder().encode('BT /F1 30 Tf 72 700 Td (FORGED) Tj ET'))) }));
      const pagesDict = pdf.getObject(pages) as PdfDict;
      pagesDict.set('Kids', new PdfArray([newPage]));
      pagesDict.set('Count', PdfNumber.of(1));
      u.put(pages, pagesDict);
    });
    const expected: Record<string, string> = {
      'page content replaced': 'TOTAL_FAILED/SIG_CONSTRAINTS_FAILURE', 'object overridden': 'TOTAL_FAILED/SIG_CONSTRAINTS_FAILURE',
      'appearance swapped': 'TOTAL_FAILED/SIG_CONSTRAINTS_FAILURE', 'annotation added': 'TOTAL_FAILED/SIG_CONSTRAINTS_FAILURE',
      'ByteRange shifted': 'TOTAL_FAILED/FORMAT_FAILURE', 'Contents blanked': 'TOTAL_FAILED/FORMAT_FAILURE',
      'signed byte changed': 'TOTAL_FAILED/HASH_FAILURE', 'hidden catalog via new xref': 'TOTAL_FAILED/SIG_CONSTRAINTS_FAILURE',
    };
    const got: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(attacks)) {
      try {
        const r = await verify(bytes, { revocation: 'none' });
        got[name] = `${r.indication}/${r.subIndication}`;
        t.diagnostic(`${name}: ${got[name]} — ${r.signatures[0]?.reasons.join('; ')}`);
      } catch (e) { got[name] = `threw ${(e as Error).message}`; }
    }
    assert.deepEqual(got, expected);
    // The untouched file passes, so the checks above are not trivially failing.
    assert.equal((await verify(signed, { revocation: 'none' })).indication, 'TOTAL_PASSED');
  });

  test('a revoked signer is TOTAL_FAILED/REVOKED', async () => {
    const who = await t.issue({ profile: 'official', subject: 'CN=Trần Thị Bình,O=UBND tỉnh Thử', uid: 'CCCD:001085000002', key: { kind: 'ec', curve: 'P-256' } });
    const bytes = await sign(makeSimplePdf(), who, 'B-B', undefined);
    clock.set(new Date(clock.now().getTime() + 60_000).toISOString());
    await ca.revoke(who.serial, 'keyCompromise');
    await pki.refresh();
    clock.set(new Date(clock.now().getTime() + 60_000).toISOString());
    const r = await verify(bytes);
    assert.equal(r.indication, 'TOTAL_FAILED', brief(r));
    assert.equal(r.subIndication, 'REVOKED');
  });
});

function replaceSameLength(bytes: Uint8Array, at: number, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const out = bytes.slice();
  out.set(new TextEncoder().encode(to), at);
  return out;
}

async function appendUpdate(bytes: Uint8Array, change: (pdf: PDF, u: IncrementalUpdate) => void): Promise<Uint8Array> {
  const pdf = await PDF.load(bytes);
  const u = new IncrementalUpdate(pdf, bytes);
  change(pdf, u);
  return u.build().bytes;
}

/** A self-signed CA certificate that is not our root (a stranger's trust anchor). */
function makeOtherRoot(): Uint8Array {
  return issueTestCertificate({ subject: 'CN=Some Other Root,O=Elsewhere,C=VN', key: generateTestKey('p256'), ca: true }).cert.der;
}
