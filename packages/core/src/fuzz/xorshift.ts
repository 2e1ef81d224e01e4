/**
 * xorshift32 (G. Marsaglia, "Xorshift RNGs", 2003): the deterministic generator of kyso's fuzz
 * harnesses. Not for anything secret; core takes real randomness from the CryptoPort.
 */
export class XorShift32 {
  #s: number;
  constructor(seed: number) {
    this.#s = (Math.floor(Math.abs(seed)) ^ 0x9e3779b9) >>> 0 || 0x2545f491;
    for (let i = 0; i < 8; i++) this.next(); // spread small seeds
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.#s = x;
    return x;
  }
  /** 0 ≤ result < n */
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.below(a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
}

/** `b` with `remove` bytes at `at` replaced by `insert` (a new array): the fuzzers' basic edit. */
export function spliceBytes(b: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at), 0);
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}
