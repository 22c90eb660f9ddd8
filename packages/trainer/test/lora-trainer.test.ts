// Training with LoRA (useLora): the base stays bit-identical, only adapters are optimised and
// checkpointed (with the base's identity), resume is exact and refuses other base weights, the
// training graph holds no gradient of a frozen weight, and the merged model equals the adapted one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineReward, type RewardFn } from '@ddpo/rewards';
import { decodeSafetensors, GraphBuilder, Rng, tensor, type Graph, type HostTensor, type TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter, lowerGraph } from '@ddpo/tensor-onnxruntime';
import { DiffusionPolicy, mergeLora, paramFeeds, paramInputs, withLora, type EpsilonModel, type LoraModel } from '@ddpo/policy';
import { DDIMScheduler, STABLE_DIFFUSION_V1_CONFIG } from '@ddpo/scheduler';
import {
  CheckpointError, ConfigError, createTrainer, ddpoTrainingGraph, hashParams, loadLoraAdapters, mergeOntoBase, parseTrainerConfig, saveLoraAdapters, silentProgress,
  type DdpoGraphConfig, type Trainer, type TrainerConfigInput,
} from '@ddpo/trainer';
import { TINY_PROMPTS, tinyModel, tinyParams } from './helpers/tiny-model.js';
import { tinyHookedModel, tinyHookedParams } from './helpers/tiny-hooked-model.js';

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
  seed: 3,
  sampleBatchSize: 4,
  sampleNumBatchesPerEpoch: 2,
  sampleNumSteps: 3,
  sampleGuidanceScale: 2,
  trainBatchSize: 2,
  trainGradientAccumulationSteps: 2,
  trainLearningRate: 3e-3,
  trainClipRange: 0.2,
  perPromptStatTracking: { bufferSize: 8, minCount: 2 },
  useLora: true,
  loraRank: 2,
  loraTargets: 'all',
};

let adapter: TensorAdapter;
const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-lora-'));
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

function make(outDir: string | undefined, config: TrainerConfigInput = CONFIG, extra: { params?: Record<string, HostTensor>; model?: EpsilonModel; resume?: boolean } = {}): Promise<Trainer> {
  return createTrainer({
    model: extra.model ?? tinyHookedModel(),
    params: extra.params ?? tinyHookedParams(),
    reward: redness,
    promptNames: [...TINY_PROMPTS],
    adapter,
    progress: silentProgress,
    config,
    outDir,
    resume: extra.resume,
  });
}

const pick = (ps: Record<string, HostTensor>, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, ps[n]]));
const ADAPTERS = ['conv.lora_A.weight', 'conv.lora_B.weight', 'att.q.lora_A.weight', 'att.q.lora_B.weight'];

