import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import pako from 'pako';
import { KysoError } from '../errors.ts';
import { XorShift32 } from '../fuzz/xorshift.ts';
import {
  alphaBoundingBox,
  crc32,
  cropImage,
  decodePng,
  encodePng,
  hasTransparency,
  isPng,
  type DecodedImage,
} from './png.ts';
import { concatBytes } from '../asn1/der.ts';

// ---------------------------------------------------------------------------------------------
// A test-only PNG writer that can produce every colour type, bit depth, filter type and Adam7,
// independent of the encoder under test.

const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CH: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
] as const;

function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function mkChunk(type: string, data: Uint8Array | number[]): Uint8Array {
  const d = data instanceof Uint8Array ? data : Uint8Array.from(data);
  const body = new Uint8Array(4 + d.length);
  for (let i = 0; i < 4; i++) body[i] = type.charCodeAt(i);
  body.set(d, 4);
  return Uint8Array.from([...be32(d.length), ...body, ...be32(crc32(body))]);
}

const concat = concatBytes;

function ihdr(width: number, height: number, depth: number, colorType: number, interlace = 0): Uint8Array {
  return mkChunk('IHDR', [...be32(width), ...be32(height), depth, colorType, 0, 0, interlace]);
}

interface Spec {
  width: number;
  height: number;
  colorType: number;
  depth: number;
  interlace: 0 | 1;
  /** width*height*channels sample values at full bit depth. */
  samples: number[];
  palette?: number[];
  trns?: number[];
}

function passList(w: number, h: number, interlace: number): { x0: number; y0: number; dx: number; dy: number }[] {
  if (!interlace) return [{ x0: 0, y0: 0, dx: 1, dy: 1 }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy })).filter((p) => p.x0 < w && p.y0 < h);
}

