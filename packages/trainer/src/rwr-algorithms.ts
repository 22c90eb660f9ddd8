// The RWR algorithm modules (RWR, sparse RWR) without their trainer class: browser-safe (no Trainer, no
// node:), so the browser entry registers the same modules the Node entry does (rwr.ts adds `create`).
import { prepareNoisedBatch } from '@ddpo/rwr';
import { HostTensor } from '@ddpo/tensor';
import type { AlgorithmModule } from './algorithm.js';
import { rwrPlan, rwrTrainingGraph } from './rwr-update.js';
import { finalLatents } from './samples.js';

/** One RWR batch: the final latents, weights and prompts of its samples. */
export interface RwrBatch {
  x0: HostTensor<'float32'>;
  w: HostTensor<'float32'>;
  prompt: HostTensor<'int64'>;
}

/** An epoch's RWR plan: each sample's weight and the samples that train. */
export type RwrPlan = { weights: Float64Array; pool: number[] };

function rwrModule<N extends 'rwr' | 'rwr-sparse'>(name: N, description: string, unusedFields: string[]): AlgorithmModule<RwrPlan, RwrBatch> & { name: N } {
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
    // The study's tuned RWR: LoRA rank 4 on the attention projections at lr 3e-4 (config/base.py), the only
    // RWR cell that kept the prompt (fidelity >= 70%, docs/results.md).
    tuned: { useLora: true, loraRank: 4, loraTargets: 'attention', trainLearningRate: 3e-4 },
    unusedFields,
  };
}

/** RWR: softmax(beta * r) weights. */
export const rwrCoreModule = rwrModule('rwr', 'reward-weighted regression, weights softmax(rwrBeta * r)', ['trainClipRange', 'trainAdvClipMax', 'rwrPercentile', 'rwrPercentileMinCount']);

/** Sparse RWR: 0/1 weights keeping the top percentile per prompt. */
export const rwrSparseCoreModule = rwrModule('rwr-sparse', 'sparse RWR, training only samples at or above the rwrPercentile of their prompt', ['trainClipRange', 'trainAdvClipMax', 'rwrBeta', 'rwrRewardScale', 'rwrPerPrompt']);
