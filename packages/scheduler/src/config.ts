// DDIMScheduler configuration: diffusers' field names (camelCase) and diffusers' defaults, with
// validation and a round trip to diffusers' `scheduler_config.json` (snake_case) form.
import { SchedulerConfigError } from './errors.js';

/** Beta schedules of diffusers' DDIMScheduler. */
export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
/** What the network predicts: the noise, the clean sample, or v (Imagen Video section 2.4). */
export type PredictionType = 'epsilon' | 'sample' | 'v_prediction';
/** How `setTimesteps` spaces the inference timesteps (Table 2 of arXiv:2305.08891). */
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

/** A complete DDIM configuration (diffusers' `DDIMScheduler.__init__` arguments, camelCased). */
export interface DDIMSchedulerConfig {
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
  /** Explicit betas (length numTrainTimesteps); overrides betaStart/betaEnd/betaSchedule. */
  readonly trainedBetas: readonly number[] | null;
  /** Clamp the predicted x_0 to [-clipSampleRange, clipSampleRange]. diffusers' default is true; SD v1 sets false. */
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
  /** Previous alpha-bar of the last step: 1 (true) or alphasCumprod[0] (false, SD v1). */
  readonly setAlphaToOne: boolean;
  /** Added to every `leading` timestep (SD v1: 1, giving 981, 961, ..., 1 for 50 steps). */
  readonly stepsOffset: number;
  readonly predictionType: PredictionType;
  readonly timestepSpacing: TimestepSpacing;
  /** Rescale betas to zero terminal SNR (arXiv:2305.08891, Algorithm 1). */
  readonly rescaleBetasZeroSnr: boolean;
}

/**
 * diffusers' defaults for DDIMScheduler (note clipSample true and setAlphaToOne true).
 *
 * @example
 * new DDIMScheduler().config === DDIM_DEFAULTS; // false (a resolved copy), but deep-equal
 */
export const DDIM_DEFAULTS: DDIMSchedulerConfig = Object.freeze({
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  trainedBetas: null,
  clipSample: true,
  clipSampleRange: 1.0,
  setAlphaToOne: true,
  stepsOffset: 0,
  predictionType: 'epsilon',
  timestepSpacing: 'leading',
  rescaleBetasZeroSnr: false,
});

/**
 * Stable Diffusion v1's scheduler config as `DDIMScheduler.from_config` loads it (the config of the
 * DDPO reference and of the golden vectors).
 *
 * @example
 * const s = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);
 * s.setTimesteps(50); // 981, 961, ..., 1
 */
export const STABLE_DIFFUSION_V1_CONFIG: DDIMSchedulerConfig = Object.freeze({
  ...DDIM_DEFAULTS,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
  clipSample: false,
  setAlphaToOne: false,
  stepsOffset: 1,
});

const SNAKE: Record<keyof DDIMSchedulerConfig, string> = {
  numTrainTimesteps: 'num_train_timesteps',
  betaStart: 'beta_start',
  betaEnd: 'beta_end',
  betaSchedule: 'beta_schedule',
  trainedBetas: 'trained_betas',
  clipSample: 'clip_sample',
  clipSampleRange: 'clip_sample_range',
  setAlphaToOne: 'set_alpha_to_one',
  stepsOffset: 'steps_offset',
  predictionType: 'prediction_type',
  timestepSpacing: 'timestep_spacing',
  rescaleBetasZeroSnr: 'rescale_betas_zero_snr',
};

