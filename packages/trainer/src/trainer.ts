// The training loop of every algorithm: per epoch, sample trajectories with the current policy, score
// them with the reward, turn rewards into advantages, run the one update loop with the registered
// AlgorithmModule of config.algorithm (its graph, batch order and feeds), then log metrics, draw a
// sample grid and checkpoint.
import fs from 'node:fs';
import path from 'node:path';
import { AdamW } from '@ddpo/optim';
import { PerPromptStatTracker, globalNormalize } from '@ddpo/ppo';
import { callReward, InvalidRewardError, type RewardFn } from '@ddpo/rewards';
import { HostTensor, Rng, type CompiledGraph, type TensorAdapter } from '@ddpo/tensor';
import { algorithmNames, getAlgorithm, type AlgorithmContext, type AlgorithmModule } from './algorithm.js';
import { TrainerError } from './errors.js';
import { loadCheckpoint, latestCheckpoint, pruneCheckpoints, saveCheckpoint, CheckpointError, type CheckpointData } from './checkpoint.js';
import { parseTrainerConfig, samplesPerEpoch, type TrainerConfig, type TrainerConfigInput } from './config.js';
import { renderSampleGrid } from './grid.js';
import { MetricsWriter, rewardStats, type EpochMetrics } from './metrics.js';
import { createProgress, type Progress } from './progress.js';
import { epochScalars, TensorBoardWriter } from './tensorboard.js';
import type { EpsilonModel } from '@ddpo/policy';
import { PolicySampler } from './sampler.js';
import type { EpochSamples } from './samples.js';
import { optimizerFromState, optimizerToState } from './optimizer-state.js';
import type { StatMeans } from './step.js';
import { checkResumeConfig, resolvePrompts } from './run-checks.js';
import { resolveAdapter } from './adapter.js';
import { baseSha256, checkSameBase, initialParams, loraOf, trainedModel } from './lora.js';
import { trainableParamNames } from '@ddpo/policy';

/** What every trainer is built from. */
export interface TrainerOptions {
  /** The epsilon network (EpsilonModel contract of @ddpo/policy). */
  model: EpsilonModel;
  /** Initial float32 parameters by name (copied; the caller's tensors are not modified). */
  params: Record<string, HostTensor>;
  reward: RewardFn;
  config?: TrainerConfigInput;
  /** The prompt vocabulary: index i of the model's prompt embedding is `promptNames[i]`. */
  promptNames: readonly string[];
  /** Where graphs run (default: ONNX Runtime on the CPU, created and disposed by the trainer). */
  adapter?: TensorAdapter;
  /** Run directory for metrics.jsonl, sample grids and checkpoints; none = nothing is written. */
  outDir?: string;
  /** Continue from the newest checkpoint in outDir (true) or from this checkpoint directory. */
  resume?: boolean | string;
  progress?: Progress;
  /** Samples shown in each epoch's grid (default 16). */
  gridSamples?: number;
  /** Scores prompt fidelity of the samples already drawn (each epoch's and each evaluation's); none = not measured. */
  fidelity?: FidelityFn;
  /** Also write TensorBoard event files to outDir: the metrics as scalars, each epoch's grid as an image. */
  tensorboard?: boolean;
}

/**
 * How well images show their prompts, a number in [0, 1] (e.g. the share of images a classifier
 * assigns to their own prompt). Gets the images [N, 3, H, W] in [0, 1] and their prompt indices.
 */
export type FidelityFn = (images: HostTensor<'float32'>, prompts: Int32Array) => Promise<number>;

// Statistics of one epoch's update: one type for Trainer's loop and the browser entry's updates.
import { applyUpdateStep, runUpdate, type UpdateStats } from './update.js';
export type { UpdateStats } from './update.js';

/** Evaluation samples: images, prompts, rewards (and prompt fidelity when the trainer has a FidelityFn). */
export interface Evaluation {
  meanReward: number;
  rewards: Float64Array;
  images: HostTensor<'float32'>;
  promptNames: string[];
  prompts: Int32Array;
  promptFidelity?: number;
}


/** RNG streams forked from the run's seed: one per epoch, one for evaluation. */
const EVAL_STREAM = 1_000_000_007;

/**
 * The trainer of every registered algorithm. Use {@link createTrainer} (any algorithm), `Trainer.create`,
 * or DDPOTrainer / RWRTrainer, which accept only their family.
 *
 * @example
 * const trainer = await createTrainer({ model, params, reward, promptNames: PROMPTS, config: { numEpochs: 4 } });
 * await trainer.train();
 */
