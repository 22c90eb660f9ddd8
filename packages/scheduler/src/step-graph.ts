// The DDIM step written once over graph tensors (DDIM, Song et al. 2021, eqs. 12 and 16), with the
// Gaussian log-probability of the transition that DDPO needs (Black et al. 2023, section 4.2).
// Per-timestep coefficients are float64 tables gathered by the timestep input, so a batch may mix
// timesteps. Any adapter evaluates the result; the host-level calls live in host-step.ts.
//
// | code                  | paper (DDIM eq. 12 / 16)         |
// | --------------------- | -------------------------------- |
// | sample                | x_t                              |
// | modelOutput, predEps  | eps_theta(x_t, t)                |
// | predOriginalSample    | f_theta(x_t, t) ("predicted x_0") |
// | alphaProdT            | alpha_t (= alpha-bar_t in DDPM)  |
// | alphaProdTPrev        | alpha_{t-1}                      |
// | stdDevT               | sigma_t(eta)                     |
// | prevSampleMean        | mu_theta(x_t, t): x_{t-1} without noise |
// | prevSample            | x_{t-1}                          |
import { cast, div, gather, isFloat, maximum, mean, minimum, mul, reshape, stopGradient, sub, add, tensor, type DType, type Sym } from '@ddpo/tensor';
import type { DDIMSchedulerConfig } from './config.js';
import { EtaError, StepInputError } from './errors.js';
import type { PrevAlphaRule, StepTables } from './tables.js';

/**
 * log(sqrt(2 pi)) in float64 (the reference takes it from a float32 pi under a float32 default dtype: +1.56e-8).
 *
 * @example
 * LOG_SQRT_2PI; // 0.9189385332046727
 */
export const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));

/** What a step graph needs from a scheduler (DDIMScheduler implements it). */
export interface StepSchedule {
  readonly config: DDIMSchedulerConfig;
  /** Coefficient tables for `eta` under `rule`; throws TimestepError before `setTimesteps`. */
  stepTables(eta: number, rule: PrevAlphaRule): StepTables;
}

/** Inputs of the DDIM step graph. Timestep: int32/int64/float [B] (one per example) or [] (shared). */
export interface DdimStepGraphInputs {
  sample: Sym;
  modelOutput: Sym;
  timestep: Sym;
  /** eta >= 0 for `ddimStepGraph`; > 0 for `ddimStepWithLogprobGraph`. */
  eta: number;
  /** Score this x_{t-1} instead of drawing one. */
  prevSample?: Sym;
  /** Unit Gaussian noise: x_{t-1} = mean + sigma_t * noise (DDIM eq. 12's sigma_t eps_t). */
  varianceNoise?: Sym;
  /** Re-derive eps from the clipped x_0 (diffusers' `use_clipped_model_output`). */
  useClippedModelOutput?: boolean;
}

/** Outputs of the step graph; per-example values are [B] (or [] for a shared [] timestep). */
export interface DdimStepGraphOutputs {
  prevSample: Sym;
  prevSampleMean: Sym;
  predOriginalSample: Sym;
  stdDevT: Sym;
}

