// TRL's DDPOConfig (trl/trainer/ddpo_config.py) in its own snake_case names, read into our trainer
// fields. The mapping is a data table: each TRL key maps to one of our fields, is accepted with a notice
// because it cannot change the result here (experiment names, tracker settings, float precision), or is
// refused with the reason when it asks for something this trainer does not do (8-bit Adam, negative
// prompts, the Hub). Keys TRL does not have are left for our own schema to judge.
import { ConfigError, trainerConfigSchema } from './config.js';

/** How one TRL DDPOConfig key is read. */
export type TrlKeyRule =
  /** maps to our field of this name (value unchanged) */
  | { readonly field: string }
  /** accepted, has no effect here; the notice says why */
  | { readonly noEffect: string }
  /** accepted only while `allowed(value)`; otherwise an error with this reason */
  | { readonly refuse: string; readonly allowed: (value: unknown) => boolean };

const empty = (v: unknown) => v === '' || v === null || v === undefined;
const isFalse = (v: unknown) => v === false || v === null || v === undefined;

/**
 * Every key of TRL's DDPOConfig and how it is read (per_prompt_stat_tracking and its two sizes are
 * combined into our `perPromptStatTracking`; see {@link fromTrlDdpoConfig}). `use_lora` is the
 * argument of TRL's Stable Diffusion pipeline, accepted here as well.
 */
export const TRL_DDPO_KEYS: Readonly<Record<string, TrlKeyRule>> = {
  num_epochs: { field: 'numEpochs' },
  save_freq: { field: 'saveFreq' },
  num_checkpoint_limit: { field: 'numCheckpointLimit' },
  seed: { field: 'seed' },
  sample_num_steps: { field: 'sampleNumSteps' },
  sample_eta: { field: 'sampleEta' },
  sample_guidance_scale: { field: 'sampleGuidanceScale' },
  sample_batch_size: { field: 'sampleBatchSize' },
  sample_num_batches_per_epoch: { field: 'sampleNumBatchesPerEpoch' },
  train_batch_size: { field: 'trainBatchSize' },
  train_learning_rate: { field: 'trainLearningRate' },
  train_adam_beta1: { field: 'trainAdamBeta1' },
  train_adam_beta2: { field: 'trainAdamBeta2' },
  train_adam_weight_decay: { field: 'trainAdamWeightDecay' },
  train_adam_epsilon: { field: 'trainAdamEpsilon' },
  train_gradient_accumulation_steps: { field: 'trainGradientAccumulationSteps' },
  train_max_grad_norm: { field: 'trainMaxGradNorm' },
  train_num_inner_epochs: { field: 'trainNumInnerEpochs' },
  train_cfg: { field: 'trainCfg' },
  train_adv_clip_max: { field: 'trainAdvClipMax' },
  train_clip_range: { field: 'trainClipRange' },
  train_timestep_fraction: { field: 'trainTimestepFraction' },
  use_lora: { field: 'useLora' },

  exp_name: { noEffect: 'an experiment name for trackers; runs here are named by --out' },
  run_name: { noEffect: 'a run name for trackers; runs here are named by --out' },
  tracker_project_name: { noEffect: 'a tracker project name; there is no remote tracker here' },
  tracker_kwargs: { noEffect: 'tracker arguments; there is no remote tracker here' },
  accelerator_kwargs: { noEffect: 'arguments of Hugging Face Accelerate, which is not used here' },
  project_kwargs: { noEffect: 'arguments of Hugging Face Accelerate, which is not used here' },
  logdir: { noEffect: 'the output directory is --out' },
  mixed_precision: { noEffect: 'training always computes in float32 here' },
  allow_tf32: { noEffect: 'training always computes in float32 here' },
  async_reward_computation: { noEffect: 'rewards are computed once per sampled batch; the result is the same' },
  max_workers: { noEffect: 'rewards are computed once per sampled batch; the result is the same' },
  log_with: { noEffect: "choose the metrics format on the command line (`ddpo train --log-with tensorboard`; metrics.jsonl is always written)" },

  train_use_8bit_adam: { refuse: 'there is no 8-bit Adam here (the optimizer keeps float32 moments); remove it or set it to false', allowed: isFalse },
  negative_prompts: { refuse: 'negative prompts are not supported (guidance uses the null prompt); remove it or set it to ""', allowed: empty },
  push_to_hub: { refuse: 'there is no Hugging Face Hub upload here; remove it or set it to false', allowed: isFalse },
  resume_from: { refuse: 'resume with the command line instead (`ddpo train --out DIR --resume`); remove it or set it to ""', allowed: empty },

  per_prompt_stat_tracking: { field: 'perPromptStatTracking' },
  per_prompt_stat_tracking_buffer_size: { field: 'perPromptStatTracking.bufferSize' },
  per_prompt_stat_tracking_min_count: { field: 'perPromptStatTracking.minCount' },
};

