// DDPOTrainer: DDPO_IS and DDPO_SF (Black et al. 2023, sec. 4.2) on the Trainer's sampling, rewards,
// logging and checkpoints. The training graph and the per-epoch update are in ddpo-update.ts (no file
// system, shared with the browser page); the graph is built and compiled once per run.
import type { CompiledGraph, Rng } from '@ddpo/tensor';
import { ddpoTrainingGraph, ddpoUpdate, sfStepsPerEpoch } from './ddpo-update.js';
import type { EpochSamples } from './samples.js';
import { Trainer, type TrainerOptions } from './trainer.js';
import type { UpdateStats } from './update.js';

export { ddpoTrainingGraph, ddpoUpdate, sfStepsPerEpoch, type DdpoGraphConfig } from './ddpo-update.js';

/**
 * DDPO trainer (algorithm 'ddpo-is' or 'ddpo-sf').
 *
 * @example
 * const trainer = await DDPOTrainer.create({ model, params, reward: jpegCompressibility(), promptNames: PROMPTS,
 *   config: { algorithm: 'ddpo-is', numEpochs: 10 }, outDir: 'runs/ddpo' });
 * await trainer.train();
 */
export class DDPOTrainer extends Trainer {
  private compiled: CompiledGraph | undefined;

  /** Validates the config, compiles the graphs and (optionally) resumes. */
  static async create(opts: TrainerOptions): Promise<DDPOTrainer> {
    return Trainer.build(opts, (adapter, owned) => new DDPOTrainer(opts, adapter, owned), ['ddpo-is', 'ddpo-sf'], 'use RWRTrainer for RWR');
  }

  /** Graph inputs: param:*, sample, timestep (int64), prompt, prev_sample, old_log_prob, advantages. */
  protected async compileTraining(): Promise<void> {
    this.compiled = await this.adapter.compile(ddpoTrainingGraph(this.sampler.policy, this.config));
    const steps = sfStepsPerEpoch(this.config);
    if (steps > 1) {
      this.progress.log(
        `note: ddpo-sf takes ${steps} optimizer steps per epoch (trainBatchSize x trainGradientAccumulationSteps < samples per epoch); ` +
          'every step after the first uses samples of an older policy without correction. The paper\'s DDPO_SF takes one step per epoch.',
      );
    }
  }

  protected async update(samples: EpochSamples, rng: Rng): Promise<UpdateStats> {
    return ddpoUpdate(this.updateContext(), this.compiled!, samples, rng);
  }
}
