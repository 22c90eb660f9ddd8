// The training configuration: ddpo-pytorch / TRL DDPOConfig names in camelCase, validated with zod,
// with ddpo-pytorch's defaults (config/base.py, config/dgx.py) scaled down to the 591k-parameter
// tiny-unet-32 on a 2-core CPU. Errors name the offending field, what was seen and what was expected.
import { DdpoError } from '@ddpo/tensor';
import { z } from 'zod';
import { algorithmNames, getAlgorithm, hasAlgorithm, listAlgorithms } from './algorithm.js';
import type { Algorithm } from './builtin-algorithms.js';

/** A registered algorithm's name: a built-in {@link Algorithm} or one added with registerAlgorithm. */
export type AlgorithmName = Algorithm | (string & {});

const posInt = z.int().positive();
const nonNegNum = z.number().nonnegative();

/** The per-prompt stat tracker's settings (ddpo-pytorch `per_prompt_stat_tracking`). */
const statTrackingSchema = z.strictObject({ bufferSize: posInt, minCount: posInt });

/**
 * The zod schema of {@link TrainerConfig}. Unknown keys are errors (a misspelt option must not be
 * silently ignored).
 */
export const trainerConfigSchema = z.strictObject({
  /** A registered algorithm (algorithmNames(); checked by parseTrainerConfig). */
  algorithm: z
    .string()
    .superRefine((name, ctx) => {
      if (!hasAlgorithm(name)) ctx.addIssue({ code: 'custom', message: `unknown algorithm; expected one of ${algorithmNames().join(', ')}` });
    })
    .default('ddpo-is'),
  numEpochs: posInt.default(10),
  seed: z.int().nonnegative().default(42),
  /** Prompts to sample uniformly from (strings of the model's vocabulary); default: all of them. */
  prompts: z.array(z.string().min(1)).min(1).optional(),

  sampleBatchSize: posInt.default(8),
  sampleNumBatchesPerEpoch: posInt.default(2),
  sampleNumSteps: posInt.default(10),
  sampleEta: z.number().positive().default(1.0),
  sampleGuidanceScale: z.number().min(1).default(1.0),

  trainBatchSize: posInt.default(8),
  trainGradientAccumulationSteps: posInt.default(1),
  trainLearningRate: z.number().positive().default(1e-4),
  trainAdamBeta1: z.number().min(0).lt(1).default(0.9),
  trainAdamBeta2: z.number().min(0).lt(1).default(0.999),
  trainAdamWeightDecay: nonNegNum.default(1e-4),
  trainAdamEpsilon: z.number().positive().default(1e-8),
  trainMaxGradNorm: z.number().positive().default(1.0),
  trainNumInnerEpochs: posInt.default(1),
  trainCfg: z.boolean().default(true),
  trainAdvClipMax: z.number().positive().default(5),
  trainClipRange: z.number().positive().default(1e-4),
  trainTimestepFraction: z.number().gt(0).max(1).default(1.0),
  perPromptStatTracking: z.union([statTrackingSchema, z.literal(false)]).default({ bufferSize: 16, minCount: 16 }),

  /** RWR: the inverse temperature multiplying the rewards in softmax(beta * r) (jannerm/ddpo: `temperature: 1 / 5.0`). */
  rwrBeta: z.number().positive().default(0.2),
  /**
   * RWR: what beta multiplies. 'raw' (the paper's, jannerm/ddpo's): the rewards as the reward function
   * returns them, so beta is in 1 / reward units; 'normalized': the advantages (rewards normalised as
   * for DDPO, per prompt when perPromptStatTracking is on), so beta means the same on every reward scale.
   */
  rwrRewardScale: z.enum(['raw', 'normalized']).default('raw'),
  /** RWR: softmax within each prompt's samples of the epoch (jannerm/ddpo's `per_prompt_weights`) instead of over the epoch. */
  rwrPerPrompt: z.boolean().default(false),
  /** Sparse RWR: keep samples at or above this percentile of their prompt's rewards. */
  rwrPercentile: z.number().min(0).max(100).default(90),
  /**
   * Sparse RWR: a prompt with fewer samples than this in an epoch is judged against the percentile of
   * the whole epoch instead of its own. Default: ceil(100 / (100 - rwrPercentile)) (10 at the 90th),
   * the smallest group whose top (100 - q)% is at least one sample.
   */
  rwrPercentileMinCount: posInt.optional(),

  /** LoRA (docs/lora.md): train low-rank adapters on a frozen base model instead of every parameter. */
  useLora: z.boolean().default(false),
  /** LoRA rank r (PEFT `r`; ddpo-pytorch and TRL use 4). */
  loraRank: posInt.default(4),
  /** PEFT `lora_alpha`: the adapters are scaled by loraAlpha / loraRank; default loraRank (scale 1). */
  loraAlpha: z.number().positive().optional(),
  /** 'attention' (q/k/v/o, as ddpo-pytorch), 'all' (every Linear and Conv) or layer-name patterns (globs, or /regex/). */
  loraTargets: z.union([z.enum(['attention', 'all']), z.array(z.string().min(1)).min(1)]).default('attention'),

  /** Save a checkpoint every this many epochs (and always after the last one); 0 = only at the end. */
  saveFreq: z.int().nonnegative().default(1),
  /** Keep at most this many checkpoints, deleting the oldest (ddpo-pytorch's num_checkpoint_limit). */
  numCheckpointLimit: posInt.default(5),
});