/** A TRL config read into our fields, with one notice per accepted key that has no effect. */
export interface TrlConfigResult {
  /** our trainer fields (camelCase), only those the file set */
  readonly fields: Record<string, unknown>;
  /** `key: why it has no effect`, for keys accepted without effect */
  readonly notices: string[];
}

/**
 * Whether an object uses TRL's DDPOConfig names: true when any key is one of {@link TRL_DDPO_KEYS}.
 *
 * @example
 * isTrlDdpoConfig({ num_epochs: 3 }); // true
 * isTrlDdpoConfig({ numEpochs: 3 }); // false
 */
export function isTrlDdpoConfig(obj: Record<string, unknown>): boolean {
  return Object.keys(obj).some((k) => Object.hasOwn(TRL_DDPO_KEYS, k));
}

/**
 * Reads a TRL DDPOConfig (snake_case keys, as its `to_dict()` or a hand-written JSON has them) into
 * our trainer fields. Keys of ours (camelCase) may be mixed in and pass through; a field set under both
 * names, a refused key (with its reason) or a value our schema rejects is a {@link ConfigError} naming
 * the TRL key. Fields the file does not set keep our defaults, not TRL's (which are sized for Stable
 * Diffusion on a GPU); note that our per-prompt stat tracking is on by default (TRL's is off): set
 * `per_prompt_stat_tracking: false` to turn it off, its sizes alone set the sizes of ours.
 *
 * @example
 * fromTrlDdpoConfig({ num_epochs: 4, train_learning_rate: 3e-4, per_prompt_stat_tracking: false, mixed_precision: 'fp16' });
 * // { fields: { numEpochs: 4, trainLearningRate: 3e-4, perPromptStatTracking: false },
 * //   notices: ['mixed_precision: training always computes in float32 here'] }
 */
export function fromTrlDdpoConfig(obj: Record<string, unknown>): TrlConfigResult {
  const fields: Record<string, unknown> = {};
  const notices: string[] = [];
  const issues: { field: string; message: string }[] = [];
  const shape = trainerConfigSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } } | undefined>;
  const setBy = new Map<string, string>();
  const set = (field: string, value: unknown, key: string) => {
    const other = setBy.get(field);
    if (other !== undefined) issues.push({ field: key, message: `sets ${field}, which ${other} sets too; keep one of them` });
    setBy.set(field, key);
    fields[field] = value;
  };

  for (const [key, value] of Object.entries(obj)) {
    const rule = TRL_DDPO_KEYS[key];
    if (rule === undefined || !Object.hasOwn(TRL_DDPO_KEYS, key)) {
      set(key, value, key); // ours (or unknown: our schema names it)
    } else if ('noEffect' in rule) {
      notices.push(`${key}: ${rule.noEffect}`);
    } else if ('refuse' in rule) {
      if (!rule.allowed(value)) issues.push({ field: key, message: `${rule.refuse} (got ${JSON.stringify(value)})` });
    } else if (!rule.field.startsWith('perPromptStatTracking')) {
      const check = shape[rule.field]?.safeParse(value);
      if (check !== undefined && !check.success) {
        issues.push({ field: key, message: `${check.error?.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(value)}; TRL's ${key} is our ${rule.field})` });
      }
      set(rule.field, value, key);
    }
  }

  // per_prompt_stat_tracking (bool) + _buffer_size + _min_count -> false | { bufferSize, minCount }
  const on = obj.per_prompt_stat_tracking;
  const size = obj.per_prompt_stat_tracking_buffer_size;
  const min = obj.per_prompt_stat_tracking_min_count;
  if (on !== undefined || size !== undefined || min !== undefined) {
    if (on !== undefined && typeof on !== 'boolean') {
      issues.push({ field: 'per_prompt_stat_tracking', message: `expected true or false (got ${JSON.stringify(on)})` });
    } else if (on === false) {
      set('perPromptStatTracking', false, 'per_prompt_stat_tracking');
    } else {
      // on, or sizes given: TRL's defaults for the sizes are 16 and 16, as ours
      set('perPromptStatTracking', { bufferSize: size ?? 16, minCount: min ?? 16 }, 'per_prompt_stat_tracking');
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { fields, notices };
}