/** Filtered scanlines, filter type cycling 0..4 so every filter is exercised. */
function rawScanlines(s: Spec): Uint8Array {
  const ch = CH[s.colorType]!;
  const bpp = Math.max(1, (ch * s.depth) >> 3);
  const out: number[] = [];
  let rowNo = 0;
  for (const p of passList(s.width, s.height, s.interlace)) {
    let prev: number[] | null = null;
    for (let y = p.y0; y < s.height; y += p.dy) {
      const line: number[] = [];
      let acc = 0, nbits = 0;
      for (let x = p.x0; x < s.width; x += p.dx) {
        for (let c = 0; c < ch; c++) {
          const v = s.samples[(y * s.width + x) * ch + c]!;
          if (s.depth === 16) line.push(v >> 8, v & 0xff);
          else if (s.depth === 8) line.push(v);
          else {
            acc = (acc << s.depth) | v;
            nbits += s.depth;
            if (nbits === 8) { line.push(acc); acc = 0; nbits = 0; }
          }
        }
      }
      if (nbits) line.push(acc << (8 - nbits));
      const f = rowNo++ % 5;
      out.push(f);
      for (let i = 0; i < line.length; i++) {
        const a = i >= bpp ? line[i - bpp]! : 0;
        const b = prev ? prev[i]! : 0;
        const c = i >= bpp && prev ? prev[i - bpp]! : 0;
        let pred = 0;
        if (f === 1) pred = a;
        else if (f === 2) pred = b;
        else if (f === 3) pred = (a + b) >> 1;
        else if (f === 4) {
          const q = a + b - c;
          const pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        out.push((line[i]! - pred) & 0xff);
      }
      prev = line;
    }
  }
  return Uint8Array.from(out);
}

function assemble(s: Pick<Spec, 'width' | 'height' | 'colorType' | 'depth' | 'interlace' | 'palette' | 'trns'>, raw: Uint8Array, idatSplit = 0): Uint8Array {
  const z = pako.deflate(raw);
  const parts = [Uint8Array.from(SIG), ihdr(s.width, s.height, s.depth, s.colorType, s.interlace)];
  parts.push(mkChunk('gAMA', be32(45455))); // an ancillary chunk to skip
  if (s.palette) parts.push(mkChunk('PLTE', s.palette));
  if (s.trns) parts.push(mkChunk('tRNS', s.trns));
  if (idatSplit > 0) for (let i = 0; i < z.length; i += idatSplit) parts.push(mkChunk('IDAT', z.subarray(i, i + idatSplit)));
  else parts.push(mkChunk('IDAT', z));
  parts.push(mkChunk('tEXt', [...Buffer.from('Comment\0test')]));
  parts.push(mkChunk('IEND', []));
  return concat(parts);
}

function buildPng(s: Spec, idatSplit = 0): Uint8Array {
  return assemble(s, rawScanlines(s), idatSplit);
}

/** What the decoder should return for a spec, computed directly from the samples. */
function expected(s: Spec): DecodedImage {
  const n = s.width * s.height;
  const ch = CH[s.colorType]!;
  const rgb = new Uint8Array(n * 3);
  const hasA = s.colorType === 4 || s.colorType === 6 || s.trns !== undefined;
  const alpha = hasA ? new Uint8Array(n) : null;
  const to8 = (v: number) => (s.depth === 16 ? v >> 8 : s.depth === 8 ? v : Math.round((v * 255) / ((1 << s.depth) - 1)));
  for (let i = 0; i < n; i++) {
    const sm = s.samples.slice(i * ch, i * ch + ch);
    let r: number, g: number, b: number, a = 255;
    switch (s.colorType) {
      case 0:
        r = g = b = to8(sm[0]!);
        if (s.trns && sm[0] === ((s.trns[0]! << 8) | s.trns[1]!)) a = 0;
        break;
      case 2:
        [r, g, b] = sm.map(to8) as [number, number, number];
        if (s.trns && sm[0] === ((s.trns[0]! << 8) | s.trns[1]!) && sm[1] === ((s.trns[2]! << 8) | s.trns[3]!) && sm[2] === ((s.trns[4]! << 8) | s.trns[5]!)) a = 0;
        break;
      case 3: {
        const k = sm[0]!;
        [r, g, b] = s.palette!.slice(3 * k, 3 * k + 3) as [number, number, number];
        if (s.trns && k < s.trns.length) a = s.trns[k]!;
        break;
      }
      case 4:
        r = g = b = to8(sm[0]!);
        a = to8(sm[1]!);
        break;
      default:
        [r, g, b, a] = sm.map(to8) as [number, number, number, number];
    }
    rgb.set([r, g, b], i * 3);
    if (alpha) alpha[i] = a;
  }
  return { width: s.width, height: s.height, rgb, alpha };
}

const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const SIZES: [number, number][] = [[1, 1], [3, 2], [9, 10], [33, 17], [2, 9]];

function randomSpec(rng: XorShift32, colorType: number, depth: number, interlace: 0 | 1, width: number, height: number, withTrns: boolean): Spec {
  const ch = CH[colorType]!;
  const n = width * height;
  const s: Spec = { width, height, colorType, depth, interlace, samples: [] };
  if (colorType === 3) {
    const entries = Math.max(1, Math.min(1 << depth, 2 + rng.below(1 << depth)));
    s.palette = Array.from(rng.bytes(entries * 3));
    for (let i = 0; i < n; i++) s.samples.push(rng.below(entries));
    if (withTrns) s.trns = Array.from(rng.bytes(Math.max(1, entries - 1)));
    return s;
  }
  const max = 2 ** depth;
  for (let i = 0; i < n * ch; i++) s.samples.push(rng.below(max));
  if (withTrns) {
    // Key = the colour of pixel 0, so at least one pixel is transparent.
    s.trns = [];
    for (let c = 0; c < ch; c++) s.trns.push(...[(s.samples[c]! >> 8) & 0xff, s.samples[c]! & 0xff]);
  }
  return s;
}

function assertImage(actual: DecodedImage, exp: DecodedImage, label: string): void {
  assert.equal(actual.width, exp.width, `${label}: width`);
  assert.equal(actual.height, exp.height, `${label}: height`);
  assert.deepEqual(Buffer.from(actual.rgb), Buffer.from(exp.rgb), `${label}: rgb`);
  if (exp.alpha === null) assert.equal(actual.alpha, null, `${label}: alpha should be null`);
  else {
    assert.ok(actual.alpha, `${label}: alpha missing`);
    assert.deepEqual(Buffer.from(actual.alpha), Buffer.from(exp.alpha), `${label}: alpha`);
  }
}

function throwsKind(fn: () => unknown, kind: string, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KysoError, `expected KysoError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

function allSpecs(seed: number): { label: string; spec: Spec }[] {
  const rng = new XorShift32(seed);
  const out: { label: string; spec: Spec }[] = [];
  for (const ct of [0, 2, 3, 4, 6]) {
    for (const d of DEPTHS[ct]!) {
      for (const il of [0, 1] as const) {
        for (const [w, h] of SIZES) {
          for (const trns of ct === 4 || ct === 6 ? [false] : [false, true]) {
            out.push({ label: `ct${ct} d${d} il${il} ${w}x${h}${trns ? ' tRNS' : ''}`, spec: randomSpec(rng, ct, d, il, w, h, trns) });
          }
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

test('encodePng → decodePng round trip (RGBA, RGB, re-encode of a decoded image)', () => {
  const rng = new XorShift32(1);
  for (const [w, h] of [[1, 1], [17, 9], [64, 64], [300, 7]] as const) {
    const rgba = rng.bytes(w * h * 4);
    if (w === 64) for (let i = 0; i < w * h; i++) rgba.set([i & 0xff, (i >> 6) * 4, 128, 255 - (i & 0x3f)], i * 4); // smooth: filters matter
    const png = encodePng({ width: w, height: h, rgba });
    assert.ok(isPng(png));
    const img = decodePng(png);
    assert.equal(img.width, w);
    assert.equal(img.height, h);
    for (let i = 0; i < w * h; i++) {
      assert.deepEqual([...img.rgb.subarray(i * 3, i * 3 + 3)], [...rgba.subarray(i * 4, i * 4 + 3)]);
      assert.equal(img.alpha![i], rgba[i * 4 + 3]);
    }
    const again = decodePng(encodePng(img));
    assertImage(again, img, 're-encode');

    const rgb = rng.bytes(w * h * 3);
    const opaque = decodePng(encodePng({ width: w, height: h, rgb }));
    assert.equal(opaque.alpha, null);
    assert.deepEqual(Buffer.from(opaque.rgb), Buffer.from(rgb));
  }
  throwsKind(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(15) }), 'invalid-argument');
  throwsKind(() => encodePng({ width: 0, height: 2, rgba: new Uint8Array(0) }), 'invalid-argument');
});

test('every colour type × bit depth × interlace × size, with and without tRNS, all filters', () => {
  const specs = allSpecs(42);
  assert.ok(specs.length > 150);
  for (const { label, spec } of specs) {
    assertImage(decodePng(buildPng(spec)), expected(spec), label);
  }
  // IDAT split into many small chunks (concatenation).
  for (const { label, spec } of specs.filter((_, i) => i % 7 === 0)) {
    assertImage(decodePng(buildPng(spec, 5)), expected(spec), `${label} split IDAT`);
  }
});

test('palette with partial tRNS; indexed without tRNS has no alpha', () => {
  const spec: Spec = {
    width: 4, height: 2, colorType: 3, depth: 2, interlace: 0,
    palette: [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9],
    trns: [0, 128],
    samples: [0, 1, 2, 3, 3, 2, 1, 0],
  };
  const img = decodePng(buildPng(spec));
  assert.deepEqual([...img.alpha!], [0, 128, 255, 255, 255, 255, 128, 0]);
  assert.deepEqual([...img.rgb.subarray(0, 12)], [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
  assert.ok(hasTransparency(img));
  const noTrns = decodePng(buildPng({ ...spec, trns: undefined }));
  assert.equal(noTrns.alpha, null);
  assert.equal(hasTransparency(noTrns), false);
});

test('16-bit samples keep the high byte; 16-bit tRNS key compares all 16 bits', () => {
  const spec: Spec = {
    width: 3, height: 1, colorType: 2, depth: 16, interlace: 0,
    samples: [0x1234, 0xabcd, 0xff00, 0x1234, 0xabcd, 0xff01, 0x1299, 0xab00, 0xff00],
    trns: [0x12, 0x34, 0xab, 0xcd, 0xff, 0x00],
  };
  const img = decodePng(buildPng(spec));
  assert.deepEqual([...img.rgb], [0x12, 0xab, 0xff, 0x12, 0xab, 0xff, 0x12, 0xab, 0xff]);
  assert.deepEqual([...img.alpha!], [0, 255, 255]);
  const grey = decodePng(buildPng({ width: 2, height: 1, colorType: 0, depth: 16, interlace: 1, samples: [0x8001, 0x8000], trns: [0x80, 0x00] }));
  assert.deepEqual([...grey.rgb], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
  assert.deepEqual([...grey.alpha!], [255, 0]);
  const la = decodePng(buildPng({ width: 1, height: 1, colorType: 4, depth: 16, interlace: 0, samples: [0x7fff, 0x00ff] }));
  assert.deepEqual([...la.rgb, ...la.alpha!], [0x7f, 0x7f, 0x7f, 0]);
});

test('sub-byte greyscale is scaled to 0..255', () => {
  for (const [d, vals, want] of [
    [1, [0, 1], [0, 255]],
    [2, [0, 1, 2, 3], [0, 85, 170, 255]],
    [4, [0, 5, 15], [0, 85, 255]],
  ] as const) {
    const img = decodePng(buildPng({ width: vals.length, height: 1, colorType: 0, depth: d, interlace: 0, samples: [...vals] }));
    assert.deepEqual([...img.rgb].filter((_, i) => i % 3 === 0), [...want]);
  }
});

// ---------------------------------------------------------------------------------------------
// Cross-check against Pillow (an independent decoder and encoder) when it is installed.

const PY = '/usr/bin/python3';
const pilMissing = (() => {
  const r = spawnSync(PY, ['-c', 'import PIL'], { encoding: 'utf8' });
  return r.status === 0 ? false : 'needs /usr/bin/python3 with Pillow (apt-get install -y python3-pil)';
})();

const PY_SCRIPT = String.raw`
import sys, json, base64, io
from PIL import Image
def rgba_of(im):
    if im.mode in ('I', 'I;16', 'I;16B'):
        out = bytearray()
        for v in im.getdata():
            g = (v >> 8) & 0xff
            out += bytes((g, g, g, 255))
        return bytes(out)
    return im.convert('RGBA').tobytes()
res = []
for req in json.load(sys.stdin):
    if req['op'] == 'decode':
        im = Image.open(io.BytesIO(base64.b64decode(req['png']))); im.load()
        res.append({'rgba': base64.b64encode(rgba_of(im)).decode()})
    else:
        w, h, mode = 23, 13, req['mode']
        opts = {}
        if mode == '1':
            im = Image.new('1', (w, h)); im.putdata([((x * 7 + y * 3) % 5 < 2) * 255 for y in range(h) for x in range(w)])
        elif mode == 'L':
            im = Image.new('L', (w, h)); im.putdata([(x * 11 + y * 17) % 256 for y in range(h) for x in range(w)])
        elif mode == 'LA':
            im = Image.new('LA', (w, h)); im.putdata([((x * 11) % 256, (y * 19) % 256) for y in range(h) for x in range(w)])
        elif mode == 'RGB':
            im = Image.new('RGB', (w, h)); im.putdata([(x * 10 % 256, y * 20 % 256, (x * y) % 256) for y in range(h) for x in range(w)])
        elif mode == 'RGBA':
            im = Image.new('RGBA', (w, h)); im.putdata([(x * 10 % 256, y * 20 % 256, (x + y) % 256, (x * y * 3) % 256) for y in range(h) for x in range(w)])
        elif mode in ('P', 'P4', 'Ptrns'):
            im = Image.new('P', (w, h))
            n = 16 if mode == 'P4' else 40
            im.putpalette([(i * 37 + c * 91) % 256 for i in range(n) for c in range(3)])
            im.putdata([(x + 2 * y) % n for y in range(h) for x in range(w)])
            if mode == 'P4': opts['bits'] = 4
            if mode == 'Ptrns': opts['transparency'] = bytes([(i * 29) % 256 for i in range(10)])
        elif mode == 'I;16':
            raw = b''.join(((x * 3001 + y * 977) % 65536).to_bytes(2, 'little') for y in range(h) for x in range(w))
            im = Image.frombytes('I;16', (w, h), raw)
        buf = io.BytesIO(); im.save(buf, 'PNG', **opts)
        png = buf.getvalue()
        ref = Image.open(io.BytesIO(png)); ref.load()
        res.append({'png': base64.b64encode(png).decode(), 'rgba': base64.b64encode(rgba_of(ref)).decode()})
json.dump(res, sys.stdout)
`;

function pil(requests: object[]): { png?: string; rgba: string }[] {
  const r = spawnSync(PY, ['-c', PY_SCRIPT], { input: JSON.stringify(requests), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { png?: string; rgba: string }[];
}

function toRgba(img: DecodedImage): Buffer {
  const out = Buffer.alloc(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    out[i * 4] = img.rgb[i * 3]!;
    out[i * 4 + 1] = img.rgb[i * 3 + 1]!;
    out[i * 4 + 2] = img.rgb[i * 3 + 2]!;
    out[i * 4 + 3] = img.alpha ? img.alpha[i]! : 255;
  }
  return out;
}

function stripAlpha(b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = 3; i < out.length; i += 4) out[i] = 0;
  return out;
}

test('Pillow decodes the same pixels from every variant (incl. Adam7) as decodePng', { skip: pilMissing }, () => {
  const specs = allSpecs(7);
  const pngs = specs.map(({ spec }) => buildPng(spec));
  const answers = pil(pngs.map((p) => ({ op: 'decode', png: Buffer.from(p).toString('base64') })));
  for (let i = 0; i < specs.length; i++) {
    const { label, spec } = specs[i]!;
    const mine = toRgba(decodePng(pngs[i]!));
    const theirs = Buffer.from(answers[i]!.rgba, 'base64');
    // Pillow mishandles tRNS keys for sub-byte and 16-bit samples and ignores tRNS for 16-bit grey:
    // compare colour only there.
    const alphaComparable = !spec.trns || spec.colorType === 3 || spec.depth === 8;
    if (alphaComparable) assert.deepEqual(mine, theirs, label);
    else assert.deepEqual(stripAlpha(mine), stripAlpha(theirs), label);
  }
  // And Pillow reads what encodePng writes.
  const rng = new XorShift32(9);
  const rgba = rng.bytes(31 * 19 * 4);
  const [back] = pil([{ op: 'decode', png: Buffer.from(encodePng({ width: 31, height: 19, rgba })).toString('base64') }]);
  assert.deepEqual(Buffer.from(back!.rgba, 'base64'), Buffer.from(rgba));
});

test('decodePng reads PNGs written by Pillow', { skip: pilMissing }, () => {
  const modes = ['1', 'L', 'LA', 'RGB', 'RGBA', 'P', 'P4', 'Ptrns', 'I;16'];
  const answers = pil(modes.map((mode) => ({ op: 'make', mode })));
  for (let i = 0; i < modes.length; i++) {
    const img = decodePng(Buffer.from(answers[i]!.png!, 'base64'));
    assert.equal(img.width, 23);
    assert.equal(img.height, 13);
    assert.deepEqual(toRgba(img), Buffer.from(answers[i]!.rgba, 'base64'), modes[i]);
    assert.equal(img.alpha !== null, ['LA', 'RGBA', 'Ptrns'].includes(modes[i]!), `${modes[i]}: alpha presence`);
  }
});

// ---------------------------------------------------------------------------------------------
// Malformed and refused input

const small: Spec = { width: 5, height: 4, colorType: 6, depth: 8, interlace: 0, samples: Array.from({ length: 80 }, (_, i) => (i * 37) & 0xff) };

function chunksOf(png: Uint8Array): { type: string; start: number; end: number }[] {
  const out = [];
  let p = 8;
  while (p + 12 <= png.length) {
    const len = ((png[p]! << 24) | (png[p + 1]! << 16) | (png[p + 2]! << 8) | png[p + 3]!) >>> 0;
    if (p + 12 + len > png.length) break;
    out.push({ type: String.fromCharCode(...png.subarray(p + 4, p + 8)), start: p, end: p + 12 + len });
    p += 12 + len;
  }
  return out;
}

/** Recomputes the CRC of every chunk whose framing is intact. */
function fixCrcs(png: Uint8Array): Uint8Array {
  const out = Uint8Array.from(png);
  for (const c of chunksOf(out)) new DataView(out.buffer).setUint32(c.end - 4, crc32(out, c.start + 4, c.end - 4));
  return out;
}

test('CRC mismatch, truncation and non-PNG input are malformed', () => {
  const png = buildPng(small);
  const idat = chunksOf(png).find((c) => c.type === 'IDAT')!;
  const bad = Uint8Array.from(png);
  bad[idat.start + 10]! ^= 1;
  throwsKind(() => decodePng(bad), 'malformed', /^PNG: CRC mismatch in IDAT/);
  const badCrc = Uint8Array.from(png);
  badCrc[idat.end - 1]! ^= 0x80;
  throwsKind(() => decodePng(badCrc), 'malformed', /CRC/);

  for (let n = 0; n < png.length; n++) throwsKind(() => decodePng(png.subarray(0, n)), 'malformed', /^PNG: /);

  throwsKind(() => decodePng(new Uint8Array(0)), 'malformed', /signature/);
  throwsKind(() => decodePng(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0])), 'malformed', /signature/);
  throwsKind(() => decodePng(new TextEncoder().encode('%PDF-1.7\n')), 'malformed', /signature/);
  // Trailing bytes after IEND are ignored.
  assertImage(decodePng(concat([png, Uint8Array.from([1, 2, 3])])), expected(small), 'trailing garbage');
});

test('structural errors', () => {
  const raw = rawScanlines(small);
  const sig = Uint8Array.from(SIG);
  const hdr = ihdr(5, 4, 8, 6);
  const idat = mkChunk('IDAT', pako.deflate(raw));
  const iend = mkChunk('IEND', []);
  assertImage(decodePng(concat([sig, hdr, idat, iend])), expected(small), 'minimal');

  throwsKind(() => decodePng(concat([sig, idat, iend])), 'malformed', /first chunk is not IHDR/);
  throwsKind(() => decodePng(concat([sig, hdr, hdr, idat, iend])), 'malformed', /duplicate IHDR/);
  throwsKind(() => decodePng(concat([sig, hdr, iend])), 'malformed', /no IDAT/);
  throwsKind(() => decodePng(concat([sig, hdr, idat])), 'malformed', /no IEND/);
  throwsKind(() => decodePng(concat([sig, hdr, idat, mkChunk('tEXt', [65, 0, 66]), idat, iend])), 'malformed', /not consecutive/);
  throwsKind(() => decodePng(concat([sig, hdr, mkChunk('tRNS', [0, 0]), idat, iend])), 'malformed', /tRNS/);
  throwsKind(() => decodePng(concat([sig, hdr, mkChunk('ABCD', []), idat, iend])), 'unsupported', /critical chunk ABCD/);
  assertImage(decodePng(concat([sig, hdr, mkChunk('abCD', [1, 2]), idat, iend])), expected(small), 'unknown ancillary chunk');
  throwsKind(() => decodePng(concat([sig, hdr, mkChunk('IDAT', pako.deflate(raw.subarray(0, raw.length - 3))), iend])), 'malformed', /truncated/);
  throwsKind(() => decodePng(concat([sig, hdr, mkChunk('IDAT', Uint8Array.from([1, 2, 3, 4, 5, 6])), iend])), 'malformed', /corrupt image data/);
  throwsKind(() => decodePng(concat([sig, hdr, mkChunk('IDAT', pako.deflate(raw).subarray(0, 12)), iend])), 'malformed');
  // Surplus image data is ignored.
  assertImage(decodePng(concat([sig, hdr, mkChunk('IDAT', pako.deflate(concat([raw, new Uint8Array(1000)]))), iend])), expected(small), 'surplus');
  const badFilter = Uint8Array.from(raw);
  badFilter[0] = 5;
  throwsKind(() => decodePng(concat([sig, hdr, mkChunk('IDAT', pako.deflate(badFilter)), iend])), 'malformed', /filter type 5/);

  // IHDR field checks.
  for (const [h, re] of [
    [ihdr(5, 4, 3, 6), /bit depth 3/],
    [ihdr(5, 4, 16, 3), /bit depth 16/],
    [ihdr(5, 4, 8, 5), /colour type 5/],
    [ihdr(5, 4, 8, 6, 2), /interlace/],
    [ihdr(0, 4, 8, 6), /dimensions/],
    [mkChunk('IHDR', [0, 0, 0, 5, 0, 0, 0, 4, 8, 6, 1, 0, 0]), /compression/],
    [mkChunk('IHDR', [0, 0, 0, 5, 0, 0, 0, 4, 8, 6, 0, 1, 0]), /filter method/],
    [mkChunk('IHDR', [0, 0, 0, 5, 0, 0, 0, 4, 8, 6, 0, 0]), /IHDR length/],
  ] as const) throwsKind(() => decodePng(concat([sig, h, idat, iend])), 'malformed', re);

  // Palette rules.
  const pal = (ct: number, d: number, plte: number[] | null, samples: number[], trns?: number[]) =>
    assemble({ width: samples.length, height: 1, colorType: ct, depth: d, interlace: 0, palette: plte ?? undefined, trns }, rawScanlines({ width: samples.length, height: 1, colorType: ct, depth: d, interlace: 0, samples }));
  throwsKind(() => decodePng(pal(3, 8, [1, 2, 3, 4, 5, 6], [0, 1, 2])), 'malformed', /palette index 2 out of range/);
  throwsKind(() => decodePng(pal(3, 8, null, [0])), 'malformed', /PLTE/);
  throwsKind(() => decodePng(pal(3, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9], [0])), 'malformed', /PLTE/);
  throwsKind(() => decodePng(pal(3, 8, [1, 2, 3, 4], [0])), 'malformed', /PLTE length/);
  throwsKind(() => decodePng(pal(3, 8, [1, 2, 3], [0], [1, 2])), 'malformed', /tRNS/);
  throwsKind(() => decodePng(pal(0, 8, [1, 2, 3], [0])), 'malformed', /PLTE not allowed/);
  assert.equal(decodePng(pal(2, 8, [1, 2, 3], [1, 2, 3])).alpha, null, 'suggested palette in a truecolour image is ignored');
});

test('huge dimensions are refused before any pixel is decoded', () => {
  const sig = Uint8Array.from(SIG);
  const idat = mkChunk('IDAT', pako.deflate(new Uint8Array(10)));
  const iend = mkChunk('IEND', []);
  for (const [w, h] of [[10001, 1], [1, 10001], [8000, 8000], [0x7fffffff, 0x7fffffff]]) {
    throwsKind(() => decodePng(concat([sig, ihdr(w!, h!, 8, 6), idat, iend])), 'unsupported', /exceeds the limit/);
  }
  throwsKind(() => decodePng(concat([sig, ihdr(0x80000000, 1, 8, 6), idat, iend])), 'malformed');
  // At the limit itself the header is accepted (the short IDAT is then the problem).
  throwsKind(() => decodePng(concat([sig, ihdr(10000, 4000, 1, 0), idat, iend])), 'malformed', /truncated/);
});

// ---------------------------------------------------------------------------------------------
// Geometry

test('alphaBoundingBox, cropImage and hasTransparency', () => {
  const w = 20, h = 12;
  const rgba = new Uint8Array(w * h * 4);
  const put = (x: number, y: number, a: number) => rgba.set([x, y, 7, a], (y * w + x) * 4);
  put(3, 2, 200);
  put(15, 9, 17);
  put(18, 11, 16); // at the threshold: not content
  put(0, 0, 5);
  const img = decodePng(encodePng({ width: w, height: h, rgba }));
  assert.ok(hasTransparency(img));
  assert.deepEqual(alphaBoundingBox(img), { x: 3, y: 2, width: 13, height: 8 });
  assert.deepEqual(alphaBoundingBox(img, 0), { x: 0, y: 0, width: 19, height: 12 });
  assert.equal(alphaBoundingBox(img, 200), null);

  const crop = cropImage(img, { x: 3, y: 2, width: 13, height: 8 });
  assert.equal(crop.width, 13);
  assert.equal(crop.height, 8);
  assert.deepEqual([...crop.rgb.subarray(0, 3), crop.alpha![0]], [3, 2, 7, 200]);
  const last = 13 * 8 - 1;
  assert.deepEqual([...crop.rgb.subarray(last * 3, last * 3 + 3), crop.alpha![last]], [15, 9, 7, 17]);
  assert.deepEqual(alphaBoundingBox(crop), { x: 0, y: 0, width: 13, height: 8 });

  const transparent = decodePng(encodePng({ width: 4, height: 4, rgba: new Uint8Array(64) }));
  assert.equal(alphaBoundingBox(transparent), null);
  const opaqueRgba = new Uint8Array(64).fill(255);
  const opaqueWithAlpha = decodePng(encodePng({ width: 4, height: 4, rgba: opaqueRgba }));
  assert.ok(opaqueWithAlpha.alpha);
  assert.equal(hasTransparency(opaqueWithAlpha), false);
  const rgbOnly = decodePng(encodePng({ width: 4, height: 3, rgb: new Uint8Array(36) }));
  assert.equal(hasTransparency(rgbOnly), false);
  assert.deepEqual(alphaBoundingBox(rgbOnly), { x: 0, y: 0, width: 4, height: 3 });
  const c2 = cropImage(rgbOnly, { x: 1, y: 1, width: 3, height: 2 });
  assert.equal(c2.alpha, null);
  assert.equal(c2.rgb.length, 18);

  for (const box of [{ x: -1, y: 0, width: 2, height: 2 }, { x: 0, y: 0, width: 0, height: 2 }, { x: 3, y: 0, width: 2, height: 1 }, { x: 0, y: 0, width: 1.5, height: 1 }]) {
    throwsKind(() => cropImage(rgbOnly, box), 'invalid-argument');
  }
});

// ---------------------------------------------------------------------------------------------
// Fuzz slice: mutated PNGs either decode or throw KysoError — never anything else.

test('fuzz: 2,000 seeded mutations decode or throw KysoError', () => {
  const rng = new XorShift32(20240601);
  const rgba = new Uint8Array(16 * 16 * 4);
  for (let i = 0; i < 256; i++) rgba.set([i, 255 - i, (i * 7) & 0xff, i < 128 ? 255 : i], i * 4);
  const palSpec = randomSpec(new XorShift32(3), 3, 4, 1, 13, 11, true);
  const greySpec = randomSpec(new XorShift32(4), 0, 16, 1, 9, 7, true);
  const bases: { png: Uint8Array; spec: Spec | null }[] = [
    { png: encodePng({ width: 16, height: 16, rgba }), spec: null },
    { png: buildPng(palSpec, 16), spec: palSpec },
    { png: buildPng(greySpec), spec: greySpec },
  ];
  const counts = { decoded: 0, malformed: 0, unsupported: 0 };
  for (let iter = 0; iter < 2000; iter++) {
    const base = rng.pick(bases);
    let m: Uint8Array;
    if (base.spec && rng.chance(0.3)) {
      // Mutate the filtered scanlines and re-wrap them validly: reaches the filter and pixel code.
      const raw = rawScanlines(base.spec);
      const k = 1 + rng.below(4);
      for (let j = 0; j < k; j++) raw[rng.below(raw.length)] = rng.next() & 0xff;
      m = assemble(base.spec, rng.chance(0.2) ? raw.subarray(0, rng.below(raw.length)) : raw);
    } else {
      m = Uint8Array.from(base.png);
      const k = 1 + rng.below(4);
      for (let j = 0; j < k; j++) {
        const op = rng.below(6);
        const at = rng.below(m.length);
        if (op === 0) m[at]! ^= 1 << rng.below(8);
        else if (op === 1) m[at] = rng.next() & 0xff;
        else if (op === 2) m = m.subarray(0, at);
        else if (op === 3) m = concat([m.subarray(0, at), rng.bytes(1 + rng.below(8)), m.subarray(at)]);
        else if (op === 4) m = concat([m.subarray(0, at), m.subarray(Math.min(m.length, at + 1 + rng.below(16)))]);
        else m[at] = rng.pick([0, 0xff, 0x7f, 0x80]);
        if (m.length === 0) break;
      }
      if (rng.chance(0.6)) m = fixCrcs(m); // otherwise nearly every mutation stops at the CRC check
    }
    try {
      const img = decodePng(m);
      assert.equal(img.rgb.length, img.width * img.height * 3);
      assert.ok(img.alpha === null || img.alpha.length === img.width * img.height);
      counts.decoded++;
    } catch (e) {
      if (!(e instanceof KysoError)) assert.fail(`iteration ${iter}: non-KysoError thrown: ${String(e)}`);
      assert.ok(e.kind === 'malformed' || e.kind === 'unsupported', `iteration ${iter}: kind ${e.kind}`);
      assert.match(e.message, /^PNG: /);
      counts[e.kind]++;
    }
  }
  assert.ok(counts.decoded > 50, `decoded ${counts.decoded}`);
  assert.ok(counts.malformed > 500, `malformed ${counts.malformed}`);
});
