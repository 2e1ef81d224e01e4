/**
 * Small hand-built PDFs for tests and benchmarks: a classic xref table, A4 pages, an ASCII line of
 * Helvetica text per page and, optionally, an incompressible grey image per page (to make large
 * files: `imageBytesPerPage` bytes of pseudo-random samples, no filter).
 */
export function makeSimplePdf(p: { pages?: number; text?: string; imageBytesPerPage?: number; seed?: number } = {}): Uint8Array {
  const pages = p.pages ?? 1;
  const text = (p.text ?? 'kyso test document').replace(/[()\\]/g, '');
  const chunks: Uint8Array[] = [];
  const offsets: number[] = [];
  let pos = 0;
  const enc = new TextEncoder();
  const put = (b: Uint8Array | string): void => { const u = typeof b === 'string' ? enc.encode(b) : b; chunks.push(u); pos += u.length; };
  const obj = (num: number, body: string, stream?: Uint8Array): void => {
    offsets[num] = pos;
    if (stream) { put(`${num} 0 obj\n${body}\nstream\n`); put(stream); put('\nendstream\nendobj\n'); }
    else put(`${num} 0 obj\n${body}\nendobj\n`);
  };
  put('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n');
  // 1 catalog, 2 pages, 3 font; per page i: page 4+3i, content 5+3i, image 6+3i
  const kids = Array.from({ length: pages }, (_, i) => `${4 + 3 * i} 0 R`).join(' ');
  obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
  obj(2, `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  obj(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  let state = (p.seed ?? 1) >>> 0 || 1;
  const side = p.imageBytesPerPage ? Math.ceil(Math.sqrt(p.imageBytesPerPage)) : 0;
  for (let i = 0; i < pages; i++) {
    const hasImage = side > 0;
    const res = `<< /Font << /F1 3 0 R >>${hasImage ? ` /XObject << /Im1 ${6 + 3 * i} 0 R >>` : ''} >>`;
    obj(4 + 3 * i, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Resources ${res} /Contents ${5 + 3 * i} 0 R >>`);
    const content = enc.encode(`BT /F1 14 Tf 72 770 Td (${text} - page ${i + 1}) Tj ET\n${hasImage ? 'q 400 0 0 400 98 200 cm /Im1 Do Q\n' : ''}`);
    obj(5 + 3 * i, `<< /Length ${content.length} >>`, content);
    if (hasImage) {
      const data = new Uint8Array(side * side);
      for (let k = 0; k < data.length; k++) { state ^= state << 13; state ^= state >>> 17; state ^= state << 5; data[k] = state & 0xff; }
      obj(6 + 3 * i, `<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceGray /BitsPerComponent 8 /Length ${data.length} >>`, data);
    } else {
      obj(6 + 3 * i, '<< /Type /Placeholder >>');
    }
  }
  const size = 4 + 3 * pages;
  const xref = pos;
  let table = `xref\n0 ${size}\n0000000000 65535 f\r\n`;
  for (let n = 1; n < size; n++) table += `${String(offsets[n]).padStart(10, '0')} 00000 n\r\n`;
  put(`${table}trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  const out = new Uint8Array(pos);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** A classic-xref PDF from object bodies (object i+1 = objs[i], catalog = 1 0 R), offsets computed. */
export function pdfFromObjects(objs: string[]): Uint8Array {
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objs.forEach((body, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${body}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Uint8Array.from(out, (c) => c.charCodeAt(0));
}
