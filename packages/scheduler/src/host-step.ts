// Host-level (synchronous) DDIM calls: validate host tensors, build the step graph once per
// (schedule state, shape, dtype, options), cache it, and run it with `evaluate` from @ddpo/tensor
// (the reference interpreter). Outputs keep the inputs' dtype.
import { evaluate, GraphBuilder, tensor, type Graph, type HostTensor, type Rng } from '@ddpo/tensor';
import type { DDIMSchedulerConfig } from './config.js';
import { EtaError, StepInputError, TimestepError } from './errors.js';
import { addNoiseGraph, ddimStepGraph, ddimStepWithLogprobGraph, type NoiseSchedule, type StepSchedule } from './step-graph.js';

/** A timestep on the host: one for the whole batch, one per example, or an int/float tensor [B]. */
export type HostTimestep = number | readonly number[] | HostTensor;

/** What the host calls need from a scheduler (DDIMScheduler implements it). */
export interface HostSchedule extends StepSchedule, NoiseSchedule {
  readonly config: DDIMSchedulerConfig;
  readonly numInferenceSteps: number | null;
}

/** Arguments of `ddimStepWithLogprob`: host tensors [B, ...] of one float dtype. */
export interface DdimStepWithLogprobArgs {
  modelOutput: HostTensor;
  sample: HostTensor;
  timestep: HostTimestep;
  /** > 0: the log-probability is undefined for a deterministic step. */
  eta: number;
  /** Score this x_{t-1} (training). */
  prevSample?: HostTensor;
  /** Draw x_{t-1} = mean + sigma_t * varianceNoise (unit Gaussian). */
  varianceNoise?: HostTensor;
  /** Draw the unit noise from this generator when neither prevSample nor varianceNoise is given. */
  generator?: Rng;
  useClippedModelOutput?: boolean;
}

/** Result of `ddimStepWithLogprob`; per-example values are [B]. */
export interface DdimStepWithLogprobResult {
  prevSample: HostTensor;
  /** Mean over non-batch dims of the elementwise Gaussian log density (NOT the sum). */
  logProb: HostTensor;
  prevSampleMean: HostTensor;
  predOriginalSample: HostTensor;
  stdDevT: HostTensor;
}

const graphCache = new WeakMap<object, Map<string, Graph>>();

function cached(owner: object, key: string, build: () => Graph): Graph {
  let m = graphCache.get(owner);
  if (m === undefined) graphCache.set(owner, (m = new Map()));
  let g = m.get(key);
  if (g === undefined) m.set(key, (g = build()));
  return g;
}

function checkFloat(where: string, name: string, t: HostTensor, like?: HostTensor): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new StepInputError(`${where}: ${name} has dtype ${t.dtype}, expected float32 or float64`);
  if (t.shape.length < 1) throw new StepInputError(`${where}: ${name} has shape [], expected [B, ...]`);
  if (like === undefined) return;
  if (t.dtype !== like.dtype) throw new StepInputError(`${where}: ${name} has dtype ${t.dtype}, expected sample's dtype ${like.dtype}`);
  if (t.shape.length !== like.shape.length || t.shape.some((d, i) => d !== like.shape[i])) {
    throw new StepInputError(`${where}: ${name} has shape [${t.shape.join(', ')}], expected sample's shape [${like.shape.join(', ')}]`);
  }
}

/**
 * Validates timesteps (integers in [0, T)) and returns them as int64 [B].
 *
 * @example
 * timestepTensor('step', 981, 2, 1000); // int64 [981, 981]
 */
export function timestepTensor(where: string, t: HostTimestep, batch: number, numTrainTimesteps: number): HostTensor<'int64'> {
  let values: number[];
  if (typeof t === 'number') values = new Array<number>(batch).fill(t);
  else if (Array.isArray(t)) values = [...(t as readonly number[])];
  else {
    const h = t as HostTensor;
    if (h.dtype === 'bool') throw new TimestepError(`${where}: timestep tensor has dtype bool, expected an integer or float tensor`);
    if (h.shape.length > 1) throw new TimestepError(`${where}: timestep tensor has shape [${h.shape.join(', ')}], expected [] or [B] = [${batch}]`);
    values = h.shape.length === 0 ? new Array<number>(batch).fill(Number(h.data[0])) : h.toArray();
  }
  if (values.length !== batch) throw new TimestepError(`${where}: ${values.length} timesteps given for a batch of ${batch}; expected one, or one per example`);
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= numTrainTimesteps) {
      throw new TimestepError(`${where}: timestep[${i}] = ${v} is not an integer in [0, ${numTrainTimesteps - 1}]`);
    }
  });
  return tensor(values.map((v) => BigInt(v)), [batch], 'int64');
}

