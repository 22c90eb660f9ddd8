// aestheticScore end to end with a generated stand-in encoder (same ONNX signature as CLIP ViT-L/14's
// vision tower: pixel_values [B, 3, 224, 224] -> image_embeds [B, 768]) and a LAION-layout head file;
// headReward with custom features; the seed workflow (embed rated images, train a head, score with it);
// and the typed errors for a missing optional dependency and a missing encoder file.
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostTensor, Rng, tensor } from '@ddpo/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aestheticScore,
  callReward,
  headReward,
  importOptional,
  makeRewardHead,
  onnxImageEncoder,
  OptionalDependencyError,
  RewardHeadError,
  saveRewardHead,
  spearman,
  trainRewardHead,
  type Images,
} from '@ddpo/rewards';
import { laionLikeHeadFile, naiveLaionMlp, tinyEncoderOnnx } from './helpers/tiny-encoder.js';

const dir = mkdtempSync(join(tmpdir(), 'ddpo-rewards-aesthetic-'));
const encoderPath = join(dir, 'tiny-clip-vision.onnx');
const headPath = join(dir, 'laion-like-head.safetensors');
const proj = new Rng(5).normal([3 * 768]).data;
const { bytes: headBytes, tensors: headTensors } = laionLikeHeadFile(11);

afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await writeFile(encoderPath, tinyEncoderOnnx(proj));
  await writeFile(headPath, headBytes);
});

/** Flat images [B, 3, h, w] whose channels hold u8 / 255 for the given byte triples. */
function flatImages(colours: number[][], h: number, w: number): HostTensor<'float64'> {
  const data = new Float64Array(colours.length * 3 * h * w);
  colours.forEach((rgb, b) => rgb.forEach((u, c) => data.fill(u / 255, (b * 3 + c) * h * w, (b * 3 + c + 1) * h * w)));
  return new HostTensor('float64', [colours.length, 3, h, w], data);
}

/** By hand: CLIP-normalised channel values (OpenAI CLIP mean/std), mean-pooled, projected, L2-normalised, LAION MLP. */
function expectedScore(rgb: number[]): number {
  const mean = [0.48145466, 0.4578275, 0.40821073];
  const std = [0.26862954, 0.26130258, 0.27577711];
  const m = rgb.map((u, c) => (u / 255 - mean[c]) / std[c]);
  const e = Array.from({ length: 768 }, (_, j) => m[0] * proj[j] + m[1] * proj[768 + j] + m[2] * proj[2 * 768 + j]);
  const norm = Math.hypot(...e);
  return naiveLaionMlp(headTensors, e.map((v) => v / norm));
}

describe('aestheticScore (ONNX encoder + LAION-layout head)', () => {
  const colours = [
    [200, 100, 50],
    [10, 240, 128],
    [128, 128, 128],
  ];

  it('scores flat images as computed by hand, whatever their size (resize + crop keep a flat image flat)', async () => {
    const r = aestheticScore({ encoderPath, headPath });
    expect(r.rewardName).toBe('aesthetic_score');
    for (const [h, w] of [
      [224, 224],
      [32, 32],
      [40, 64],
    ]) {
      const out = await callReward(r, flatImages(colours, h, w), ['a', 'b', 'c']);
      // float32 pooling and projection in onnxruntime vs float64 here
      colours.forEach((rgb, i) => expect(Math.abs(out[i] - expectedScore(rgb)), `${h}x${w} image ${i}`).toBeLessThan(1e-4));
    }
  });

  it('splits large batches into its preferred batch size', async () => {
    const r = aestheticScore({ encoderPath, headPath, batchSize: 2 });
    const images = new Rng(2).uniform([5, 3, 32, 32]);
    const all = await callReward(r, images, ['a', 'b', 'c', 'd', 'e']);
    const firstTwo = await callReward(r, new HostTensor('float32', [2, 3, 32, 32], images.data.slice(0, 2 * 3 * 1024)), ['a', 'b']);
    expect(Math.abs(all[1] - firstTwo[1])).toBeLessThan(1e-5);
  });

  it('headReward runs any feature function through a head', async () => {
    const head = makeRewardHead([{ name: 'linear', weight: tensor([1, -1], [1, 2]), bias: tensor([10], [1]), activation: 'none' }]);
    const features = async (images: Images) => tensor(Float32Array.from({ length: images.shape[0] * 2 }, (_, k) => (k % 2 === 0 ? k : 1)), [images.shape[0], 2]);
    const r = headReward({ head, features, name: 'custom' });
    // rows: [0, 1], [2, 1], [4, 1] -> 10 + 0 - 1, 10 + 2 - 1, 10 + 4 - 1
    expect(Array.from(await r(flatImages(colours, 4, 4), ['a', 'b', 'c']))).toEqual([9, 11, 13]);
  });
});

