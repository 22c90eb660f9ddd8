// Pretraining of tiny-unet-32 on shapes-32: the epsilon-MSE denoising objective (DDPM, Ho et al.
// 2020, Algorithm 1) with prompt dropout for classifier-free guidance (Ho & Salimans 2022), Adam with
// warmup and cosine decay, an EMA of the weights, atomic checkpoints and exact resume. Every random
// draw of step s comes from streams indexed by s, so a resumed run repeats an uninterrupted one.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DdpoError, HostTensor, Rng, encodeSafetensors, type CompiledGraph, type TensorAdapter } from '@ddpo/tensor';
import { Adam, clipGradNorm, writeFileAtomic, type AdamStateDict } from '@ddpo/optim';
import { hasPretrainCheckpoint, loadPretrainCheckpoint, savePretrainCheckpoint } from './checkpoint.js';
import { initTinyUnet32 } from './params.js';
import { NULL_PROMPT } from './prompts.js';
import { addNoise, NUM_TRAIN_TIMESTEPS, scaledLinearAlphasCumprod } from './schedule.js';
import { generateShapes32 } from './shapes32.js';
import { paramFeeds, type EpsilonModel } from '@ddpo/policy';
import { tinyUnet32 } from './tinyUnet32.js';
import { denoisingLossGraph } from './trainGraph.js';

/** Options of {@link pretrain}. */
export interface PretrainOptions {
  /** Directory for checkpoints and the final weights (created if absent). */
  outDir: string;
  /** Total number of optimizer steps (a resumed run continues up to this). */
  steps: number;
  batchSize: number;
  /** Peak learning rate (default 1e-3), reached after `warmupSteps` of linear warmup. */
  lr?: number;
  /** Linear warmup steps (default min(500, steps / 10)). */
  warmupSteps?: number;
  /** After warmup: 'cosine' decay to 10% of `lr` at the last step (default) or 'constant'. */
  lrSchedule?: 'cosine' | 'constant';
  /** Global gradient-norm clip (default 1; 0 disables). */
  maxGradNorm?: number;
  seed?: number;
  /** Probability of replacing a prompt by the null prompt (default 0.1). */
  promptDropout?: number;
  /** EMA decay (default 0.999), warmed up as min(decay, (1 + s) / (10 + s)). */
  emaDecay?: number;
  /** Checkpoint every this many steps (default 500) and at the end. */
  checkpointEvery?: number;
  /** Continue from `outDir/checkpoint.json` if present (default false: start fresh). */
  resume?: boolean;
  /** Backend (default: the ONNX Runtime CPU adapter, created and disposed here). */
  adapter?: TensorAdapter;
  /** Number of prompts of the model (default 16). */
  numPrompts?: number;
  /** Called after every `progressEvery` steps (default 10) and after the last one. */
  onProgress?: (p: PretrainProgress) => void;
  progressEvery?: number;
  /** Stops between two steps when aborted: writes a checkpoint and returns with `stopped: true`. */
  signal?: AbortSignal;
}

/** A progress report. */
export interface PretrainProgress {
  step: number;
  steps: number;
  /** Mean loss over the steps since the previous report. */
  loss: number;
  lr: number;
  gradNorm: number;
  /** Training images per second since the previous report. */
  imagesPerSecond: number;
  elapsedSeconds: number;
}

/** What {@link pretrain} returns. */
export interface PretrainResult {
  step: number;
  params: Record<string, HostTensor<'float32'>>;
  ema: Record<string, HostTensor<'float32'>>;
  /** Path of the EMA weights written at the end (`outDir/tiny-unet-32.safetensors`). */
  weightsPath: string | null;
  lastLoss: number;
  /** True when `signal` stopped the run before `steps` (then no final weights are written, only a checkpoint). */
  stopped: boolean;
}

/** Invalid pretraining options, or a checkpoint that does not match them. */
export class PretrainError extends DdpoError {}

/**
 * ONNX Runtime on the CPU from @ddpo/tensor-onnxruntime, an optional peer of this package (the model,
 * data set and rewards work without it): imported only when pretrain() is given no adapter.
 */
async function defaultAdapter(): Promise<TensorAdapter> {
  const specifier = '@ddpo/tensor-onnxruntime'; // a variable: bundlers leave the optional import alone
  let mod: { createOnnxRuntimeAdapter(o: { device: 'cpu' }): Promise<TensorAdapter> };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (e) {
    throw new PretrainError(
      `pretrain: no adapter given and ${specifier} cannot be loaded (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); ` +
        `install it (npm install ${specifier}) or pass an adapter, e.g. new ReferenceAdapter() from @ddpo/tensor`,
    );
  }
  return mod.createOnnxRuntimeAdapter({ device: 'cpu' });
}

/** Stream of step s's timesteps, dropout and noise: new Rng(seed).fork(STEP_STREAM).fork(s). Data uses forks 0.. of the seed. */
const STEP_STREAM = 2 ** 50;

