// The RWR algorithms: reward-weighted regression, the baseline of the DDPO paper (sec. 4.1 and 6.1), on
// the same sampling, rewards, logging and checkpoints as DDPO. The policy's own final samples x_0 are
// re-noised at uniformly drawn t and regressed with the denoising loss weighted by softmax(beta * r) * N
// ('rwr') or by a 0/1 mask keeping the top percentile per prompt ('rwr-sparse'), with classifier-free
// guidance in the regressed prediction when trainCfg (as jannerm/ddpo's RWR). Two AlgorithmModules
// (registered in builtin-algorithms.ts) and their trainer class, RWRTrainer.
import { prepareNoisedBatch } from '@ddpo/rwr';
import { HostTensor } from '@ddpo/tensor';
import type { AlgorithmModule } from './algorithm.js';
import { rwrPlan, rwrTrainingGraph } from './rwr-update.js';
import { finalLatents } from './samples.js';
import { Trainer, type TrainerOptions } from './trainer.js';

// The weights plan and the training graph live in rwr-update.ts (browser-safe, no Trainer), shared with
// the browser entry; re-exported here.
export { rwrPlan, rwrTrainingGraph, type RwrPlanConfig } from './rwr-update.js';

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
