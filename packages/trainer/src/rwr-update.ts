// RWR and sparse RWR (the DDPO paper's baseline, sec. 4.1 and 6.1): the per-sample weights of an epoch,
// the weighted denoising training graph and the per-epoch update, as functions with no file system:
// RWRTrainer (rwr.ts) and the browser page (examples/web) both run them; the batch order and feeds are
// the modules' (rwr-algorithms.ts).
import { guidedEpsilon, paramInputs, trainableParamNames, type EpsilonModel } from '@ddpo/policy';
import { percentileMinCount, rwrLossGraph, rwrWeights, sparseRwrWeights } from '@ddpo/rwr';
import { GraphBuilder, grad, type CompiledGraph, type Graph, type Rng } from '@ddpo/tensor';
import { algorithmOfFamily } from './algorithm.js';
import type { TrainerConfig } from './config.js';
import type { EpochSamples } from './samples.js';
import { runUpdate, type UpdateContext, type UpdateStats } from './update.js';

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
 * The RWR training graph, traced once per run. Inputs: param:*, xt, timestep (float32), prompt (int64),
 * noise, weights; outputs: loss, grad:<param>.
 *
 * @example
 * const graph = rwrTrainingGraph(model, parseTrainerConfig({ algorithm: 'rwr', trainBatchSize: 8 }));
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
 * One epoch's RWR update on `samples` (rewards and advantages filled in) with the compiled
 * rwrTrainingGraph: the one update loop (runUpdate) with the registered module of
 * `ctx.config.algorithm` (rwr or rwr-sparse), as RWRTrainer runs it each epoch.
 *
 * @example
 * const stats = await rwrUpdate(ctx, await adapter.compile(rwrTrainingGraph(model, config)), samples, rng);
 */
export async function rwrUpdate(ctx: UpdateContext, compiled: CompiledGraph, samples: EpochSamples, rng: Rng): Promise<UpdateStats> {
  return runUpdate(algorithmOfFamily(ctx.config.algorithm, 'rwr', 'rwrUpdate'), ctx, compiled, samples, rng);
}