export class Trainer {
  readonly config: TrainerConfig;
  /** The registered module of config.algorithm. */
  readonly algorithm: AlgorithmModule;
  /** The model trained: `opts.model`, or its LoRA wrapper (config.useLora). */
  readonly model: EpsilonModel;
  /** Every parameter of `model` (under LoRA: the frozen base and the adapters). */
  readonly params: Record<string, HostTensor>;
  readonly metrics: EpochMetrics[] = [];
  /** Epochs completed. */
  epoch = 0;
  rewardQueries = 0;
  protected readonly optimizer: AdamW;
  protected readonly adapter: TensorAdapter;
  protected readonly sampler: PolicySampler;
  protected readonly progress: Progress;
  protected readonly rng: Rng;
  private statTracker: PerPromptStatTracker | undefined;
  private readonly ownsAdapter: boolean;
  private readonly writer: MetricsWriter | undefined;
  private tensorboard: TensorBoardWriter | undefined;
  private readonly promptIds: number[];
  /** Under LoRA: the base weights' identity, recorded in checkpoints. */
  private readonly baseHash: string | undefined;

  protected constructor(
    protected readonly opts: TrainerOptions,
    adapter: TensorAdapter,
    ownsAdapter: boolean,
  ) {
    this.config = parseTrainerConfig(opts.config ?? {});
    this.algorithm = getAlgorithm(this.config.algorithm);
    this.model = trainedModel(opts.model, this.config);
    this.params = initialParams(this.model, opts.params, this.config.seed);
    const lora = loraOf(this.model);
    this.baseHash = lora === undefined ? undefined : baseSha256(lora, this.params);
    this.adapter = adapter;
    this.ownsAdapter = ownsAdapter;
    this.progress = opts.progress ?? createProgress();
    this.rng = new Rng(this.config.seed);
    this.promptIds = resolvePrompts(this.config.prompts, opts.promptNames, opts.model.numPrompts);
    // Only the trainable parameters (the adapters under LoRA) get optimizer state and updates.
    this.optimizer = new AdamW(Object.fromEntries(trainableParamNames(this.model).map((k) => [k, this.params[k]])), {
      lr: this.config.trainLearningRate,
      betas: [this.config.trainAdamBeta1, this.config.trainAdamBeta2],
      eps: this.config.trainAdamEpsilon,
      weightDecay: this.config.trainAdamWeightDecay,
    });
    const tracking = this.config.perPromptStatTracking;
    this.statTracker = tracking === false ? undefined : new PerPromptStatTracker(tracking);
    this.sampler = new PolicySampler(this.model, adapter, this.config);
    this.writer = opts.outDir === undefined ? undefined : new MetricsWriter(path.join(opts.outDir, 'metrics.jsonl'));
  }

  /**
   * A trainer for any registered algorithm, compiled and ready (resumed when asked).
   *
   * @example
   * const trainer = await Trainer.create({ model, params, reward, promptNames: PROMPTS, config: { algorithm: 'my-algorithm' } });
   */
  static async create(opts: TrainerOptions): Promise<Trainer> {
    return Trainer.build(opts, (adapter, owned) => new Trainer(opts, adapter, owned));
  }

  /**
   * The body of every `create`: resolve the adapter, construct, check that the config's algorithm is of
   * the family this class trains (when given), compile (and resume). An adapter created here is
   * disposed again if any of that fails.
   */
  protected static async build<T extends Trainer>(
    opts: TrainerOptions,
    make: (adapter: TensorAdapter, owned: boolean) => T,
    family?: string,
    otherwise?: string,
  ): Promise<T> {
    const { adapter, owned } = await resolveAdapter(opts.adapter);
    try {
      const t = make(adapter, owned);
      const accepts = family === undefined ? [t.config.algorithm] : algorithmNames().filter((n) => getAlgorithm(n).family === family);
      if (!accepts.includes(t.config.algorithm)) {
        const expected = accepts.map((a) => `'${a}'`).join(' or ');
        throw new TrainerError(`${t.constructor.name}: config.algorithm is '${t.config.algorithm}', expected ${expected}${otherwise === undefined ? '' : ` (${otherwise})`}`);
      }
      await t.init();
      return t;
    } catch (e) {
      if (owned) await adapter.dispose();
      throw e;
    }
  }