describe('seed workflow: embed rated images, train a head, score with it', () => {
  it('recovers a hidden rating rule from 80 rated images (validation Spearman > 0.95)', async () => {
    const rng = new Rng(8);
    const n = 80;
    const colours = Array.from({ length: n }, () => Array.from(rng.randint([3], 256).data));
    const images = flatImages(colours, 32, 32);
    const embed = onnxImageEncoder({ encoderPath });
    const features = await embed(images);
    // the hidden rule: a fixed linear function of the normalised embedding, plus a little noise
    const truth = new Rng(9).normal([768], 'float64').data;
    const noise = new Rng(10).normal([n], 'float64').data;
    const ratings = Array.from({ length: n }, (_, i) => 5 + truth.reduce((s, t, j) => s + t * features.data[i * 768 + j], 0) + 0.01 * noise[i]);
    const res = trainRewardHead({ features, ratings, method: 'ridge', lambda: 1e-4, validationFraction: 0.25, seed: 1 });
    expect(res.validation!.spearman).toBeGreaterThan(0.95);
    expect(res.validation!.pearson).toBeGreaterThan(0.95);
    const trained = join(dir, 'trained-head.safetensors');
    await saveRewardHead(res.head, trained);
    const reward = aestheticScore({ encoderPath, headPath: trained });
    const val = res.split.validation;
    const scores = await callReward(reward, flatImages(val.map((i) => colours[i]), 32, 32), val.map(() => 'p'));
    expect(spearman(scores, val.map((i) => ratings[i]))).toBeGreaterThan(0.95);
  });
});

describe('errors', () => {
  it('a missing optional dependency is an OptionalDependencyError naming the package', async () => {
    const err = await importOptional('onnxruntime-node-not-installed', 'aestheticScore').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionalDependencyError);
    expect((err as OptionalDependencyError).packageName).toBe('onnxruntime-node-not-installed');
    expect((err as Error).message).toMatch(/aestheticScore needs the optional dependency 'onnxruntime-node-not-installed'.*npm install/);
  });

  it('a missing encoder file is a RewardHeadError naming the path; a wrong output name too', async () => {
    const missing = aestheticScore({ encoderPath: join(dir, 'nope.onnx'), headPath });
    await expect(missing(flatImages([[1, 2, 3]], 8, 8), ['p'])).rejects.toThrow(RewardHeadError);
    await expect(missing(flatImages([[1, 2, 3]], 8, 8), ['p'])).rejects.toThrow(/nope\.onnx: onnxruntime could not load the encoder/);
    const wrongName = onnxImageEncoder({ encoderPath, outputName: 'pooler_output' });
    await expect(wrongName(flatImages([[1, 2, 3]], 8, 8))).rejects.toThrow(/no output 'pooler_output' \(outputs: image_embeds\)/);
  });

  it('a head of the wrong width is reported', async () => {
    const narrow = join(dir, 'narrow.safetensors');
    await saveRewardHead(makeRewardHead([{ name: 'l', weight: tensor([1, 2], [1, 2]), bias: null, activation: 'none' }]), narrow);
    await expect(aestheticScore({ encoderPath, headPath: narrow })(flatImages([[1, 2, 3]], 8, 8), ['p'])).rejects.toThrow(/features are float32 \[1, 768\], expected float \[N, 2\]/);
  });
});
