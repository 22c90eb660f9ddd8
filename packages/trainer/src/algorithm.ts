// The algorithm registry (in the spirit of onnxruntime's registerBackend): a training algorithm is one
// AlgorithmModule — its extra config fields and rules, its training graph, its per-batch feeds, the
// statistics it logs — plus one `registerAlgorithm` call. Trainer runs every algorithm through one
// update loop; config validation, the factory, log lines, the CLI's choices and compare presets read
// the registry. The built-ins (ddpo-is, ddpo-sf, rwr, rwr-sparse) register in builtin-algorithms.ts.
import type { DiffusionPolicy, EpsilonModel } from '@ddpo/policy';
import type { Graph, Rng, TensorMap } from '@ddpo/tensor';
import type { z } from 'zod';
import type { TrainerConfig } from './config.js';
import { TrainerError } from './errors.js';
import type { Progress } from './progress.js';
import type { EpochSamples } from './samples.js';
import type { Trainer, TrainerOptions } from './trainer.js';

/** What an algorithm sees of the trainer running it. */
export interface AlgorithmContext {
  /** The validated config; an algorithm's own fields (configFields) are on it too. */
  readonly config: TrainerConfig & Record<string, unknown>;
  /** The model trained (under LoRA: the LoRA wrapper). */
  readonly model: EpsilonModel;
  /** The sampling policy (its scheduler: `policy.schedulerFor(config.sampleNumSteps)`). */
  readonly policy: DiffusionPolicy;
  /** The training scheduler's cumulative alphas (for re-noising, as RWR does). */
  readonly alphasCumprod: Float64Array;
  readonly progress: Progress;
  /** The epoch being trained (0-based). */
  readonly epoch: number;
}

/** One inner epoch's batches, in training order. */
export interface BatchOrder<B> {
  /** Batches in this inner epoch (each trained on numTrainTimesteps(config) steps). */
  readonly batches: number;
  /** The state of batch `index` (called once per batch, in order, before its steps). */
  batch(index: number): B;
}

/** A config problem found by an algorithm's own rule. */
export interface ConfigIssue {
  field: string;
  message: string;
}

/**
 * One training algorithm. The update loop (Trainer) per epoch calls `planEpoch` once, then per inner
 * epoch `order` once, per batch `order.batch(i)` once, and per step `stepFeeds`; it runs the compiled
 * `trainingGraph` with the parameters plus those feeds, averages `loss` and the declared statistics,
 * accumulates the `grad:<param>` outputs over trainGradientAccumulationSteps x numTrainTimesteps steps,
 * then clips and takes one optimizer step.
 */
export interface AlgorithmModule<P = unknown, B = unknown> {
  /** The name of `config.algorithm` and of `ddpo train --algo`. */
  readonly name: string;
  /** Algorithms of one family share a trainer class (DDPOTrainer: 'ddpo', RWRTrainer: 'rwr'). */
  readonly family: string;
  /** One line for help text. */
  readonly description: string;
  /** Config fields of this algorithm only (zod, with defaults); they join the trainer's schema. */
  readonly configFields?: z.ZodRawShape;
  /** Rules on the whole config when this algorithm is chosen (e.g. ddpo-sf: one inner epoch). */
  validate?(config: TrainerConfig & Record<string, unknown>): ConfigIssue[];
  /**
   * The training graph, traced once per run. Inputs: `param:<name>` (paramInputs) plus what stepFeeds
   * gives; outputs: `loss` (a scalar), `grad:<name>` for every trainable parameter, and the statistics.
   */
  trainingGraph(ctx: AlgorithmContext): Graph;
  /** Scalar outputs averaged into the epoch's metrics (others are logged as 0 and not printed). */
  readonly statistics?: { readonly approxKl?: string; readonly clipFraction?: string };
  /** Called once after the graph compiled (e.g. to log a note about the settings). */
  compiled?(ctx: AlgorithmContext): void;
  /** Per-epoch preparation on the rewarded samples (advantages filled in); no randomness. */
  planEpoch(ctx: AlgorithmContext, samples: EpochSamples): P;
  /** One inner epoch's batch order, drawn from `rng`. */
  order(ctx: AlgorithmContext, samples: EpochSamples, plan: P, rng: Rng): BatchOrder<B>;
  /** The feeds of step `j` (0 <= j < numTrainTimesteps) of a batch, besides the parameters. */
  stepFeeds(ctx: AlgorithmContext, batch: B, j: number, rng: Rng): TensorMap;
  /** Builds its trainer (default: the plain Trainer); DDPOTrainer / RWRTrainer for the built-ins. */
  create?(opts: TrainerOptions): Promise<Trainer>;
  /** Config fields `ddpo compare`'s presets set for this algorithm (its tuned setting). */
  readonly tuned?: Readonly<Record<string, unknown>>;
  /** Config fields this algorithm does not read (`ddpo sweep` runs it once for cells differing only in them). */
  readonly unusedFields?: readonly string[];
}

/** An algorithm name nobody registered. */
export class UnknownAlgorithmError extends TrainerError {
  constructor(readonly algorithm: string) {
    super(`unknown algorithm '${algorithm}'; registered: ${algorithmNames().join(', ')}`);
  }
}

const registry = new Map<string, AlgorithmModule>();

/**
 * Registers a training algorithm; a name already registered is a TrainerError.
 *
 * @example
 * registerAlgorithm(myAlgorithm); // then config: { algorithm: 'my-algorithm' } trains it
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a module's plan and batch types are its own
export function registerAlgorithm(module: AlgorithmModule<any, any>): void {
  if (!/^[a-z][a-z0-9-]*$/.test(module.name)) throw new TrainerError(`registerAlgorithm: name '${module.name}' must be lower-case letters, digits and dashes`);
  if (registry.has(module.name)) throw new TrainerError(`registerAlgorithm: an algorithm named '${module.name}' is already registered`);
  registry.set(module.name, module as AlgorithmModule);
}

/**
 * The registered algorithm `name`; an UnknownAlgorithmError lists the registered ones.
 *
 * @example
 * getAlgorithm('rwr').family; // 'rwr'
 */
export function getAlgorithm(name: string): AlgorithmModule {
  const m = registry.get(name);
  if (m === undefined) throw new UnknownAlgorithmError(name);
  return m;
}

/** The registered module `name`, which must be of `family` (a TrainerError naming `caller` otherwise). */
export function algorithmOfFamily(name: string, family: string, caller: string): AlgorithmModule {
  const m = getAlgorithm(name);
  if (m.family !== family) throw new TrainerError(`${caller}: config.algorithm is '${name}' (family '${m.family}'), expected an algorithm of family '${family}'`);
  return m;
}

/** Whether `name` is registered. */
export function hasAlgorithm(name: string): boolean {
  return registry.has(name);
}

/**
 * Registered algorithm names, in registration order (the built-ins first).
 *
 * @example
 * algorithmNames(); // ['ddpo-is', 'ddpo-sf', 'rwr', 'rwr-sparse']
 */
export function algorithmNames(): string[] {
  return [...registry.keys()];
}

/** Registered algorithms, in registration order. */
export function listAlgorithms(): AlgorithmModule[] {
  return [...registry.values()];
}
