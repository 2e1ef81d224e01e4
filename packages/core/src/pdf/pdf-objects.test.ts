/** pdf-objects.ts helpers on the signing hot path: hex, flate for small streams, ByteSink. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pako from 'pako';
import { PdfArray, PdfDict, PdfName, PdfNumber, PdfString } from '@libpdf/core';
import { ByteSink, flate, hex, serializePdfObject, writeHex } from './pdf-objects.ts';

const bytes = (n: number, seed = 7): Uint8Array => {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; out[i] = i % 3 === 0 ? x >>> 24 : 0x41 + (i % 17); }
  return out;
};

test('hex and writeHex: upper-case pairs, the same as Buffer\'s', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const expected = Buffer.from(all).toString('hex').toUpperCase();
  assert.equal(hex(all), expected);
  const out = new Uint8Array(4 + 512).fill(0x30);
  writeHex(all, out, 2);
  assert.equal(Buffer.from(out.subarray(2, 514)).toString('latin1'), expected);
  assert.deepEqual([...out.subarray(0, 2), ...out.subarray(514)], [0x30, 0x30, 0x30, 0x30], 'nothing written outside the range');
  assert.equal(hex(new Uint8Array(0)), '');
});

test('flate: valid zlib for every size, a window no larger than needed, and no worse than the default for small inputs', () => {
  for (const n of [0, 1, 40, 250, 251, 2000, 16_121, 16_122, 100_000]) {
    const data = bytes(n);
    const z = flate(data);
    assert.deepEqual(pako.inflate(z), data, `round trip of ${n} bytes`);
    assert.equal(((z[0]! << 8) | z[1]!) % 31, 0, 'zlib header check bits (RFC 1950 §2.2)');
    const windowBits = (z[0]! >> 4) + 8;
    if (n <= 16_122) assert.ok((1 << windowBits) - 262 >= n || windowBits === 15, `window 2^${windowBits} for ${n} bytes`);
    if (n <= 16_122) assert.ok(z.length <= pako.deflate(data).length + 8, `${n} bytes: ${z.length} vs ${pako.deflate(data).length}`);
  }
});

test('ByteSink: one growing buffer gives the same bytes as the chunks it replaced', () => {
  const sink = new ByteSink();
  let expected = '';
  for (let i = 0; i < 500; i++) {
    sink.writeAscii(`/K${i} `); expected += `/K${i} `;
    sink.writeByte(0x20); expected += ' ';
    sink.writeBytes(Uint8Array.of(0x41, 0x42)); expected += 'AB';
  }
  sink.writeUtf8('ệ'); expected += Buffer.from('ệ', 'utf8').toString('latin1');
  assert.equal(sink.position, Buffer.from(expected, 'latin1').length);
  assert.equal(Buffer.from(sink.toBytes()).toString('latin1'), expected);
  const dict = PdfDict.of({ Type: PdfName.of('Sig'), Size: PdfNumber.of(12), Arr: new PdfArray([PdfNumber.of(1), PdfString.fromString('Việt')]) });
  const text = Buffer.from(serializePdfObject(dict)).toString('latin1');
  assert.match(text, /^<<\s*\/Type \/Sig\s*\/Size 12\s*\/Arr \[1 [<(].*[>)]\]\s*>>$/s);
});
