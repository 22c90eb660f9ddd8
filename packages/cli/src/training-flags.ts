// The flags shared by `ddpo train` and `ddpo compare`, turned into trainer configuration fields
// (config file first, then --set pairs, then the dedicated flags) and the run's shared resources.
import { PROMPTS } from '@ddpo/models';
import { createProgress, type Progress } from '@ddpo/trainer';
import { listFlag, mergeConfig, numberFlag, parseSetPairs, readConfigFile } from './config-file.js';
import { UsageError } from './errors.js';

/** Parsed commander options of the training commands (all strings, as typed). */
export interface TrainingFlags {
  config?: string;
  set?: string[];
  reward: string;
  clipEncoder?: string;
  aestheticHead?: string;
  weights?: string;
  device: string;
  threads?: string;
  /** false with --no-spin. */
  spin: boolean;
  epochs?: string;
  sampleBatchSize?: string;
  batchesPerEpoch?: string;
  steps?: string;
  guidanceScale?: string;
  trainBatchSize?: string;
  lr?: string;
  innerEpochs?: string;
  seed?: string;
  progress: boolean;
  out: string;
}

const INT = { integer: true, min: 1 } as const;

/** The dedicated flags as trainer fields (undefined when not given). */
function flagFields(f: TrainingFlags): Record<string, unknown> {
  const num = (flag: string, v: string | undefined, o: { integer?: boolean; min?: number } = {}) => (v === undefined ? undefined : numberFlag(flag, v, o));
  return {
    numEpochs: num('--epochs', f.epochs, INT),
    sampleBatchSize: num('--sample-batch-size', f.sampleBatchSize, INT),
    sampleNumBatchesPerEpoch: num('--batches-per-epoch', f.batchesPerEpoch, INT),
    sampleNumSteps: num('--steps', f.steps, INT),
    sampleGuidanceScale: num('--guidance-scale', f.guidanceScale, { min: 1 }),
    trainBatchSize: num('--train-batch-size', f.trainBatchSize, INT),
    trainLearningRate: num('--lr', f.lr, { min: 0 }),
    trainNumInnerEpochs: num('--inner-epochs', f.innerEpochs, INT),
    seed: num('--seed', f.seed, { integer: true, min: 0 }),
  };
}

/**
 * Trainer fields from `--config`, `--set` and the dedicated flags, later layers winning; `base`
 * (e.g. a compare preset) goes first. Validation happens in the trainer (ConfigError names fields).
 * `notice` gets the config file's notices (TRL keys without effect here).
 *
 * @example
 * trainingConfig({ lr: '1e-4', set: ['trainClipRange=2e-4'], ... }); // { trainLearningRate: 1e-4, trainClipRange: 2e-4 }
 */
export function trainingConfig(f: TrainingFlags, base: Record<string, unknown> = {}, notice?: (line: string) => void): Record<string, unknown> {
  const file = f.config !== undefined ? readConfigFile(f.config, notice) : {};
  return mergeConfig(base, file, parseSetPairs(f.set ?? []), flagFields(f));
}

/**
 * The prompt vocabulary of a model with `numPrompts` prompts: shapes-32's 16 prompts, or generic names.
 *
 * @example
 * promptNamesFor(16)[5]; // 'green square'
 */
export function promptNamesFor(numPrompts: number): string[] {
  return numPrompts === PROMPTS.length ? [...PROMPTS] : Array.from({ length: numPrompts }, (_, i) => `prompt ${i}`);
}

/**
 * Progress output: bars on a terminal unless --no-progress, plain lines otherwise.
 *
 * @example
 * const progress = progressFor(flags.progress);
 */
export function progressFor(progress: boolean): Progress {
  return createProgress({ bars: progress && process.stderr.isTTY === true });
}

/** The metrics formats `--log-with` accepts. */
export const LOG_FORMATS = ['jsonl', 'tensorboard'] as const;

/**
 * Parses `--log-with jsonl|tensorboard` (a comma-separated list); metrics.jsonl is always written, so
 * the answer is whether TensorBoard event files are written too.
 *
 * @example
 * logWithTensorboard('jsonl,tensorboard'); // true
 */
export function logWithTensorboard(raw: string): boolean {
  const formats = listFlag(raw);
  const bad = formats.filter((f) => !(LOG_FORMATS as readonly string[]).includes(f));
  if (bad.length > 0 || formats.length === 0) throw new UsageError(`--log-with: expected ${LOG_FORMATS.join(' and/or ')} (comma-separated), got '${raw}'`);
  return formats.includes('tensorboard');
}

export { listFlag };
