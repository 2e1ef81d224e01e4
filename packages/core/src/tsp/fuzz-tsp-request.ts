/**
 * A deterministic fuzz harness for the TimeStampReq parser (RFC 3161 §2.4.1): a TSA reads bytes
 * from anyone, so every input must end in a parsed request or a KysoError carrying a failInfo —
 * never another exception, never a hang. Pure (no clock beyond `performance.now()` for the
 * per-input time, no Math.random): the same seed replays the same inputs.
 */
import { XorShift32 } from '../fuzz/xorshift.ts';
import { KysoError } from '../errors.ts';
import { toHex } from '../asn1/der.ts';
import { derOctetString, derOid, DER_TRUE, TAG } from '../asn1/der-writer.ts';
import { encodeTlvParts } from '../cms/der-parts.ts';
import { encodeTimeStampReq, parseTimeStampReq, TSP_LIMITS } from './time-stamp-req.ts';


function seeds(): Uint8Array[] {
  const imprint = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
  const ext = (oid: string, critical: boolean) => encodeTlvParts(TAG.SEQUENCE, critical ? [derOid(oid), DER_TRUE, derOctetString(Uint8Array.of(5, 0))] : [derOid(oid), derOctetString(Uint8Array.of(5, 0))]);
  const withExtensions = (req: Uint8Array, exts: Uint8Array[]) => {
    // Append [0] IMPLICIT Extensions inside the outer SEQUENCE.
    const inner = req.subarray(req[1]! & 0x80 ? 2 + (req[1]! & 0x7f) : 2);
    return encodeTlvParts(TAG.SEQUENCE, [inner, encodeTlvParts(0xa0, exts)]);
  };
  const base = [
    encodeTimeStampReq({ hash: 'SHA-256', messageImprint: imprint(32), nonce: Uint8Array.of(0x4a, 1, 2, 3, 4, 5, 6, 7), certReq: true }),
    encodeTimeStampReq({ hash: 'SHA-256', messageImprint: imprint(32) }),
    encodeTimeStampReq({ hash: 'SHA-384', messageImprint: imprint(48), reqPolicy: '1.3.6.1.4.1.99999.1.2', certReq: true }),
    encodeTimeStampReq({ hash: 'SHA-512', messageImprint: imprint(64), nonce: Uint8Array.of(0, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14), reqPolicy: '2.999.1' }),
    encodeTimeStampReq({ hash: 'SHA-1', messageImprint: imprint(20), certReq: true }),
  ];
  base.push(withExtensions(base[0]!, [ext('1.3.6.1.4.1.99999.7', false)]), withExtensions(base[1]!, [ext('1.3.6.1.4.1.99999.8', true), ext('2.5.29.19', false)]));
  return base;
}

/** Offsets of TLV headers inside a DER value (for length corruption). */
function headers(der: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number, depth: number) => {
    let p = start;
    while (p + 2 <= end && depth < 16) {
      out.push(p);
      const tag = der[p]!;
      let len = der[p + 1]!;
      let hs = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + der[p + 2 + i]!;
        hs += n;
      }
      if (tag & 0x20) walk(p + hs, p + hs + len, depth + 1);
      p += hs + len;
    }
  };
  walk(0, der.length, 0);
  return out;
}

function splice(a: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  at = Math.min(at, a.length);
  remove = Math.min(remove, a.length - at);
  const out = new Uint8Array(a.length - remove + insert.length);
  out.set(a.subarray(0, at), 0);
  out.set(insert, at);
  out.set(a.subarray(at + remove), at + insert.length);
  return out;
}