function requireSteps(where: string, sched: HostSchedule): number {
  const n = sched.numInferenceSteps;
  if (n === null) throw new TimestepError(`${where}: call setTimesteps(numInferenceSteps) on the scheduler first`);
  return n;
}

/** Unit noise from `varianceNoise` or `generator`; undefined when neither is given. */
function drawNoise(where: string, sample: HostTensor, noise?: HostTensor, generator?: Rng): HostTensor | undefined {
  if (noise !== undefined) {
    checkFloat(where, 'varianceNoise', noise, sample);
    return noise;
  }
  return generator?.normal(sample.shape, sample.dtype as 'float32' | 'float64');
}

const shapeKey = (t: HostTensor): string => `${t.dtype}[${t.shape.join(',')}]`;

/**
 * One DDIM step with the log-probability of x_{t-1}, on host tensors (ddpo-pytorch's
 * `ddim_step_with_logprob`). Synchronous: the step graph is built once per shape/dtype/options and
 * evaluated by the reference interpreter. Either score `prevSample`, or draw x_{t-1} with
 * `varianceNoise` (or `generator`).
 *
 * @example
 * const s = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);
 * s.setTimesteps(50);
 * const { prevSample, logProb } = ddimStepWithLogprob(s, { modelOutput, sample, timestep: 981, eta: 1, varianceNoise });
 */
export function ddimStepWithLogprob(sched: HostSchedule, args: DdimStepWithLogprobArgs): DdimStepWithLogprobResult {
  const where = 'ddimStepWithLogprob';
  const { sample, modelOutput, eta } = args;
  const { n, timestep, other } = checkLogprobArgs(where, sched, args);
  const scoring = args.prevSample !== undefined;
  const clipped = args.useClippedModelOutput === true;
  const key = `logprob|${n}|${shapeKey(sample)}|${eta}|${scoring}|${clipped}`;
  const graph = cached(sched, key, () => {
    const b = new GraphBuilder();
    const x = b.input('sample', sample.shape, sample.dtype);
    const given = b.input(scoring ? 'prev_sample' : 'variance_noise', sample.shape, sample.dtype);
    const o = ddimStepWithLogprobGraph(sched, {
      sample: x, modelOutput: b.input('model_output', sample.shape, sample.dtype), timestep: b.input('timestep', [sample.shape[0]], 'int64'),
      eta, useClippedModelOutput: clipped, ...(scoring ? { prevSample: given } : { varianceNoise: given }),
    });
    if (!scoring) b.output('prev_sample', o.prevSample);
    b.output('log_prob', o.logProb);
    b.output('prev_sample_mean', o.prevSampleMean);
    b.output('pred_original_sample', o.predOriginalSample);
    b.output('std_dev_t', o.stdDevT);
    return b.build();
  });
  const r = evaluate(graph, { sample, model_output: modelOutput, timestep, [scoring ? 'prev_sample' : 'variance_noise']: other });
  return {
    prevSample: scoring ? other : r.prev_sample,
    logProb: r.log_prob,
    prevSampleMean: r.prev_sample_mean,
    predOriginalSample: r.pred_original_sample,
    stdDevT: r.std_dev_t,
  };
}

