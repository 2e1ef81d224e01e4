/**
 * Deterministic raster images for tests and demo data, as PNG bytes: a red official seal and a
 * blue handwritten signature on transparent canvases, and an opaque scan-like seal (no alpha).
 * Same arguments, same bytes — no randomness, no clock.
 */
import { encodePng } from './png.ts';

export type Rgb = readonly [number, number, number];

export interface SealOptions {
  /** Side of the square canvas in pixels (default 600). */
  sizePx?: number;
  /** Fully transparent border on every side (default 60); the seal spans sizePx - 2*marginPx. */
  marginPx?: number;
  color?: Rgb;
}

export interface SignatureOptions {
  width?: number;
  height?: number;
  color?: Rgb;
}

export interface OpaqueOptions {
  width?: number;
  height?: number;
  /** Ink colour of the seal drawn on the white background (default red). */
  color?: Rgb;
}

const clamp01 = (v: number): number => (v <= 0 ? 0 : v >= 1 ? 1 : v);

function checkSize(name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min || v > 10000) throw new RangeError(`${name} must be an integer in ${min}..10000, got ${v}`);
}

function checkColor(c: Rgb): void {
  if (c.length !== 3 || !c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) throw new RangeError(`color must be three integers 0..255`);
}

/** Is (x, y) inside the polygon (even-odd rule)? */
function inside(poly: readonly (readonly [number, number])[], x: number, y: number): boolean {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/**
 * Seal coverage (0..1 per pixel) on a `size`-square canvas: outer thick ring of outer diameter
 * exactly `size - 2*margin`, an inner thin ring, a five-pointed star. Pixels outside the content
 * square are exactly 0; the outermost pixels on each side of it are (almost) fully covered.
 */
function sealCoverage(size: number, margin: number): Float32Array {
  const cov = new Float32Array(size * size);
  const d = size - 2 * margin;
  const c = size / 2;
  const R = d / 2;
  const outerW = Math.max(2, d * 0.07);
  const innerW = Math.max(1.5, d * 0.012);
  const innerR = R - outerW - Math.max(2, d * 0.045); // centre line of the thin ring
  const starR = R * 0.42;
  const starr = starR * 0.382;
  const star: [number, number][] = [];
  for (let k = 0; k < 10; k++) {
    const r = k % 2 === 0 ? starR : starr;
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    star.push([c + r * Math.cos(a), c + r * Math.sin(a)]);
  }
  const SS = 4; // supersampling for the star's anti-aliased edges

  for (let y = margin; y < margin + d; y++) {
    for (let x = margin; x < margin + d; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const dist = Math.hypot(px - c, py - c);
      let v = Math.min(clamp01(R + 0.5 - dist), clamp01(dist - (R - outerW) + 0.5));
      const ring2 = clamp01(innerW / 2 + 0.5 - Math.abs(dist - innerR));
      if (ring2 > v) v = ring2;
      if (dist < starR + 1) {
        let n = 0;
        for (let sy = 0; sy < SS; sy++) {
          for (let sx = 0; sx < SS; sx++) if (inside(star, x + (sx + 0.5) / SS, y + (sy + 0.5) / SS)) n++;
        }
        const s = n / (SS * SS);
        if (s > v) v = s;
      }
      cov[y * size + x] = v;
    }
  }
  return cov;
}

/**
 * A red official-seal look-alike (outer ring, inner thin ring, five-pointed star) on a fully
 * transparent square canvas. The non-transparent content spans exactly `sizePx - 2*marginPx`
 * pixels horizontally and vertically; the margins have alpha 0. Colour type 6, 8-bit.
 */
export function makeSealPng({ sizePx = 600, marginPx = 60, color = [220, 20, 30] }: SealOptions = {}): Uint8Array {
  checkSize('sizePx', sizePx, 8);
  if (!Number.isInteger(marginPx) || marginPx < 0 || sizePx - 2 * marginPx < 8) throw new RangeError(`marginPx must leave at least 8 pixels of seal, got ${marginPx}`);
  checkColor(color);
  const cov = sealCoverage(sizePx, marginPx);
  const rgba = new Uint8Array(sizePx * sizePx * 4);
  for (let i = 0; i < cov.length; i++) {
    const a = Math.round(cov[i]! * 255);
    if (a > 0) rgba.set([color[0], color[1], color[2], a], i * 4);
  }
  return encodePng({ width: sizePx, height: sizePx, rgba });
}

/** Stamps anti-aliased discs along a polyline sampled at most 0.5 px apart; coverage = max. */
function stroke(cov: Float32Array, w: number, h: number, pts: readonly (readonly [number, number, number])[]): void {
  const stamp = (x: number, y: number, r: number): void => {
    const x0 = Math.max(0, Math.floor(x - r - 1));
    const x1 = Math.min(w - 1, Math.ceil(x + r + 1));
    const y0 = Math.max(0, Math.floor(y - r - 1));
    const y1 = Math.min(h - 1, Math.ceil(y + r + 1));
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        const v = clamp01(r + 0.5 - Math.hypot(px + 0.5 - x, py + 0.5 - y));
        const i = py * w + px;
        if (v > cov[i]!) cov[i] = v;
      }
    }
  };
  for (let k = 1; k < pts.length; k++) {
    const [ax, ay, ar] = pts[k - 1]!;
    const [bx, by, br] = pts[k]!;
    const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / 0.5));
    for (let j = k === 1 ? 0 : 1; j <= n; j++) {
      const t = j / n;
      stamp(ax + (bx - ax) * t, ay + (by - ay) * t, ar + (br - ar) * t);
    }
  }
}

