// DDPOTrainer end to end on a tiny model: exact resume (the test: 2 epochs in one go vs
// 1 epoch + resume + 1 epoch, equal parameter hashes), NaN/Inf refusal, metrics and files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineReward, type RewardFn } from '@ddpo/rewards';
import type { CompiledGraph, HostTensor, TensorAdapter, TensorMap, Graph } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { DDPOTrainer, hashParams, readMetrics, sfStepsPerEpoch, silentProgress, type TrainerConfigInput } from '@ddpo/trainer';
import { tinyModel, tinyParams, TINY_PROMPTS } from './helpers/tiny-model.js';

/** Mean of the red channel: a cheap deterministic reward. */
const redness: RewardFn = defineReward('redness', (images) => {
  const [B, , H, W] = images.shape;
  const d = images.data as Float32Array;
  return Array.from({ length: B }, (_, b) => {
    let s = 0;
    for (let i = 0; i < H * W; i++) s += d[b * 3 * H * W + i];
    return s / (H * W);
  });
});

const CONFIG: TrainerConfigInput = {
  numEpochs: 2,
  seed: 7,
  sampleBatchSize: 4,
  sampleNumBatchesPerEpoch: 2,
  sampleNumSteps: 4,
  sampleGuidanceScale: 2,
  trainBatchSize: 2,
  trainGradientAccumulationSteps: 2,
  trainNumInnerEpochs: 2,
  trainLearningRate: 1e-3,
  trainClipRange: 0.2,
  perPromptStatTracking: { bufferSize: 8, minCount: 2 },
};

