// Prompt fidelity of a shapes-32 model: the share of its samples that the shapes-32 classifier
// assigns to their own prompt, per prompt and averaged. Also a plain sampler for tiny-unet-32
// (DDIM from @ddpo/scheduler, classifier-free guidance), built as one ORT-ready graph per
// (batch, steps, guidance, eta), so @ddpo/models needs nothing from @ddpo/policy.
import { DDIMScheduler, ddimStepGraph, STABLE_DIFFUSION_V1_CONFIG } from '@ddpo/scheduler';
import {
  add, concat, DdpoError, GraphBuilder, HostTensor, mul, Rng, slice, sub, tensor, type Graph, type TensorAdapter,
} from '@ddpo/tensor';
import type { Shapes32ClassifierParams } from './classifier.js';
import { classifyShapes32 } from './classifier-file.js';
import { PROMPTS } from './prompts.js';
import { paramFeeds, paramInputs, type EpsilonModel } from '@ddpo/policy';
import { tinyUnet32 } from './tinyUnet32.js';

/** Invalid input to the fidelity measurement or the sampler. */
export class FidelityError extends DdpoError {}

/** Prompt fidelity: per prompt and averaged over the prompts that have samples. */
export interface PromptFidelity {
  /** Share of each prompt's images classified as that prompt (NaN for a prompt without images). */
  perPrompt: number[];
  /** Images per prompt. */
  counts: number[];
  /** Mean of perPrompt over prompts with images (the "averaged over the 16 prompts"). */
  mean: number;
  /** Share of all images classified as their prompt. */
  overall: number;
  /** The classifier's answer per image. */
  predicted: Int32Array;
}

/**
 * Classifies `images` ([N, 3, 32, 32] in [-1, 1]) and compares with their prompt indices.
 *
 * @example
 * const { images, prompts } = generateShapes32({ seed: 9, count: 160 });
 * const f = await promptFidelity({ images, prompts }); // f.mean close to 1 on real data
 */
export async function promptFidelity(opts: { images: HostTensor; prompts: ArrayLike<number>; adapter?: TensorAdapter; classifier?: Shapes32ClassifierParams }): Promise<PromptFidelity> {
  const n = opts.images.shape[0];
  if (opts.prompts.length !== n) throw new FidelityError(`promptFidelity: ${opts.prompts.length} prompts for ${n} images`);
  const predicted = await classifyShapes32(opts.images, opts.adapter, opts.classifier);
  const counts = new Array<number>(PROMPTS.length).fill(0);
  const hits = new Array<number>(PROMPTS.length).fill(0);
  for (let i = 0; i < n; i++) {
    const p = opts.prompts[i];
    if (!Number.isInteger(p) || p < 0 || p >= PROMPTS.length) throw new FidelityError(`promptFidelity: prompt ${i} is ${p}, expected an index in [0, ${PROMPTS.length})`);
    counts[p]++;
    if (predicted[i] === p) hits[p]++;
  }
  const perPrompt = counts.map((c, k) => (c > 0 ? hits[k] / c : NaN));
  const present = perPrompt.filter((v) => !Number.isNaN(v));
  return {
    perPrompt,
    counts,
    mean: present.reduce((a, v) => a + v, 0) / Math.max(1, present.length),
    overall: hits.reduce((a, v) => a + v, 0) / Math.max(1, n),
    predicted,
  };
}

/** Options of {@link sampleTinyUnet32}. */
export interface SampleOptions {
  /** tiny-unet-32 parameters (e.g. the EMA weights of a checkpoint). */
  params: Record<string, HostTensor>;
  /** One prompt index per image. */
  prompts: ArrayLike<number>;
  adapter: TensorAdapter;
  /** DDIM steps (default 20). */
  steps?: number;
  /** Classifier-free guidance scale (default 3; 1 = conditional only, no null-prompt pass). */
  guidance?: number;
  /** DDIM eta (default 0). */
  eta?: number;
  /** Seed of the initial and the step noise (default 0). */
  seed?: number;
  /** Images per graph run (default 32). */
  batchSize?: number;
}

/**
 * The sampling graph: one DDIM step with classifier-free guidance, eps = eps_u + g (eps_c - eps_u)
 * (Ho & Salimans 2022, eq. 6), both passes in one doubled batch. Inputs sample, timestep (float [B]),
 * prompt (int64 [B]), noise (when eta > 0), param:*; output prev_sample.
 */
