// The DDPO algorithms, DDPO_IS and DDPO_SF (Black et al. 2023, sec. 4.2), as ddpo-pytorch's
// scripts/train.py trains them: inner epochs that shuffle samples and each sample's timestep order, the
// first timestepFraction of (shuffled) timesteps per sample, gradients accumulated over timesteps and
// trainGradientAccumulationSteps batches, clipped, then one AdamW step (Trainer's update loop). The
// training graph (log-prob under the current parameters + policy loss + gradients) is traced once.
// Two AlgorithmModules (registered in builtin-algorithms.ts) and their trainer class, DDPOTrainer.
import { paramInputs, trainableParamNames, type DiffusionPolicy } from '@ddpo/policy';
import { policyLossGraph } from '@ddpo/ppo';
import { GraphBuilder, grad, type Graph } from '@ddpo/tensor';
import type { AlgorithmModule } from './algorithm.js';
import { samplesPerEpoch, type TrainerConfig } from './config.js';
import { gatherStep, shuffleOrder, type EpochSamples } from './samples.js';
import { Trainer, type TrainerOptions } from './trainer.js';

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
 * DDPO trainer (algorithm 'ddpo-is' or 'ddpo-sf'): the Trainer's loop, refusing other families.
 *
 * @example
 * const trainer = await DDPOTrainer.create({ model, params, reward: jpegCompressibility(), promptNames: PROMPTS,
 *   config: { algorithm: 'ddpo-is', numEpochs: 10 }, outDir: 'runs/ddpo' });
 * await trainer.train();
 */
export class DDPOTrainer extends Trainer {
  /** Validates the config, compiles the graphs and (optionally) resumes. */
  static override async create(opts: TrainerOptions): Promise<DDPOTrainer> {
    return Trainer.build(opts, (adapter, owned) => new DDPOTrainer(opts, adapter, owned), 'ddpo', 'use RWRTrainer for RWR');
  }
}

/** One DDPO batch: its samples and the shuffled timestep order they come from. */
export interface DdpoBatch {
  samples: EpochSamples;
  idx: Int32Array;
  bi: number;
  timesteps: Int32Array[];
}

/** DDPO_IS and DDPO_SF differ in the loss (and SF's rules); the loop, feeds and statistics are one. */
function ddpoModule<N extends 'ddpo-is' | 'ddpo-sf'>(name: N, description: string, rest: Partial<Omit<AlgorithmModule<void, DdpoBatch>, 'name'>>): AlgorithmModule<void, DdpoBatch> & { name: N } {
  return {
    name,
    family: 'ddpo',
    description,
    statistics: { approxKl: 'approx_kl', clipFraction: 'clipfrac' },
    trainingGraph: (ctx) => ddpoTrainingGraph(ctx.policy, ctx.config),
    planEpoch: () => undefined,
    order(ctx, samples, _plan, rng) {
      const B = ctx.config.trainBatchSize;
      const order = shuffleOrder(rng, samples.n, samples.steps);
      return { batches: samples.n / B, batch: (bi) => ({ samples, idx: order.samples.subarray(bi * B, (bi + 1) * B), bi, timesteps: order.timesteps }) };
    },
    stepFeeds(ctx, { samples, idx, bi, timesteps }, j) {
      const B = ctx.config.trainBatchSize;
      const pos = Array.from({ length: B }, (_, k) => timesteps[bi * B + k][j]);
      const batch = gatherStep(samples, idx, pos);
      return {
        sample: batch.sample,
        timestep: batch.timestep,
        prompt: batch.prompt,
        prev_sample: batch.prevSample,
        old_log_prob: batch.oldLogProb,
        advantages: batch.advantages,
      };
    },
    create: (opts) => DDPOTrainer.create(opts),
    ...rest,
  };
}

const RWR_FIELDS = ['rwrBeta', 'rwrRewardScale', 'rwrPerPrompt', 'rwrPercentile', 'rwrPercentileMinCount'];

/** DDPO_IS: PPO's clipped importance-sampling objective; several inner epochs allowed. */
export const ddpoIsAlgorithm = ddpoModule('ddpo-is', 'DDPO with importance sampling (PPO clipped ratio)', {
  // ddpo-pytorch config/dgx.py: full fine-tuning at lr 3e-5 (the study's tuned setting, docs/results.md).
  tuned: { useLora: false, trainLearningRate: 3e-5 },
  unusedFields: RWR_FIELDS,
});

/** DDPO_SF: the score-function (REINFORCE) gradient; on-policy, so one inner epoch. */
export const ddpoSfAlgorithm = ddpoModule('ddpo-sf', 'DDPO with the score function (REINFORCE), one update per sampling round', {
  validate(c) {
    // DDPO_SF's score-function gradient is unbiased only for samples of the current policy and has no
    // importance ratio to correct for a policy that moved; a second pass over the same samples is
    // wholly off-policy. Several passes are what DDPO_IS (ratio + clipping) is for.
    return c.trainNumInnerEpochs > 1
      ? [{ field: 'trainNumInnerEpochs', message: `must be 1 for ddpo-sf (its gradient is only unbiased on-policy; use ddpo-is for several inner epochs); got ${c.trainNumInnerEpochs}` }]
      : [];
  },
  compiled(ctx) {
    const steps = sfStepsPerEpoch(ctx.config);
    if (steps > 1) {
      ctx.progress.log(
        `note: ddpo-sf takes ${steps} optimizer steps per epoch (trainBatchSize x trainGradientAccumulationSteps < samples per epoch); ` +
          'every step after the first uses samples of an older policy without correction. The paper\'s DDPO_SF takes one step per epoch.',
      );
    }
  },
  tuned: { useLora: false, trainLearningRate: 3e-5 },
  // DDPO_SF's loss has no ratio to clip (trainClipRange only changes its logged clip fraction).
  unusedFields: [...RWR_FIELDS, 'trainClipRange'],
});
