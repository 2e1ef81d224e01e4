/** appearance.ts: the empty appearance of an invisible signature is an empty, unfiltered form XObject. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSimplePdf } from '@kyso/testkit';
import { writeEmptyAppearance } from './appearance.ts';
import { IncrementalUpdate } from './incremental-update.ts';
import { openPdfForUpdate } from './pdf-signature.ts';

test('writeEmptyAppearance: a 0×0 form with an empty stream and no filter (nothing to compress)', async () => {
  const input = makeSimplePdf({ pages: 1 });
  const pdf = await openPdfForUpdate(input);
  const update = new IncrementalUpdate(pdf, input);
  const ref = writeEmptyAppearance(update);
  const built = update.build();
  const at = built.offsets.get(ref.objectNumber)!;
  const text = Buffer.from(built.bytes.subarray(at)).toString('latin1');
  const obj = text.slice(0, text.indexOf('endobj'));
  assert.match(obj, /\/Subtype \/Form/);
  assert.match(obj, /\/BBox \[0 0 0 0\]/);
  assert.match(obj, /\/Length 0\b/);
  assert.doesNotMatch(obj, /FlateDecode/);
  assert.match(obj, /stream\r?\n\r?\nendstream/);
});
