/** io.ts: reading PDFs for signing (a plain buffer for small files, room to grow in place for large ones). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROWABLE_FROM, readGrowableInput } from './io.ts';

const dir = mkdtempSync(join(tmpdir(), 'kyso-io-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('readGrowableInput: a small file in a plain buffer, a large one in a resizable buffer with room', () => {
  const small = Uint8Array.from({ length: 700 }, (_, i) => i & 0xff);
  writeFileSync(join(dir, 'small.pdf'), small);
  const a = readGrowableInput(join(dir, 'small.pdf'), 'PDF');
  assert.deepEqual(a, small);
  assert.equal((a.buffer as ArrayBuffer & { resizable?: boolean }).resizable ?? false, false);

  const large = new Uint8Array(GROWABLE_FROM + 10).fill(0x25);
  writeFileSync(join(dir, 'large.pdf'), large);
  const b = readGrowableInput(join(dir, 'large.pdf'), 'PDF');
  assert.equal(b.length, large.length);
  const ab = b.buffer as ArrayBuffer & { resizable?: boolean; maxByteLength?: number };
  assert.equal(ab.resizable, true);
  assert.ok(ab.maxByteLength! >= large.length + (4 << 20));
  assert.throws(() => readGrowableInput(join(dir, 'missing.pdf'), 'PDF'), /cannot read PDF .*ENOENT/);
});
