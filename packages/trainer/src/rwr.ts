// The RWR algorithms: reward-weighted regression, the baseline of the DDPO paper (sec. 4.1 and 6.1), on
// the same sampling, rewards, logging and checkpoints as DDPO. The policy's own final samples x_0 are
// re-noised at uniformly drawn t and regressed with the denoising loss weighted by softmax(beta * r) * N
// ('rwr') or by a 0/1 mask keeping the top percentile per prompt ('rwr-sparse'), with classifier-free
// guidance in the regressed prediction when trainCfg (as jannerm/ddpo's RWR). Two AlgorithmModules
// (registered in builtin-algorithms.ts) and their trainer class, RWRTrainer.
import type { AlgorithmModule } from './algorithm.js';
import { rwrCoreModule, rwrSparseCoreModule, type RwrBatch, type RwrPlan } from './rwr-algorithms.js';
import { Trainer, type TrainerOptions } from './trainer.js';

export type { RwrBatch } from './rwr-algorithms.js';

// The weights plan and the training graph live in rwr-update.ts (browser-safe, no Trainer), shared with
// the browser entry; re-exported here.
export { rwrPlan, rwrTrainingGraph, type RwrPlanConfig } from './rwr-update.js';

/**
 * RWR trainer (algorithm 'rwr' or 'rwr-sparse'): the Trainer's loop, refusing other families.
 *
 * @example
 * const trainer = await RWRTrainer.create({ model, params, reward, promptNames: PROMPTS, config: { algorithm: 'rwr' } });
 * await trainer.train();
 */
export class RWRTrainer extends Trainer {
  /** Validates the config, compiles the graphs and (optionally) resumes. */
  static override async create(opts: TrainerOptions): Promise<RWRTrainer> {
    return Trainer.build(opts, (adapter, owned) => new RWRTrainer(opts, adapter, owned), 'rwr', 'use DDPOTrainer for DDPO');
  }
}

/** RWR: softmax(beta * r) weights. */
export const rwrAlgorithm: AlgorithmModule<RwrPlan, RwrBatch> & { name: 'rwr' } = { ...rwrCoreModule, create: (opts) => RWRTrainer.create(opts) };

/** Sparse RWR: 0/1 weights keeping the top percentile per prompt. */
export const rwrSparseAlgorithm: AlgorithmModule<RwrPlan, RwrBatch> & { name: 'rwr-sparse' } = { ...rwrSparseCoreModule, create: (opts) => RWRTrainer.create(opts) };
