/**
 * PNG reading and writing (ISO/IEC 15948:2004 = W3C "Portable Network Graphics (PNG)
 * Specification"), for the raster images kyso places on a page: a seal, a handwritten signature.
 *
 * The decoder handles every standard combination of colour type and bit depth (§6.1 Table 6.1),
 * PLTE and tRNS (§11.2.3, §11.3.2.1), the five filter types of filter method 0 (§9), both
 * interlace methods including Adam7 (§8.2), and checks the signature (§5.2), the chunk CRCs
 * (§5.3, CRC-32 of ISO 3309 / ITU-T V.42), the chunk ordering rules (§5.6) and IEND. Output is
 * always 8-bit RGB plus an optional 8-bit alpha plane; 16-bit samples keep their high byte,
 * sub-byte greyscale is scaled to 0–255 (§13.12). Colour management chunks (gAMA, cHRM, iCCP,
 * sRGB) and other ancillary chunks are ignored.
 *
 * The encoder writes colour type 6 (or 2 when there is no alpha), 8 bits per sample, filter
 * method 0 with a per-row filter choice (§12.8 heuristic), one IDAT, no interlace.
 */
import pako from 'pako';
import { KysoError } from '../errors.ts';
import { concatBytes } from '../asn1/der.ts';

/** An 8-bit raster: `rgb` is width*height*3 bytes, row-major, top row first. */
export interface DecodedImage {
  width: number;
  height: number;
  rgb: Uint8Array;
  /**
   * width*height alpha bytes (255 = opaque), or null when the PNG carries no transparency
   * information at all (colour types 0, 2, 3 without tRNS). Colour types 4 and 6 always give an
   * alpha plane, even if every pixel is opaque — use {@link hasTransparency} to ask.
   */
  alpha: Uint8Array | null;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Largest accepted side, in pixels. */
export const PNG_MAX_SIDE = 10000;
/** Largest accepted pixel count. */
export const PNG_MAX_PIXELS = 40_000_000;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** Samples per pixel for each colour type (§6.1). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Allowed bit depths per colour type (§11.2.2 Table 11.1). */
const DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Adam7 passes (§8.2): x0, y0, dx, dy. */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

// ---------------------------------------------------------------------------------------------
// CRC-32 (§5.5, Annex D)

let crcTable: Uint32Array | null = null;

function table(): Uint32Array {
  if (crcTable) return crcTable;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  crcTable = t;
  return t;
}

/** CRC-32 as PNG uses it (over chunk type and data). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = table();
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Decoding

function malformed(message: string): KysoError {
  return new KysoError('malformed', `PNG: ${message}`);
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlace: number;
}

/** True when `bytes` starts with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  return true;
}

/**
 * Decodes a PNG into 8-bit RGB (+ alpha). Throws KysoError('malformed') for anything that is not
 * a well-formed PNG (bad signature, CRC mismatch, truncation, bad chunk order, corrupt zlib data)
 * and KysoError('unsupported') for images above {@link PNG_MAX_SIDE} / {@link PNG_MAX_PIXELS} or
 * an unknown critical chunk.
 */
export function decodePng(bytes: Uint8Array): DecodedImage {
  if (!(bytes instanceof Uint8Array)) throw new KysoError('invalid-argument', 'PNG: input must be a Uint8Array');
  if (!isPng(bytes)) throw malformed('not a PNG file (bad signature)');

  let header: Header | null = null;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let idatDone = false;
  let sawIend = false;

  let pos = 8;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw malformed('truncated chunk header');
    const length = u32(bytes, pos);
    if (length > 0x7fffffff) throw malformed('chunk length exceeds 2^31-1');
    const typeStart = pos + 4;
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > bytes.length) throw malformed('truncated chunk');
    for (let i = 0; i < 4; i++) if (!isLetter(bytes[typeStart + i]!)) throw malformed('invalid chunk type');
    const type = String.fromCharCode(bytes[typeStart]!, bytes[typeStart + 1]!, bytes[typeStart + 2]!, bytes[typeStart + 3]!);
    if (crc32(bytes, typeStart, dataEnd) !== u32(bytes, dataEnd)) throw malformed(`CRC mismatch in ${type} chunk`);
    const data = bytes.subarray(dataStart, dataEnd);
    pos = dataEnd + 4;

