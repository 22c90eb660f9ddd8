// The procedural rater (a stand-in for human ratings): deterministic for a seed, ratings in [1, 10],
// and the documented preferences, checked on hand-drawn images (not the generator): a large,
// centred, saturated shape on a flat background beats a tiny corner shape on texture, a desaturated
// copy, a shape on a gradient, and a frame filled with colour.
import { describe, expect, it } from 'vitest';
import { HostTensor, Rng } from '@ddpo/tensor';
import { RaterInputError, rateShapes32, shapes32Quality, shapes32RaterComponents, shapes32RatingsDataset } from '@ddpo/models';

type Rgb = [number, number, number];

/** One 32x32 image in [-1, 1]: background(x, y) with a hard-edged disc of `fill` at (cx, cy), radius r. */
function draw(background: (x: number, y: number) => Rgb, fill: Rgb, cx: number, cy: number, r: number): Float32Array {
  const out = new Float32Array(3 * 1024);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r;
      const c = inside ? fill : background(x, y);
      for (let ch = 0; ch < 3; ch++) out[ch * 1024 + y * 32 + x] = 2 * c[ch] - 1;
    }
  }
  return out;
}

function batch(...images: Float32Array[]): HostTensor<'float32'> {
  const data = new Float32Array(images.length * 3072);
  images.forEach((im, i) => data.set(im, i * 3072));
  return new HostTensor('float32', [images.length, 3, 32, 32], data);
}

const grey = (): Rgb => [0.2, 0.2, 0.2];
const noise = new Rng(3).uniform([1024]).data;
const texture = (x: number, y: number): Rgb => {
  const v = 0.2 + 0.25 * (noise[y * 32 + x] - 0.5);
  return [v, v, v];
};
const gradient = (x: number): Rgb => [0.1 + 0.015 * x, 0.1 + 0.015 * x, 0.1 + 0.015 * x];

const yellow: Rgb = [0.95, 0.85, 0.1];
const good = draw(grey, yellow, 16, 16, 9); // large, centred, saturated yellow disc on flat dark grey
const tiny = draw(texture, yellow, 4, 5, 2.5); // tiny, in a corner, on texture
const pale = draw(grey, [0.75, 0.72, 0.5], 16, 16, 9); // the same disc, desaturated
const onGradient = draw(gradient, yellow, 16, 16, 9);
const filled = draw(() => yellow, yellow, 16, 16, 1); // colour everywhere: no shape

describe('procedural rater', () => {
  it('prefers a large centred saturated shape on a flat background', () => {
    const q = shapes32Quality(batch(good, tiny, pale, onGradient, filled));
    expect(q[0]).toBeGreaterThan(0.9);
    for (const k of [1, 2, 3, 4]) expect(q[0] - q[k]).toBeGreaterThan(0.1);
    const [g, t, p, gr] = shapes32RaterComponents(batch(good, tiny, pale, onGradient));
    expect(g.size).toBeGreaterThan(t.size);
    expect(g.centred).toBeGreaterThan(0.95);
    expect(t.centred).toBeLessThan(0.2);
    expect(g.flatness).toBe(1);
    expect(t.flatness).toBeLessThan(g.flatness);
    expect(gr.flatness).toBeLessThan(0.5);
    expect(p.saturation).toBeLessThan(g.saturation);
    const ratings = rateShapes32(batch(good, tiny), { seed: 1 });
    expect(ratings[0]).toBeGreaterThan(ratings[1] + 3);
  });

  it('is deterministic for a seed, seeded by image index, and stays in [1, 10]', () => {
    const images = shapes32RatingsDataset({ seed: 5, count: 24, vary: true }).images;
    const a = rateShapes32(images, { seed: 7 });
    expect(Array.from(rateShapes32(images, { seed: 7 }))).toEqual(Array.from(a));
    expect(Array.from(rateShapes32(images, { seed: 8 }))).not.toEqual(Array.from(a));
    for (const v of a) expect(v >= 1 && v <= 10).toBe(true);
    const one = new HostTensor('float32', [1, 3, 32, 32], images.data.slice(5 * 3072, 6 * 3072));
    expect(rateShapes32(one, { seed: 7, start: 5 })[0]).toBe(a[5]);
  });

  it('without noise and with one rater gives round(1 + 9 q)', () => {
    const images = batch(good, tiny, pale, onGradient);
    const q = shapes32Quality(images);
    expect(Array.from(rateShapes32(images, { noise: 0, raters: 1 }))).toEqual(Array.from(q, (v) => Math.round(1 + 9 * v)));
  });

  it('makes a reproducible ratings data set with spread', () => {
    const a = shapes32RatingsDataset({ seed: 21, count: 64 });
    const b = shapes32RatingsDataset({ seed: 21, count: 64 });
    expect(Array.from(a.ratings)).toEqual(Array.from(b.ratings));
    expect(Array.from(a.images.data.slice(0, 500))).toEqual(Array.from(b.images.data.slice(0, 500)));
    const mean = a.ratings.reduce((s, v) => s + v, 0) / 64;
    const std = Math.sqrt(a.ratings.reduce((s, v) => s + (v - mean) ** 2, 0) / 64);
    expect(std).toBeGreaterThan(1);
  });

  it('rejects images that are not [N, 3, 32, 32]', () => {
    expect(() => shapes32Quality(new HostTensor('float32', [1, 3, 8, 8], new Float32Array(192)))).toThrow(RaterInputError);
  });
});
