// RWRTrainer on the tiny model: weights and sparse selection, exact resume, dispatch by algorithm.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineReward } from '@ddpo/rewards';
import type { HostTensor, TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { DDPOTrainer, RWRTrainer, createTrainer, hashParams, parseTrainerConfig, rwrPlan, silentProgress, type TrainerConfigInput } from '@ddpo/trainer';
import { tinyModel, tinyParams, TINY_PROMPTS } from './helpers/tiny-model.js';

const greenness = defineReward('greenness', (images) => {
  const [B, , H, W] = images.shape;
  const d = images.data as Float32Array;
  return Array.from({ length: B }, (_, b) => {
    let s = 0;
    for (let i = 0; i < H * W; i++) s += d[(b * 3 + 1) * H * W + i];
    return s / (H * W);
  });
});

const CONFIG: TrainerConfigInput = {
  algorithm: 'rwr',
  numEpochs: 2,
  seed: 3,
  sampleBatchSize: 4,
  sampleNumBatchesPerEpoch: 2,
  sampleNumSteps: 4,
  trainBatchSize: 4,
  trainTimestepFraction: 0.5,
  trainLearningRate: 1e-3,
  perPromptStatTracking: false,
};

let adapter: TensorAdapter;
const dirs: string[] = [];
beforeAll(async () => {
  adapter = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: 1 });
});
afterAll(async () => {
  await adapter.dispose();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-rwr-'));
  dirs.push(d);
  return d;
}
const make = (config: TrainerConfigInput, outDir?: string, resume?: boolean) =>
  createTrainer({ model: tinyModel(), params: tinyParams(), reward: greenness, promptNames: [...TINY_PROMPTS], adapter, progress: silentProgress, config, outDir, resume });

describe('rwrPlan', () => {
  const base = parseTrainerConfig({ algorithm: 'rwr' });
  const prompts = ['a', 'a', 'b', 'b'];

  it("rwr, raw scale (default): softmax(beta * r) * N over every sample's raw reward", () => {
    expect(base.rwrRewardScale).toBe('raw');
    const rewards = new Float64Array([0, 0, 5 * Math.log(3), 0]);
    const { weights, pool } = rwrPlan(base, { rewards, advantages: new Float64Array([9, -9, 0, 0]), prompts });
    // exp(0.2 * 5 ln 3) = 3: weights 4 * [1, 1, 3, 1] / 6; the advantages are not used
    expect([...weights].map((w) => Number(w.toFixed(12)))).toEqual([0.666666666667, 0.666666666667, 2, 0.666666666667]);
    expect(pool).toEqual([0, 1, 2, 3]);
  });

  it('rwr, normalized scale: softmax(beta * A) * N over the advantages', () => {
    const c = { ...base, rwrRewardScale: 'normalized' as const };
    const { weights } = rwrPlan(c, { rewards: new Float64Array([100, -3, 7, 0]), advantages: new Float64Array([0, 0, 5 * Math.log(3), 0]), prompts });
    expect([...weights].map((w) => Number(w.toFixed(12)))).toEqual([0.666666666667, 0.666666666667, 2, 0.666666666667]);
  });

  it('rwr per prompt: a softmax within each prompt, times its count', () => {
    const c = { ...base, rwrPerPrompt: true };
    // a: [0, 5 ln 3] -> 2 * [1, 3] / 4 = [0.5, 1.5]; b: [0, 0] -> [1, 1]
    const { weights } = rwrPlan(c, { rewards: new Float64Array([0, 5 * Math.log(3), 0, 0]), advantages: new Float64Array(4), prompts });
    expect([...weights].map((w) => Number(w.toFixed(12)))).toEqual([0.5, 1.5, 1, 1]);
  });

  it('rwr-sparse: trains only on samples at or above the percentile, cycled to fill the epoch', () => {
    const rewards = new Float64Array([0.1, -1, 2, 0.5, 3, -0.2, 0, 1]);
    // one prompt with 8 samples, minCount 1: numpy np.percentile(r, 75) = 1.25
    // (sorted [-1,-0.2,0,0.1,0.5,1,2,3], h = 5.25) -> keeps 2 and 3
    const c = parseTrainerConfig({ algorithm: 'rwr-sparse', rwrPercentile: 75, rwrPercentileMinCount: 1 });
    const { weights, pool } = rwrPlan(c, { rewards, advantages: new Float64Array(8), prompts: new Array<string>(8).fill('a') });
    expect([...weights]).toEqual([0, 0, 1, 0, 1, 0, 0, 0]);
    expect(pool).toEqual([2, 4, 2, 4, 2, 4, 2, 4]);
  });

  it('rwr-sparse: per prompt when a prompt has enough samples, else against the whole epoch', () => {
    // q 50 -> default minCount ceil(100 / 50) = 2. a: [1, 2, 3, 4] -> p50 2.5 keeps 3, 4;
    // b: [10, 0] -> p50 5 keeps 10; c: one sample (-5) < 2 -> the epoch's p50 of all 7
    // (sorted [-5, 0, 1, 2, 3, 4, 10], h = 3 -> 2): -5 is dropped.
    const c = parseTrainerConfig({ algorithm: 'rwr-sparse', rwrPercentile: 50 });
    const rewards = new Float64Array([1, 2, 3, 4, 10, 0, -5]);
    const { weights } = rwrPlan(c, { rewards, advantages: new Float64Array(7), prompts: ['a', 'a', 'a', 'a', 'b', 'b', 'c'] });
    expect([...weights]).toEqual([0, 0, 1, 1, 1, 0, 0]);
    // with minCount 1, c's single sample is its own top half and is kept
    const one = rwrPlan({ ...c, rwrPercentileMinCount: 1 }, { rewards, advantages: new Float64Array(7), prompts: ['a', 'a', 'a', 'a', 'b', 'b', 'c'] });
    expect([...one.weights]).toEqual([0, 0, 1, 1, 1, 0, 1]);
  });
});

describe('RWRTrainer', () => {
  it('trains (parameters move, metrics finite) and resumes bit-identically', async () => {
    const full = await make(CONFIG, tmp());
    expect(full).toBeInstanceOf(RWRTrainer);
    const metrics = await full.train();
    expect(hashParams(full.params)).not.toBe(hashParams(tinyParams()));
    for (const m of metrics) {
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.optimizerSteps).toBe(2); // 8 samples / batch 4, accumulation over 2 timesteps per step
    }
    const dir = tmp();
    await (await make({ ...CONFIG, numEpochs: 1 }, dir)).train();
    const resumed = await make(CONFIG, dir, true);
    await resumed.train();
    expect(hashParams(resumed.params)).toBe(hashParams(full.params));
  });

  it('rwr-sparse trains too', async () => {
    const t = await make({ ...CONFIG, algorithm: 'rwr-sparse', numEpochs: 1 });
    const [m] = await t.train();
    expect(m.optimizerSteps).toBe(2);
    expect(hashParams(t.params)).not.toBe(hashParams(tinyParams()));
  });

  it('with trainCfg the regression is guided: the null-prompt embedding is trained only then', async () => {
    // eps = eps_u + g (eps_c - eps_u) involves the null prompt's row of emb.weight (row 3); without
    // guidance its gradient is zero, and with weight decay 0 AdamW leaves it bit-identical.
    const nullRow = (p: Record<string, HostTensor>) => Array.from(p['emb.weight'].data as Float32Array).slice(9, 12);
    const cfg = { ...CONFIG, numEpochs: 1, sampleGuidanceScale: 3, trainAdamWeightDecay: 0 };
    const guided = await make({ ...cfg, trainCfg: true });
    const plain = await make({ ...cfg, trainCfg: false });
    const [mg] = await guided.train();
    const [mp] = await plain.train();
    expect(mg.rewardMean).toBe(mp.rewardMean); // the same samples (sampling is guided in both)
    expect(mg.loss).not.toBe(mp.loss);
    expect(nullRow(plain.params)).toEqual(nullRow(tinyParams()));
    expect(nullRow(guided.params)).not.toEqual(nullRow(tinyParams()));
  });

  it('createTrainer picks the class from the algorithm; each class refuses the other family', async () => {
    expect(await make({ ...CONFIG, algorithm: 'ddpo-sf', numEpochs: 1 })).toBeInstanceOf(DDPOTrainer);
    await expect(RWRTrainer.create({ model: tinyModel(), params: tinyParams(), reward: greenness, promptNames: [...TINY_PROMPTS], adapter, progress: silentProgress, config: { ...CONFIG, algorithm: 'ddpo-is' } })).rejects.toThrow(/DDPOTrainer/);
  });
});