  /** Compiles graphs and restores a checkpoint when asked; called once by `create`. */
  protected async init(): Promise<void> {
    await this.sampler.init();
    await this.compileTraining();
    if (this.opts.resume !== undefined && this.opts.resume !== false) this.restore(this.opts.resume);
    else if (this.opts.outDir !== undefined) this.writeRunHeader();
    this.writer?.reset(this.metrics);
    if (this.opts.tensorboard === true && this.opts.outDir !== undefined) {
      this.tensorboard = new TensorBoardWriter(this.opts.outDir);
      if (this.epoch > 0) this.tensorboard.sessionStart(this.epoch); // resumed: TensorBoard drops the old run's later events
    }
  }

  private compiled: CompiledGraph | undefined;

  /** What the algorithm module sees of this trainer. */
  protected get context(): AlgorithmContext {
    return {
      config: this.config as AlgorithmContext['config'],
      model: this.model,
      policy: this.sampler.policy,
      alphasCumprod: this.sampler.scheduler.alphasCumprod,
      progress: this.progress,
      epoch: this.epoch,
    };
  }

  /** Builds and compiles the algorithm's training graph (once per run). */
  protected async compileTraining(): Promise<void> {
    const ctx = this.context;
    this.compiled = await this.adapter.compile(this.algorithm.trainingGraph(ctx));
    this.algorithm.compiled?.(ctx);
  }

  /** One epoch's update on `samples` (advantages filled in): the one update loop (runUpdate) with this trainer's module. */
  protected async update(samples: EpochSamples, rng: Rng): Promise<UpdateStats> {
    const ctx = { ...this.context, params: this.params, applyStep: this.applyStep.bind(this) };
    return runUpdate(this.algorithm, ctx, this.compiled!, samples, rng);
  }

  /**
   * Runs epochs until `config.numEpochs`, checkpointing every `saveFreq` epochs and at the end.
   *
   * @example
   * const metrics = await trainer.train();
   */
  async train(): Promise<EpochMetrics[]> {
    while (this.epoch < this.config.numEpochs) {
      await this.trainEpoch();
      const last = this.epoch === this.config.numEpochs;
      const due = this.config.saveFreq > 0 && this.epoch % this.config.saveFreq === 0;
      if (this.opts.outDir !== undefined && (last || due)) this.checkpoint();
    }
    return this.metrics;
  }

  /**
   * One epoch: sample, reward, advantages, update, log. A non-finite reward refuses the update.
   *
   * @example
   * const m = await trainer.trainEpoch(); // m.rewardMean, m.loss, ...
   */
  async trainEpoch(): Promise<EpochMetrics> {
    const e = this.epoch;
    const rng = this.rng.fork(e);
    const t0 = performance.now();
    const samples = await this.sampler.sample(this.params, this.drawPrompts(rng, samplesPerEpoch(this.config)), rng, this.progress, `epoch ${e} sampling`, (i) => this.promptName(i));
    const t1 = performance.now();
    this.progress.begin(`epoch ${e} rewarding`, 1);
    let refused: string | undefined;
    try {
      samples.rewards = await callReward(this.opts.reward, samples.images, samples.promptNames);
    } catch (err) {
      if (!(err instanceof InvalidRewardError)) throw err;
      refused = `reward refused, no update this epoch: ${err.message}`;
      samples.rewards = new Float64Array(samples.n).fill(Number.NaN);
    }
    const fidelity = this.opts.fidelity === undefined ? undefined : await this.opts.fidelity(samples.images, samples.prompts);
    this.progress.tick();
    this.progress.end();
    this.rewardQueries += samples.n;
    const t2 = performance.now();
    let stats: UpdateStats = { loss: Number.NaN, approxKl: Number.NaN, clipFraction: Number.NaN, gradNorm: Number.NaN, optimizerSteps: 0, skippedSteps: 0, skipped: refused };
    if (refused === undefined) {
      samples.advantages = this.advantages(samples);
      stats = await this.update(samples, rng);
    }
    const t3 = performance.now();
    return this.finishEpoch(samples, stats, [t1 - t0, t2 - t1, t3 - t2], fidelity);
  }

  private advantages(s: EpochSamples): Float64Array {
    // ddpo-pytorch: per-prompt normalisation when tracking is on, else the batch's (r - mean) / (std + 1e-8).
    return this.statTracker !== undefined ? this.statTracker.update(s.promptNames, s.rewards) : globalNormalize(s.rewards);
  }

