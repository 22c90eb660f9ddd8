// The benchmark's sections: tiny-unet-32 forward (ours and the PyTorch export, raw in ORT),
// sampling through DiffusionPolicy.rollout, the DDPO training step (full and LoRA), and whole DDPO epochs through
// @ddpo/trainer. Each returns plain numbers; bench.ts prints and saves them.
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { PROMPTS, tinyUnet32Graph } from '@ddpo/models';
import { initLoraAdapters, paramFeeds } from '@ddpo/policy';
import { jpegCompressibility } from '@ddpo/rewards';
import { Rng, tensor, type HostTensor, type TensorMap } from '@ddpo/tensor';
import { toOrtTensor, type OnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { DDPOTrainer, silentProgress, type TrainerConfigInput } from '@ddpo/trainer';
import { rateOf, timed, type GemmProbe, type Rate } from './measure.js';
import { graphFlops } from './flops.js';
import { benchLoraModel, makePolicy, trainingFeeds, trainingGraph } from './workloads.js';
import type { EpsilonModel } from '@ddpo/policy';

/** What every section needs. */
export interface Ctx {
  adapter: OnnxRuntimeAdapter;
  gemm: GemmProbe;
  model: EpsilonModel;
  params: Record<string, HostTensor>;
  /** FLOPs of one tiny-unet-32 forward of one image. */
  fwdFlop: number;
  reps: number;
}

function forwardFeeds(B: number): TensorMap {
  const rng = new Rng(11);
  return {
    sample: rng.normal([B, 3, 32, 32]),
    timestep: tensor(Array.from({ length: B }, (_, k) => (k * 37) % 1000), [B]),
    prompt: tensor(Array.from({ length: B }, (_, k) => BigInt(k % 17)), [B], 'int64'),
  };
}

/** Our lowered forward of tiny-unet-32 at batch B, through the adapter. */
export async function forwardOurs(c: Ctx, B: number): Promise<Rate> {
  const compiled = await c.adapter.compile(tinyUnet32Graph(B, { numPrompts: c.model.numPrompts }));
  const feeds = { ...forwardFeeds(B), ...paramFeeds(c.model, c.params) };
  return rateOf(c.gemm, () => compiled.run(feeds), B * c.fwdFlop, c.reps);
}

/** The PyTorch export of the same network, raw in an ort.InferenceSession (the reference point). */
export async function forwardTorch(c: Ctx, B: number, file: string): Promise<Rate | undefined> {
  if (!fs.existsSync(file)) return undefined;
  const session = await ort.InferenceSession.create(new Uint8Array(fs.readFileSync(file)), c.adapter.sessionOptions);
  const feeds = Object.fromEntries(Object.entries(forwardFeeds(B)).map(([k, v]) => [k, toOrtTensor(v)]));
  const r = await rateOf(c.gemm, () => session.run(feeds), B * c.fwdFlop, c.reps);
  await session.release();
  return r;
}

/** Sampling: one rollout of B trajectories, `steps` DDIM steps, no guidance. */
export async function sampling(c: Ctx, B: number, steps: number): Promise<Rate> {
  const policy = makePolicy(c.model, c.adapter);
  const prompts = Array.from({ length: B }, (_, k) => k % c.model.numPrompts);
  let seed = 0;
  const run = () => policy.rollout({ prompts, seed: seed++, numInferenceSteps: steps, eta: 1, guidanceScale: 1, params: c.params });
  return rateOf(c.gemm, run, B * steps * c.fwdFlop, c.reps);
}

/** One DDPO training step (log-prob + PPO loss + gradients) on B transitions; forward + backward counted as 3 forwards. */
export async function training(c: Ctx, B: number, steps: number): Promise<Rate> {
  const policy = makePolicy(c.model, c.adapter);
  const compiled = await c.adapter.compile(trainingGraph(policy, B, steps));
  const feeds = trainingFeeds(policy, c.params, B, steps);
  return rateOf(c.gemm, () => compiled.run(feeds), 3 * B * c.fwdFlop, c.reps);
}

/**
 * The DDPO training step with LoRA (rank 4 on the attention projections): only the adapters are
 * differentiated, so the frozen weights' gradients are not in the graph. Its FLOPs are counted on
 * the traced graph itself (graphFlops), i.e. the work actually done, and returned as `flop`.
 */
export async function trainingLora(c: Ctx, B: number, steps: number): Promise<Rate & { flop: number }> {
  const model = benchLoraModel(c.model);
  const policy = makePolicy(model, c.adapter);
  const graph = trainingGraph(policy, B, steps);
  const flop = graphFlops(graph);
  const compiled = await c.adapter.compile(graph);
  const feeds = trainingFeeds(policy, { ...c.params, ...initLoraAdapters(model, new Rng(0)) }, B, steps);
  return { ...(await rateOf(c.gemm, () => compiled.run(feeds), flop, c.reps)), flop };
}

/** Figures of whole DDPO epochs. */
export interface EpochResult {
  /** Median wall seconds of the timed epochs (the first, which compiles, is not timed). */
  seconds: number;
  /** Process CPU seconds (all threads) of that same epoch. */
  cpuSeconds: number;
  sampling: number;
  rewarding: number;
  training: number;
  /** Counted FLOPs of one epoch: rollouts 1 forward per sample and step, training 3. */
  gflop: number;
  gflops: number;
  ratio: number;
  /** Sessions compiled after the first epoch and after the last: equal when nothing is rebuilt per epoch. */
  sessionsAfterFirst: number;
  sessionsAfterLast: number;
  epochs: number;
}

/** Runs `1 + epochs` DDPO_IS epochs of `config` (JPEG compressibility reward) and times all but the first. */
export async function ddpoEpochs(c: Ctx, config: TrainerConfigInput, epochs: number): Promise<EpochResult> {
  const before = c.adapter.compiledCount;
  const trainer = await DDPOTrainer.create({
    model: c.model,
    params: c.params,
    reward: jpegCompressibility(),
    promptNames: [...PROMPTS].slice(0, c.model.numPrompts),
    config: { ...config, algorithm: 'ddpo-is', numEpochs: epochs + 1 },
    adapter: c.adapter,
    progress: silentProgress,
  });
  await trainer.trainEpoch();
  const sessionsAfterFirst = c.adapter.compiledCount - before;
  const cfg = trainer.config;
  const trained = Math.floor(cfg.sampleNumSteps * cfg.trainTimestepFraction + 1e-9);
  const n = cfg.sampleBatchSize * cfg.sampleNumBatchesPerEpoch;
  const flop = n * c.fwdFlop * (cfg.sampleNumSteps + 3 * trained * cfg.trainNumInnerEpochs);
  const walls: number[] = [];
  const cpus: number[] = [];
  const ratios: number[] = [];
  const parts: { s: number; r: number; t: number }[] = [];
  for (let e = 0; e < epochs; e++) {
    // An epoch lasts seconds to minutes: pair it with the GEMM rate before and after it.
    const before = await c.gemm.rate();
    let m: Awaited<ReturnType<typeof trainer.trainEpoch>> | undefined;
    const s = await timed(async () => {
      m = await trainer.trainEpoch();
    });
    const after = await c.gemm.rate();
    walls.push(s.wall);
    cpus.push(s.cpu);
    ratios.push(flop / s.wall / 1e9 / ((before.gflops + after.gflops) / 2));
    parts.push({ s: m!.secondsSampling, r: m!.secondsRewarding, t: m!.secondsTraining });
  }
  await trainer.dispose();
  const mid = walls.indexOf([...walls].sort((a, b) => a - b)[walls.length >> 1]);
  const seconds = walls[mid];
  return {
    seconds,
    cpuSeconds: cpus[mid],
    sampling: parts[mid].s,
    rewarding: parts[mid].r,
    training: parts[mid].t,
    gflop: flop / 1e9,
    gflops: flop / seconds / 1e9,
    ratio: [...ratios].sort((a, b) => a - b)[ratios.length >> 1],
    sessionsAfterFirst,
    sessionsAfterLast: c.adapter.compiledCount - before,
    epochs,
  };
}