/** A fully validated training configuration (every default filled in). */
export type TrainerConfig = Omit<z.output<typeof trainerConfigSchema>, 'algorithm'> & { algorithm: AlgorithmName };
/** What a user may pass: any subset of the fields (plus the config fields of registered algorithms). */
export type TrainerConfigInput = Omit<z.input<typeof trainerConfigSchema>, 'algorithm'> & { algorithm?: AlgorithmName };

/** The schema with every registered algorithm's own config fields added. */
function fullSchema() {
  const extra = Object.assign({}, ...listAlgorithms().map((m) => m.configFields ?? {})) as z.ZodRawShape;
  return Object.keys(extra).length === 0 ? trainerConfigSchema : z.strictObject({ ...trainerConfigSchema.shape, ...extra });
}

/** A configuration field has a bad value, or fields contradict each other. */
export class ConfigError extends DdpoError {
  constructor(
    readonly issues: readonly { field: string; message: string }[],
  ) {
    super(`invalid training configuration:\n${issues.map((i) => `  - ${i.field}: ${i.message}`).join('\n')}`);
  }
}

/**
 * Validates a configuration and fills in defaults; throws a {@link ConfigError} listing every bad
 * field (its name, what was seen, what was expected).
 *
 * @example
 * const cfg = parseTrainerConfig({ algorithm: 'ddpo-is', numEpochs: 5, sampleBatchSize: 4, trainBatchSize: 4 });
 * cfg.trainClipRange; // 1e-4 (ddpo-pytorch's default)
 */
export function parseTrainerConfig(input: unknown): TrainerConfig {
  const res = fullSchema().safeParse(input ?? {});
  if (!res.success) {
    throw new ConfigError(
      res.error.issues.map((i) => ({ field: i.path.length > 0 ? i.path.join('.') : '(root)', message: describeIssue(i, input) })),
    );
  }
  const c = res.data as TrainerConfig;
  checkConsistency(c);
  return c;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  let seen: unknown = input;
  for (const k of issue.path) seen = seen !== null && typeof seen === 'object' ? (seen as Record<PropertyKey, unknown>)[k] : undefined;
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}; see trainerConfigSchema for the valid names`;
  return `${issue.message} (got ${JSON.stringify(seen)})`;
}

/** The batch bookkeeping ddpo-pytorch asserts at start-up (scripts/train.py), plus ours. */
function checkConsistency(c: TrainerConfig): void {
  const issues: { field: string; message: string }[] = [];
  if (c.sampleBatchSize % c.trainBatchSize !== 0) {
    issues.push({ field: 'trainBatchSize', message: `must divide sampleBatchSize (${c.sampleBatchSize}); got ${c.trainBatchSize}` });
  }
  const perEpoch = samplesPerEpoch(c);
  const perStep = c.trainBatchSize * c.trainGradientAccumulationSteps;
  if (perEpoch % perStep !== 0) {
    issues.push({
      field: 'trainGradientAccumulationSteps',
      message: `trainBatchSize * trainGradientAccumulationSteps (${perStep}) must divide the samples per epoch (sampleBatchSize * sampleNumBatchesPerEpoch = ${perEpoch})`,
    });
  }
  // The algorithm's own rules (e.g. ddpo-sf: one inner epoch).
  issues.push(...(getAlgorithm(c.algorithm).validate?.(c as TrainerConfig & Record<string, unknown>) ?? []));
  if (numTrainTimesteps(c) < 1) {
    issues.push({ field: 'trainTimestepFraction', message: `trains on floor(${c.sampleNumSteps} * ${c.trainTimestepFraction}) = 0 timesteps; expected at least 1` });
  }
  if (Array.isArray(c.loraTargets)) {
    for (const p of c.loraTargets) {
      if (!(p.length > 2 && p.startsWith('/') && p.endsWith('/'))) continue;
      try {
        new RegExp(p.slice(1, -1));
      } catch (e) {
        issues.push({ field: 'loraTargets', message: `'${p}' is not a valid regular expression (${(e as Error).message})` });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/**
 * Samples (and reward queries) per epoch: sampleBatchSize * sampleNumBatchesPerEpoch.
 *
 * @example
 * samplesPerEpoch(parseTrainerConfig({})); // 16
 */
export function samplesPerEpoch(c: TrainerConfig): number {
  return c.sampleBatchSize * c.sampleNumBatchesPerEpoch;
}

/**
 * Denoising steps trained per trajectory: floor(sampleNumSteps * trainTimestepFraction), as
 * ddpo-pytorch's `num_train_timesteps`.
 *
 * @example
 * numTrainTimesteps(parseTrainerConfig({ sampleNumSteps: 10, trainTimestepFraction: 0.5 })); // 5
 */
export function numTrainTimesteps(c: TrainerConfig): number {
  return Math.floor(c.sampleNumSteps * c.trainTimestepFraction + 1e-9);
}
