// The DDPO algorithm modules (DDPO_IS, DDPO_SF) without their trainer class: browser-safe (no Trainer,
// no node:), so the browser entry registers the same modules the Node entry does (ddpo.ts adds `create`).
import type { AlgorithmModule } from './algorithm.js';
import { ddpoTrainingGraph, sfStepsPerEpoch } from './ddpo-update.js';
import { gatherStep, shuffleOrder, type EpochSamples } from './samples.js';

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
    ...rest,
  };
}

const RWR_FIELDS = ['rwrBeta', 'rwrRewardScale', 'rwrPerPrompt', 'rwrPercentile', 'rwrPercentileMinCount'];

/** DDPO_IS: PPO's clipped importance-sampling objective; several inner epochs allowed. */
export const ddpoIsModule = ddpoModule('ddpo-is', 'DDPO with importance sampling (PPO clipped ratio)', {
  // ddpo-pytorch config/dgx.py: full fine-tuning at lr 3e-5 (the study's tuned setting, docs/results.md).
  tuned: { useLora: false, trainLearningRate: 3e-5 },
  unusedFields: RWR_FIELDS,
});

/** DDPO_SF: the score-function (REINFORCE) gradient; on-policy, so one inner epoch. */
export const ddpoSfModule = ddpoModule('ddpo-sf', 'DDPO with the score function (REINFORCE), one update per sampling round', {
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