  private finishEpoch(s: EpochSamples, stats: UpdateStats, ms: number[], fidelity: number | undefined): EpochMetrics {
    const r = rewardStats(s.rewards);
    const m: EpochMetrics = {
      epoch: this.epoch,
      algorithm: this.config.algorithm,
      rewardMean: r.mean,
      rewardStd: r.std,
      rewardMin: r.min,
      rewardMax: r.max,
      loss: stats.loss,
      approxKl: stats.approxKl,
      clipFraction: stats.clipFraction,
      learningRate: this.optimizer.lr,
      gradNorm: stats.gradNorm,
      optimizerSteps: stats.optimizerSteps,
      skippedSteps: stats.skippedSteps,
      ...(stats.skipped !== undefined ? { skipped: stats.skipped } : {}),
      secondsSampling: ms[0] / 1000,
      secondsRewarding: ms[1] / 1000,
      secondsTraining: ms[2] / 1000,
      rewardQueries: this.rewardQueries,
      ...(fidelity !== undefined ? { promptFidelity: fidelity } : {}),
    };
    this.metrics.push(m);
    this.writer?.append(m);
    this.tensorboard?.scalars(m.epoch, epochScalars(m));
    const grid = this.opts.outDir !== undefined ? this.writeGrid(s, `epoch-${String(this.epoch).padStart(4, '0')}.png`) : undefined;
    if (grid !== undefined) this.tensorboard?.image(m.epoch, 'samples', fs.readFileSync(grid));
    this.progress.log(
      `epoch ${m.epoch}: reward ${m.rewardMean.toFixed(4)} +/- ${m.rewardStd.toFixed(4)} | loss ${m.loss.toExponential(3)} | ` +
        (this.algorithm.statistics?.approxKl !== undefined ? `kl ${m.approxKl.toExponential(2)} | ` : '') +
        (this.algorithm.statistics?.clipFraction !== undefined ? `clipfrac ${m.clipFraction.toFixed(3)} | ` : '') +
        `|g| ${m.gradNorm.toFixed(3)} | queries ${m.rewardQueries}` +
        (m.promptFidelity !== undefined ? ` | fidelity ${m.promptFidelity.toFixed(3)}` : '') +
        (m.skipped !== undefined ? ` | REFUSED: ${m.skipped}` : ''),
    );
    this.epoch++;
    return m;
  }

  /** Draws prompt indices uniformly from the configured prompts (ddpo-pytorch's prompt_fn per sample). */
  private drawPrompts(rng: Rng, n: number): number[] {
    const k = rng.randint([n], this.promptIds.length).data;
    return Array.from(k, (i) => this.promptIds[i]);
  }

  /** Prompt string of a prompt index. */
  promptName(i: number): string {
    return this.opts.promptNames[i];
  }

  /**
   * Samples `numSamples` images (default: one epoch's worth) with a fixed evaluation stream of the
   * run's seed, so evaluations before and after training see the same prompts and initial noise.
   * Reward queries made here are not counted in `rewardQueries`.
   *
   * @example
   * const before = await trainer.evaluate(); await trainer.train(); const after = await trainer.evaluate();
   */
  async evaluate(opts: { numSamples?: number; stream?: number } = {}): Promise<Evaluation> {
    const rng = this.rng.fork(opts.stream ?? EVAL_STREAM);
    const n = opts.numSamples ?? samplesPerEpoch(this.config);
    const s = await this.sampler.sample(this.params, this.drawPrompts(rng, n), rng, this.progress, 'evaluation sampling', (i) => this.promptName(i));
    const rewards = await callReward(this.opts.reward, s.images, s.promptNames);
    const promptFidelity = this.opts.fidelity === undefined ? undefined : await this.opts.fidelity(s.images, s.prompts);
    return { meanReward: rewardStats(rewards).mean, rewards, images: s.images, promptNames: s.promptNames, prompts: s.prompts, ...(promptFidelity !== undefined ? { promptFidelity } : {}) };
  }

