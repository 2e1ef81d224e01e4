import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKysoError } from '../errors.ts';
import { fuzzOcspRequestInputs, fuzzOcspRequestParser } from './fuzz-ocsp-request.ts';
import { parseOcspRequest } from './ocsp-request.ts';

test('parseOcspRequest survives 5,000 mutated and random inputs (KysoError or a consistent request, nothing else)', () => {
  const r = fuzzOcspRequestParser({ iterations: 5000, seed: 20261127 });
  assert.equal(r.iterations, 5000);
  assert.equal(r.malformed + r.accepted, 5000);
  assert.ok(r.accepted > 250, `mutants still reach the inner parsers (${r.accepted} accepted)`);
  assert.ok(r.malformed > 2500, `${r.malformed} rejected`);
  // A hang detector, not a speed target (speed is measured by npm run bench): generous for busy CI machines.
  assert.ok(r.maxMs < 1000, `slowest input ${r.maxMs.toFixed(2)} ms`);
});

test('the harness is deterministic for a seed and different across seeds', () => {
  const noClock = () => 0;
  const a = fuzzOcspRequestParser({ iterations: 400, seed: 7, now: noClock });
  const b = fuzzOcspRequestParser({ iterations: 400, seed: 7, now: noClock });
  const c = fuzzOcspRequestParser({ iterations: 400, seed: 8, now: noClock });
  assert.deepEqual(a, b);
  assert.notDeepEqual([a.accepted, a.malformed], [c.accepted, c.malformed]);
  // The input generator replays the harness's sequence (for driving a whole responder).
  let accepted = 0, n = 0;
  for (const input of fuzzOcspRequestInputs({ iterations: 400, seed: 7 })) {
    n++;
    try { parseOcspRequest(input); accepted++; } catch { /* rejected */ }
  }
  assert.equal(n, 400);
  assert.equal(accepted, a.accepted);
});

test('hostile inputs are refused with KysoError', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.of(0x30)],
    ['huge length claim', Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00)],
    ['five length octets', Uint8Array.of(0x30, 0x85, 0, 0, 0, 0, 1, 0)],
    ['indefinite length', Uint8Array.of(0x30, 0x80, 0x30, 0x80, 0, 0, 0, 0)],
    ['multi-byte tag', Uint8Array.of(0x3f, 0x81, 0x01, 0x00)],
    ['deep nesting', (() => { const n = 2000; const b = new Uint8Array(2 * n); for (let i = 0; i < n; i++) { b[2 * i] = 0x30; b[2 * i + 1] = 0x80; } return b; })()],
    ['nested SEQUENCEs with short lengths', Uint8Array.from(Array.from({ length: 60 }, (_, i) => (i % 2 ? 0x7f - i : 0x30)))],
    ['not bytes', 'garbage' as unknown as Uint8Array],
  ];
  for (const [name, der] of cases) {
    assert.throws(() => parseOcspRequest(der), (e) => isKysoError(e, 'malformed') || isKysoError(e, 'unsupported'), name);
  }
});
