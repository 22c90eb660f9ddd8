// The RWR algorithms: reward-weighted regression, the baseline of the DDPO paper (sec. 4.1 and 6.1), on
// the same sampling, rewards, logging and checkpoints as DDPO. The policy's own final samples x_0 are
// re-noised at uniformly drawn t and regressed with the denoising loss weighted by softmax(beta * r) * N
// ('rwr') or by a 0/1 mask keeping the top percentile per prompt ('rwr-sparse'), with classifier-free
// guidance in the regressed prediction when trainCfg (as jannerm/ddpo's RWR). Two AlgorithmModules
// (registered in builtin-algorithms.ts) and their trainer class, RWRTrainer.
import { guidedEpsilon, paramInputs, trainableParamNames, type EpsilonModel } from '@ddpo/policy';
import { percentileMinCount, prepareNoisedBatch, rwrLossGraph, rwrWeights, sparseRwrWeights } from '@ddpo/rwr';
import { GraphBuilder, HostTensor, grad, type Graph } from '@ddpo/tensor';
import type { AlgorithmModule } from './algorithm.js';
import type { TrainerConfig } from './config.js';
import { finalLatents } from './samples.js';
import { Trainer, type TrainerOptions } from './trainer.js';

/** The RWR fields of the config that {@link rwrPlan} reads. */
export type RwrPlanConfig = Pick<TrainerConfig, 'algorithm' | 'rwrBeta' | 'rwrRewardScale' | 'rwrPerPrompt' | 'rwrPercentile' | 'rwrPercentileMinCount'>;

/**
 * The per-sample weights of an epoch and the training order they imply.
 *
 * - 'rwr': w = softmax(beta * x) * N over the epoch's N samples (or within each prompt's samples,
 *   times its count, when rwrPerPrompt), x = the raw rewards (rwrRewardScale 'raw', as jannerm/ddpo:
 *   ddpo/utils/hdf5.py:437-450 make_weights, beta = its `temperature` 1 / 5.0, config/base.py:170) or the advantages
 *   ('normalized'). Every sample is trained on once per inner epoch.
 * - 'rwr-sparse': w = 1 where the raw reward is >= the rwrPercentile-th percentile of the rewards of
 *   the same prompt in this epoch (jannerm/ddpo's `Percentile` mask over a batch of one prompt),
 *   else 0. A prompt with fewer than rwrPercentileMinCount samples (default ceil(100 / (100 - q)))
 *   is judged against the percentile of the whole epoch; ties at the threshold are kept. The scale
 *   does not matter here (normalisation is monotone within a prompt). Only kept samples are trained,
 *   cycled to fill the epoch, so every algorithm takes the same number of gradient steps per epoch.
 *
 * @example
 * const { weights, pool } = rwrPlan(config, { rewards, advantages, prompts: promptNames });
 */
export function rwrPlan(
  c: RwrPlanConfig,
  s: { rewards: Float64Array; advantages: Float64Array; prompts: readonly string[] },
): { weights: Float64Array; pool: number[] } {
  const n = s.rewards.length;
  if (c.algorithm === 'rwr') {
    const x = c.rwrRewardScale === 'raw' ? s.rewards : s.advantages;
    const weights = rwrWeights(x, { beta: c.rwrBeta, prompts: c.rwrPerPrompt ? s.prompts : undefined });
    return { weights, pool: Array.from({ length: n }, (_, i) => i) };
  }
  const minCount = c.rwrPercentileMinCount ?? percentileMinCount(c.rwrPercentile);
  const weights = sparseRwrWeights(s.rewards, { prompts: s.prompts, percentile: c.rwrPercentile, minCount });
  const kept = [...weights.keys()].filter((i) => weights[i] > 0);
  return { weights, pool: Array.from({ length: n }, (_, k) => kept[k % kept.length]) };
}

/**
 * The RWR training graph: the guided (when trainCfg) epsilon prediction at re-noised x_t, the weighted
 * denoising loss and its gradient w.r.t. every trainable parameter. Inputs: param:*, xt, timestep
 * (float32), prompt (int64), noise, weights; outputs: loss, grad:<param>.
 *
 * @example
 * const graph = rwrTrainingGraph(model, parseTrainerConfig({ algorithm: 'rwr' }));
 */
