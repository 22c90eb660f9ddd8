// Sampling for training: rollouts of the DiffusionPolicy (@ddpo/policy) in batches of
// sampleBatchSize, with the run's DDIM settings, gathered into one EpochSamples buffer.
import { DiffusionPolicy, type EpsilonModel } from '@ddpo/policy';
import { DDIMScheduler, STABLE_DIFFUSION_V1_CONFIG } from '@ddpo/scheduler';
import { HostTensor, type Rng, type TensorAdapter } from '@ddpo/tensor';
import type { TrainerConfig } from './config.js';
import type { Progress } from './progress.js';
import type { EpochSamples } from './samples.js';


/**
 * Samples trajectories with the current parameters, batch by batch, into an EpochSamples buffer.
 *
 * @example
 * const sampler = new PolicySampler(model, adapter, config);
 * const s = await sampler.sample(params, [0, 5, 5, 9], rng, progress, 'epoch 0 sampling');
 */
export class PolicySampler {
  readonly policy: DiffusionPolicy;

  constructor(
    readonly model: EpsilonModel,
    adapter: TensorAdapter,
    readonly config: TrainerConfig,
    scheduler: DDIMScheduler = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG),
  ) {
    this.policy = new DiffusionPolicy({ model, scheduler, adapter });
  }

  /** Nothing to precompile: rollout graphs are compiled on first use and cached by the policy. */
  async init(): Promise<void> {}

  /** The DDIM scheduler set to sampleNumSteps (shared with the training graph). */
  get scheduler(): DDIMScheduler {
    return this.policy.schedulerFor(this.config.sampleNumSteps);
  }

  /**
   * Rolls out one trajectory per prompt index, `sampleBatchSize` at a time (the last batch may be
   * smaller), drawing all noise from `rng`. Rewards and advantages are left empty.
   */
  async sample(params: Record<string, HostTensor>, prompts: readonly number[], rng: Rng, progress: Progress, label: string, names?: (i: number) => string): Promise<EpochSamples> {
    const c = this.config;
    const T = c.sampleNumSteps;
    const shape = this.model.sampleShape;
    const d = shape.reduce((a, b) => a * b, 1);
    const n = prompts.length;
    const latents = new Float32Array(n * (T + 1) * d);
    const timesteps = new Float32Array(n * T);
    const logProbs = new Float32Array(n * T);
    const images = new Float32Array(n * d);
    progress.begin(label, Math.ceil(n / c.sampleBatchSize));
    for (let start = 0; start < n; start += c.sampleBatchSize) {
      const batch = prompts.slice(start, start + c.sampleBatchSize);
      const r = await this.policy.rollout({ prompts: batch, seed: rng, numInferenceSteps: T, eta: c.sampleEta, guidanceScale: c.sampleGuidanceScale, params });
      const lp = r.logProbs.data as Float32Array;
      for (let k = 0; k < batch.length; k++) {
        const i = start + k;
        for (let j = 0; j <= T; j++) latents.set((r.latents[j].data as Float32Array).subarray(k * d, (k + 1) * d), (i * (T + 1) + j) * d);
        for (let j = 0; j < T; j++) {
          timesteps[i * T + j] = r.timesteps[j];
          logProbs[i * T + j] = lp[k * T + j];
        }
      }
      images.set(r.images.data as Float32Array, start * d);
      progress.tick();
    }
    progress.end();
    return {
      n,
      steps: T,
      sampleShape: shape,
      prompts: Int32Array.from(prompts),
      promptNames: prompts.map((p) => (names ? names(p) : String(p))),
      latents,
      timesteps,
      logProbs,
      images: new HostTensor('float32', [n, ...shape], images),
      rewards: new Float64Array(n),
      advantages: new Float64Array(n),
    };
  }
}

/** Options of {@link sampleImages}. */
export interface SampleImagesOptions {
  model: EpsilonModel;
  params: Record<string, HostTensor>;
  adapter: TensorAdapter;
  /** One prompt index per image. */
  prompts: readonly number[];
  seed: number;
  numInferenceSteps: number;
  eta: number;
  guidanceScale: number;
}

/**
 * Samples images [B, 3, H, W] in [0, 1] with the DDIM sampler of Stable Diffusion v1's schedule
 * (what training samples with), in one batch.
 *
 * @example
 * const images = await sampleImages({ model, params, adapter, prompts: [0, 5], seed: 1, numInferenceSteps: 20, eta: 1, guidanceScale: 3 });
 */
export async function sampleImages(o: SampleImagesOptions): Promise<HostTensor<'float32'>> {
  const policy = new DiffusionPolicy({ model: o.model, scheduler: new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG), adapter: o.adapter });
  const r = await policy.rollout({ prompts: o.prompts, seed: o.seed, numInferenceSteps: o.numInferenceSteps, eta: o.eta, guidanceScale: o.guidanceScale, params: o.params });
  return r.images as HostTensor<'float32'>;
}