/**
 * A blue handwritten-looking signature on a transparent canvas: a looping cursive stroke, a
 * flourish underline spanning about 94 % of the width, and a short accent stroke. Pen width
 * varies along the strokes like pen pressure. Colour type 6, 8-bit.
 */
export function makeSignaturePng({ width = 600, height = 250, color = [20, 40, 200] }: SignatureOptions = {}): Uint8Array {
  checkSize('width', width, 32);
  checkSize('height', height, 16);
  checkColor(color);
  const cov = new Float32Array(width * height);
  const pen = Math.max(1.2, Math.min(width, height) * 0.014);

  // 1. Cursive loops: a prolate cycloid drifting to the right, slanted, with letter heights that
  //    vary from loop to loop (a tall capital first), like joined-up handwriting.
  const heights = [1.0, 0.45, 0.75, 0.38, 0.62, 0.85, 0.42];
  const loops = heights.length;
  const cursive: [number, number, number][] = [];
  const N = 1600;
  const xa = width * 0.05, xb = width * 0.8;
  const a = (xb - xa) / (2 * Math.PI * loops);
  const b = a * 1.55;
  const base = height * 0.58;
  for (let i = 0; i <= N; i++) {
    const t = i / N;
    const th = t * 2 * Math.PI * loops;
    // Letter heights interpolated smoothly: the loop at th = 2πk gets heights[k].
    const f = th / (2 * Math.PI);
    const k = Math.min(loops - 1, Math.floor(f));
    const s = (1 - Math.cos(Math.PI * (f - k))) / 2;
    const hgt = heights[k]! * (1 - s) + heights[Math.min(loops - 1, k + 1)]! * s;
    const up = height * 0.45 * hgt * (1 + Math.cos(th)) / 2; // loop tops at th = 2πk, baseline between
    const y = base - up + height * 0.03 * Math.sin(1.7 * th);
    const x = xa + b + a * th - b * Math.sin(th) + 0.3 * (base - y);
    const r = pen * (0.7 + 0.4 * Math.abs(Math.sin(th / 2 + 0.3)));
    cursive.push([x, y, r]);
  }
  stroke(cov, width, height, cursive);

  // 2. Flourish underline: a cubic Bézier across nearly the full width, thinning at both ends.
  const P = [[width * 0.03, height * 0.8], [width * 0.35, height * 0.97], [width * 0.68, height * 0.55], [width * 0.97, height * 0.7]] as const;
  const flourish: [number, number, number][] = [];
  for (let i = 0; i <= 400; i++) {
    const t = i / 400;
    const u = 1 - t;
    const k0 = u * u * u, k1 = 3 * u * u * t, k2 = 3 * u * t * t, k3 = t * t * t;
    const x = k0 * P[0][0] + k1 * P[1][0] + k2 * P[2][0] + k3 * P[3][0];
    const y = k0 * P[0][1] + k1 * P[1][1] + k2 * P[2][1] + k3 * P[3][1];
    flourish.push([x, y, pen * (0.35 + 0.75 * Math.sin(Math.PI * t))]);
  }
  stroke(cov, width, height, flourish);

  // 3. An accent: a short slanted tick above the end of the cursive stroke.
  const accent: [number, number, number][] = [];
  for (let i = 0; i <= 40; i++) {
    const t = i / 40;
    accent.push([width * (0.84 + 0.05 * t), height * (0.22 - 0.08 * t + 0.05 * Math.sin(Math.PI * t)), pen * (1 - 0.5 * t)]);
  }
  stroke(cov, width, height, accent);

  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < cov.length; i++) {
    const al = Math.round(cov[i]! * 255);
    if (al > 0) rgba.set([color[0], color[1], color[2], al], i * 4);
  }
  return encodePng({ width, height, rgba });
}

/**
 * An opaque image without any alpha (colour type 2): a seal printed on white paper, as a scan
 * would give it — the "seal without transparency" case.
 */
export function makeOpaquePng({ width = 600, height = 600, color = [220, 20, 30] }: OpaqueOptions = {}): Uint8Array {
  checkSize('width', width);
  checkSize('height', height);
  checkColor(color);
  const rgb = new Uint8Array(width * height * 3).fill(255);
  const side = Math.min(width, height);
  if (side >= 16) {
    const margin = Math.round(side * 0.1);
    const cov = sealCoverage(side, margin);
    const ox = Math.floor((width - side) / 2);
    const oy = Math.floor((height - side) / 2);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const a = cov[y * side + x]!;
        if (a === 0) continue;
        const o = ((oy + y) * width + ox + x) * 3;
        for (let k = 0; k < 3; k++) rgb[o + k] = Math.round(255 * (1 - a) + color[k]! * a);
      }
    }
  }
  return encodePng({ width, height, rgb });
}