/** Learning rate at step s (0-based): linear warmup, then constant or cosine to 10%. */
export function learningRate(s: number, o: { lr: number; warmupSteps: number; steps: number; lrSchedule: 'cosine' | 'constant' }): number {
  if (s < o.warmupSteps) return (o.lr * (s + 1)) / o.warmupSteps;
  if (o.lrSchedule === 'constant') return o.lr;
  const p = Math.min(1, (s - o.warmupSteps) / Math.max(1, o.steps - o.warmupSteps));
  return o.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * p)));
}

interface Ctx {
  o: Required<Omit<PretrainOptions, 'adapter' | 'onProgress' | 'signal'>> & Pick<PretrainOptions, 'onProgress' | 'signal'>;
  compiled: CompiledGraph;
  model: EpsilonModel;
  paramNames: string[];
  params: Record<string, HostTensor<'float32'>>;
  ema: Record<string, HostTensor<'float32'>>;
  adam: Adam;
  abar: Float64Array;
}

function resolve(opts: PretrainOptions): Ctx['o'] {
  const steps = opts.steps;
  if (!Number.isInteger(steps) || steps < 1) throw new PretrainError(`pretrain: steps must be an integer >= 1, got ${steps}`);
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new PretrainError(`pretrain: batchSize must be an integer >= 1, got ${opts.batchSize}`);
  const o = {
    outDir: opts.outDir, steps, batchSize: opts.batchSize, lr: opts.lr ?? 1e-3,
    warmupSteps: opts.warmupSteps ?? Math.max(1, Math.min(500, Math.floor(steps / 10))),
    lrSchedule: opts.lrSchedule ?? 'cosine', maxGradNorm: opts.maxGradNorm ?? 1, seed: opts.seed ?? 0,
    promptDropout: opts.promptDropout ?? 0.1, emaDecay: opts.emaDecay ?? 0.999, checkpointEvery: opts.checkpointEvery ?? 500,
    resume: opts.resume ?? false, numPrompts: opts.numPrompts ?? 16, onProgress: opts.onProgress, progressEvery: opts.progressEvery ?? 10,
    signal: opts.signal,
  };
  if (!(o.promptDropout >= 0 && o.promptDropout <= 1)) throw new PretrainError(`pretrain: promptDropout must be in [0, 1], got ${o.promptDropout}`);
  if (!(o.emaDecay >= 0 && o.emaDecay < 1)) throw new PretrainError(`pretrain: emaDecay must be in [0, 1), got ${o.emaDecay}`);
  if (!Number.isInteger(o.checkpointEvery) || o.checkpointEvery < 1) throw new PretrainError(`pretrain: checkpointEvery must be an integer >= 1, got ${o.checkpointEvery}`);
  return o;
}

/** The feeds of step s: fresh shapes-32 images, noise, timesteps and (dropped-out) prompts. */
export function pretrainBatch(s: number, o: { seed: number; batchSize: number; promptDropout: number; numPrompts?: number }, abar: Float64Array): Record<string, HostTensor> {
  const B = o.batchSize;
  const { images, prompts } = generateShapes32({ seed: o.seed, count: B, start: s * B });
  const rng = new Rng(o.seed).fork(STEP_STREAM).fork(s);
  const u = rng.uniform([2 * B], 'float64').data;
  const t = Float32Array.from({ length: B }, (_, i) => Math.min(NUM_TRAIN_TIMESTEPS - 1, Math.floor(u[i] * NUM_TRAIN_TIMESTEPS)));
  const nullPrompt = BigInt(o.numPrompts ?? NULL_PROMPT);
  const p = BigInt64Array.from({ length: B }, (_, i) => (u[B + i] < o.promptDropout ? nullPrompt : BigInt(prompts[i])));
  const noise = rng.normal(images.shape);
  return {
    sample: new HostTensor('float32', images.shape, addNoise(images.data, noise.data, t, abar)),
    noise,
    timestep: new HostTensor('float32', [B], t),
    prompt: new HostTensor('int64', [B], p),
  };
}

/** One optimizer step; returns the loss and the gradient norm before clipping. */
async function trainStep(ctx: Ctx, s: number): Promise<{ loss: number; gradNorm: number }> {
  const out = await ctx.compiled.run({ ...pretrainBatch(s, ctx.o, ctx.abar), ...paramFeeds(ctx.model, ctx.params) });
  const grads: Record<string, HostTensor> = {};
  for (const n of ctx.paramNames) grads[n] = out[`grad:${n}`];
  const gradNorm = ctx.o.maxGradNorm > 0 ? clipGradNorm(grads, ctx.o.maxGradNorm) : NaN;
  ctx.adam.lr = learningRate(s, ctx.o);
  ctx.adam.step(grads);
  // EMA with the usual warmup of its decay (as diffusers' EMAModel), so short runs are not dominated by the init.
  const d = Math.min(ctx.o.emaDecay, (1 + s) / (10 + s));
  for (const n of ctx.paramNames) {
    const e = ctx.ema[n].data, p = ctx.params[n].data;
    for (let i = 0; i < e.length; i++) e[i] = d * e[i] + (1 - d) * p[i];
  }
  return { loss: Number(out.loss.data[0]), gradNorm };
}