function mutate(r: XorShift32, input: Uint8Array, hdrs: number[]): Uint8Array {
  let b = input;
  const pickHeader = () => Math.min(hdrs[r.below(hdrs.length)] ?? 0, Math.max(0, b.length - 1));
  switch (r.below(10)) {
    case 0: { // bit flips
      b = new Uint8Array(b);
      for (let n = 1 + r.below(8); n > 0 && b.length; n--) b[r.below(b.length)]! ^= 1 << r.below(8);
      return b;
    }
    case 1: return splice(b, r.below(b.length + 1), 0, r.bytes(1 + r.below(16))); // insert
    case 2: { const at = r.below(b.length); return splice(b, at, Math.min(b.length - at, 1 + r.below(16)), new Uint8Array(0)); } // delete
    case 3: return b.subarray(0, r.below(b.length)); // truncate
    case 4: { // corrupt a length octet
      const h = pickHeader();
      b = new Uint8Array(b);
      if (h + 1 < b.length) b[h + 1] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff, r.next() & 0xff][r.below(8)]!;
      return b;
    }
    case 5: { // huge length claim
      const h = pickHeader();
      const claim = [Uint8Array.of(0x84, 0xff, 0xff, 0xff, 0xff), Uint8Array.of(0x84, 0x7f, 0xff, 0xff, 0xff), Uint8Array.of(0x88, 1, 0, 0, 0, 0, 0, 0, 0), Uint8Array.of(0x83, 0x10, 0, 0)][r.below(4)]!;
      return h + 1 < b.length ? splice(b, h + 1, 1, claim) : b;
    }
    case 6: { // nested duplication: a TLV repeated, or wrapped again and again
      const h = pickHeader();
      const tail = b.subarray(h);
      if (r.below(2)) return splice(b, h, 0, tail.subarray(0, Math.min(tail.length, 1 + r.below(64))));
      let w = b;
      for (let n = 1 + r.below(40); n > 0; n--) w = encodeTlvParts([TAG.SEQUENCE, 0xa0, TAG.SET][r.below(3)]!, [w]);
      return w;
    }
    case 7: { // indefinite-length nesting, deep
      const depth = 1 + r.below(200);
      const out = new Uint8Array(depth * 4);
      for (let i = 0; i < depth; i++) { out[2 * i] = 0x30; out[2 * i + 1] = 0x80; }
      return out;
    }
    case 8: return r.bytes(r.below(300)); // random bytes
    default: { // oversized
      const big = new Uint8Array(Math.max(b.length, TSP_LIMITS.maxRequestBytes + 1 + r.below(64)));
      big.set(b);
      return big;
    }
  }
}

/**
 * The harness's inputs in order (valid requests, mutated ones, random bytes) — to drive a whole TSA
 * with the same sequence the parser sees.
 */
export function* fuzzTimeStampReqInputs(opts: { iterations: number; seed: number }): Generator<Uint8Array> {
  const r = new XorShift32(opts.seed);
  const corpus = seeds().map((der) => ({ der, hdrs: headers(der) }));
  for (let i = 0; i < opts.iterations; i++) {
    const s = corpus[r.below(corpus.length)]!;
    let input = i % 16 === 0 ? s.der : mutate(r, s.der, s.hdrs);
    if (r.below(4) === 0) input = mutate(r, input, s.hdrs); // stack a second mutation now and then
    yield input;
  }
}

/**
 * Runs `iterations` inputs (valid requests, mutated ones, random bytes) through
 * `parseTimeStampReq`. Each must return or throw a KysoError with `details.failInfo`; anything else
 * throws an Error naming the input in hex. Returns the counts and the slowest input's time.
 */
export function fuzzTimeStampReqParser(opts: { iterations: number; seed: number }): { iterations: number; malformed: number; accepted: number; maxMs: number } {
  const now = () => globalThis.performance.now();
  let malformed = 0;
  let accepted = 0;
  let maxMs = 0;
  for (const input of fuzzTimeStampReqInputs(opts)) {
    const t0 = now();
    try {
      parseTimeStampReq(input);
      accepted++;
    } catch (e) {
      if (!(e instanceof KysoError) || typeof (e.details as { failInfo?: unknown } | undefined)?.failInfo !== 'string') {
        throw new Error(`parseTimeStampReq: unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} for input ${toHex(input)}`, { cause: e });
      }
      malformed++;
    }
    const dt = now() - t0;
    if (dt > maxMs) maxMs = dt;
  }
  return { iterations: opts.iterations, malformed, accepted, maxMs };
}
