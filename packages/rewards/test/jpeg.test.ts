// JPEG rewards against the golden sizes Pillow 9.4.0 / libjpeg-turbo 2.1.5 wrote for the reference
// (fixtures/jpeg_sizes.json): ranking, sizes, the files themselves, and the tensor path's uint8 rounding.
import { readFileSync } from 'node:fs';
import { HostTensor } from '@ddpo/tensor';
import { describe, expect, it } from 'vitest';
import { encodeJpeg, imagesToUint8, jpegCompressibility, jpegIncompressibility, jpegSizes, spearman } from '@ddpo/rewards';

interface GoldenImage {
  id: string;
  pixels: number[];
  jpeg_bytes: number;
  jpeg_incompressibility: number;
  jpeg_compressibility: number;
  jpeg_base64: string;
}
interface TensorCase {
  shape_nchw: number[];
  images: number[];
  uint8_nchw: number[];
  /** One value per image; a bare number for a batch of one. */
  jpeg_bytes: number | number[];
  jpeg_incompressibility: number | number[];
}
const golden = JSON.parse(readFileSync(new URL('./fixtures/jpeg_sizes.json', import.meta.url), 'utf8')) as { images: GoldenImage[]; tensor_path: TensorCase[] };

/** The golden HWC uint8 pixels as one float64 NCHW batch with x = u8 / 255 (rounds back to u8 exactly). */
function goldenBatch(): HostTensor<'float64'> {
  const n = golden.images.length;
  const data = new Float64Array(n * 3 * 32 * 32);
  golden.images.forEach((img, b) => img.pixels.forEach((v, k) => (data[(b * 3 + (k % 3)) * 1024 + Math.floor(k / 3)] = v / 255)));
  return new HostTensor('float64', [n, 3, 32, 32], data);
}

describe('jpegIncompressibility / jpegCompressibility vs Pillow', () => {
  const want = golden.images.map((g) => g.jpeg_bytes);
  const prompts = golden.images.map((g) => g.id);

  it('ranks the 24 golden images as Pillow does (Spearman >= 0.95) with sizes within 10%', async () => {
    const rewards = await jpegIncompressibility()(goldenBatch(), prompts);
    const sizes = Array.from(rewards, (r) => r * 1000);
    expect(spearman(sizes, want)).toBeGreaterThanOrEqual(0.95);
    sizes.forEach((s, i) => expect(Math.abs(s - want[i]) / want[i], golden.images[i].id).toBeLessThan(0.1));
  });

  it('gives exactly the reference rewards (bytes / 1000, negated for compressibility)', async () => {
    const inc = await jpegIncompressibility()(goldenBatch(), prompts);
    const comp = await jpegCompressibility()(goldenBatch(), prompts);
    expect(Array.from(inc)).toEqual(golden.images.map((g) => g.jpeg_incompressibility));
    expect(Array.from(comp)).toEqual(golden.images.map((g) => g.jpeg_compressibility));
  });

  it('writes the very files Pillow wrote (baseline, 4:2:0, standard tables, JFIF header)', async () => {
    const rgb = imagesToUint8(goldenBatch());
    for (const [i, img] of rgb.entries()) {
      const file = await encodeJpeg(img);
      expect(Buffer.from(file).toString('base64'), golden.images[i].id).toBe(golden.images[i].jpeg_base64);
    }
  });

  it('honours a different quality (smaller files at 50)', async () => {
    const q95 = await jpegSizes(goldenBatch(), 95);
    const q50 = await jpegSizes(goldenBatch(), 50);
    q50.forEach((s, i) => expect(s).toBeLessThanOrEqual(q95[i]));
    expect(q50.reduce((a, b) => a + b)).toBeLessThan(q95.reduce((a, b) => a + b));
  });
});

describe('tensor path: float32 NCHW -> (x * 255).round().clamp(0, 255) -> JPEG', () => {
  for (const [k, tc] of golden.tensor_path.entries()) {
    const images = new HostTensor('float32', tc.shape_nchw, Float32Array.from(tc.images));
    const [, , h, w] = tc.shape_nchw;

    it(`case ${k}: uint8 pixels equal torch's round-half-to-even exactly`, () => {
      const [img] = imagesToUint8(images);
      const nchw = new Array<number>(3 * h * w);
      for (let c = 0; c < 3; c++) for (let p = 0; p < h * w; p++) nchw[c * h * w + p] = img.data[p * 3 + c];
      expect(nchw).toEqual(tc.uint8_nchw);
    });

    it(`case ${k}: JPEG size equals the reference's`, async () => {
      expect(await jpegSizes(images)).toEqual([tc.jpeg_bytes].flat());
      expect(Array.from(await jpegIncompressibility()(images, ['p']))).toEqual([tc.jpeg_incompressibility].flat());
    });
  }
});