    if (header === null) {
      if (type !== 'IHDR') throw malformed('first chunk is not IHDR');
      header = parseIhdr(data);
      continue;
    }
    if (type !== 'IDAT' && idat.length > 0) idatDone = true;
    switch (type) {
      case 'IHDR':
        throw malformed('duplicate IHDR');
      case 'PLTE': {
        if (palette) throw malformed('duplicate PLTE');
        if (idat.length > 0) throw malformed('PLTE after IDAT');
        if (trns) throw malformed('PLTE after tRNS');
        if (header.colorType === 0 || header.colorType === 4) throw malformed('PLTE not allowed for greyscale images');
        if (length === 0 || length % 3 !== 0 || length > 768) throw malformed('bad PLTE length');
        if (header.colorType === 3 && length / 3 > 1 << header.depth) throw malformed('PLTE has more entries than the bit depth allows');
        palette = data;
        break;
      }
      case 'tRNS': {
        if (trns) throw malformed('duplicate tRNS');
        if (idat.length > 0) throw malformed('tRNS after IDAT');
        const ct = header.colorType;
        if (ct === 4 || ct === 6) throw malformed('tRNS not allowed for images with an alpha channel');
        if (ct === 0 && length !== 2) throw malformed('bad tRNS length');
        if (ct === 2 && length !== 6) throw malformed('bad tRNS length');
        if (ct === 3) {
          if (!palette) throw malformed('tRNS before PLTE');
          if (length > palette.length / 3) throw malformed('tRNS has more entries than PLTE');
        }
        trns = data;
        break;
      }
      case 'IDAT':
        if (idatDone) throw malformed('IDAT chunks are not consecutive');
        if (header.colorType === 3 && !palette) throw malformed('missing PLTE for an indexed-colour image');
        idat.push(data);
        break;
      case 'IEND':
        if (length !== 0) throw malformed('IEND has data');
        sawIend = true;
        break;
      default:
        // Bit 5 of the first byte clear = critical chunk (§5.4).
        if ((bytes[typeStart]! & 0x20) === 0) throw new KysoError('unsupported', `PNG: unknown critical chunk ${type}`);
    }
    if (sawIend) break;
  }
  if (header === null) throw malformed('no IHDR');
  if (!sawIend) throw malformed('truncated file (no IEND)');
  if (idat.length === 0) throw malformed('no IDAT');

  const raw = inflateExact(idat, rawSize(header));
  return reconstruct(header, raw, palette, trns);
}

function parseIhdr(d: Uint8Array): Header {
  if (d.length !== 13) throw malformed('bad IHDR length');
  const width = u32(d, 0);
  const height = u32(d, 4);
  const depth = d[8]!;
  const colorType = d[9]!;
  const compression = d[10]!;
  const filter = d[11]!;
  const interlace = d[12]!;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw malformed('invalid image dimensions');
  const allowed = DEPTHS[colorType];
  if (!allowed) throw malformed(`invalid colour type ${colorType}`);
  if (!allowed.includes(depth)) throw malformed(`bit depth ${depth} not allowed for colour type ${colorType}`);
  if (compression !== 0) throw malformed(`unknown compression method ${compression}`);
  if (filter !== 0) throw malformed(`unknown filter method ${filter}`);
  if (interlace > 1) throw malformed(`unknown interlace method ${interlace}`);
  if (width > PNG_MAX_SIDE || height > PNG_MAX_SIDE || width * height > PNG_MAX_PIXELS) {
    throw new KysoError('unsupported', `PNG: image of ${width}x${height} pixels exceeds the limit (${PNG_MAX_SIDE} per side, ${PNG_MAX_PIXELS} pixels)`);
  }
  return { width, height, depth, colorType, interlace };
}

interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  w: number;
  h: number;
}

function passes(h: Header): Pass[] {
  if (h.interlace === 0) return [{ x0: 0, y0: 0, dx: 1, dy: 1, w: h.width, h: h.height }];
  const out: Pass[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0;
    const ph = h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0;
    if (w > 0 && ph > 0) out.push({ x0, y0, dx, dy, w, h: ph }); // empty passes have no scanlines (§8.2)
  }
  return out;
}

function bitsPerPixel(h: Header): number {
  return CHANNELS[h.colorType]! * h.depth;
}

function rowBytes(h: Header, w: number): number {
  return Math.ceil((w * bitsPerPixel(h)) / 8);
}