function stepGraph(model: EpsilonModel, sched: DDIMScheduler, batch: number, guidance: number, eta: number): Graph {
  const b = new GraphBuilder();
  const params = paramInputs(b, model);
  const sample = b.input('sample', [batch, ...model.sampleShape]);
  const timestep = b.input('timestep', [batch]);
  const prompt = b.input('prompt', [batch], 'int64');
  let eps: ReturnType<typeof b.input>;
  if (guidance === 1) {
    eps = model.apply(params, sample, timestep, prompt);
  } else {
    // The null prompt is index P (numPrompts), the extra row of the prompt embedding.
    const nulls = b.constant(tensor(new BigInt64Array(batch).fill(BigInt(model.numPrompts)), [batch], 'int64'));
    const both = model.apply(params, concat([sample, sample], 0), concat([timestep, timestep], 0), concat([prompt, nulls], 0));
    const cond = slice(both, [0], [batch], [0]);
    const uncond = slice(both, [batch], [2 * batch], [0]);
    eps = add(uncond, mul(sub(cond, uncond), guidance));
  }
  const noise = eta > 0 ? b.input('noise', sample.shape) : undefined;
  const { prevSample } = ddimStepGraph(sched, { sample, modelOutput: eps, timestep, eta, varianceNoise: noise });
  b.output('prev_sample', prevSample);
  return b.build();
}

const graphs = new Map<string, Graph>();

/**
 * Samples tiny-unet-32 with DDIM (Stable Diffusion v1's schedule: steps_offset 1, final alpha
 * alphas_cumprod[0]) and classifier-free guidance; returns images [N, 3, 32, 32] clipped to [-1, 1].
 * Image i draws its initial and step noise from stream i of the seed, so an image does not depend
 * on the batch it is sampled in (up to float rounding).
 *
 * @example
 * const images = await sampleTinyUnet32({ params, prompts: [0, 5, 10, 15], adapter, steps: 20, guidance: 3, eta: 1 });
 */
export async function sampleTinyUnet32(opts: SampleOptions): Promise<HostTensor<'float32'>> {
  const steps = opts.steps ?? 20, guidance = opts.guidance ?? 3, eta = opts.eta ?? 0, size = opts.batchSize ?? 32;
  if (!(guidance >= 0) || !(eta >= 0)) throw new FidelityError(`sampleTinyUnet32: guidance ${guidance} and eta ${eta} must be >= 0`);
  const model = tinyUnet32();
  const sched = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);
  sched.setTimesteps(steps);
  const n = opts.prompts.length;
  const per = 3 * 32 * 32;
  const out = new Float32Array(n * per);
  const root = new Rng(opts.seed ?? 0);
  const feeds = paramFeeds(model, opts.params);
  for (let s = 0; s < n; s += size) {
    const m = Math.min(size, n - s);
    const key = `${m}|${steps}|${guidance}|${eta}`;
    if (!graphs.has(key)) graphs.set(key, stepGraph(model, sched, m, guidance, eta));
    const compiled = await opts.adapter.compile(graphs.get(key)!);
    const rngs = Array.from({ length: m }, (_, i) => root.fork(s + i));
    let x = stackNoise(rngs);
    const prompt = new HostTensor('int64', [m], BigInt64Array.from({ length: m }, (_, i) => BigInt(opts.prompts[s + i])));
    for (const t of sched.timesteps) {
      const feed: Record<string, HostTensor> = { sample: x, timestep: new HostTensor('float32', [m], new Float32Array(m).fill(t)), prompt, ...feeds };
      if (eta > 0) feed.noise = stackNoise(rngs);
      x = (await compiled.run(feed)).prev_sample as HostTensor<'float32'>;
    }
    out.set(x.data.map((v) => Math.min(1, Math.max(-1, v))), s * per);
  }
  return new HostTensor('float32', [n, 3, 32, 32], out);
}

/** One unit-Gaussian image [3, 32, 32] from each generator, stacked [B, 3, 32, 32]. */
function stackNoise(rngs: Rng[]): HostTensor<'float32'> {
  const per = 3 * 32 * 32;
  const data = new Float32Array(rngs.length * per);
  rngs.forEach((r, i) => data.set(r.normal([per]).data as Float32Array, i * per));
  return new HostTensor('float32', [rngs.length, 3, 32, 32], data);
}
