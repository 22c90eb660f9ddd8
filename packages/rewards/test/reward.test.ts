// defineReward / callReward: output validation (length, NaN/Inf with the offending indices), batch
// splitting with indices mapped back to the whole batch, and the combinators.
import { Rng, tensor, type HostTensor } from '@ddpo/tensor';
import { describe, expect, it } from 'vitest';
import { callReward, clipReward, defineReward, estimateRewardStats, InvalidRewardError, normalizeReward, sliceImages, weightedSum, type RewardFn } from '@ddpo/rewards';

/** Reward = mean of the image's pixels (a hand-checkable reward). */
const meanPixel = (opts: { batchSize?: number } = {}): RewardFn =>
  defineReward(
    'mean_pixel',
    (images) => {
      const b = images.shape[0];
      const per = images.size / b;
      return Array.from({ length: b }, (_, i) => Array.from(images.data.subarray(i * per, (i + 1) * per) as Float32Array).reduce((s, v) => s + v, 0) / per);
    },
    opts,
  );

/** Image i filled with value i / 10: mean_pixel(image i) = i / 10. */
function ramp(b: number): HostTensor<'float32'> {
  return tensor(Float32Array.from({ length: b * 3 * 2 * 2 }, (_, k) => Math.floor(k / 12) / 10), [b, 3, 2, 2]);
}
const prompts = (b: number) => Array.from({ length: b }, (_, i) => `p${i}`);

describe('defineReward', () => {
  it('carries its name and preferred batch size, and returns a Float64Array', async () => {
    const r = meanPixel({ batchSize: 3 });
    expect(r.rewardName).toBe('mean_pixel');
    expect(r.batchSize).toBe(3);
    const out = await r(ramp(2), prompts(2));
    expect(out).toBeInstanceOf(Float64Array);
    expect(Array.from(out)).toEqual([0, Math.fround(0.1)]);
  });

  it('raises InvalidRewardError naming the reward and the non-finite indices', async () => {
    const bad = defineReward('flaky', (images) => Array.from({ length: images.shape[0] }, (_, i) => (i === 1 ? NaN : i === 3 ? -Infinity : i)));
    const err = await bad(ramp(4), prompts(4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRewardError);
    expect((err as InvalidRewardError).rewardName).toBe('flaky');
    expect((err as InvalidRewardError).kind).toBe('non-finite');
    expect((err as InvalidRewardError).indices).toEqual([1, 3]);
    expect((err as Error).message).toMatch(/reward 'flaky'.*indices \[1, 3\]/);
  });

  it('raises InvalidRewardError on the wrong length or type', async () => {
    await expect(defineReward('short', () => [1])(ramp(2), prompts(2))).rejects.toThrow(/reward 'short': returned 1 rewards for 2 images/);
    await expect(defineReward('strings', () => ['a'] as never)(ramp(1), prompts(1))).rejects.toMatchObject({ kind: 'type' });
    expect(() => defineReward('x', () => [], { batchSize: 0 })).toThrow(/batchSize 0/);
  });
});

describe('callReward', () => {
  it('splits into the preferred batch size and concatenates in order', async () => {
    const seen: number[] = [];
    const inner = meanPixel();
    const r = defineReward('counting', (images, p) => (seen.push(images.shape[0]), inner(images, p)), { batchSize: 2 });
    const out = await callReward(r, ramp(5), prompts(5));
    expect(seen).toEqual([2, 2, 1]);
    expect(Array.from(out)).toEqual([0, 0.1, 0.2, 0.3, 0.4].map(Math.fround));
  });

  it('reports non-finite indices of the whole batch, not of the sub-batch', async () => {
    const r = defineReward('nan_at_5', (images, p) => p.map((s) => (s === 'p5' ? NaN : 0)), { batchSize: 2 });
    await expect(callReward(r, ramp(6), prompts(6))).rejects.toMatchObject({ rewardName: 'nan_at_5', indices: [5] });
  });

  it('validates a bare function too (not built with defineReward)', async () => {
    const raw = Object.assign(async () => new Float64Array([1, 2, 3]), { rewardName: 'raw' }) as RewardFn;
    await expect(callReward(raw, ramp(2), prompts(2))).rejects.toThrow(/reward 'raw': returned 3 rewards for 2 images/);
  });

  it('checks prompts and metadata lengths', async () => {
    await expect(callReward(meanPixel(), ramp(2), prompts(3))).rejects.toThrow(/3 prompts for 2 images/);
    await expect(callReward(meanPixel(), ramp(2), prompts(2), [{}])).rejects.toThrow(/1 metadata entries for 2 images/);
  });
});

describe('combinators', () => {
  const constant = (name: string, v: number) => defineReward(name, (images) => new Float64Array(images.shape[0]).fill(v));

  it('weightedSum adds weighted terms', async () => {
    const r = weightedSum([
      { reward: meanPixel(), weight: 2 },
      { reward: constant('one', 1), weight: -0.5 },
    ]);
    expect(r.rewardName).toBe('weighted_sum(2*mean_pixel + -0.5*one)');
    const out = await callReward(r, ramp(3), prompts(3));
    [0, 0.1, 0.2].forEach((v, i) => expect(out[i]).toBeCloseTo(2 * Math.fround(v) - 0.5, 12));
  });

  it('weightedSum names the term that failed', async () => {
    const r = weightedSum([{ reward: defineReward('bad_term', (im) => new Float64Array(im.shape[0]).fill(Infinity)), weight: 1 }]);
    await expect(callReward(r, ramp(2), prompts(2))).rejects.toMatchObject({ rewardName: 'bad_term', indices: [0, 1] });
  });

  it('normalizeReward applies fixed (r - mean) / std; estimateRewardStats gives the population statistics', async () => {
    const images = ramp(4);
    const stats = await estimateRewardStats(meanPixel(), images, prompts(4));
    const v = [0, 0.1, 0.2, 0.3].map(Math.fround);
    const mean = v.reduce((a, b) => a + b) / 4;
    expect(stats.mean).toBeCloseTo(mean, 12);
    expect(stats.std).toBeCloseTo(Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / 4), 12);
    const z = await callReward(normalizeReward(meanPixel(), stats), images, prompts(4));
    z.forEach((x, i) => expect(x).toBeCloseTo((v[i] - stats.mean) / stats.std, 12));
    expect(() => normalizeReward(meanPixel(), { mean: 0, std: 0 })).toThrow(/positive finite std/);
  });

  it('clipReward clips to [min, max]', async () => {
    const out = await callReward(clipReward(meanPixel(), 0.05, 0.25), ramp(4), prompts(4));
    expect(Array.from(out)).toEqual([0.05, Math.fround(0.1), Math.fround(0.2), 0.25]);
    expect(() => clipReward(meanPixel(), 1, 0)).toThrow(/clip range \[1, 0\]/);
  });

  it('combinators keep batch independence of their terms', async () => {
    const images = new Rng(3).uniform([5, 3, 4, 4]);
    const r = clipReward(weightedSum([{ reward: meanPixel({ batchSize: 2 }), weight: 3 }]), 0, 1.4);
    const all = await callReward(r, images, prompts(5));
    const alone: number[] = [];
    for (let i = 0; i < 5; i++) alone.push((await callReward(r, sliceImages(images, i, i + 1), [`p${i}`]))[0]);
    expect(alone).toEqual(Array.from(all));
    expect(all[4]).toBeLessThanOrEqual(1.4);
  });
});
