// The benchmarked workloads, built from the packages' public APIs: the DDPO training graph
// (policy.logProbGraph + the PPO loss + gradients with respect to every parameter, as
// @ddpo/trainer's DDPOTrainer compiles it), its feeds, and tiny-unet-32 with parameters.
import { initTinyUnet32, loadTinyUnet32, tinyUnet32 } from '@ddpo/models';
import { DiffusionPolicy, paramFeeds, paramInputs, type EpsilonModel } from '@ddpo/policy';
import { ppoLossGraph } from '@ddpo/ppo';
import { DDIMScheduler, STABLE_DIFFUSION_V1_CONFIG } from '@ddpo/scheduler';
import { grad, GraphBuilder, Rng, tensor, type Graph, type HostTensor, type TensorAdapter, type TensorMap } from '@ddpo/tensor';

/** tiny-unet-32 with its shipped weights, or a seeded initialisation when none are shipped yet. */
export function loadModel(): { model: EpsilonModel; params: Record<string, HostTensor>; weights: string } {
  try {
    const { model, params } = loadTinyUnet32();
    return { model, params, weights: 'shipped' };
  } catch {
    const params = initTinyUnet32(new Rng(0));
    // The last conv starts at zero; give it values so no kernel can skip work on zeros.
    const rng = new Rng(1);
    for (const k of ['cout.weight', 'cout.bias']) {
      const v = rng.normal(params[k].shape).data as Float32Array;
      params[k] = tensor(v.map((x) => 0.01 * x), params[k].shape) as typeof params[string];
    }
    return { model: tinyUnet32(), params, weights: 'seeded init' };
  }
}

/** A policy on an adapter with the Stable Diffusion v1 DDIM schedule. */
export function makePolicy(model: EpsilonModel, adapter: TensorAdapter): DiffusionPolicy {
  return new DiffusionPolicy({ model, scheduler: new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG), adapter });
}

/** DDPO_IS training graph at batch B (inputs as DDPOTrainer's: param:*, sample, timestep, prompt, prev_sample, old_log_prob, advantages). */
export function trainingGraph(policy: DiffusionPolicy, B: number, steps: number): Graph {
  const b = new GraphBuilder();
  const model = policy.model;
  const shape = [B, ...model.sampleShape];
  const params = paramInputs(b, model);
  const x = {
    sample: b.input('sample', shape),
    timestep: b.input('timestep', [B], 'int64'),
    prompt: b.input('prompt', [B], 'int64'),
    prevSample: b.input('prev_sample', shape),
  };
  const logProb = policy.logProbGraph(params, x, { eta: 1, guidanceScale: 1, numInferenceSteps: steps });
  const loss = ppoLossGraph({ logProb, oldLogProb: b.input('old_log_prob', [B]), advantages: b.input('advantages', [B]), clipRange: 1e-4, advClipMax: 5 });
  const names = Object.keys(params);
  const grads = grad(loss.loss, names.map((n) => params[n]));
  b.output('loss', loss.loss);
  b.output('approx_kl', loss.approxKl);
  b.output('clipfrac', loss.clipfrac);
  names.forEach((n, i) => b.output(`grad:${n}`, grads[i]));
  return b.build();
}

/** Feeds for the training graph: random transitions at the schedule's timesteps. */
export function trainingFeeds(policy: DiffusionPolicy, params: Record<string, HostTensor>, B: number, steps: number, seed = 3): TensorMap {
  const rng = new Rng(seed);
  const shape = [B, ...policy.model.sampleShape];
  const ts = policy.schedulerFor(steps).timesteps;
  return {
    ...paramFeeds(policy.model, params),
    sample: rng.normal(shape),
    timestep: tensor(Array.from({ length: B }, (_, k) => BigInt(ts[k % ts.length])), [B], 'int64'),
    prompt: tensor(Array.from({ length: B }, (_, k) => BigInt(k % policy.model.numPrompts)), [B], 'int64'),
    prev_sample: rng.normal(shape),
    old_log_prob: tensor(new Float32Array(B).fill(-1), [B]),
    advantages: rng.normal([B]),
  };
}
