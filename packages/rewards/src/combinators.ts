// Rewards built from rewards: a weighted sum, a fixed per-reward normalisation (so terms of different
// scales can be summed) and clipping. Each result is itself a RewardFn whose inner calls go through
// callReward, so every term keeps its own preferred batch size and output validation.
import { InvalidRewardError } from './errors.js';
import type { Images } from './images.js';
import { callReward, defineReward, type RewardFn, type RewardMetadata } from './reward.js';

/** One term of a weighted sum. */
export interface WeightedTerm {
  reward: RewardFn;
  weight: number;
}

/**
 * `sum_k weight_k * reward_k(images)`. The terms run concurrently.
 *
 * @example
 * const r = weightedSum([{ reward: normalizeReward(aesthetic, { mean: 5.2, std: 0.4 }), weight: 1 }, { reward: jpegCompressibility(), weight: 0.1 }]);
 */
export function weightedSum(terms: readonly WeightedTerm[], name?: string): RewardFn {
  const label = name ?? `weighted_sum(${terms.map((t) => `${t.weight}*${t.reward.rewardName}`).join(' + ')})`;
  if (terms.length === 0) throw new InvalidRewardError(label, 'type', 'weightedSum needs at least one term');
  for (const t of terms) {
    if (!Number.isFinite(t.weight)) throw new InvalidRewardError(label, 'type', `weight of '${t.reward.rewardName}' is ${t.weight}, expected a finite number`);
  }
  return defineReward(label, async (images: Images, prompts, metadata?: RewardMetadata) => {
    const parts = await Promise.all(terms.map((t) => callReward(t.reward, images, prompts, metadata)));
    const out = new Float64Array(prompts.length);
    parts.forEach((values, k) => values.forEach((v, i) => (out[i] += terms[k].weight * v)));
    return out;
  });
}

/** Fixed statistics a reward is normalised with. */
export interface RewardStats {
  mean: number;
  std: number;
}

/**
 * `(reward - mean) / std` with fixed statistics (estimate them once with `estimateRewardStats`).
 * Fixed rather than per-batch statistics keep the reward deterministic and batch-independent;
 * per-prompt advantage normalisation belongs to the trainer's stat tracker, not here.
 *
 * @example
 * const z = normalizeReward(jpegCompressibility(), { mean: -1.1, std: 0.3 });
 */
export function normalizeReward(reward: RewardFn, stats: RewardStats, name?: string): RewardFn {
  const label = name ?? `normalized(${reward.rewardName})`;
  if (!Number.isFinite(stats.mean) || !(stats.std > 0 && Number.isFinite(stats.std))) {
    throw new InvalidRewardError(label, 'type', `normalisation needs a finite mean and a positive finite std, got mean ${stats.mean}, std ${stats.std}`);
  }
  return defineReward(
    label,
    async (images, prompts, metadata) => (await callReward(reward, images, prompts, metadata)).map((v) => (v - stats.mean) / stats.std),
    { batchSize: reward.batchSize },
  );
}

/**
 * Mean and population standard deviation of a reward over a calibration batch, for normalizeReward.
 *
 * @example
 * const stats = await estimateRewardStats(aesthetic, calibrationImages, prompts);
 */
export async function estimateRewardStats(reward: RewardFn, images: Images, prompts: readonly string[], metadata?: RewardMetadata): Promise<RewardStats> {
  const values = await callReward(reward, images, prompts, metadata);
  const n = values.length;
  if (n === 0) throw new InvalidRewardError(reward.rewardName, 'length', 'cannot estimate statistics from an empty batch');
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  return { mean, std };
}

/**
 * Clips a reward to `[min, max]`.
 *
 * @example
 * const r = clipReward(jpegIncompressibility(), 0, 1.5);
 */
export function clipReward(reward: RewardFn, min: number, max: number, name?: string): RewardFn {
  const label = name ?? `clipped(${reward.rewardName}, ${min}, ${max})`;
  if (Number.isNaN(min) || Number.isNaN(max) || min > max) throw new InvalidRewardError(label, 'type', `clip range [${min}, ${max}] is empty or NaN`);
  return defineReward(
    label,
    async (images, prompts, metadata) => (await callReward(reward, images, prompts, metadata)).map((v) => Math.min(max, Math.max(min, v))),
    { batchSize: reward.batchSize },
  );
}
