// The default shapes-32 aesthetic reward (a stand-in trained on procedural ratings): the shipped head
// loads and carries its provenance, its scores on fresh images (a generator seed it was not fitted
// on) correlate with the procedural rater, it passes @ddpo/rewards' RewardFn contract, and it says
// what it is once.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contractImages, pearson, rewardContract, spearman } from '@ddpo/rewards';
import { decodeSafetensors, HostTensor } from '@ddpo/tensor';
import {
  loadShapes32RewardHead, RaterInputError, SHAPES32_FEATURE_DIM, SHAPES32_REWARD_HEAD_WEIGHTS, SHAPES32_REWARD_NOTICE,
  shapes32AestheticReward, shapes32Features, shapes32RatingsDataset,
} from '@ddpo/models';

/** [-1, 1] images to the [0, 1] range rewards take. */
const to01 = (x: HostTensor): HostTensor<'float32'> => new HostTensor('float32', x.shape, Float32Array.from(x.data as Float32Array, (v) => (v + 1) / 2));

describe('shapes-32 reward model', () => {
  it('loads the shipped head (172 features) with its provenance and the stand-in notice', () => {
    const head = loadShapes32RewardHead();
    expect(head.layers[0].weight.shape).toEqual([1, SHAPES32_FEATURE_DIM]);
    const { metadata } = decodeSafetensors(new Uint8Array(readFileSync(SHAPES32_REWARD_HEAD_WEIGHTS)));
    expect(metadata.notice).toMatch(/procedural ratings/);
    // Validation Pearson measured at training time: 0.916 (README-classifier-and-rewards.md).
    expect(Number(metadata.validation_pearson)).toBeGreaterThan(0.85);
  });

  it('correlates with the procedural rater on fresh images (Pearson and Spearman >= 0.8)', async () => {
    // Seed 987: neither the training set (seed 11) nor any other test's images.
    const { images, ratings } = shapes32RatingsDataset({ seed: 987, count: 200 });
    const scores = await shapes32AestheticReward({ notice: false })(to01(images), new Array(200).fill('red circle'));
    expect(pearson(scores, ratings)).toBeGreaterThanOrEqual(0.8);
    expect(spearman(scores, ratings)).toBeGreaterThanOrEqual(0.8);
  });

  it('tells a custom sink once that it is a stand-in, not LAION', async () => {
    const said: string[] = [];
    const reward = shapes32AestheticReward({ notice: (m) => said.push(m) });
    const images = contractImages();
    await reward(images, ['a', 'b', 'c', 'd']);
    await reward(images, ['a', 'b', 'c', 'd']);
    expect(said).toEqual([SHAPES32_REWARD_NOTICE]);
    expect(said[0]).toMatch(/not LAION/);
  });

  it('computes finite features of the documented width and rejects other image sizes', () => {
    const f = shapes32Features(shapes32RatingsDataset({ seed: 1, count: 3 }).images);
    expect(f.shape).toEqual([3, SHAPES32_FEATURE_DIM]);
    expect(Array.from(f.data).every(Number.isFinite)).toBe(true);
    expect(() => shapes32Features(new HostTensor('float32', [1, 3, 8, 8], new Float32Array(192)))).toThrow(RaterInputError);
  });
});

describe('shapes32AestheticReward passes the RewardFn contract', () => {
  for (const c of rewardContract(() => shapes32AestheticReward({ notice: false }))) it(c.name, c.run);
});