export function rwrTrainingGraph(model: EpsilonModel, c: Pick<TrainerConfig, 'trainBatchSize' | 'trainCfg' | 'sampleGuidanceScale'>): Graph {
  const B = c.trainBatchSize;
  const b = new GraphBuilder();
  const shape = [B, ...model.sampleShape];
  const params = paramInputs(b, model);
  // jannerm/ddpo ddpo/training/diffusion.py:62-80, the training step of its RWR and sparse runs (whose
  // configs set train_cfg True, config/base.py:119, 164): with train_cfg the regressed prediction is
  // the guided one, eps_u + g (eps_c - eps_u), at the sampling scale g (5.0 there for both), so the
  // conditional and the unconditional branch are both trained; without it, eps_c.
  const guidance = c.trainCfg ? c.sampleGuidanceScale : 1;
  const pred = guidedEpsilon(model, params, b.input('xt', shape), b.input('timestep', [B]), b.input('prompt', [B], 'int64'), guidance);
  const loss = rwrLossGraph({ predictedNoise: pred, noise: b.input('noise', shape), weights: b.input('weights', [B]) });
  const names = trainableParamNames(model); // under LoRA the adapters only
  const grads = grad(loss, names.map((n) => params[n]));
  b.output('loss', loss);
  names.forEach((n, i) => b.output(`grad:${n}`, grads[i]));
  return b.build();
}

/**
 * RWR trainer (algorithm 'rwr' or 'rwr-sparse'): the Trainer's loop, refusing other families.
 *
 * @example
 * const trainer = await RWRTrainer.create({ model, params, reward, promptNames: PROMPTS, config: { algorithm: 'rwr' } });
 * await trainer.train();
 */
export class RWRTrainer extends Trainer {
  /** Validates the config, compiles the graphs and (optionally) resumes. */
  static override async create(opts: TrainerOptions): Promise<RWRTrainer> {
    return Trainer.build(opts, (adapter, owned) => new RWRTrainer(opts, adapter, owned), 'rwr', 'use DDPOTrainer for DDPO');
  }
}

/** One RWR batch: the final latents, weights and prompts of its samples. */
export interface RwrBatch {
  x0: HostTensor<'float32'>;
  w: HostTensor<'float32'>;
  prompt: HostTensor<'int64'>;
}

function rwrModule<N extends 'rwr' | 'rwr-sparse'>(name: N, description: string, unusedFields: string[]): AlgorithmModule<{ weights: Float64Array; pool: number[] }, RwrBatch> & { name: N } {
  return {
    name,
    family: 'rwr',
    description,
    trainingGraph: (ctx) => rwrTrainingGraph(ctx.model, ctx.config),
    planEpoch: (ctx, samples) => rwrPlan(ctx.config, { rewards: samples.rewards, advantages: samples.advantages, prompts: samples.promptNames }),
    order(ctx, samples, { weights, pool }, rng) {
      const B = ctx.config.trainBatchSize;
      const perm = rng.permutation(pool.length).data;
      return {
        batches: pool.length / B,
        batch(bi) {
          const idx = Array.from(perm.subarray(bi * B, (bi + 1) * B), (k) => pool[k]);
          return {
            x0: finalLatents(samples, idx),
            w: new HostTensor('float32', [B], Float32Array.from(idx, (i) => weights[i])),
            prompt: new HostTensor('int64', [B], BigInt64Array.from(idx, (i) => BigInt(samples.prompts[i]))),
          };
        },
      };
    },
    // As many noised regressions per sample as DDPO trains timesteps: equal compute per epoch.
    stepFeeds(ctx, { x0, w, prompt }, _j, rng) {
      const nb = prepareNoisedBatch(x0, { alphasCumprod: ctx.alphasCumprod, rng });
      return { xt: nb.xt, timestep: nb.timesteps, prompt, noise: nb.noise, weights: w };
    },
    create: (opts) => RWRTrainer.create(opts),
    // The study's tuned RWR: LoRA rank 4 on the attention projections at lr 3e-4 (config/base.py), the only
    // RWR cell that kept the prompt (fidelity >= 70%, docs/results.md).
    tuned: { useLora: true, loraRank: 4, loraTargets: 'attention', trainLearningRate: 3e-4 },
    unusedFields,
  };
}

/** RWR: softmax(beta * r) weights. */
export const rwrAlgorithm = rwrModule('rwr', 'reward-weighted regression, weights softmax(rwrBeta * r)', ['trainClipRange', 'trainAdvClipMax', 'rwrPercentile', 'rwrPercentileMinCount']);

/** Sparse RWR: 0/1 weights keeping the top percentile per prompt. */
export const rwrSparseAlgorithm = rwrModule('rwr-sparse', 'sparse RWR, training only samples at or above the rwrPercentile of their prompt', ['trainClipRange', 'trainAdvClipMax', 'rwrBeta', 'rwrRewardScale', 'rwrPerPrompt']);
