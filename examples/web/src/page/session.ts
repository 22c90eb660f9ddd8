// One training run in the page: tiny-unet-32 from safetensors bytes, the trainer's sampler and its
// DDPO / RWR updates (ddpoUpdate, rwrUpdate from @ddpo/trainer's browser entry: the same code
// DDPOTrainer and RWRTrainer run), AdamW, and the trainer's advantage rule. What the page adds is the
// epoch around them (sample, reward, advantages, update), written here in a few lines because the
// Trainer class that owns that loop in Node also owns checkpoints and metric files.
import { AdamW } from '@ddpo/optim';
import { globalNormalize, PerPromptStatTracker } from '@ddpo/ppo';
import { callReward, type RewardFn } from '@ddpo/rewards';
import { argmaxRows, PROMPTS, shapes32ClassifierLogitsWith, tinyUnet32FromSafetensors, type Shapes32ClassifierParams } from '@ddpo/models';
import { encodeSafetensors, HostTensor, Rng, type CompiledGraph, type TensorAdapter } from '@ddpo/tensor';
import {
  applyUpdateStep, ddpoTrainingGraph, ddpoUpdate, parseTrainerConfig, PolicySampler, rwrTrainingGraph, rwrUpdate,
  type EpochSamples, type Progress, type TrainerConfig, type UpdateContext, type UpdateStats,
} from '@ddpo/trainer';

/** The page's settings: small, so that one epoch on WebAssembly takes seconds. */
export interface SessionOptions {
  algorithm: 'ddpo-is' | 'rwr';
  reward: RewardFn;
  seed?: number;
  /** Samples per epoch (default 8, in sampling batches of 4). */
  samplesPerEpoch?: number;
  /** DDIM steps per sample (default 8). */
  steps?: number;
  /** Prompt indices sampled uniformly (default: all 16 prompts of shapes-32). */
  prompts?: readonly number[];
  /** The shapes-32 classifier's weights: with them each epoch also reports prompt fidelity. */
  classifier?: Shapes32ClassifierParams;
  /** AdamW learning rate (default: 1e-3 for DDPO_IS, 3e-4 for RWR). */
  learningRate?: number;
}

/** What one epoch gave. */
export interface EpochResult {
  epoch: number;
  rewardMean: number;
  /** Share of the epoch's samples the shapes-32 classifier assigns to their own prompt (NaN without a classifier). */
  fidelity: number;
  stats: UpdateStats;
  seconds: number;
  samples: EpochSamples;
}

/**
 * A training run on `adapter` from the weights in `weightBytes`.
 *
 * @example
 * const s = await Session.create(adapter, bytes, { algorithm: 'ddpo-is', reward }, progress);
 * const r = await s.epoch(); // r.rewardMean
 */
export class Session {
  private epochIndex = 0;

  private constructor(
    readonly config: TrainerConfig,
    readonly params: Record<string, HostTensor>,
    private readonly sampler: PolicySampler,
    private readonly compiled: CompiledGraph,
    private readonly ctx: Omit<UpdateContext, 'epoch'>,
    private readonly reward: RewardFn,
    private readonly prompts: readonly number[],
    private readonly tracker: PerPromptStatTracker | undefined,
    private readonly rng: Rng,
    private readonly adapter: TensorAdapter,
    private readonly classifier: Shapes32ClassifierParams | undefined,
  ) {}