function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new SchedulerConfigError(field, `got ${JSON.stringify(v)}, expected one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return v as T;
}

function bool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new SchedulerConfigError(field, `got ${JSON.stringify(v)}, expected true or false`);
  return v;
}

function int(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new SchedulerConfigError(field, `got ${JSON.stringify(v)}, expected an integer >= ${min}`);
  }
  return v;
}

function probability(field: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0 && v < 1)) throw new SchedulerConfigError(field, `got ${JSON.stringify(v)}, expected a number in (0, 1)`);
  return v;
}

function trainedBetas(v: unknown, n: number): readonly number[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v) && !(v instanceof Float64Array) && !(v instanceof Float32Array)) {
    throw new SchedulerConfigError('trainedBetas', 'expected an array of numbers or null');
  }
  const arr = Array.from(v as ArrayLike<unknown>);
  if (arr.length !== n) throw new SchedulerConfigError('trainedBetas', `has ${arr.length} values, expected numTrainTimesteps = ${n}`);
  arr.forEach((b, i) => {
    if (typeof b !== 'number' || !(b >= 0 && b <= 1)) throw new SchedulerConfigError('trainedBetas', `value [${i}] = ${String(b)} is not in [0, 1]`);
  });
  return Object.freeze(arr as number[]);
}

/**
 * Fills diffusers' defaults into a partial config and validates every field. Unknown keys are an
 * error (a typo such as `clip_sample` in camelCase code would otherwise be silently ignored).
 *
 * @example
 * const cfg = resolveConfig({ betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 });
 * cfg.clipSample; // true: diffusers' default
 */
export function resolveConfig(partial: Partial<DDIMSchedulerConfig> = {}): DDIMSchedulerConfig {
  for (const key of Object.keys(partial)) {
    if (!(key in SNAKE)) throw new SchedulerConfigError(key, `unknown field; known fields are ${Object.keys(SNAKE).join(', ')}`);
  }
  const c = { ...DDIM_DEFAULTS, ...dropUndefined(partial) };
  const numTrainTimesteps = int('numTrainTimesteps', c.numTrainTimesteps, 2);
  const cfg: DDIMSchedulerConfig = {
    numTrainTimesteps,
    betaStart: probability('betaStart', c.betaStart),
    betaEnd: probability('betaEnd', c.betaEnd),
    betaSchedule: oneOf('betaSchedule', c.betaSchedule, ['linear', 'scaled_linear', 'squaredcos_cap_v2'] as const),
    trainedBetas: trainedBetas(c.trainedBetas, numTrainTimesteps),
    clipSample: bool('clipSample', c.clipSample),
    clipSampleRange: c.clipSampleRange,
    setAlphaToOne: bool('setAlphaToOne', c.setAlphaToOne),
    stepsOffset: int('stepsOffset', c.stepsOffset, 0),
    predictionType: oneOf('predictionType', c.predictionType, ['epsilon', 'sample', 'v_prediction'] as const),
    timestepSpacing: oneOf('timestepSpacing', c.timestepSpacing, ['leading', 'trailing', 'linspace'] as const),
    rescaleBetasZeroSnr: bool('rescaleBetasZeroSnr', c.rescaleBetasZeroSnr),
  };
  if (typeof cfg.clipSampleRange !== 'number' || !(cfg.clipSampleRange > 0) || !Number.isFinite(cfg.clipSampleRange)) {
    throw new SchedulerConfigError('clipSampleRange', `got ${JSON.stringify(cfg.clipSampleRange)}, expected a finite number > 0`);
  }
  if (cfg.stepsOffset >= numTrainTimesteps) {
    throw new SchedulerConfigError('stepsOffset', `got ${cfg.stepsOffset}, expected < numTrainTimesteps (${numTrainTimesteps})`);
  }
  return Object.freeze(cfg);
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Reads diffusers' snake_case `scheduler_config.json` (e.g. Stable Diffusion's). Keys that
 * DDIMScheduler does not use (`_class_name`, `skip_prk_steps`, ...) are ignored, as
 * `DDIMScheduler.from_config` does; `thresholding: true` is rejected (not implemented).
 *
 * @example
 * const cfg = fromDiffusersConfig({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012,
 *   clip_sample: false, set_alpha_to_one: false, steps_offset: 1 });
 */
export function fromDiffusersConfig(json: Record<string, unknown>): DDIMSchedulerConfig {
  if (json.thresholding === true) throw new SchedulerConfigError('thresholding', 'dynamic thresholding is not implemented; expected false');
  const partial: Record<string, unknown> = {};
  for (const [camel, snake] of Object.entries(SNAKE)) {
    if (json[snake] !== undefined) partial[camel] = json[snake];
  }
  return resolveConfig(partial as Partial<DDIMSchedulerConfig>);
}

/**
 * Writes a config in diffusers' snake_case form (loadable by `DDIMScheduler.from_config`).
 *
 * @example
 * toDiffusersConfig(STABLE_DIFFUSION_V1_CONFIG).steps_offset; // 1
 */
export function toDiffusersConfig(cfg: DDIMSchedulerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { _class_name: 'DDIMScheduler' };
  for (const [camel, snake] of Object.entries(SNAKE)) {
    const v = cfg[camel as keyof DDIMSchedulerConfig];
    out[snake] = Array.isArray(v) ? [...v] : v;
  }
  out.thresholding = false;
  return out;
}
