import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOid, DerError, integerValue } from './der-tree.ts';

test('integerValue reads two\'s-complement INTEGER contents of any length (X.690 §8.3)', () => {
  const cases: Array<[number[], bigint]> = [
    [[0x00], 0n], [[0x01], 1n], [[0x7f], 127n], [[0x80], -128n], [[0xff], -1n], [[0x00, 0x80], 128n], [[0xff, 0x7f], -129n],
    [[0x01, 0, 0, 0, 0, 0, 0, 0, 0], 2n ** 64n],
  ];
  for (const [bytes, want] of cases) assert.equal(integerValue(new Uint8Array(bytes)), want, bytes.join(','));
  const modulus = new Uint8Array(257);
  modulus[1] = 0xc0;
  modulus[256] = 0x01;
  assert.equal(integerValue(modulus), (0xc0n << 2040n) + 1n);
  const negative = new Uint8Array(257).fill(0xff);
  assert.equal(integerValue(negative), -1n);
  assert.throws(() => integerValue(new Uint8Array(0)), DerError);
});

test('the linter\'s decodeOid reports DER faults as DerError with the offset', () => {
  assert.equal(decodeOid(new Uint8Array([0x55, 0x1d, 0x0f])), '2.5.29.15');
  assert.throws(() => decodeOid(new Uint8Array([0x2a, 0x80, 0x01]), 7), (e: unknown) => e instanceof DerError && e.offset === 7 && /non-minimal/.test(e.message));
  assert.throws(() => decodeOid(new Uint8Array([0x2a, 0x86]), 3), (e: unknown) => e instanceof DerError && /truncated/.test(e.message));
  assert.throws(() => decodeOid(new Uint8Array(0)), (e: unknown) => e instanceof DerError && /empty/.test(e.message));
});