  static async create(adapter: TensorAdapter, weightBytes: Uint8Array, opts: SessionOptions, progress: Progress): Promise<Session> {
    const { model, params } = tinyUnet32FromSafetensors(weightBytes, { source: 'tiny-unet-32.safetensors' });
    const n = opts.samplesPerEpoch ?? 8;
    const config = parseTrainerConfig({
      algorithm: opts.algorithm,
      seed: opts.seed ?? 0,
      sampleBatchSize: Math.min(4, n),
      sampleNumBatchesPerEpoch: Math.ceil(n / Math.min(4, n)),
      sampleNumSteps: opts.steps ?? 8,
      sampleGuidanceScale: 1,
      trainCfg: false,
      trainBatchSize: Math.min(4, n),
      trainLearningRate: opts.learningRate ?? (opts.algorithm === 'rwr' ? 3e-4 : 1e-3),
      perPromptStatTracking: false,
    });
    const sampler = new PolicySampler(model, adapter, config);
    const optimizer = new AdamW(params, {
      lr: config.trainLearningRate,
      betas: [config.trainAdamBeta1, config.trainAdamBeta2],
      eps: config.trainAdamEpsilon,
      weightDecay: config.trainAdamWeightDecay,
    });
    const graph = opts.algorithm === 'rwr' ? rwrTrainingGraph(model, config) : ddpoTrainingGraph(sampler.policy, config);
    const compiled = await adapter.compile(graph);
    const ctx: Omit<UpdateContext, 'epoch'> = {
      model,
      policy: sampler.policy,
      params,
      config,
      progress,
      alphasCumprod: sampler.scheduler.alphasCumprod,
      applyStep: (grads, lossFinite, out, stats) =>
        applyUpdateStep(optimizer, config.trainMaxGradNorm, grads, lossFinite, out, stats, (reason) => progress.log(`optimizer step refused: ${reason}`)),
    };
    const tracking = config.perPromptStatTracking;
    const tracker = tracking === false ? undefined : new PerPromptStatTracker(tracking);
    const prompts = opts.prompts ?? PROMPTS.map((_, i) => i);
    return new Session(config, params, sampler, compiled, ctx, opts.reward, prompts, tracker, new Rng(config.seed), adapter, opts.classifier);
  }

  /** Samples with the current parameters (no training): `n` images, for the grid. */
  async preview(n: number, seed: number, progress: Progress): Promise<EpochSamples> {
    const rng = new Rng(seed);
    const ids = Array.from(rng.randint([n], this.prompts.length).data, (k) => this.prompts[k]);
    return this.sampler.sample(this.params, ids, rng, progress, 'sampling', (i) => PROMPTS[i]);
  }

  /** One epoch: sample, reward, advantages (the trainer's rule), the algorithm's update. */
  async epoch(): Promise<EpochResult> {
    const e = this.epochIndex;
    const t0 = performance.now();
    const rng = this.rng.fork(e);
    const n = this.config.sampleBatchSize * this.config.sampleNumBatchesPerEpoch;
    const ids = Array.from(rng.randint([n], this.prompts.length).data, (k) => this.prompts[k]);
    const samples = await this.sampler.sample(this.params, ids, rng, this.ctx.progress, `epoch ${e} sampling`, (i) => PROMPTS[i]);
    samples.rewards = await callReward(this.reward, samples.images, samples.promptNames);
    const fidelity = await this.fidelity(samples);
    samples.advantages = this.tracker !== undefined ? this.tracker.update(samples.promptNames, samples.rewards) : globalNormalize(samples.rewards);
    const ctx = { ...this.ctx, epoch: e };
    const stats = this.config.algorithm === 'rwr' ? await rwrUpdate(ctx, this.compiled, samples, rng) : await ddpoUpdate(ctx, this.compiled, samples, rng);
    this.epochIndex++;
    const rewardMean = samples.rewards.reduce((s, r) => s + r, 0) / samples.n;
    return { epoch: e, rewardMean, fidelity, stats, seconds: (performance.now() - t0) / 1000, samples };
  }

  /** Prompt fidelity as the CLI reports it: the classifier's argmax against each sample's prompt, images mapped to [-1, 1]. */
  private async fidelity(s: EpochSamples): Promise<number> {
    if (this.classifier === undefined) return Number.NaN;
    const x = new HostTensor('float32', s.images.shape, (s.images.data as Float32Array).map((v) => 2 * v - 1));
    const predicted = argmaxRows(await shapes32ClassifierLogitsWith(x, this.adapter, this.classifier));
    return predicted.reduce((hits, p, i) => hits + (p === s.prompts[i] ? 1 : 0), 0) / s.n;
  }

  /** The current parameters as a safetensors file (what `loadTinyUnet32({ path })` reads). */
  weightsFile(): Uint8Array {
    return encodeSafetensors(this.params, { source: 'examples/web', algorithm: this.config.algorithm, epochs: String(this.epochIndex) });
  }
}
