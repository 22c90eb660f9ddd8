// DDIMScheduler: the schedule state of diffusers' DDIMScheduler (betas, alphasCumprod,
// finalAlphaCumprod, timesteps) with `setTimesteps`, plus host-level `step` and `addNoise` that
// build the graph of step-graph.ts and run it on the reference interpreter.
import type { HostTensor, Rng } from '@ddpo/tensor';
import { betaSchedule, cumprodAlphas } from './betas.js';
import { resolveConfig, toDiffusersConfig, fromDiffusersConfig, type DDIMSchedulerConfig } from './config.js';
import { TimestepError } from './errors.js';
import { addNoiseHost, ddimStepHost, type HostTimestep } from './host-step.js';
import { stepTables, type PrevAlphaRule, type StepTables } from './tables.js';
import { inferenceTimesteps } from './timesteps.js';

/** Options of the host-level `step` (diffusers' `DDIMScheduler.step`). */
export interface DDIMStepOptions {
  /** eta >= 0 (default 0: deterministic DDIM). */
  eta?: number;
  /** Unit Gaussian noise for eta > 0 (or give `generator`). */
  varianceNoise?: HostTensor;
  /** Draws the variance noise when eta > 0 and no `varianceNoise` is given. */
  generator?: Rng;
  useClippedModelOutput?: boolean;
}

/**
 * The DDIM noise schedule and its inference timesteps, with diffusers' config names and defaults.
 *
 * @example
 * const s = new DDIMScheduler({ betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear',
 *   setAlphaToOne: false, stepsOffset: 1, clipSample: false });
 * s.setTimesteps(50);
 * s.timesteps; // [981, 961, ..., 21, 1]
 */
export class DDIMScheduler {
  readonly config: DDIMSchedulerConfig;
  /** beta_t, float64 [T]. */
  readonly betas: Float64Array;
  /** 1 - beta_t. */
  readonly alphas: Float64Array;
  /** alpha-bar_t = prod (1 - beta_s), float64 [T]. */
  readonly alphasCumprod: Float64Array;
  /** The previous alpha-bar of the last step in diffusers' `step`: 1 or alphasCumprod[0]. */
  readonly finalAlphaCumprod: number;
  /** Standard deviation of the initial noise x_T ~ N(0, I). */
  readonly initNoiseSigma = 1;
  private steps: number | null = null;
  private ts: readonly number[];
  private readonly tableCache = new Map<string, StepTables>();

  constructor(config: Partial<DDIMSchedulerConfig> = {}) {
    this.config = resolveConfig(config);
    this.betas = betaSchedule(this.config);
    this.alphas = this.betas.map((b) => 1 - b);
    this.alphasCumprod = cumprodAlphas(this.betas);
    this.finalAlphaCumprod = this.config.setAlphaToOne ? 1 : this.alphasCumprod[0];
    this.ts = Object.freeze(Array.from({ length: this.config.numTrainTimesteps }, (_, i) => this.config.numTrainTimesteps - 1 - i));
  }

  /** A scheduler from diffusers' snake_case `scheduler_config.json`. */
  static fromDiffusersConfig(json: Record<string, unknown>): DDIMScheduler {
    return new DDIMScheduler(fromDiffusersConfig(json));
  }

  /** The config in diffusers' snake_case form. */
  toDiffusersConfig(): Record<string, unknown> {
    return toDiffusersConfig(this.config);
  }

  /** A fresh scheduler with the same config (and the same inference steps, if set). */
  clone(): DDIMScheduler {
    const s = new DDIMScheduler(this.config);
    if (this.steps !== null) s.setTimesteps(this.steps);
    return s;
  }

  /** Sets the inference timesteps for `n` steps (see `inferenceTimesteps` for the spacings). */
  setTimesteps(n: number): void {
    this.ts = Object.freeze(inferenceTimesteps(this.config, n));
    this.steps = n;
    this.tableCache.clear();
  }

  /** N, or null before `setTimesteps`. */
  get numInferenceSteps(): number | null {
    return this.steps;
  }

  /** The inference timesteps, descending (all T training timesteps before `setTimesteps`). */
  get timesteps(): readonly number[] {
    return this.ts;
  }

  /** T // N: how far back one step goes (diffusers uses it for every spacing). */
  get stepRatio(): number {
    if (this.steps === null) throw new TimestepError('DDIMScheduler: call setTimesteps(numInferenceSteps) before stepping');
    return Math.floor(this.config.numTrainTimesteps / this.steps);
  }

  /** The raw previous timestep t - T // N (negative at the last step of `leading` spacing without offset). */
  prevTimestep(t: number): number {
    return t - this.stepRatio;
  }

  /** Per-timestep coefficient tables for `eta` (cached until the next `setTimesteps`). */
  stepTables(eta: number, rule: PrevAlphaRule): StepTables {
    const key = `${eta}|${rule}`;
    let tab = this.tableCache.get(key);
    if (tab === undefined) {
      tab = stepTables(this, eta, rule);
      this.tableCache.set(key, tab);
    }
    return tab;
  }

  /** DDIM needs no input scaling; kept for interchangeability with other schedulers. */
  scaleModelInput(sample: HostTensor): HostTensor {
    return sample;
  }

  /**
   * diffusers' `DDIMScheduler.step` on host tensors (float32 or float64, dtype kept): x_{t-1} from
   * x_t and the model output. No log-probability: see `ddimStepWithLogprob`.
   *
   * @example
   * const { prevSample } = s.step(eps, 981, xt, { eta: 0 });
   */
  step(modelOutput: HostTensor, timestep: HostTimestep, sample: HostTensor, opts: DDIMStepOptions = {}): { prevSample: HostTensor; predOriginalSample: HostTensor } {
    return ddimStepHost(this, modelOutput, timestep, sample, opts);
  }

  /**
   * Forward diffusion q(x_t | x_0): sqrt(alpha-bar_t) x_0 + sqrt(1 - alpha-bar_t) noise (DDPM eq. 4).
   *
   * @example
   * const xt = s.addNoise(x0, noise, [999, 10]);   // one timestep per batch element
   */
  addNoise(originalSamples: HostTensor, noise: HostTensor, timesteps: HostTimestep): HostTensor {
    return addNoiseHost(this, originalSamples, noise, timesteps);
  }
}
