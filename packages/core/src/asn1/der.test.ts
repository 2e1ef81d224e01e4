import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oidToString } from './der.ts';

/** X.690 §8.19 base-128 encoding of one subidentifier. */
function base128(x: bigint): number[] {
  const out: number[] = [];
  do { out.unshift(Number(x & 0x7fn)); x >>= 7n; } while (x > 0n);
  return out.map((v, i) => (i < out.length - 1 ? v | 0x80 : v));
}

const dotted = (bytes: number[]) => oidToString(new Uint8Array(bytes), 0, bytes.length);

test('oidToString decodes ordinary OIDs, the first-byte packing of all three roots, and a slice', () => {
  assert.equal(dotted([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]), '1.2.840.113549.1.1.11');
  assert.equal(dotted([0x55, 0x1d, 0x0f]), '2.5.29.15');
  assert.equal(dotted([0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01]), '0.9.2342.19200300.100.1.1');
  assert.equal(dotted([0x88, 0x37, 0x03]), '2.999.3');
  const framed = new Uint8Array([0xff, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0xff]);
  assert.equal(oidToString(framed, 3, 6), '2.5.29.15');
});

test('oidToString keeps arcs exact past 2^53 (UUID OIDs under 2.25)', () => {
  for (const arc of [2n ** 46n - 1n, 2n ** 46n, 2n ** 53n + 1n, 329800735698586629295641978511506172918n]) {
    assert.equal(dotted([0x69, ...base128(arc), 0x05]), `2.25.${arc}.5`);
    assert.equal(dotted(base128(arc + 80n)), `2.${arc}`);
  }
});

test('oidToString names the DER rule broken instead of guessing', () => {
  assert.deepEqual(dotted([]), { error: 'empty' });
  assert.deepEqual(dotted([0x2a, 0x80, 0x01]), { error: 'non-minimal' });
  assert.deepEqual(dotted([0x80, 0x01]), { error: 'non-minimal' });
  assert.deepEqual(dotted([0x2a, 0x86]), { error: 'truncated' });
});
