// RWRTrainer: reward-weighted regression, the baseline of the DDPO paper (sec. 4.1 and 6.1), on the
// same sampling, rewards, logging and checkpoints as DDPOTrainer. The policy's own final samples
// x_0 are re-noised at uniformly drawn t and regressed with the denoising loss weighted by
// softmax(beta * r) * N ('rwr') or by a 0/1 mask keeping the top percentile per prompt ('rwr-sparse');
// the weights, the graph and the update are in rwr-update.ts (shared with the browser page).
import type { CompiledGraph, Rng } from '@ddpo/tensor';
import { rwrTrainingGraph, rwrUpdate } from './rwr-update.js';
import type { EpochSamples } from './samples.js';
import { Trainer, type TrainerOptions } from './trainer.js';
import type { UpdateStats } from './update.js';

export { rwrPlan, rwrTrainingGraph, rwrUpdate, type RwrPlanConfig } from './rwr-update.js';

/**
 * RWR trainer (algorithm 'rwr' or 'rwr-sparse').
 *
 * @example
 * const trainer = await RWRTrainer.create({ model, params, reward, promptNames: PROMPTS, config: { algorithm: 'rwr' } });
 * await trainer.train();
 */
export class RWRTrainer extends Trainer {
  private compiled: CompiledGraph | undefined;

  /** Validates the config, compiles the graphs and (optionally) resumes. */
  static async create(opts: TrainerOptions): Promise<RWRTrainer> {
    return Trainer.build(opts, (adapter, owned) => new RWRTrainer(opts, adapter, owned), ['rwr', 'rwr-sparse'], 'use DDPOTrainer for DDPO');
  }

  /** Graph inputs: param:*, xt, timestep (float32), prompt (int64), noise, weights. */
  protected async compileTraining(): Promise<void> {
    this.compiled = await this.adapter.compile(rwrTrainingGraph(this.model, this.config));
  }

  protected async update(samples: EpochSamples, rng: Rng): Promise<UpdateStats> {
    return rwrUpdate(this.updateContext(), this.compiled!, samples, rng);
  }
}
