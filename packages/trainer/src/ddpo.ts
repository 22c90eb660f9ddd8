// The DDPO algorithms, DDPO_IS and DDPO_SF (Black et al. 2023, sec. 4.2), as ddpo-pytorch's
// scripts/train.py trains them: inner epochs that shuffle samples and each sample's timestep order, the
// first timestepFraction of (shuffled) timesteps per sample, gradients accumulated over timesteps and
// trainGradientAccumulationSteps batches, clipped, then one AdamW step (Trainer's update loop). The
// training graph (log-prob under the current parameters + policy loss + gradients) is traced once.
// Two AlgorithmModules (registered in builtin-algorithms.ts) and their trainer class, DDPOTrainer.
import type { AlgorithmModule } from './algorithm.js';
import { ddpoIsModule, ddpoSfModule, type DdpoBatch } from './ddpo-algorithms.js';
import { Trainer, type TrainerOptions } from './trainer.js';

export type { DdpoBatch } from './ddpo-algorithms.js';

// The training graph and DDPO_SF's step count live in ddpo-update.ts (browser-safe, no Trainer), shared
// with the browser entry; re-exported here.
export { ddpoTrainingGraph, sfStepsPerEpoch, type DdpoGraphConfig } from './ddpo-update.js';

/**
 * DDPO trainer (algorithm 'ddpo-is' or 'ddpo-sf'): the Trainer's loop, refusing other families.
 *
 * @example
 * const trainer = await DDPOTrainer.create({ model, params, reward: jpegCompressibility(), promptNames: PROMPTS,
 *   config: { algorithm: 'ddpo-is', numEpochs: 10 }, outDir: 'runs/ddpo' });
 * await trainer.train();
 */
export class DDPOTrainer extends Trainer {
  /** Validates the config, compiles the graphs and (optionally) resumes. */
  static override async create(opts: TrainerOptions): Promise<DDPOTrainer> {
    return Trainer.build(opts, (adapter, owned) => new DDPOTrainer(opts, adapter, owned), 'ddpo', 'use RWRTrainer for RWR');
  }
}

/** DDPO_IS: PPO's clipped importance-sampling objective; several inner epochs allowed. */
export const ddpoIsAlgorithm: AlgorithmModule<void, DdpoBatch> & { name: 'ddpo-is' } = { ...ddpoIsModule, create: (opts) => DDPOTrainer.create(opts) };

/** DDPO_SF: the score-function (REINFORCE) gradient; on-policy, so one inner epoch. */
export const ddpoSfAlgorithm: AlgorithmModule<void, DdpoBatch> & { name: 'ddpo-sf' } = { ...ddpoSfModule, create: (opts) => DDPOTrainer.create(opts) };