describe('LoRA training', () => {
  it('DDPO: the base stays bit-identical, adapters move, the checkpoint holds adapters only; resume is exact', async () => {
    const base = tinyHookedParams();
    const full = await make(tmp());
    await full.train();
    const baseNames = Object.keys(base);
    expect(hashParams(pick(full.params, baseNames))).toBe(hashParams(base));
    expect(full.params['att.q.lora_B.weight'].toArray().some((v) => v !== 0)).toBe(true);
    expect(full.params['conv.lora_B.weight'].toArray().some((v) => v !== 0)).toBe(true);

    const dir = tmp();
    const first = await make(dir, { ...CONFIG, numEpochs: 1 });
    await first.train();
    const ck = path.join(dir, 'checkpoint-1');
    const saved = decodeSafetensors(new Uint8Array(fs.readFileSync(path.join(ck, 'params.safetensors')))).tensors;
    expect(Object.keys(saved).sort()).toEqual([...ADAPTERS].sort());
    const moments = Object.keys(decodeSafetensors(new Uint8Array(fs.readFileSync(path.join(ck, 'optimizer.safetensors')))).tensors);
    expect(moments.sort()).toEqual(ADAPTERS.flatMap((n) => [`exp_avg/${n}`, `exp_avg_sq/${n}`]).sort());
    const state = JSON.parse(fs.readFileSync(path.join(ck, 'state.json'), 'utf8'));
    expect(state.lora).toEqual({ rank: 2, alpha: 2, targets: ['conv', 'att.q'], baseSha256: hashParams(base) });

    const resumed = await make(dir, CONFIG, { resume: true });
    expect(resumed.epoch).toBe(1);
    await resumed.train();
    expect(hashParams(resumed.params)).toBe(hashParams(full.params));

    // other base weights: refused, naming both identities
    await expect(make(dir, CONFIG, { resume: true, params: tinyHookedParams(1) })).rejects.toThrow(CheckpointError);
    await expect(make(dir, CONFIG, { resume: true, params: tinyHookedParams(1) })).rejects.toThrow(/trained on other base weights.*sha256/);
  });

  it('after training, the merged model equals the adapted model (ONNX Runtime, float32); adapter files keep the base identity', async () => {
    const t = await make(undefined, { ...CONFIG, numEpochs: 1, loraAlpha: 5 });
    await t.train();
    const lora = t.model as LoraModel;
    const adapters = pick(t.params, lora.trainableParams);
    const base = tinyHookedParams();
    const merged = mergeLora(base, adapters, lora.lora);
    const forward = (m: EpsilonModel): Graph => {
      const b = new GraphBuilder();
      b.output('eps', m.apply(paramInputs(b, m), b.input('sample', [3, 3, 8, 8]), b.input('timestep', [3]), b.input('prompt', [3], 'int64')));
      return b.build();
    };
    const data = { sample: new Rng(8).normal([3, 3, 8, 8]), timestep: tensor([999, 500, 1], [3]), prompt: tensor([0n, 2n, 3n], [3], 'int64') };
    const adapted = (await (await adapter.compile(forward(lora))).run({ ...data, ...paramFeeds(lora, t.params) })).eps.toArray();
    const plain = (await (await adapter.compile(forward(lora.baseModel))).run({ ...data, ...paramFeeds(lora.baseModel, merged) })).eps.toArray();
    const unadapted = (await (await adapter.compile(forward(lora.baseModel))).run({ ...data, ...paramFeeds(lora.baseModel, base) })).eps.toArray();
    const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    expect(maxDiff(adapted, unadapted)).toBeGreaterThan(1e-4); // training changed the function ...
    expect(maxDiff(plain, adapted)).toBeLessThan(1e-5); // ... and merging reproduces it (float32 rounding only)

    const file = path.join(tmp(), 'adapters.safetensors');
    saveLoraAdapters(file, { adapters, config: lora.lora, baseSha256: hashParams(base) });
    const back = loadLoraAdapters(file);
    expect(hashParams(mergeOntoBase(base, back, file))).toBe(hashParams(merged));
    expect(() => mergeOntoBase(tinyHookedParams(1), back, file)).toThrow(/other base weights/);
    expect(fs.statSync(file).size).toBeLessThan(1000);
  });

  it('RWR and the merged-weight fallback (a model without hooks) train adapters only', async () => {
    for (const [config, model, params] of [
      [{ ...CONFIG, algorithm: 'rwr' as const, numEpochs: 1 }, tinyHookedModel(), tinyHookedParams()],
      [{ ...CONFIG, algorithm: 'ddpo-sf' as const, numEpochs: 1, loraTargets: ['conv'] as string[] }, tinyModel(), tinyParams()],
    ] as const) {
      const t = await make(undefined, config, { model, params });
      const m = await t.train();
      expect(m[0].optimizerSteps).toBeGreaterThan(0);
      expect(hashParams(pick(t.params, Object.keys(params)))).toBe(hashParams(params));
      const moved = (t.model as LoraModel).trainableParams.filter((n) => n.includes('lora_B') && t.params[n].toArray().some((v) => v !== 0));
      expect(moved.length, config.algorithm).toBeGreaterThan(0);
    }
  });

  it('bad LoRA settings are ConfigErrors naming the field', async () => {
    const field = async (f: () => unknown) => {
      try {
        await f();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).issues.map((i) => i.field);
      }
      throw new Error('expected a ConfigError');
    };
    expect(await field(() => parseTrainerConfig({ useLora: true, loraRank: 0 }))).toEqual(['loraRank']);
    expect(await field(() => parseTrainerConfig({ useLora: true, loraAlpha: 0 }))).toEqual(['loraAlpha']);
    expect(await field(() => parseTrainerConfig({ useLora: true, loraTargets: [] }))).toEqual(['loraTargets']);
    expect(await field(() => parseTrainerConfig({ useLora: true, loraTargets: ['/(/'] }))).toEqual(['loraTargets']);
    expect(await field(() => parseTrainerConfig({ useLora: 'yes' }))).toEqual(['useLora']);
    expect(await field(() => make(undefined, { ...CONFIG, loraTargets: ['unet.*'] }))).toEqual(['loraTargets']);
    // tiny-model has no attention projections: the default 'attention' matches nothing there
    expect(await field(() => make(undefined, { ...CONFIG, loraTargets: undefined }, { model: tinyModel(), params: tinyParams() }))).toEqual(['loraTargets']);
  });
});

