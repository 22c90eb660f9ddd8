// RWRTrainer on the tiny model: weights and sparse selection, exact resume, dispatch by algorithm.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineReward } from '@ddpo/rewards';
import type { TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { DDPOTrainer, RWRTrainer, createTrainer, hashParams, rwrPlan, silentProgress, type TrainerConfigInput } from '@ddpo/trainer';
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
  it('rwr: softmax(beta * A) * N over every sample', () => {
    const { weights, pool } = rwrPlan('rwr', new Float64Array([0, 0, 5 * Math.log(3), 0]), { beta: 0.2, percentile: 90 });
    // exp(0.2 * 5 ln 3) = 3: weights 4 * [1, 1, 3, 1] / 6
    expect([...weights].map((w) => Number(w.toFixed(12)))).toEqual([0.666666666667, 0.666666666667, 2, 0.666666666667]);
    expect(pool).toEqual([0, 1, 2, 3]);
  });

  it('rwr-sparse: trains only on samples at or above the percentile, cycled to fill the epoch', () => {
    const adv = new Float64Array([0.1, -1, 2, 0.5, 3, -0.2, 0, 1]);
    // numpy: np.percentile(adv, 75) = 1.25 (sorted [-1,-0.2,0,0.1,0.5,1,2,3], h = 5.25) -> keeps 2 and 3
    const { weights, pool } = rwrPlan('rwr-sparse', adv, { beta: 0.2, percentile: 75 });
    expect([...weights]).toEqual([0, 0, 1, 0, 1, 0, 0, 0]);
    expect(pool).toEqual([2, 4, 2, 4, 2, 4, 2, 4]);
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

  it('createTrainer picks the class from the algorithm; each class refuses the other family', async () => {
    expect(await make({ ...CONFIG, algorithm: 'ddpo-sf', numEpochs: 1 })).toBeInstanceOf(DDPOTrainer);
    await expect(RWRTrainer.create({ model: tinyModel(), params: tinyParams(), reward: greenness, promptNames: [...TINY_PROMPTS], adapter, progress: silentProgress, config: { ...CONFIG, algorithm: 'ddpo-is' } })).rejects.toThrow(/DDPOTrainer/);
  });
});
