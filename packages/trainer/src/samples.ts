// One epoch's trajectories, stored flat on the host: per sample its prompt, every latent x_t, the
// timesteps and the rollout's log-probs, its image and reward. Training reads mini-batches from it
// after the reference's two shuffles (scripts/train.py): samples along the batch dimension, and the
// order of timesteps independently for each sample.
import { HostTensor, type Rng } from '@ddpo/tensor';

/** Trajectories of N samples with T denoising steps each, latents of D elements. */
export interface EpochSamples {
  n: number;
  steps: number;
  /** Per-sample latent shape, e.g. [3, 32, 32]. */
  sampleShape: readonly number[];
  /** Prompt index per sample [N]. */
  prompts: Int32Array;
  /** Prompt string per sample (what the reward sees). */
  promptNames: string[];
  /** x_T, ..., x_0 per sample: [N, T + 1, D] flat. */
  latents: Float32Array;
  /** Timestep of each step per sample [N, T] (the scheduler's t, e.g. 901, 801, ..., 1). */
  timesteps: Float32Array;
  /** log pi(x_{t-1} | x_t) of the rollout [N, T] (mean over elements, as ddpo-pytorch). */
  logProbs: Float32Array;
  /** Final images [N, 3, H, W] in [0, 1]. */
  images: HostTensor<'float32'>;
  rewards: Float64Array;
  advantages: Float64Array;
}

/** Elements per latent. */
export function latentSize(s: EpochSamples): number {
  let d = 1;
  for (const k of s.sampleShape) d *= k;
  return d;
}

/**
 * The training order of one inner epoch: a permutation of samples, and for each (shuffled) sample
 * a permutation of its timesteps — the two `torch.randperm` shuffles of ddpo-pytorch's train.py.
 *
 * @example
 * const order = shuffleOrder(rng, 32, 10);
 * order.samples[0];        // which sample comes first
 * order.timesteps[0][0];   // which of its steps is trained first
 */
export function shuffleOrder(rng: Rng, n: number, steps: number): { samples: Int32Array; timesteps: Int32Array[] } {
  const samples = rng.permutation(n).data;
  const timesteps = Array.from({ length: n }, () => rng.permutation(steps).data);
  return { samples, timesteps };
}

/** One training micro-batch at one (shuffled) timestep position j, gathered into host tensors. */
export interface StepBatch {
  sample: HostTensor<'float32'>;
  prevSample: HostTensor<'float32'>;
  timestep: HostTensor<'int64'>;
  prompt: HostTensor<'int64'>;
  oldLogProb: HostTensor<'float32'>;
  advantages: HostTensor<'float32'>;
}

/**
 * Gathers samples `idx` at their own timestep positions `pos[k]` (after the per-sample time shuffle):
 * x_t, x_{t-1}, t, prompt, the rollout log-prob and the advantage.
 *
 * @example
 * const b = gatherStep(samples, [3, 1], [7, 2]); // sample 3 at step 7, sample 1 at step 2
 */
export function gatherStep(s: EpochSamples, idx: ArrayLike<number>, pos: ArrayLike<number>): StepBatch {
  const b = idx.length;
  const d = latentSize(s);
  const T = s.steps;
  const sample = new Float32Array(b * d);
  const prev = new Float32Array(b * d);
  const t = new BigInt64Array(b);
  const prompt = new BigInt64Array(b);
  const old = new Float32Array(b);
  const adv = new Float32Array(b);
  for (let k = 0; k < b; k++) {
    const i = idx[k];
    const j = pos[k];
    sample.set(s.latents.subarray((i * (T + 1) + j) * d, (i * (T + 1) + j + 1) * d), k * d);
    prev.set(s.latents.subarray((i * (T + 1) + j + 1) * d, (i * (T + 1) + j + 2) * d), k * d);
    t[k] = BigInt(s.timesteps[i * T + j]);
    prompt[k] = BigInt(s.prompts[i]);
    old[k] = s.logProbs[i * T + j];
    adv[k] = s.advantages[i];
  }
  const shape = [b, ...s.sampleShape];
  return {
    sample: new HostTensor('float32', shape, sample),
    prevSample: new HostTensor('float32', shape, prev),
    timestep: new HostTensor('int64', [b], t),
    prompt: new HostTensor('int64', [b], prompt),
    oldLogProb: new HostTensor('float32', [b], old),
    advantages: new HostTensor('float32', [b], adv),
  };
}

/**
 * The final latents x_0 (model space, about [-1, 1]) of samples `idx`: what RWR regresses on.
 *
 * @example
 * const x0 = finalLatents(samples, [0, 1, 2, 3]); // [4, 3, 32, 32]
 */
export function finalLatents(s: EpochSamples, idx: ArrayLike<number>): HostTensor<'float32'> {
  const d = latentSize(s);
  const T = s.steps;
  const out = new Float32Array(idx.length * d);
  for (let k = 0; k < idx.length; k++) out.set(s.latents.subarray((idx[k] * (T + 1) + T) * d, (idx[k] * (T + 1) + T + 1) * d), k * d);
  return new HostTensor('float32', [idx.length, ...s.sampleShape], out);
}
