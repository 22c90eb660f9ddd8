// DiffusionPolicy: an epsilon network + a DDIM scheduler + a TensorAdapter. Rollouts run ONE
// compiled graph per denoising step (network + guidance + DDIM step + log-prob; the timestep is an
// input), compiled once per (batch, guidance, eta, steps, dtype). Noise is drawn on the host from
// the seeded Rng and fed in, so a seed gives the same trajectory on every adapter.
import { castHost, GraphBuilder, Rng, tensor, type Graph, type HostTensor, type Sym, type TensorAdapter } from '@ddpo/tensor';
import { DDIMScheduler, EtaError, ddimStepWithLogprobGraph, timestepTensor } from '@ddpo/scheduler';
import { PolicyInputError } from './errors.js';
import { checkGuidance, guidedEpsilon } from './guidance.js';
import { paramFeeds, paramInputs, type EpsilonModel } from './model.js';
import { assembleRollout, checkPrompts, type Rollout, type RolloutOptions } from './rollout.js';

/** Options shared by rollouts and log-prob graphs. */
export interface LogProbOptions {
  eta: number;
  guidanceScale: number;
  /** N: which DDIM schedule the timesteps belong to (default: the scheduler's, if set). */
  numInferenceSteps?: number;
}

/** What `logProbGraph` scores: s_t = (x_t, t, c) and the stored action x_{t-1}. */
export interface TransitionSyms {
  /** x_t [B, ...sampleShape]. */
  sample: Sym;
  /** t per example, int or float [B] (examples may sit at different timesteps). */
  timestep: Sym;
  /** Prompt index per example, int64 [B]. */
  prompt: Sym;
  /** The stored x_{t-1} [B, ...sampleShape]. */
  prevSample: Sym;
}

/** Host values of a batch of transitions (for `logProb`). */
export interface TransitionBatch {
  sample: HostTensor;
  timestep: HostTensor | readonly number[];
  prompt: HostTensor | readonly number[];
  prevSample: HostTensor;
}

/** Constructor arguments of DiffusionPolicy. */
export interface DiffusionPolicyOptions {
  model: EpsilonModel;
  scheduler: DDIMScheduler;
  adapter: TensorAdapter;
}

/**
 * A diffusion model as a DDPO policy.
 *
 * @example
 * const policy = new DiffusionPolicy({ model, scheduler: new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG), adapter });
 * const r = await policy.rollout({ prompts: [0, 5], seed: 1, numInferenceSteps: 20, eta: 1, guidanceScale: 5, params });
 * r.logProbs.shape; // [2, 20]
 */
export class DiffusionPolicy {
  readonly model: EpsilonModel;
  readonly scheduler: DDIMScheduler;
  readonly adapter: TensorAdapter;
  private readonly schedulers = new Map<number, DDIMScheduler>();
  private readonly graphs = new Map<string, Graph>();

  constructor(opts: DiffusionPolicyOptions) {
    this.model = opts.model;
    this.scheduler = opts.scheduler;
    this.adapter = opts.adapter;
  }

  /** A private copy of the scheduler set to N steps (the caller's scheduler is never mutated). */
  schedulerFor(numInferenceSteps?: number): DDIMScheduler {
    const n = numInferenceSteps ?? this.scheduler.numInferenceSteps;
    if (n === null || n === undefined) {
      throw new PolicyInputError('numInferenceSteps is not given and the scheduler has no timesteps set (call setTimesteps or pass it)');
    }
    let s = this.schedulers.get(n);
    if (s === undefined) {
      s = new DDIMScheduler(this.scheduler.config);
      s.setTimesteps(n);
      this.schedulers.set(n, s);
    }
    return s;
  }

  /**
   * Adds log pi_theta(prevSample | sample, timestep, prompt) [B] to the caller's builder (the one of
   * `x.sample`), differentiable in `params`: the trainer attaches its loss and `grad` to the same graph.
   *
   * @example
   * const lp = policy.logProbGraph(paramInputs(b, model), { sample, timestep, prompt, prevSample }, { eta: 1, guidanceScale: 5 });
   */
  logProbGraph(params: Record<string, Sym>, x: TransitionSyms, opts: LogProbOptions): Sym {
    if (!(opts.eta > 0) || !Number.isFinite(opts.eta)) throw new EtaError(opts.eta, 'DiffusionPolicy.logProbGraph');
    this.checkSampleSym(x.sample);
    const sched = this.schedulerFor(opts.numInferenceSteps);
    const eps = guidedEpsilon(this.model, params, x.sample, x.timestep, x.prompt, opts.guidanceScale);
    return ddimStepWithLogprobGraph(sched, { sample: x.sample, modelOutput: eps, timestep: x.timestep, eta: opts.eta, prevSample: x.prevSample }).logProb;
  }

