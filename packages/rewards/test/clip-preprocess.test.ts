// CLIP preprocessing: Pillow-exact bicubic resize (fixtures/pil_resize.json, made with Pillow 9.4.0),
// transformers' shortest-edge size and center crop, and the float32 normalisation.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HostTensor } from '@ddpo/tensor';
import { describe, expect, it } from 'vitest';
import { centerCrop, CLIP_MEAN, CLIP_STD, clipPreprocess, resizeBicubic, shortestEdgeSize } from '@ddpo/rewards';

interface ResizeCase {
  name: string;
  in_shape_hwc: [number, number, number];
  out_shape_hwc: [number, number, number];
  input_base64: string;
  output_sha256: string;
  output_sum: number;
  output_base64?: string;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pil_resize.json', import.meta.url), 'utf8')) as { cases: ResizeCase[] };
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('resizeBicubic matches Pillow Image.resize(BICUBIC) bit for bit', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const [h, w] = c.in_shape_hwc;
      const [oh, ow] = c.out_shape_hwc;
      const out = resizeBicubic({ width: w, height: h, data: new Uint8Array(Buffer.from(c.input_base64, 'base64')) }, ow, oh);
      expect([out.width, out.height]).toEqual([ow, oh]);
      if (c.output_base64 !== undefined) {
        const want = new Uint8Array(Buffer.from(c.output_base64, 'base64'));
        const mismatches = want.reduce((n, v, i) => n + (v !== out.data[i] ? 1 : 0), 0);
        expect(mismatches).toBe(0);
      }
      expect(out.data.reduce((s, v) => s + v, 0)).toBe(c.output_sum);
      expect(sha256(out.data)).toBe(c.output_sha256);
    });
  }
});

describe('shortestEdgeSize and centerCrop (transformers 4.30 semantics)', () => {
  it('scales the short side to the target and truncates the long side', () => {
    expect(shortestEdgeSize(32, 32, 224)).toEqual({ width: 224, height: 224 });
    // int(224 * 48 / 32) = 336; int(224 * 50 / 30) = int(373.33) = 373
    expect(shortestEdgeSize(32, 48, 224)).toEqual({ width: 224, height: 336 });
    expect(shortestEdgeSize(50, 30, 224)).toEqual({ width: 373, height: 224 });
    expect(shortestEdgeSize(224, 300, 224)).toEqual({ width: 224, height: 300 });
  });

  it('crops at top = (H - h) // 2, left = (W - w) // 2', () => {
    // 5x4 image whose red byte is its pixel index; crop 2x2 -> top (4-2)//2 = 1, left (5-2)//2 = 1
    const data = new Uint8Array(5 * 4 * 3);
    for (let p = 0; p < 20; p++) data[p * 3] = p;
    const crop = centerCrop({ width: 5, height: 4, data }, 2, 2);
    expect([0, 1, 2, 3].map((p) => crop.data[p * 3])).toEqual([6, 7, 11, 12]);
  });
});

describe('clipPreprocess', () => {
  it('normalises a flat image with CLIP mean/std in float32 (any input size)', () => {
    // u8 values 200, 100, 50 (from x = u8 / 255): expected (u8/255 - mean) / std, each step rounded to float32
    const want = [200, 100, 50].map((u, c) => Math.fround(Math.fround(Math.fround(u / 255) - Math.fround(CLIP_MEAN[c])) / Math.fround(CLIP_STD[c])));
    for (const [h, w] of [
      [224, 224],
      [32, 32],
      [48, 32],
    ]) {
      const data = new Float64Array(3 * h * w);
      [200, 100, 50].forEach((u, c) => data.fill(u / 255, c * h * w, (c + 1) * h * w));
      const px = clipPreprocess(new HostTensor('float64', [1, 3, h, w], data));
      expect(px.shape).toEqual([1, 3, 224, 224]);
      for (let c = 0; c < 3; c++) {
        const plane = px.data.subarray(c * 224 * 224, (c + 1) * 224 * 224);
        expect(plane.every((v) => v === want[c]), `${h}x${w} channel ${c}`).toBe(true);
      }
    }
  });

  it('resizes a 32x32 sample to 224 exactly as Pillow does (undoing the normalisation gives Pillow bytes)', () => {
    const c = fixture.cases[0];
    const rgb = new Uint8Array(Buffer.from(c.input_base64, 'base64'));
    const data = new Float32Array(3 * 32 * 32);
    for (let p = 0; p < 1024; p++) for (let ch = 0; ch < 3; ch++) data[ch * 1024 + p] = rgb[p * 3 + ch] / 255;
    const px = clipPreprocess(new HostTensor('float32', [1, 3, 32, 32], data));
    const back = new Uint8Array(224 * 224 * 3);
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < 224 * 224; p++) back[p * 3 + ch] = Math.round((px.data[ch * 224 * 224 + p] * CLIP_STD[ch] + CLIP_MEAN[ch]) * 255);
    }
    expect(sha256(back)).toBe(c.output_sha256);
  });
});
