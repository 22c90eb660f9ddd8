// DDPO_IS / DDPO_SF as ddpo-pytorch's scripts/train.py trains: inner epochs that shuffle samples and each
// sample's timestep order, the first timestepFraction of (shuffled) timesteps per sample, gradients
// accumulated over timesteps and trainGradientAccumulationSteps batches, clipped, then one AdamW step.
// The training graph and the update as functions, with no file system: DDPOTrainer (ddpo.ts) and the
// browser page (examples/web) both run them; the batch order and feeds are the modules' (ddpo-algorithms.ts).
import { paramInputs, trainableParamNames, type DiffusionPolicy } from '@ddpo/policy';
import { policyLossGraph } from '@ddpo/ppo';
import { GraphBuilder, grad, type CompiledGraph, type Graph, type Rng } from '@ddpo/tensor';
import { algorithmOfFamily } from './algorithm.js';
import { samplesPerEpoch, type TrainerConfig } from './config.js';
import type { EpochSamples } from './samples.js';
import { runUpdate, type UpdateContext, type UpdateStats } from './update.js';

/** The config fields the DDPO training graph depends on. */
export type DdpoGraphConfig = Pick<
  TrainerConfig,
  'algorithm' | 'trainBatchSize' | 'sampleEta' | 'trainCfg' | 'sampleGuidanceScale' | 'sampleNumSteps' | 'trainClipRange' | 'trainAdvClipMax'
>;

/**
 * The DDPO training graph, traced once per run: the policy's log-prob of stored transitions under
 * the current parameters, the DDPO_IS / DDPO_SF loss, and its gradient w.r.t. every trainable
 * parameter (all of them, or the LoRA adapters of a `withLora` model).
 * Inputs: param:*, sample, timestep (int64), prompt, prev_sample, old_log_prob, advantages; outputs:
 * loss, approx_kl, clipfrac, grad:<param>.
 *
 * @example
 * const graph = ddpoTrainingGraph(policy, parseTrainerConfig({ algorithm: 'ddpo-is', trainBatchSize: 16 }));
 */
export function ddpoTrainingGraph(policy: DiffusionPolicy, c: DdpoGraphConfig): Graph {
  const B = c.trainBatchSize;
  const model = policy.model;
  const b = new GraphBuilder();
  const shape = [B, ...model.sampleShape];
  const params = paramInputs(b, model);
  const x = {
    sample: b.input('sample', shape),
    timestep: b.input('timestep', [B], 'int64'),
    prompt: b.input('prompt', [B], 'int64'),
    prevSample: b.input('prev_sample', shape),
  };
  const logProb = policy.logProbGraph(params, x, {
    eta: c.sampleEta,
    // ddpo-pytorch train.py: guidance in training iff train.cfg, with the sampling scale.
    guidanceScale: c.trainCfg ? c.sampleGuidanceScale : 1,
    numInferenceSteps: c.sampleNumSteps,
  });
  const loss = policyLossGraph(c.algorithm as 'ddpo-is' | 'ddpo-sf', {
    logProb,
    oldLogProb: b.input('old_log_prob', [B]),
    advantages: b.input('advantages', [B]),
    clipRange: c.trainClipRange,
    advClipMax: c.trainAdvClipMax,
  });
  const names = trainableParamNames(model); // under LoRA the adapters only: no frozen-weight gradient is traced
  const grads = grad(loss.loss, names.map((n) => params[n]));
  b.output('loss', loss.loss);
  b.output('approx_kl', loss.approxKl);
  b.output('clipfrac', loss.clipfrac);
  names.forEach((n, i) => b.output(`grad:${n}`, grads[i]));
  return b.build();
}

/**
 * Optimizer steps DDPO_SF takes per epoch: samples per epoch / (trainBatchSize x
 * trainGradientAccumulationSteps); 0 for other algorithms.
 *
 * DDPO_SF honours trainGradientAccumulationSteps exactly as DDPO_IS does, so that one shared setting
 * (`ddpo compare`, `ddpo sweep`) gives every method the same number of optimizer steps per reward
 * query, and the paper's DDPO_SF (one step per round of sampling, sec. 4.2) is the setting
 * trainBatchSize x trainGradientAccumulationSteps = samples per epoch. With more steps per epoch, each
 * step after the first is off-policy by what the earlier steps moved the policy, uncorrected (SF has
 * no importance ratio), so the trainer says so once at start. trainNumInnerEpochs > 1, a second pass
 * over the very same samples, is rejected by the config check instead (ConfigError): that is what
 * DDPO_IS's ratio and clipping exist for.
 *
 * @example
 * sfStepsPerEpoch(parseTrainerConfig({ algorithm: 'ddpo-sf', sampleBatchSize: 16, sampleNumBatchesPerEpoch: 2, trainBatchSize: 8, trainGradientAccumulationSteps: 2 })); // 2
 */
export function sfStepsPerEpoch(c: TrainerConfig): number {
  return c.algorithm === 'ddpo-sf' ? samplesPerEpoch(c) / (c.trainBatchSize * c.trainGradientAccumulationSteps) : 0;
}

/**
 * One epoch's DDPO update on `samples` (advantages filled in) with the compiled ddpoTrainingGraph:
 * the one update loop (runUpdate) with the registered module of `ctx.config.algorithm`, as
 * DDPOTrainer runs it each epoch.
 *
 * @example
 * const stats = await ddpoUpdate(ctx, await adapter.compile(ddpoTrainingGraph(policy, config)), samples, rng);
 */
export async function ddpoUpdate(ctx: UpdateContext, compiled: CompiledGraph, samples: EpochSamples, rng: Rng): Promise<UpdateStats> {
  return runUpdate(algorithmOfFamily(ctx.config.algorithm, 'ddpo', 'ddpoUpdate'), ctx, compiled, samples, rng);
}
