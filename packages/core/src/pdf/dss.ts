/**
 * The Document Security Store (ISO 32000-2 §12.8.4.3; ETSI EN 319 142-1 §5.4, PAdES B-LT): an
 * incremental update that adds the certificates, OCSP responses and CRLs a verifier needs later to
 * the catalog's /DSS, merging with one that exists. Nothing else changes, so validators accept the
 * bytes after the last signature as validation data.
 */
import { PdfArray, PdfDict, PdfName, PdfRef, PdfStream, type PdfObject } from '@libpdf/core';
import { KysoError } from '../errors.ts';
import { equalBytes } from '../asn1/der.ts';
import { IncrementalUpdate } from './incremental-update.ts';
import { openPdfForUpdate } from './pdf-signature.ts';
import { resolve, resolveArray, resolveDict } from './signature-fields.ts';
import { startsWithBytes } from './file-structure.ts';
import { flate } from './pdf-objects.ts';

export interface ValidationData {
  certificates: Uint8Array[];
  ocspResponses: Uint8Array[];
  crls: Uint8Array[];
}


export async function appendDss(p: { input: Uint8Array; password?: string; data: ValidationData }): Promise<Uint8Array> {
  const pdf = await openPdfForUpdate(p.input, p.password);
  const update = new IncrementalUpdate(pdf, p.input);
  const catalogRef = pdf.context.info.trailer.getRef('Root');
  if (!catalogRef) throw new KysoError('malformed', 'the PDF trailer has no /Root reference');
  const catalog = pdf.getCatalog() as PdfDict;
  const dssObj = catalog.get('DSS');
  const dss = resolveDict(pdf, dssObj) ?? new PdfDict();

  const add = (name: 'Certs' | 'OCSPs' | 'CRLs', items: Uint8Array[]): void => {
    if (items.length === 0) return;
    const existingObj = dss.get(name);
    const arr = resolveArray(pdf, existingObj) ?? new PdfArray([]);
    // Duplicates are whole-content equal (two OCSP responses for one certificate share length, header and tail).
    const seen: Uint8Array[] = [];
    for (const o of arr.toArray()) {
      const s = resolve(pdf, o);
      if (s instanceof PdfStream) seen.push(s.getDecodedData());
    }
    for (const item of items) {
      if (seen.some((x) => equalBytes(x, item))) continue;
      seen.push(item);
      arr.push(update.add(new PdfStream([['Filter', PdfName.of('FlateDecode')]] as Array<[string, PdfObject]>, flate(item))));
    }
    if (existingObj instanceof PdfRef) update.put(existingObj, arr);
    else dss.set(name, arr);
  };
  add('Certs', p.data.certificates);
  add('OCSPs', p.data.ocspResponses);
  add('CRLs', p.data.crls);
  if (dssObj instanceof PdfRef) update.put(dssObj, dss);
  else {
    catalog.set('DSS', dssObj instanceof PdfDict ? dss : update.add(dss));
    update.put(catalogRef, catalog);
  }
  const out = update.build().bytes;
  if (!startsWithBytes(out, p.input)) throw new KysoError('internal', 'the DSS update does not start with the input bytes');
  return out;
}