function copyRecord(rec: Record<string, HostTensor>): Record<string, HostTensor<'float32'>> {
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, v.clone() as HostTensor<'float32'>]));
}

/** Fresh state, or the state of the checkpoint in outDir when resuming. */
function initialState(o: Ctx['o']): { step: number; params: Record<string, HostTensor<'float32'>>; ema: Record<string, HostTensor<'float32'>>; optimizer?: AdamStateDict } {
  if (o.resume && hasPretrainCheckpoint(o.outDir)) {
    const ck = loadPretrainCheckpoint(o.outDir);
    const cfg = ck.state as { seed?: number; batchSize?: number };
    if (cfg.seed !== o.seed || cfg.batchSize !== o.batchSize) {
      throw new PretrainError(`pretrain: checkpoint in '${o.outDir}' has seed ${cfg.seed} and batch ${cfg.batchSize}, but this run asks seed ${o.seed} and batch ${o.batchSize}`);
    }
    return { step: ck.step, params: copyRecord(ck.params), ema: copyRecord(ck.ema), optimizer: ck.optimizer as AdamStateDict };
  }
  const params = initTinyUnet32(new Rng(o.seed).fork(STEP_STREAM + 1), o.numPrompts);
  return { step: 0, params, ema: copyRecord(params) };
}

async function checkpoint(ctx: Ctx, step: number): Promise<void> {
  const state = { seed: ctx.o.seed, batchSize: ctx.o.batchSize, steps: ctx.o.steps, lr: ctx.o.lr, nextStepRng: new Rng(ctx.o.seed).fork(STEP_STREAM).fork(step).getState() };
  await savePretrainCheckpoint(ctx.o.outDir, { step, params: ctx.params, ema: ctx.ema, optimizer: ctx.adam.stateDict(), state });
}

/**
 * Pretrains tiny-unet-32 on shapes-32 and writes `outDir/tiny-unet-32.safetensors` (EMA weights).
 *
 * @example
 * const { weightsPath } = await pretrain({ outDir: 'runs/pre', steps: 20000, batchSize: 64, onProgress: (p) => console.log(p) });
 */
export async function pretrain(opts: PretrainOptions): Promise<PretrainResult> {
  const o = resolve(opts);
  mkdirSync(o.outDir, { recursive: true });
  const init = initialState(o);
  const model = tinyUnet32({ numPrompts: o.numPrompts });
  const { graph, paramNames } = denoisingLossGraph(model, o.batchSize);
  const adapter = opts.adapter ?? (await defaultAdapter());
  try {
    const compiled = await adapter.compile(graph);
    const adam = new Adam(init.params, { lr: o.lr });
    if (init.optimizer) adam.loadStateDict(init.optimizer);
    const ctx: Ctx = { o, compiled, model, paramNames, params: init.params, ema: init.ema, adam, abar: scaledLinearAlphasCumprod() };
    const { step, lastLoss } = await loop(ctx, init.step);
    if (step > init.step) await checkpoint(ctx, step);
    if (step < o.steps) return { step, params: ctx.params, ema: ctx.ema, weightsPath: null, lastLoss, stopped: true };
    const weightsPath = path.join(o.outDir, 'tiny-unet-32.safetensors');
    const meta = { model: 'tiny-unet-32', steps: String(o.steps), batchSize: String(o.batchSize), seed: String(o.seed), weights: 'ema' };
    await writeFileAtomic(weightsPath, encodeSafetensors(ctx.ema, meta));
    return { step, params: ctx.params, ema: ctx.ema, weightsPath, lastLoss, stopped: false };
  } finally {
    if (!opts.adapter) await adapter.dispose();
  }
}

/** Runs steps from `start` to o.steps (or until aborted), reporting progress and checkpointing. */
async function loop(ctx: Ctx, start: number): Promise<{ step: number; lastLoss: number }> {
  const { o } = ctx;
  const t0 = performance.now();
  let mark = t0, sum = 0, count = 0, last = NaN;
  let s = start;
  for (; s < o.steps && !o.signal?.aborted; s++) {
    const { loss, gradNorm } = await trainStep(ctx, s);
    sum += loss;
    count++;
    last = loss;
    const done = s + 1;
    if (done % o.progressEvery === 0 || done === o.steps) {
      const now = performance.now();
      o.onProgress?.({
        step: done, steps: o.steps, loss: sum / count, lr: ctx.adam.lr, gradNorm,
        imagesPerSecond: (count * o.batchSize) / ((now - mark) / 1000), elapsedSeconds: (now - t0) / 1000,
      });
      mark = now;
      sum = 0;
      count = 0;
    }
    if (done % o.checkpointEvery === 0 && done < o.steps && !o.signal?.aborted) await checkpoint(ctx, done);
  }
  return { step: s, lastLoss: last };
}