/** Validates the arguments of ddimStepWithLogprob; returns N, int64 timesteps and the given x_{t-1} or the unit noise. */
function checkLogprobArgs(where: string, sched: HostSchedule, args: DdimStepWithLogprobArgs): { n: number; timestep: HostTensor; other: HostTensor } {
  const { sample, eta } = args;
  if (!(eta > 0) || !Number.isFinite(eta)) throw new EtaError(eta, where);
  checkFloat(where, 'sample', sample);
  checkFloat(where, 'modelOutput', args.modelOutput, sample);
  if (args.prevSample !== undefined) {
    checkFloat(where, 'prevSample', args.prevSample, sample);
    if (args.varianceNoise !== undefined || args.generator !== undefined) {
      throw new StepInputError(`${where}: prevSample is scored, so varianceNoise and generator must not be given`);
    }
  }
  const n = requireSteps(where, sched);
  const timestep = timestepTensor(where, args.timestep, sample.shape[0], sched.config.numTrainTimesteps);
  const other = args.prevSample ?? drawNoise(where, sample, args.varianceNoise, args.generator);
  if (other === undefined) throw new StepInputError(`${where}: give prevSample (to score it), varianceNoise or generator (to draw x_{t-1})`);
  return { n, timestep, other };
}

/** Host-level diffusers `step` (see DDIMScheduler.step). */
export function ddimStepHost(
  sched: HostSchedule,
  modelOutput: HostTensor,
  ts: HostTimestep,
  sample: HostTensor,
  opts: { eta?: number; varianceNoise?: HostTensor; generator?: Rng; useClippedModelOutput?: boolean },
): { prevSample: HostTensor; predOriginalSample: HostTensor } {
  const where = 'DDIMScheduler.step';
  const eta = opts.eta ?? 0;
  if (!Number.isFinite(eta) || eta < 0) throw new StepInputError(`${where}: eta is ${eta}, expected a finite number >= 0`);
  checkFloat(where, 'sample', sample);
  checkFloat(where, 'modelOutput', modelOutput, sample);
  const n = requireSteps(where, sched);
  const timestep = timestepTensor(where, ts, sample.shape[0], sched.config.numTrainTimesteps);
  const noise = eta > 0 ? drawNoise(where, sample, opts.varianceNoise, opts.generator) : undefined;
  if (eta > 0 && noise === undefined) throw new StepInputError(`${where}: eta = ${eta} > 0 needs varianceNoise or generator`);
  const clipped = opts.useClippedModelOutput === true;
  const graph = cached(sched, `step|${n}|${shapeKey(sample)}|${eta}|${clipped}`, () => {
    const b = new GraphBuilder();
    const o = ddimStepGraph(sched, {
      sample: b.input('sample', sample.shape, sample.dtype), modelOutput: b.input('model_output', sample.shape, sample.dtype),
      timestep: b.input('timestep', [sample.shape[0]], 'int64'), eta, useClippedModelOutput: clipped,
      ...(eta > 0 ? { varianceNoise: b.input('variance_noise', sample.shape, sample.dtype) } : {}),
    });
    b.output('prev_sample', o.prevSample);
    b.output('pred_original_sample', o.predOriginalSample);
    return b.build();
  });
  const r = evaluate(graph, { sample, model_output: modelOutput, timestep, ...(noise ? { variance_noise: noise } : {}) });
  return { prevSample: r.prev_sample, predOriginalSample: r.pred_original_sample };
}

/** Host-level `add_noise` (see DDIMScheduler.addNoise). */
export function addNoiseHost(sched: HostSchedule, originalSamples: HostTensor, noise: HostTensor, ts: HostTimestep): HostTensor {
  const where = 'DDIMScheduler.addNoise';
  checkFloat(where, 'originalSamples', originalSamples);
  checkFloat(where, 'noise', noise, originalSamples);
  const timesteps = timestepTensor(where, ts, originalSamples.shape[0], sched.config.numTrainTimesteps);
  const graph = cached(sched, `addNoise|${shapeKey(originalSamples)}`, () => {
    const b = new GraphBuilder();
    const t = { dtype: originalSamples.dtype, shape: originalSamples.shape };
    const xt = addNoiseGraph(sched, {
      originalSamples: b.input('original_samples', t.shape, t.dtype), noise: b.input('noise', t.shape, t.dtype),
      timesteps: b.input('timesteps', [t.shape[0]], 'int64'),
    });
    b.output('noisy_samples', xt);
    return b.build();
  });
  return evaluate(graph, { original_samples: originalSamples, noise, timesteps }).noisy_samples;
}