  /** Writes a captioned grid of the first samples to `<outDir>/samples/<name>`; returns its path. */
  writeGrid(s: { images: HostTensor; promptNames: string[]; rewards: Float64Array }, name: string): string | undefined {
    if (this.opts.outDir === undefined) return undefined;
    const k = Math.min(this.opts.gridSamples ?? 16, s.images.shape[0]);
    const [, c, h, w] = s.images.shape;
    const first = new HostTensor(s.images.dtype, [k, c, h, w], s.images.data.slice(0, k * c * h * w) as never);
    const captions = Array.from({ length: k }, (_, i) => [s.promptNames[i], `r=${Number.isFinite(s.rewards[i]) ? s.rewards[i].toFixed(4) : 'NaN'}`]);
    const dir = path.join(this.opts.outDir, 'samples');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    fs.writeFileSync(file, renderSampleGrid(first, captions));
    return file;
  }

  /** Saves `checkpoint-<epoch>` under outDir; returns its path. */
  checkpoint(): string {
    if (this.opts.outDir === undefined) throw new TrainerError('checkpoint: this trainer has no outDir');
    const trainable = this.optimizer.params.toRecord();
    const lora = loraOf(this.model);
    const data: CheckpointData = {
      epoch: this.epoch,
      // Under LoRA only the adapters (and the base's identity): the base is frozen.
      params: lora === undefined ? this.params : trainable,
      ...(lora !== undefined ? { lora: { ...lora.lora, baseSha256: this.baseHash! } } : {}),
      optimizer: optimizerToState(this.optimizer),
      rng: this.rng.getState(),
      statTracker: this.statTracker?.state() ?? null,
      rewardQueries: this.rewardQueries,
      config: this.config,
      metrics: this.metrics,
    };
    const dir = saveCheckpoint(this.opts.outDir, data);
    pruneCheckpoints(this.opts.outDir, this.config.numCheckpointLimit);
    return dir;
  }

  private restore(resume: true | string): void {
    const where = resume === true ? this.opts.outDir : resume;
    const broken: string[] = [];
    const dir = where === undefined ? undefined : latestCheckpoint(where, (d, why) => {
      broken.push(`${d} (${why})`);
      this.progress.log(`warning: resume: skipping broken checkpoint ${d}: ${why}`);
    });
    if (dir === undefined) throw new CheckpointError(`resume: no ${broken.length > 0 ? 'intact ' : ''}checkpoint found in ${where ?? '(no outDir given)'}${broken.length > 0 ? `; broken: ${broken.join(', ')}` : ''}`);
    const ck = loadCheckpoint(dir);
    checkResumeConfig(ck.config as TrainerConfig, this.config, dir);
    if (this.baseHash !== undefined) {
      checkSameBase(ck.lora?.baseSha256, this.baseHash, `resume: ${dir}`);
      const want = trainableParamNames(this.model);
      const missing = want.filter((n) => !(n in ck.params));
      if (missing.length > 0) throw new CheckpointError(`resume: ${dir} lacks LoRA adapter(s) ${missing.join(', ')}`);
    }
    for (const [name, t] of Object.entries(ck.params)) {
      const mine = this.params[name];
      if (mine === undefined || mine.size !== t.size || mine.dtype !== t.dtype) throw new CheckpointError(`resume: parameter '${name}' of ${dir} does not match the model`);
      (mine.data as Float32Array).set(t.data as Float32Array);
    }
    optimizerFromState(this.optimizer, ck.optimizer);
    this.statTracker = ck.statTracker === null || this.statTracker === undefined ? this.statTracker : PerPromptStatTracker.fromState(ck.statTracker as never);
    this.epoch = ck.epoch;
    this.rewardQueries = ck.rewardQueries;
    this.metrics.splice(0, this.metrics.length, ...ck.metrics);
    this.progress.log(`resumed from ${dir} (epoch ${ck.epoch})`);
  }

  private writeRunHeader(): void {
    const dir = this.opts.outDir!;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...this.config, reward: this.opts.reward.rewardName, model: this.opts.model.name }, null, 2));
  }

  /** Steps the optimizer unless something was non-finite; records the outcome. */
  protected applyStep(grads: Record<string, HostTensor>, lossFinite: boolean, out: UpdateStats, stats: StatMeans): void {
    applyUpdateStep(this.optimizer, this.config.trainMaxGradNorm, grads, lossFinite, out, stats, (reason) =>
      this.progress.log(`epoch ${this.epoch}: optimizer step refused: ${reason}`),
    );
  }

  /** Releases compiled graphs (and the adapter when the trainer created it). */
  async dispose(): Promise<void> {
    if (this.ownsAdapter) await this.adapter.dispose();
  }
}