/** Conv and MatMul (or Gemm) nodes of a graph lowered to ONNX. */
function convMatmul(graph: Graph): { conv: number; matmul: number } {
  const ops = lowerGraph(graph).graph!.node.map((n) => n.opType);
  return { conv: ops.filter((o) => o === 'Conv').length, matmul: ops.filter((o) => o === 'MatMul' || o === 'Gemm').length };
}

describe('the LoRA training graph', () => {
  const c: DdpoGraphConfig = { algorithm: 'ddpo-is', trainBatchSize: 2, sampleEta: 1, trainCfg: false, sampleGuidanceScale: 1, sampleNumSteps: 4, trainClipRange: 1e-4, trainAdvClipMax: 5 };
  const policyOf = (m: EpsilonModel) => new DiffusionPolicy({ model: m, scheduler: new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG), adapter: { name: 'unused' } as TensorAdapter });
  /** Backward nodes: those of the training graph minus those of its forward (log-prob only) part. */
  const backward = (m: EpsilonModel) => {
    const train = convMatmul(ddpoTrainingGraph(policyOf(m), c));
    const b = new GraphBuilder();
    const x = { sample: b.input('sample', [2, 3, 8, 8]), timestep: b.input('timestep', [2], 'int64'), prompt: b.input('prompt', [2], 'int64'), prevSample: b.input('prev_sample', [2, 3, 8, 8]) };
    b.output('lp', policyOf(m).logProbGraph(paramInputs(b, m), x, { eta: 1, guidanceScale: 1, numInferenceSteps: 4 }));
    const fwd = convMatmul(b.build());
    return { conv: train.conv - fwd.conv, matmul: train.matmul - fwd.matmul };
  };

  it('differentiates the adapters only: no gradient of a frozen weight is lowered', () => {
    const base = tinyHookedModel();
    const att = withLora(base, { rank: 2, targets: 'attention' });
    const g = ddpoTrainingGraph(policyOf(att), c);
    expect(g.outputs.filter((o) => o.name.startsWith('grad:')).map((o) => o.name)).toEqual(['grad:att.q.lora_A.weight', 'grad:att.q.lora_B.weight']);
    // Counted by hand. Full fine-tune: att.q dW and d(tokens) (2 MatMul), the 3x3 conv's dW as one
    // batched MatMul over its gathered im2col matrix and one ones @ . summing the batch (2), the
    // prompt table's gradient onehot^T @ g (1); the conv's input is data, so no Conv.
    expect(backward(base)).toEqual({ conv: 0, matmul: 5 });
    // LoRA on att.q: dB, d(A tokens) through B, dA (3 MatMul); nothing for the frozen att.q / conv.
    expect(backward(att)).toEqual({ conv: 0, matmul: 3 });
    // LoRA on both: conv B (1x1): dB one tap (1 MatMul), d(A x) through B (1 Conv); conv A (3x3): dA
    // (2 MatMul: gathered, then the batch sum); att.q: its input now depends on adapters, so d(tokens)
    // through the frozen W (1) and through A (1), plus dB, d(A tokens), dA (3). No frozen dW: 8 MatMul, 1 Conv.
    expect(backward(withLora(base, { rank: 2, targets: 'all' }))).toEqual({ conv: 1, matmul: 8 });
  });
});