function rawSize(h: Header): number {
  let n = 0;
  for (const p of passes(h)) n += p.h * (1 + rowBytes(h, p.w));
  return n;
}

const STOP = Symbol('png-inflate-stop');

/**
 * Inflates the concatenated IDAT data (a zlib stream, RFC 1950) into exactly `expected` bytes.
 * Surplus data after the image is ignored (and not decompressed: no zlib bomb); missing data is
 * an error.
 */
function inflateExact(chunks: Uint8Array[], expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let filled = 0;
  let status = 0;
  let msg = '';
  const inf = new pako.Inflate({ windowBits: 15, chunkSize: 1 << 16 });
  inf.onData = (chunk: Uint8Array) => {
    const n = Math.min(chunk.length, expected - filled);
    out.set(n === chunk.length ? chunk : chunk.subarray(0, n), filled);
    filled += n;
    if (filled === expected && n < chunk.length) throw STOP;
  };
  inf.onEnd = (s: number) => {
    status = s;
    msg = inf.strm?.msg ?? '';
  };
  try {
    for (const c of chunks) {
      if (c.length === 0) continue;
      inf.push(c);
      if (status !== 0) break;
      if (inf.ended) break;
    }
  } catch (e) {
    if (e !== STOP) {
      if (e instanceof KysoError) throw e;
      throw malformed(`corrupt image data (${typeof e === 'string' ? e : e instanceof Error ? e.message : 'inflate failed'})`);
    }
    return out;
  }
  if (status !== 0 && filled < expected) throw malformed(`corrupt image data (${msg || `zlib status ${status}`})`);
  if (filled < expected) throw malformed('image data is truncated');
  return out;
}

/** Reverses filter method 0 in place (§9.2), scanline by scanline. */
function unfilter(raw: Uint8Array, start: number, rows: number, stride: number, bpp: number): void {
  let prev = -1; // offset of previous (already unfiltered) scanline's first data byte
  for (let r = 0; r < rows; r++) {
    const f = raw[start + r * (stride + 1)]!;
    const o = start + r * (stride + 1) + 1;
    switch (f) {
      case 0:
        break;
      case 1: // Sub
        for (let i = bpp; i < stride; i++) raw[o + i] = (raw[o + i]! + raw[o + i - bpp]!) & 0xff;
        break;
      case 2: // Up
        if (prev >= 0) for (let i = 0; i < stride; i++) raw[o + i] = (raw[o + i]! + raw[prev + i]!) & 0xff;
        break;
      case 3: // Average
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[o + i - bpp]! : 0;
          const b = prev >= 0 ? raw[prev + i]! : 0;
          raw[o + i] = (raw[o + i]! + ((a + b) >> 1)) & 0xff;
        }
        break;
      case 4: // Paeth
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[o + i - bpp]! : 0;
          const b = prev >= 0 ? raw[prev + i]! : 0;
          const c = i >= bpp && prev >= 0 ? raw[prev + i - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          raw[o + i] = (raw[o + i]! + pred) & 0xff;
        }
        break;
      default:
        throw malformed(`unknown filter type ${f}`);
    }
    prev = o;
  }
}