/** ... plus the log-probability, the mean over non-batch dims of log N(x_{t-1}; mu, sigma_t^2). */
export interface DdimStepWithLogprobGraphOutputs extends DdimStepGraphOutputs {
  logProb: Sym;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function checkInputs(where: string, x: DdimStepGraphInputs): void {
  const { sample, modelOutput, timestep } = x;
  if (!isFloat(sample.dtype)) throw new StepInputError(`${where}: sample has dtype ${sample.dtype}, expected float32 or float64`);
  if (sample.rank < 1) throw new StepInputError(`${where}: sample has shape [], expected [B, ...]`);
  const others: [string, Sym | undefined][] = [['modelOutput', modelOutput], ['prevSample', x.prevSample], ['varianceNoise', x.varianceNoise]];
  for (const [name, s] of others) {
    if (s === undefined) continue;
    if (!sameShape(s.shape, sample.shape)) {
      throw new StepInputError(`${where}: ${name} has shape [${s.shape.join(', ')}], expected sample's shape [${sample.shape.join(', ')}]`);
    }
    if (s.dtype !== sample.dtype) throw new StepInputError(`${where}: ${name} has dtype ${s.dtype}, expected sample's dtype ${sample.dtype}`);
  }
  if (timestep.dtype === 'bool') throw new StepInputError(`${where}: timestep has dtype bool, expected int32, int64, float32 or float64`);
  if (!(timestep.rank === 0 || (timestep.rank === 1 && timestep.shape[0] === sample.shape[0]))) {
    throw new StepInputError(`${where}: timestep has shape [${timestep.shape.join(', ')}], expected [] or [B] = [${sample.shape[0]}]`);
  }
  if (!Number.isFinite(x.eta) || x.eta < 0) throw new StepInputError(`${where}: eta is ${x.eta}, expected a finite number >= 0`);
}

/** Gathers a float64 table (cast to `dtype`) at the timesteps: [B] or []. */
function lookup(table: Float64Array, idx: Sym, dtype: DType): Sym {
  const values = dtype === 'float32' ? Float32Array.from(table) : Float64Array.from(table);
  return gather(idx.builder.constant(tensor(values, [table.length])), idx);
}

/** A per-example [B] value reshaped to [B, 1, ..., 1] so it broadcasts against sample. */
function perExample(v: Sym, rank: number): Sym {
  return v.rank === 0 ? v : reshape(v, [v.shape[0], ...new Array<number>(rank - 1).fill(1)]);
}

/** Predicted x_0 and eps from the model output (DDIM eq. 12's "predicted x_0"; v-prediction: Salimans & Ho 2022). */
function predict(cfg: DDIMSchedulerConfig, x: Sym, out: Sym, sqrtA: Sym, sqrtB: Sym): { x0: Sym; eps: Sym } {
  switch (cfg.predictionType) {
    case 'epsilon':
      return { x0: div(sub(x, mul(sqrtB, out)), sqrtA), eps: out };
    case 'sample':
      return { x0: out, eps: div(sub(x, mul(sqrtA, out)), sqrtB) };
    case 'v_prediction':
      return { x0: sub(mul(sqrtA, x), mul(sqrtB, out)), eps: add(mul(sqrtA, out), mul(sqrtB, x)) };
    default:
      return cfg.predictionType satisfies never;
  }
}

/** The deterministic part of the step: x_0, eps and the mean of x_{t-1}, plus sigma_t per example. */
function stepMean(sched: StepSchedule, x: DdimStepGraphInputs, rule: PrevAlphaRule) {
  const { sample, modelOutput } = x;
  const dtype = sample.dtype;
  const tab = sched.stepTables(x.eta, rule);
  const idx = x.timestep.dtype === 'int64' ? x.timestep : cast(x.timestep, 'int64');
  const coef = (t: Float64Array): Sym => perExample(lookup(t, idx, dtype), sample.rank);
  const sqrtA = coef(tab.sqrtAlphaProdT);
  const sqrtB = coef(tab.sqrtBetaProdT);
  let { x0, eps } = predict(sched.config, sample, modelOutput, sqrtA, sqrtB);
  if (sched.config.clipSample) {
    const r = sched.config.clipSampleRange;
    x0 = minimum(maximum(x0, -r), r);
  }
  if (x.useClippedModelOutput) eps = div(sub(sample, mul(sqrtA, x0)), sqrtB);
  // DDIM eq. (12): sqrt(alpha_{t-1}) x_0 + sqrt(1 - alpha_{t-1} - sigma_t^2) eps.
  const prevSampleMean = add(mul(coef(tab.sqrtAlphaProdTPrev), x0), mul(coef(tab.dirCoef), eps));
  const stdRow = lookup(tab.stdDevT, idx, dtype);
  return { tab, idx, x0, prevSampleMean, stdRow, std: perExample(stdRow, sample.rank) };
}

/**
 * One DDIM step (diffusers' `DDIMScheduler.step` semantics: the last step uses finalAlphaCumprod)
 * added to the builder of `sample`. eta = 0 is deterministic; eta > 0 needs `varianceNoise`.
 *
 * @example
 * const b = new GraphBuilder();
 * const x = b.input('sample', [2, 4, 8, 8], 'float64');
 * const { prevSample } = ddimStepGraph(sched, { sample: x, modelOutput: b.input('eps', [2, 4, 8, 8], 'float64'),
 *   timestep: b.input('timestep', [2], 'int64'), eta: 0 });
 */
export function ddimStepGraph(sched: StepSchedule, x: DdimStepGraphInputs): DdimStepGraphOutputs {
  checkInputs('ddimStepGraph', x);
  if (x.prevSample !== undefined) throw new StepInputError('ddimStepGraph: prevSample is only accepted by ddimStepWithLogprobGraph');
  if (x.eta > 0 && x.varianceNoise === undefined) {
    throw new StepInputError(`ddimStepGraph: eta = ${x.eta} > 0 needs varianceNoise (noise is drawn on the host and fed to the graph)`);
  }
  const m = stepMean(sched, x, 'final');
  const prevSample = x.eta > 0 ? add(m.prevSampleMean, mul(m.std, x.varianceNoise!)) : m.prevSampleMean;
  return { prevSample, prevSampleMean: m.prevSampleMean, predOriginalSample: m.x0, stdDevT: m.stdRow };
}

/**
 * DDIM step with the exact log-probability of x_{t-1} under the step's Gaussian policy, as
 * ddpo-pytorch's `ddim_step_with_logprob`: previous timestep clamped to [0, T) (so the last step
 * uses alphasCumprod[0]); logProb[b] = MEAN over non-batch elements of
 * -(x_{t-1} - mu)^2 / (2 sigma^2) - log sigma - log sqrt(2 pi). Give `prevSample` to score a stored
 * transition (training) or `varianceNoise` to draw one (sampling); x_{t-1} is not differentiated.
 *
 * @example
 * const { prevSample, logProb } = ddimStepWithLogprobGraph(sched, { sample: x, modelOutput: eps,
 *   timestep: t, eta: 1, varianceNoise: b.input('noise', x.shape, x.dtype) }); // logProb: [B]
 */
export function ddimStepWithLogprobGraph(sched: StepSchedule, x: DdimStepGraphInputs): DdimStepWithLogprobGraphOutputs {
  if (!(x.eta > 0) || !Number.isFinite(x.eta)) throw new EtaError(x.eta, 'ddimStepWithLogprobGraph');
  checkInputs('ddimStepWithLogprobGraph', x);
  if ((x.prevSample === undefined) === (x.varianceNoise === undefined)) {
    throw new StepInputError('ddimStepWithLogprobGraph: give exactly one of prevSample (to score it) or varianceNoise (to draw x_{t-1})');
  }
  const m = stepMean(sched, x, 'clamped');
  const prevSample = x.prevSample ?? add(m.prevSampleMean, mul(m.std, x.varianceNoise!));
  const dtype = x.sample.dtype;
  const d = sub(stopGradient(prevSample), m.prevSampleMean);
  // -(x - mu)^2 / (2 sigma^2), with -1 / (2 sigma^2) from the float64 table.
  const quad = mul(mul(d, d), perExample(lookup(m.tab.negHalfInvVar, m.idx, dtype), x.sample.rank));
  const axes = Array.from({ length: x.sample.rank - 1 }, (_, k) => k + 1);
  const meanQuad = axes.length > 0 ? mean(quad, axes) : quad;
  const logProb = sub(sub(meanQuad, lookup(m.tab.logStdDevT, m.idx, dtype)), LOG_SQRT_2PI);
  return { prevSample, prevSampleMean: m.prevSampleMean, predOriginalSample: m.x0, stdDevT: m.stdRow, logProb };
}


/** What `addNoiseGraph` needs from a scheduler. */
export interface NoiseSchedule {
  readonly alphasCumprod: Float64Array;
}

/**
 * Forward diffusion q(x_t | x_0) = N(sqrt(alpha-bar_t) x_0, (1 - alpha-bar_t) I) (DDPM eq. 4), as
 * diffusers' `add_noise`: sqrt(alpha-bar_t) x_0 + sqrt(1 - alpha-bar_t) noise, t per example.
 *
 * @example
 * const xt = addNoiseGraph(sched, { originalSamples: x0, noise, timesteps: b.input('t', [B], 'int64') });
 */
export function addNoiseGraph(sched: NoiseSchedule, x: { originalSamples: Sym; noise: Sym; timesteps: Sym }): Sym {
  checkInputs('addNoiseGraph', { sample: x.originalSamples, modelOutput: x.noise, timestep: x.timesteps, eta: 0 });
  const dtype = x.originalSamples.dtype;
  const idx = x.timesteps.dtype === 'int64' ? x.timesteps : cast(x.timesteps, 'int64');
  const rank = x.originalSamples.rank;
  const sqrtA = perExample(lookup(sched.alphasCumprod.map(Math.sqrt), idx, dtype), rank);
  const sqrtB = perExample(lookup(sched.alphasCumprod.map((a) => Math.sqrt(1 - a)), idx, dtype), rank);
  return add(mul(sqrtA, x.originalSamples), mul(sqrtB, x.noise));
}
