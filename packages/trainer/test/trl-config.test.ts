// TRL DDPOConfig files in TRL's snake_case names: mapped onto our fields, keys without effect noted,
// keys asking for what this trainer does not do refused by name with the reason.
import { describe, expect, it } from 'vitest';
import { ConfigError, fromTrlDdpoConfig, isTrlDdpoConfig, parseTrainerConfig, TRL_DDPO_KEYS } from '@ddpo/trainer';

// Every field of TRL's DDPOConfig with its default, as `DDPOConfig().to_dict()` writes them
// (values from trl/trainer/ddpo_config.py; exp_name is the script's name there).
const TRL_DEFAULTS = {
  exp_name: 'ddpo', run_name: '', seed: 0, log_with: null, tracker_kwargs: {}, accelerator_kwargs: {}, project_kwargs: {},
  tracker_project_name: 'trl', logdir: 'logs', num_epochs: 100, save_freq: 1, num_checkpoint_limit: 5, mixed_precision: 'fp16',
  allow_tf32: true, resume_from: '', sample_num_steps: 50, sample_eta: 1.0, sample_guidance_scale: 5.0, sample_batch_size: 1,
  sample_num_batches_per_epoch: 2, train_batch_size: 1, train_use_8bit_adam: false, train_learning_rate: 3e-4, train_adam_beta1: 0.9,
  train_adam_beta2: 0.999, train_adam_weight_decay: 1e-4, train_adam_epsilon: 1e-8, train_gradient_accumulation_steps: 1,
  train_max_grad_norm: 1.0, train_num_inner_epochs: 1, train_cfg: true, train_adv_clip_max: 5.0, train_clip_range: 1e-4,
  train_timestep_fraction: 1.0, per_prompt_stat_tracking: false, per_prompt_stat_tracking_buffer_size: 16,
  per_prompt_stat_tracking_min_count: 16, async_reward_computation: false, max_workers: 2, negative_prompts: '', push_to_hub: false,
};

function issuesOf(input: Record<string, unknown>): { field: string; message: string }[] {
  try {
    fromTrlDdpoConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('fromTrlDdpoConfig', () => {
  it('reads a complete TRL DDPOConfig.to_dict() into our fields, and the result validates', () => {
    const { fields, notices } = fromTrlDdpoConfig(TRL_DEFAULTS);
    expect(fields).toEqual({
      seed: 0, numEpochs: 100, saveFreq: 1, numCheckpointLimit: 5, sampleNumSteps: 50, sampleEta: 1, sampleGuidanceScale: 5,
      sampleBatchSize: 1, sampleNumBatchesPerEpoch: 2, trainBatchSize: 1, trainLearningRate: 3e-4, trainAdamBeta1: 0.9,
      trainAdamBeta2: 0.999, trainAdamWeightDecay: 1e-4, trainAdamEpsilon: 1e-8, trainGradientAccumulationSteps: 1,
      trainMaxGradNorm: 1, trainNumInnerEpochs: 1, trainCfg: true, trainAdvClipMax: 5, trainClipRange: 1e-4,
      trainTimestepFraction: 1, perPromptStatTracking: false,
    });
    // the twelve keys that cannot change the result here are each noted, with why
    expect(notices.map((n) => n.split(':')[0]).sort()).toEqual(
      ['accelerator_kwargs', 'allow_tf32', 'async_reward_computation', 'exp_name', 'log_with', 'logdir', 'max_workers', 'mixed_precision', 'project_kwargs', 'run_name', 'tracker_kwargs', 'tracker_project_name'],
    );
    expect(notices).toContain('mixed_precision: training always computes in float32 here');
    const c = parseTrainerConfig(fields);
    expect(c.sampleNumSteps).toBe(50);
    expect(c.perPromptStatTracking).toBe(false);
  });

  it('every TRL DDPOConfig field has a rule', () => {
    expect(Object.keys(TRL_DEFAULTS).filter((k) => !Object.hasOwn(TRL_DDPO_KEYS, k))).toEqual([]);
  });

  it('combines per_prompt_stat_tracking and its sizes; maps use_lora', () => {
    expect(fromTrlDdpoConfig({ per_prompt_stat_tracking: true, per_prompt_stat_tracking_buffer_size: 32, per_prompt_stat_tracking_min_count: 8 }).fields)
      .toEqual({ perPromptStatTracking: { bufferSize: 32, minCount: 8 } });
    expect(fromTrlDdpoConfig({ per_prompt_stat_tracking: true }).fields).toEqual({ perPromptStatTracking: { bufferSize: 16, minCount: 16 } });
    expect(fromTrlDdpoConfig({ per_prompt_stat_tracking_min_count: 4 }).fields).toEqual({ perPromptStatTracking: { bufferSize: 16, minCount: 4 } });
    expect(fromTrlDdpoConfig({ per_prompt_stat_tracking: false, per_prompt_stat_tracking_min_count: 4 }).fields).toEqual({ perPromptStatTracking: false });
    expect(fromTrlDdpoConfig({ use_lora: true, num_epochs: 3 }).fields).toEqual({ useLora: true, numEpochs: 3 });
  });

  it('refuses what this trainer does not do, naming the key and the reason', () => {
    const issues = issuesOf({ train_use_8bit_adam: true, negative_prompts: 'blurry', push_to_hub: true, resume_from: 'logs/x', num_epochs: 2 });
    expect(issues.map((i) => i.field).sort()).toEqual(['negative_prompts', 'push_to_hub', 'resume_from', 'train_use_8bit_adam']);
    expect(issues.find((i) => i.field === 'train_use_8bit_adam')!.message).toMatch(/no 8-bit Adam/);
    expect(issues.find((i) => i.field === 'negative_prompts')!.message).toContain('"blurry"');
    expect(issues.find((i) => i.field === 'resume_from')!.message).toContain('--resume');
    // the same keys at their harmless values pass
    expect(() => fromTrlDdpoConfig({ train_use_8bit_adam: false, negative_prompts: '', push_to_hub: false, resume_from: '' })).not.toThrow();
  });

  it('a bad value is named by its TRL key and ours', () => {
    const [issue] = issuesOf({ num_epochs: 0 });
    expect(issue.field).toBe('num_epochs');
    expect(issue.message).toContain('numEpochs');
    expect(issue.message).toContain('got 0');
    expect(issuesOf({ per_prompt_stat_tracking: 'yes' })[0].field).toBe('per_prompt_stat_tracking');
  });

  it('our own names may be mixed in, but one field set twice is an error', () => {
    expect(fromTrlDdpoConfig({ num_epochs: 2, algorithm: 'rwr' }).fields).toEqual({ numEpochs: 2, algorithm: 'rwr' });
    const [issue] = issuesOf({ num_epochs: 2, numEpochs: 3 });
    expect(issue.message).toMatch(/numEpochs.*num_epochs|num_epochs.*numEpochs/);
  });

  it('an unknown key is passed on for our schema to name', () => {
    const { fields } = fromTrlDdpoConfig({ num_epochs: 2, sample_steps: 4 });
    expect(() => parseTrainerConfig(fields)).toThrow(/sample_steps/);
  });

  it('tells TRL files from ours', () => {
    expect(isTrlDdpoConfig({ train_learning_rate: 1e-4 })).toBe(true);
    expect(isTrlDdpoConfig({ trainLearningRate: 1e-4, constructor: 1 })).toBe(false);
  });
});
