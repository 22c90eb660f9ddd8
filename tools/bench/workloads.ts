// The benchmarked workloads, built from the packages' public APIs: the DDPO training graph
// (@ddpo/trainer's own ddpoTrainingGraph: policy.logProbGraph + the PPO loss + gradients with
// respect to every parameter), its feeds, and tiny-unet-32 with parameters.
import { initTinyUnet32, loadTinyUnet32, tinyUnet32 } from '@ddpo/models';
import { DiffusionPolicy, paramFeeds, withLora, type EpsilonModel, type LoraModel } from '@ddpo/policy';
import { DDIMScheduler, STABLE_DIFFUSION_V1_CONFIG } from '@ddpo/scheduler';
import { ddpoTrainingGraph, type DdpoGraphConfig, type TrainerConfigInput } from '@ddpo/trainer';
import { Rng, tensor, type Graph, type HostTensor, type TensorAdapter, type TensorMap } from '@ddpo/tensor';

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

/** The LoRA row's model: rank 4 on the attention projections (the trainer's LoRA defaults). */
export function benchLoraModel(model: EpsilonModel): LoraModel {
  return withLora(model, { rank: 4, targets: 'attention' });
}

/** A policy on an adapter with the Stable Diffusion v1 DDIM schedule. */
export function makePolicy(model: EpsilonModel, adapter: TensorAdapter): DiffusionPolicy {
  return new DiffusionPolicy({ model, scheduler: new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG), adapter });
}

/** Sizes of a full run and of --quick. */
export function benchSizes(quick: boolean) {
  return quick
    ? { gemmN: 256, fwdBatch: 4, sampleBatch: 4, steps: 2, trainBatch: 4, epochs: 1, reps: 2 }
    : { gemmN: 1024, fwdBatch: 32, sampleBatch: 32, steps: 20, trainBatch: 16, epochs: 2, reps: 5 };
}

/** Sizes of one benchmark run. */
export type BenchSizes = ReturnType<typeof benchSizes>;

/** The trainer config of the "DDPO epoch" row: one batch of sampleBatch trajectories, trained at trainBatch. */
export function epochConfig(sz: BenchSizes): TrainerConfigInput {
  return { sampleBatchSize: sz.sampleBatch, sampleNumBatchesPerEpoch: 1, sampleNumSteps: sz.steps, sampleGuidanceScale: 1, trainBatchSize: sz.trainBatch };
}

/**
 * DDPO_IS training graph at batch B, exactly as DDPOTrainer compiles it (eta 1, no guidance, clip
 * 1e-4, adv clip 5). Only the fields the graph depends on are given: a whole trainer config would
 * have to satisfy the batch bookkeeping of a run that this graph is not part of.
 */
export function trainingGraph(policy: DiffusionPolicy, B: number, steps: number): Graph {
  const config: DdpoGraphConfig = { algorithm: 'ddpo-is', trainBatchSize: B, sampleNumSteps: steps, sampleEta: 1, sampleGuidanceScale: 1, trainCfg: false, trainClipRange: 1e-4, trainAdvClipMax: 5 };
  return ddpoTrainingGraph(policy, config);
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