function reconstruct(h: Header, raw: Uint8Array, palette: Uint8Array | null, trns: Uint8Array | null): DecodedImage {
  const { width, height, depth, colorType } = h;
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  const hasAlpha = colorType === 4 || colorType === 6 || trns !== null;
  const alpha = hasAlpha ? new Uint8Array(n).fill(255) : null;
  const ch = CHANNELS[colorType]!;
  const bpp = Math.max(1, (ch * depth) >> 3);
  const scale = depth === 1 ? 255 : depth === 2 ? 85 : depth === 4 ? 17 : 1;
  const mask = (1 << depth) - 1;

  // Transparent colour key (§11.3.2.1), compared at full sample precision.
  const key0 = trns && colorType === 0 ? (trns[0]! << 8) | trns[1]! : -1;
  const keyR = trns && colorType === 2 ? (trns[0]! << 8) | trns[1]! : -1;
  const keyG = trns && colorType === 2 ? (trns[2]! << 8) | trns[3]! : -1;
  const keyB = trns && colorType === 2 ? (trns[4]! << 8) | trns[5]! : -1;
  const palCount = palette ? palette.length / 3 : 0;
  const palAlpha = new Uint8Array(256).fill(255);
  if (trns && colorType === 3) palAlpha.set(trns);

  let offset = 0;
  for (const p of passes(h)) {
    const stride = rowBytes(h, p.w);
    unfilter(raw, offset, p.h, stride, bpp);
    for (let r = 0; r < p.h; r++) {
      const o = offset + r * (stride + 1) + 1;
      const y = p.y0 + r * p.dy;
      let idx = y * width + p.x0;
      for (let i = 0; i < p.w; i++, idx += p.dx) {
        const q = idx * 3;
        switch (colorType) {
          case 0: {
            let v: number;
            let g: number;
            if (depth === 16) {
              v = (raw[o + 2 * i]! << 8) | raw[o + 2 * i + 1]!;
              g = raw[o + 2 * i]!;
            } else if (depth === 8) {
              v = g = raw[o + i]!;
            } else {
              const bit = i * depth;
              v = (raw[o + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
              g = v * scale;
            }
            rgb[q] = rgb[q + 1] = rgb[q + 2] = g;
            if (alpha && v === key0) alpha[idx] = 0;
            break;
          }
          case 2: {
            if (depth === 8) {
              const s = o + 3 * i;
              const r8 = raw[s]!, g8 = raw[s + 1]!, b8 = raw[s + 2]!;
              rgb[q] = r8; rgb[q + 1] = g8; rgb[q + 2] = b8;
              if (alpha && r8 === keyR && g8 === keyG && b8 === keyB) alpha[idx] = 0;
            } else {
              const s = o + 6 * i;
              rgb[q] = raw[s]!; rgb[q + 1] = raw[s + 2]!; rgb[q + 2] = raw[s + 4]!;
              if (alpha &&
                ((raw[s]! << 8) | raw[s + 1]!) === keyR &&
                ((raw[s + 2]! << 8) | raw[s + 3]!) === keyG &&
                ((raw[s + 4]! << 8) | raw[s + 5]!) === keyB) alpha[idx] = 0;
            }
            break;
          }
          case 3: {
            let v: number;
            if (depth === 8) v = raw[o + i]!;
            else {
              const bit = i * depth;
              v = (raw[o + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
            }
            if (v >= palCount) throw malformed(`palette index ${v} out of range (${palCount} entries)`);
            rgb[q] = palette![3 * v]!; rgb[q + 1] = palette![3 * v + 1]!; rgb[q + 2] = palette![3 * v + 2]!;
            if (alpha) alpha[idx] = palAlpha[v]!;
            break;
          }
          case 4: {
            const s = o + (depth === 8 ? 2 : 4) * i;
            rgb[q] = rgb[q + 1] = rgb[q + 2] = raw[s]!;
            alpha![idx] = raw[s + (depth === 8 ? 1 : 2)]!;
            break;
          }
          default: { // 6
            const k = depth === 8 ? 1 : 2;
            const s = o + 4 * k * i;
            rgb[q] = raw[s]!; rgb[q + 1] = raw[s + k]!; rgb[q + 2] = raw[s + 2 * k]!;
            alpha![idx] = raw[s + 3 * k]!;
          }
        }
      }
    }
    offset += p.h * (stride + 1);
  }
  return { width, height, rgb, alpha };
}

// ---------------------------------------------------------------------------------------------
// Encoding

export type EncodableImage =
  | { width: number; height: number; rgba: Uint8Array }
  | { width: number; height: number; rgb: Uint8Array; alpha?: Uint8Array | null };

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/**
 * Encodes an 8-bit image as a non-interlaced PNG: colour type 6 (RGBA) when given `rgba` or a
 * non-null `alpha`, colour type 2 (RGB) when given `rgb` alone. So `encodePng(decodePng(x))`
 * round-trips the pixels.
 */
export function encodePng(img: EncodableImage): Uint8Array {
  const { width, height } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new KysoError('invalid-argument', `PNG: invalid dimensions ${width}x${height}`);
  }
  const n = width * height;
  let px: Uint8Array;
  let ch: number;
  if ('rgba' in img) {
    if (img.rgba.length !== n * 4) throw new KysoError('invalid-argument', `PNG: rgba must hold ${n * 4} bytes, got ${img.rgba.length}`);
    px = img.rgba;
    ch = 4;
  } else {
    if (img.rgb.length !== n * 3) throw new KysoError('invalid-argument', `PNG: rgb must hold ${n * 3} bytes, got ${img.rgb.length}`);
    if (img.alpha) {
      if (img.alpha.length !== n) throw new KysoError('invalid-argument', `PNG: alpha must hold ${n} bytes, got ${img.alpha.length}`);
      px = new Uint8Array(n * 4);
      for (let i = 0; i < n; i++) {
        px[4 * i] = img.rgb[3 * i]!;
        px[4 * i + 1] = img.rgb[3 * i + 1]!;
        px[4 * i + 2] = img.rgb[3 * i + 2]!;
        px[4 * i + 3] = img.alpha[i]!;
      }
      ch = 4;
    } else {
      px = img.rgb;
      ch = 3;
    }
  }

  const stride = width * ch;
  const raw = new Uint8Array(height * (stride + 1));
  const cand = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const cur = y * stride;
    const prev = y > 0 ? cur - stride : -1;
    let bestSum = Infinity;
    let bestF = 0;
    const dst = y * (stride + 1);
    // §12.8: choose the filter with the smallest sum of absolute (signed) differences.
    for (let f = 0; f <= 4; f++) {
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const x = px[cur + i]!;
        const a = i >= ch ? px[cur + i - ch]! : 0;
        const b = prev >= 0 ? px[prev + i]! : 0;
        const c = i >= ch && prev >= 0 ? px[prev + i - ch]! : 0;
        let pred: number;
        switch (f) {
          case 0: pred = 0; break;
          case 1: pred = a; break;
          case 2: pred = b; break;
          case 3: pred = (a + b) >> 1; break;
          default: {
            const p = a + b - c;
            const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
            pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          }
        }
        const v = (x - pred) & 0xff;
        cand[i] = v;
        sum += v < 128 ? v : 256 - v;
        if (sum >= bestSum) break;
      }
      if (sum < bestSum) {
        bestSum = sum;
        bestF = f;
        raw[dst] = f;
        raw.set(cand, dst + 1);
      }
    }
    raw[dst] = bestF;
  }

  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = ch === 4 ? 6 : 2;
  // compression 0, filter 0, interlace 0
  return concatBytes([Uint8Array.from(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', pako.deflate(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

// ---------------------------------------------------------------------------------------------
// Geometry helpers

/**
 * The smallest box holding every pixel with alpha > `threshold`; null if there is none. An image
 * without alpha is entirely content: the whole image.
 */
export function alphaBoundingBox(img: DecodedImage, threshold = 16): Box | null {
  const { width, height, alpha } = img;
  if (!alpha) return { x: 0, y: 0, width, height };
  let minX = width, minY = height, maxX = -1, maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      if (alpha[row + x]! > threshold) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    let last = first;
    for (let x = width - 1; x > first; x--) {
      if (alpha[row + x]! > threshold) {
        last = x;
        break;
      }
    }
    if (first < minX) minX = first;
    if (last > maxX) maxX = last;
    if (minY === height) minY = y;
    maxY = y;
  }
  if (maxX < 0) return null;
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/** Copies the pixels inside `box` (which must lie within the image) into a new image. */
export function cropImage(img: DecodedImage, box: Box): DecodedImage {
  const { x, y, width, height } = box;
  if (![x, y, width, height].every(Number.isInteger) || x < 0 || y < 0 || width < 1 || height < 1 ||
    x + width > img.width || y + height > img.height) {
    throw new KysoError('invalid-argument', `PNG: crop box ${x},${y} ${width}x${height} is not inside the ${img.width}x${img.height} image`);
  }
  const rgb = new Uint8Array(width * height * 3);
  const alpha = img.alpha ? new Uint8Array(width * height) : null;
  for (let r = 0; r < height; r++) {
    const src = (y + r) * img.width + x;
    rgb.set(img.rgb.subarray(src * 3, (src + width) * 3), r * width * 3);
    if (alpha) alpha.set(img.alpha!.subarray(src, src + width), r * width);
  }
  return { width, height, rgb, alpha };
}

/** True when the image has an alpha plane and at least one pixel is not fully opaque. */
export function hasTransparency(img: DecodedImage): boolean {
  const a = img.alpha;
  if (!a) return false;
  for (let i = 0; i < a.length; i++) if (a[i]! < 255) return true;
  return false;
}