  /**
   * Host convenience: runs `logProbGraph` for a batch of stored transitions on the adapter.
   *
   * @example
   * const lp = await policy.logProb(params, { sample: r.latents[3], timestep: [r.timesteps[3], r.timesteps[3]],
   *   prompt: [0, 5], prevSample: r.latents[4] }, { eta: 1, guidanceScale: 5, numInferenceSteps: 20 }); // [B]
   */
  async logProb(params: Record<string, HostTensor>, batch: TransitionBatch, opts: LogProbOptions): Promise<HostTensor> {
    const sample = batch.sample;
    const B = sample.shape[0];
    const dtype = sample.dtype as 'float32' | 'float64';
    const timestep = timestepTensor('DiffusionPolicy.logProb', batch.timestep, B, this.scheduler.config.numTrainTimesteps);
    const prompt = checkPrompts(this.model, batch.prompt, B);
    const n = opts.numInferenceSteps ?? this.scheduler.numInferenceSteps ?? undefined;
    const key = `logprob|${B}|${dtype}|${opts.eta}|${opts.guidanceScale}|${n}`;
    const graph = this.cachedGraph(key, () => {
      const b = new GraphBuilder();
      const shape = [B, ...this.model.sampleShape];
      const syms = { sample: b.input('sample', shape, dtype), timestep: b.input('timestep', [B], 'int64'), prompt: b.input('prompt', [B], 'int64'), prevSample: b.input('prev_sample', shape, dtype) };
      b.output('log_prob', this.logProbGraph(paramInputs(b, this.model, dtype), syms, { ...opts, numInferenceSteps: n }));
      return b.build();
    });
    const compiled = await this.adapter.compile(graph);
    const out = await compiled.run({ ...this.feedsFor(params, dtype), sample, timestep, prompt, prev_sample: batch.prevSample });
    return out.log_prob;
  }

  /**
   * Samples a batch of trajectories: x_T ~ N(0, I) and every step's unit noise come from the
   * seeded host Rng (x_T first, then one draw per step); each step is one run of one compiled graph.
   *
   * @example
   * const r = await policy.rollout({ prompts: [3, 3], seed: 42, numInferenceSteps: 10, eta: 1, guidanceScale: 1, params });
   * r.latents.length; // 11
   */
  async rollout(opts: RolloutOptions): Promise<Rollout> {
    const dtype = opts.dtype ?? 'float32';
    const prompt = checkPrompts(this.model, opts.prompts, undefined);
    const B = prompt.shape[0];
    if (!(opts.eta > 0) || !Number.isFinite(opts.eta)) throw new EtaError(opts.eta, 'DiffusionPolicy.rollout');
    checkGuidance(opts.guidanceScale);
    const sched = this.schedulerFor(opts.numInferenceSteps);
    const shape = [B, ...this.model.sampleShape];
    const rng = opts.seed instanceof Rng ? opts.seed : new Rng(opts.seed);
    const compiled = await this.adapter.compile(this.stepGraph(B, dtype, opts.eta, opts.guidanceScale, sched));
    const params = this.feedsFor(opts.params, dtype);
    const latents: HostTensor[] = [this.noiseOr(opts.noise?.initialLatent, rng, shape, dtype, 'initialLatent')];
    const logProbs: HostTensor[] = [];
    for (const [i, t] of sched.timesteps.entries()) {
      const timestep = tensor(new Array<bigint>(B).fill(BigInt(t)), [B], 'int64');
      const noise = this.noiseOr(opts.noise?.variance?.[i], rng, shape, dtype, `variance[${i}]`);
      const out = await compiled.run({ ...params, sample: latents[i], timestep, prompt, variance_noise: noise });
      latents.push(out.prev_sample);
      logProbs.push(out.log_prob);
    }
    return assembleRollout({ prompt, timesteps: sched.timesteps, latents, logProbs, eta: opts.eta, guidanceScale: opts.guidanceScale });
  }

  /** The per-step rollout graph: inputs sample, timestep, prompt, variance_noise, param:*; outputs prev_sample, log_prob. */
  private stepGraph(B: number, dtype: 'float32' | 'float64', eta: number, g: number, sched: DDIMScheduler): Graph {
    return this.cachedGraph(`step|${B}|${dtype}|${eta}|${g}|${sched.numInferenceSteps}`, () => {
      const b = new GraphBuilder();
      const shape = [B, ...this.model.sampleShape];
      const sample = b.input('sample', shape, dtype);
      const timestep = b.input('timestep', [B], 'int64');
      const eps = guidedEpsilon(this.model, paramInputs(b, this.model, dtype), sample, timestep, b.input('prompt', [B], 'int64'), g);
      const step = ddimStepWithLogprobGraph(sched, { sample, modelOutput: eps, timestep, eta, varianceNoise: b.input('variance_noise', shape, dtype) });
      b.output('prev_sample', step.prevSample);
      b.output('log_prob', step.logProb);
      return b.build();
    });
  }

  private cachedGraph(key: string, build: () => Graph): Graph {
    let g = this.graphs.get(key);
    if (g === undefined) this.graphs.set(key, (g = build()));
    return g;
  }

  private feedsFor(params: Record<string, HostTensor>, dtype: 'float32' | 'float64'): Record<string, HostTensor> {
    const feeds = paramFeeds(this.model, params);
    return dtype === 'float32' ? feeds : Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, castHost(v, dtype)]));
  }

  private noiseOr(given: HostTensor | undefined, rng: Rng, shape: number[], dtype: 'float32' | 'float64', what: string): HostTensor {
    if (given === undefined) return rng.normal(shape, dtype);
    if (given.dtype !== dtype || given.shape.length !== shape.length || given.shape.some((d, i) => d !== shape[i])) {
      throw new PolicyInputError(`rollout: noise.${what} is ${given.dtype} [${given.shape.join(', ')}], expected ${dtype} [${shape.join(', ')}]`);
    }
    return given;
  }

  private checkSampleSym(sample: Sym): void {
    const want = this.model.sampleShape;
    if (sample.rank !== want.length + 1 || want.some((d, i) => sample.shape[i + 1] !== d)) {
      throw new PolicyInputError(`logProbGraph: sample has shape [${sample.shape.join(', ')}], expected [B, ${want.join(', ')}] for ${this.model.name}`);
    }
  }
}

