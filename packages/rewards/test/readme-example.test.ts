// The README's "custom reward in ten lines" example, run as written (the README must contain these
// exact lines), plus checks of what it computes.
import { readFileSync } from 'node:fs';
import { HostTensor, Rng } from '@ddpo/tensor';
import { describe, expect, it } from 'vitest';
import { callReward, defineReward, jpegCompressibility, weightedSum } from '@ddpo/rewards';

// --- README example start ---
const redness = defineReward('redness', (images) => {
  const [b, , h, w] = images.shape;
  const n = h * w;
  return Array.from({ length: b }, (_, i) => {
    const [r, g, bl] = [0, 1, 2].map((c) => images.data.subarray((3 * i + c) * n, (3 * i + c + 1) * n));
    let s = 0;
    for (let p = 0; p < n; p++) s += r[p] - (g[p] + bl[p]) / 2;
    return s / n;
  });
});
// --- README example end ---

describe('README example', () => {
  it('appears verbatim in README.md', () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const snippet = source.split('// --- README example start ---\n')[1].split('// --- README example end ---')[0];
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(snippet);
  });

  it('scores redness: 1 for pure red, 0 for grey, -0.5 for pure blue', async () => {
    const flat = (rgb: number[]) => {
      const data = new Float32Array(3 * 4 * 4);
      rgb.forEach((v, c) => data.fill(v, c * 16, (c + 1) * 16));
      return data;
    };
    const images = new HostTensor('float32', [3, 3, 4, 4], Float32Array.from([...flat([1, 0, 0]), ...flat([0.5, 0.5, 0.5]), ...flat([0, 0, 1])]));
    expect(Array.from(await redness(images, ['r', 'g', 'b']))).toEqual([1, 0, -0.5]);
  });

  it('swaps in next to the paper rewards', async () => {
    const reward = weightedSum([
      { reward: redness, weight: 1 },
      { reward: jpegCompressibility(), weight: 0.1 },
    ]);
    const images = new Rng(0).uniform([2, 3, 32, 32]);
    const prompts = ['a red car', 'a blue car'];
    const out = await callReward(reward, images, prompts);
    const [red, jpeg] = [await redness(images, prompts), await jpegCompressibility()(images, prompts)];
    out.forEach((v, i) => expect(v).toBeCloseTo(red[i] + 0.1 * jpeg[i], 12));
  });
});
