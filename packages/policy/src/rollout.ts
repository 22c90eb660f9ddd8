// Rollout options and results: what `DiffusionPolicy.rollout` takes and returns (a
// DenoisingTrajectory of @ddpo/scheduler plus images), prompt validation, and the latent -> image map.
import { tensor, type HostTensor, type Rng } from '@ddpo/tensor';
import type { DenoisingTrajectory } from '@ddpo/scheduler';
import { PolicyInputError } from './errors.js';
import type { EpsilonModel } from './model.js';

/** Arguments of `DiffusionPolicy.rollout`. */
export interface RolloutOptions {
  /** One prompt index per trajectory, in [0, numPrompts] (numPrompts = the null prompt). */
  prompts: readonly number[] | HostTensor;
  /** A seed (a fresh Rng) or a generator to draw from (advanced by the rollout). */
  seed: number | bigint | string | Rng;
  /** N denoising steps (default: the scheduler's, if set). */
  numInferenceSteps?: number;
  /** > 0: the DDIM noise level (1 in DDPO). */
  eta: number;
  /** Classifier-free guidance scale; 1 = conditional only (no doubled batch). */
  guidanceScale: number;
  /** float32 parameter values by name (fed as `param:<name>`). */
  params: Record<string, HostTensor>;
  /** Injected noise (instead of drawing it): x_T and/or each step's unit noise. */
  noise?: { initialLatent?: HostTensor; variance?: readonly HostTensor[] };
  /** Sampling dtype (default float32; float64 needs a model that builds in float64). */
  dtype?: 'float32' | 'float64';
}

/** A batch of trajectories with their log-probs, as DDPO's sampling stage records it. */
export interface Rollout extends DenoisingTrajectory {
  /** Final samples mapped to images in [0, 1]: clip(x_0 / 2 + 0.5, 0, 1) (pixel-space models). */
  readonly images: HostTensor;
  readonly guidanceScale: number;
  readonly numInferenceSteps: number;
}

/**
 * Validates prompt indices (integers in [0, numPrompts]) and returns them as int64 [B].
 *
 * @example
 * checkPrompts(model, [0, 5], undefined); // int64 [2]
 */
export function checkPrompts(model: EpsilonModel, prompts: readonly number[] | HostTensor, batch: number | undefined): HostTensor<'int64'> {
  const values = Array.isArray(prompts) ? (prompts as readonly number[]) : (prompts as HostTensor).toArray();
  if (!Array.isArray(prompts) && (prompts as HostTensor).shape.length !== 1) {
    throw new PolicyInputError(`prompts has shape [${(prompts as HostTensor).shape.join(', ')}], expected [B]`);
  }
  if (values.length === 0) throw new PolicyInputError('prompts is empty; expected at least one prompt index');
  if (batch !== undefined && values.length !== batch) throw new PolicyInputError(`${values.length} prompts given for a batch of ${batch}`);
  values.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || p > model.numPrompts) {
      throw new PolicyInputError(`prompts[${i}] = ${p} is not an integer in [0, ${model.numPrompts}] (${model.numPrompts} = the null prompt of ${model.name})`);
    }
  });
  return tensor(values.map((p) => BigInt(p)), [values.length], 'int64');
}

/**
 * Pixel-space latents in [-1, 1] to images in [0, 1] (the SD pipeline's postprocess), same dtype.
 *
 * @example
 * latentsToImages(r.finalSample); // [B, 3, 32, 32] in [0, 1]
 */
export function latentsToImages(x: HostTensor): HostTensor {
  const out = (x.data as Float32Array | Float64Array).map((v) => Math.min(Math.max(v / 2 + 0.5, 0), 1));
  return tensor(out, x.shape);
}

/** Stacks per-step [B] log-probs into [B, T] (example-major, as ddpo-pytorch's torch.stack(dim=1)). */
function stackLogProbs(steps: readonly HostTensor[], B: number): HostTensor {
  const T = steps.length;
  const f64 = steps[0]?.dtype === 'float64';
  const out = f64 ? new Float64Array(B * T) : new Float32Array(B * T);
  steps.forEach((lp, i) => {
    for (let b = 0; b < B; b++) out[b * T + i] = Number(lp.data[b]);
  });
  return tensor(out, [B, T]);
}

/** Builds the Rollout record from the per-step outputs. */
export function assembleRollout(r: {
  prompt: HostTensor<'int64'>;
  timesteps: readonly number[];
  latents: HostTensor[];
  logProbs: HostTensor[];
  eta: number;
  guidanceScale: number;
}): Rollout {
  const B = r.prompt.shape[0];
  const finalSample = r.latents[r.latents.length - 1];
  return {
    prompts: r.prompt,
    timesteps: [...r.timesteps],
    latents: r.latents,
    logProbs: stackLogProbs(r.logProbs, B),
    finalSample,
    images: latentsToImages(finalSample),
    eta: r.eta,
    guidanceScale: r.guidanceScale,
    numInferenceSteps: r.timesteps.length,
  };
}