let adapter: TensorAdapter;
const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-tr-'));
  dirs.push(d);
  return d;
}
beforeAll(async () => {
  adapter = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: 1 });
});
afterAll(async () => {
  await adapter.dispose();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function trainer(outDir: string | undefined, extra: Partial<Parameters<typeof DDPOTrainer.create>[0]> = {}, config: TrainerConfigInput = CONFIG) {
  return DDPOTrainer.create({ model: tinyModel(), params: tinyParams(), reward: redness, promptNames: [...TINY_PROMPTS], adapter, progress: silentProgress, config, outDir, ...extra });
}

describe('DDPOTrainer', () => {
  it('resumes bit-identically: 2 epochs == 1 epoch + resume + 1 epoch', async () => {
    const full = await trainer(tmp());
    await full.train();
    const initial = hashParams(tinyParams());
    expect(hashParams(full.params)).not.toBe(initial); // training moved the parameters

    const dir = tmp();
    const first = await trainer(dir, {}, { ...CONFIG, numEpochs: 1 });
    await first.train();
    expect(fs.existsSync(path.join(dir, 'checkpoint-1', 'params.safetensors'))).toBe(true);
    const resumed = await trainer(dir, { resume: true });
    expect(resumed.epoch).toBe(1);
    await resumed.train();
    expect(resumed.epoch).toBe(2);
    expect(hashParams(resumed.params)).toBe(hashParams(full.params));
    // metrics: one line per epoch, none duplicated by the resume; the reward statistics agree
    const lines = readMetrics(path.join(dir, 'metrics.jsonl'));
    expect(lines.map((m) => m.epoch)).toEqual([0, 1]);
    expect(lines.map((m) => m.rewardMean)).toEqual(full.metrics.map((m) => m.rewardMean));
    expect(lines[1].rewardQueries).toBe(16);
  });

  it('logs the per-epoch metrics and writes a grid and checkpoints', async () => {
    const dir = tmp();
    const t = await trainer(dir);
    const metrics = await t.train();
    for (const m of metrics) {
      for (const k of ['rewardMean', 'rewardStd', 'rewardMin', 'rewardMax', 'loss', 'approxKl', 'clipFraction', 'learningRate', 'secondsSampling', 'secondsRewarding', 'secondsTraining'] as const) {
        expect(Number.isFinite(m[k]), k).toBe(true);
      }
      // 8 samples / (2 per batch * 2 accumulation) = 2 steps per inner epoch, 2 inner epochs
      expect(m.optimizerSteps).toBe(4);
      expect(m.skippedSteps).toBe(0);
    }
    // the first accumulation group sees unchanged parameters: ratio 1, so some approx-KL is ~0
    expect(metrics[0].approxKl).toBeGreaterThanOrEqual(0);
    expect(fs.existsSync(path.join(dir, 'samples', 'epoch-0000.png'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'checkpoint-2', 'state.json'))).toBe(true);
  });

  it('a non-finite reward refuses the update and leaves the parameters untouched', async () => {
    const nan = defineReward('nan-reward', (images) => Array.from({ length: images.shape[0] }, (_, i) => (i === 1 ? Number.NaN : 0.5)));
    const t = await trainer(undefined, { reward: nan });
    const before = hashParams(t.params);
    const m = await t.trainEpoch();
    expect(hashParams(t.params)).toBe(before);
    expect(m.optimizerSteps).toBe(0);
    expect(m.skipped).toMatch(/reward refused/);
    expect(m.skipped).toMatch(/nan-reward/);
    expect(m.rewardQueries).toBe(8);
  });

  it('a non-finite loss refuses the optimizer step and leaves the parameters untouched', async () => {
    // An adapter that corrupts the training graph's loss output (the graph with a 'loss' output).
    const poisoned: TensorAdapter = {
      name: 'poisoned',
      get compiledCount() {
        return adapter.compiledCount;
      },
      async compile(graph: Graph): Promise<CompiledGraph> {
        const inner = await adapter.compile(graph);
        if (!graph.outputs.some((o) => o.name === 'loss')) return inner;
        return {
          graph,
          dispose: () => inner.dispose(),
          async run(feeds: TensorMap) {
            const out = await inner.run(feeds);
            out.loss.data[0] = Number.POSITIVE_INFINITY;
            return out;
          },
        };
      },
      dispose: async () => {},
    };
    const t = await trainer(undefined, { adapter: poisoned });
    const before = hashParams(t.params);
    const m = await t.trainEpoch();
    expect(hashParams(t.params)).toBe(before);
    expect(m.optimizerSteps).toBe(0);
    expect(m.skippedSteps).toBe(4);
    expect(m.skipped).toMatch(/non-finite loss/);
  });

  it('ddpo-sf honours trainGradientAccumulationSteps: samples / (batch x accumulation) steps per epoch', async () => {
    const sf: TrainerConfigInput = { ...CONFIG, algorithm: 'ddpo-sf', numEpochs: 1, trainNumInnerEpochs: 1 };
    const notes: string[] = [];
    const progress = { ...silentProgress, log: (l: string) => notes.push(l) };
    // 8 samples / (2 per batch * 2 accumulation) = 2 steps, and a note that the second is off-policy
    const two = await trainer(undefined, { progress }, sf);
    expect((await two.trainEpoch()).optimizerSteps).toBe(2);
    expect(sfStepsPerEpoch(two.config)).toBe(2);
    expect(notes.join('\n')).toMatch(/ddpo-sf takes 2 optimizer steps per epoch/);
    // accumulation 4: the paper's one step per epoch, no note
    notes.length = 0;
    const one = await trainer(undefined, { progress }, { ...sf, trainGradientAccumulationSteps: 4 });
    expect((await one.trainEpoch()).optimizerSteps).toBe(1);
    expect(notes.join('\n')).not.toMatch(/ddpo-sf takes/);
    await expect(trainer(undefined, {}, { ...sf, trainNumInnerEpochs: 2 })).rejects.toThrow(/trainNumInnerEpochs/);
  });

  it('scores prompt fidelity of the samples it already drew: every epoch and every evaluation', async () => {
    const calls: { n: number; prompts: number[]; max: number }[] = [];
    // A stub classifier: "correct" iff the prompt index is even; checks the images are [N, 3, 8, 8] in [0, 1].
    const fidelity = async (images: HostTensor<'float32'>, prompts: Int32Array) => {
      calls.push({ n: images.shape[0], prompts: Array.from(prompts), max: Math.max(...images.data) });
      expect(images.shape.slice(1)).toEqual([3, 8, 8]);
      return Array.from(prompts).filter((p) => p % 2 === 0).length / prompts.length;
    };
    const t = await trainer(undefined, { fidelity }, { ...CONFIG, numEpochs: 1 });
    const [m] = await t.train();
    const ev = await t.evaluate();
    expect(calls.map((c) => c.n)).toEqual([8, 8]); // one epoch, one evaluation: no extra sampling
    expect(calls.every((c) => c.max <= 1)).toBe(true);
    const share = (p: number[]) => p.filter((x) => x % 2 === 0).length / p.length;
    expect(m.promptFidelity).toBe(share(calls[0].prompts));
    expect(ev.promptFidelity).toBe(share(Array.from(ev.prompts)));
    expect(Array.from(ev.prompts)).toEqual(calls[1].prompts);
    // without a FidelityFn nothing is measured
    const plain = await trainer(undefined, {}, { ...CONFIG, numEpochs: 1 });
    expect((await plain.trainEpoch()).promptFidelity).toBeUndefined();
  });

  it('refuses an RWR algorithm and a resume with a changed configuration', async () => {
    await expect(trainer(undefined, {}, { ...CONFIG, algorithm: 'rwr' })).rejects.toThrow(/RWRTrainer/);
    const dir = tmp();
    await (await trainer(dir, {}, { ...CONFIG, numEpochs: 1 })).train();
    await expect(trainer(dir, { resume: true }, { ...CONFIG, trainLearningRate: 5e-4 })).rejects.toThrow(/trainLearningRate/);
    await expect(trainer(tmp(), { resume: true })).rejects.toThrow(/no checkpoint/);
  });
});
