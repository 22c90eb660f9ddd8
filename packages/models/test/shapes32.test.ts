// shapes-32 and its prompts: the 16 prompt strings in colour-major order, determinism per seed and
// image index, value range, prompt selection, and that each image shows its prompt's colour.
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import {
  encodePngGrid, generateShapes32, NULL_PROMPT, PROMPTS, promptIndex, promptParts, Shapes32Error, UnknownPromptError,
} from '@ddpo/models';

describe('prompts', () => {
  it('lists the 16 prompts colour-major, as docs/tiny-unet-32.md states', () => {
    expect(PROMPTS).toHaveLength(16);
    expect(PROMPTS.slice(0, 5)).toEqual(['red circle', 'red square', 'red triangle', 'red ring', 'green circle']);
    expect(PROMPTS[5]).toBe('green square'); // the design page's example
    expect(PROMPTS[15]).toBe('yellow ring');
    expect(NULL_PROMPT).toBe(16);
  });

  it('maps strings to indices and rejects unknown prompts with a typed error', () => {
    expect(promptIndex('red circle')).toBe(0);
    expect(promptIndex('  Blue   Triangle ')).toBe(10);
    expect(() => promptIndex('purple blob')).toThrow(UnknownPromptError);
    expect(() => promptIndex('purple blob')).toThrow(/purple blob/);
    expect(promptParts(14)).toEqual({ colour: 'yellow', shape: 'triangle' });
    expect(() => promptParts(16)).toThrow(UnknownPromptError);
  });
});

/** Mean RGB (in [0, 1]) of the pixels that differ most from the image's border colour. */
function shapeColour(data: Float32Array, i: number): [number, number, number] {
  const S = 32, plane = S * S, base = i * 3 * plane;
  const px = (c: number, k: number) => (data[base + c * plane + k] + 1) / 2;
  // Background estimate: the median over the border pixels per channel.
  const border: number[] = [];
  for (let k = 0; k < plane; k++) if (k % S === 0 || k % S === S - 1 || k < S || k >= plane - S) border.push(k);
  const bg = [0, 1, 2].map((c) => border.map((k) => px(c, k)).sort((a, b) => a - b)[border.length >> 1]);
  const dist = Array.from({ length: plane }, (_, k) => [0, 1, 2].reduce((s, c) => s + (px(c, k) - bg[c]) ** 2, 0));
  const top = dist.map((d, k) => [d, k]).sort((a, b) => b[0] - a[0]).slice(0, 20).map(([, k]) => k);
  return [0, 1, 2].map((c) => top.reduce((s, k) => s + px(c, k), 0) / top.length) as [number, number, number];
}

describe('generateShapes32', () => {
  it('makes [N, 3, 32, 32] float32 images in [-1, 1] with prompt indices in [0, 16)', () => {
    const { images, prompts } = generateShapes32({ seed: 1, count: 64 });
    expect(images.shape).toEqual([64, 3, 32, 32]);
    expect(images.dtype).toBe('float32');
    expect(prompts).toHaveLength(64);
    let lo = Infinity, hi = -Infinity;
    for (const v of images.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThanOrEqual(1);
    for (const p of prompts) expect(p >= 0 && p < 16).toBe(true);
    expect(new Set(prompts).size).toBeGreaterThan(10);
  });

  it('is deterministic per (seed, image index) and differs across seeds', () => {
    const a = generateShapes32({ seed: 5, count: 6 });
    const b = generateShapes32({ seed: 5, count: 6 });
    expect(Array.from(a.images.data)).toEqual(Array.from(b.images.data));
    // Images 2..5 of the stream, regenerated from start = 2.
    const c = generateShapes32({ seed: 5, count: 4, start: 2 });
    expect(Array.from(c.images.data)).toEqual(Array.from(a.images.data.subarray(2 * 3072)));
    expect(Array.from(c.prompts)).toEqual(Array.from(a.prompts.subarray(2)));
    const d = generateShapes32({ seed: 6, count: 6 });
    expect(Array.from(d.images.data)).not.toEqual(Array.from(a.images.data));
  });

  it('cycles the given prompts (indices or strings)', () => {
    const { prompts } = generateShapes32({ seed: 0, count: 5, prompts: ['green square', 15] });
    expect(Array.from(prompts)).toEqual([5, 15, 5, 15, 5]);
    expect(() => generateShapes32({ seed: 0, count: 1, prompts: ['purple blob'] })).toThrow(UnknownPromptError);
    expect(() => generateShapes32({ seed: 0, count: 1, prompts: [] })).toThrow(Shapes32Error);
    expect(() => generateShapes32({ seed: 0, count: -1 })).toThrow(Shapes32Error);
  });

  it("draws each shape in its prompt's colour (the dominant channel of the most salient pixels)", () => {
    for (const [colour, check] of [
      ['red', ([r, g, b]: number[]) => r > g + 0.25 && r > b + 0.25],
      ['green', ([r, g, b]: number[]) => g > r + 0.25 && g > b + 0.25],
      ['blue', ([r, g, b]: number[]) => b > r + 0.2 && b > g + 0.1],
      ['yellow', ([r, g, b]: number[]) => r > b + 0.4 && g > b + 0.4],
    ] as const) {
      const prompts = ['circle', 'square', 'triangle', 'ring'].map((s) => `${colour} ${s}`);
      const { images } = generateShapes32({ seed: 11, count: 24, prompts });
      for (let i = 0; i < 24; i++) expect(check(shapeColour(images.data, i)), `${prompts[i % 4]} #${i}`).toBe(true);
    }
  });

  it('draws a ring as its circle with a hole (same draw) and leaves anti-aliased edge values', () => {
    // Same seed and index => same size and position; the ring is the circle minus its hole.
    const circle = generateShapes32({ seed: 2, count: 8, prompts: ['red circle'] }).images.data;
    const ring = generateShapes32({ seed: 2, count: 8, prompts: ['red ring'] }).images.data;
    let differ = 0, partial = 0;
    for (let k = 0; k < circle.length; k++) {
      if (circle[k] !== ring[k]) differ++;
    }
    // Anti-aliasing leaves intermediate values: some red-channel pixels strictly between background and shape.
    for (let k = 0; k < 1024; k++) if (circle[k] > -0.99 && circle[k] < 0.99 && Math.abs(circle[k] - circle[k + 1]) > 0.05) partial++;
    expect(differ).toBeGreaterThan(100);
    expect(partial).toBeGreaterThan(5);
  });
});

describe('encodePngGrid', () => {
  it('tiles a batch into one PNG with 1-pixel gutters', () => {
    const { images } = generateShapes32({ seed: 0, count: 6 });
    const png = PNG.sync.read(encodePngGrid(images, { cols: 3, scale: 2 }));
    expect(png.width).toBe(3 * (64 + 1) + 1);
    expect(png.height).toBe(2 * (64 + 1) + 1);
  });
});
