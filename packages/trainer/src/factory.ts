// One entry point for every algorithm: the registered module of config.algorithm builds its trainer
// (DDPOTrainer, RWRTrainer, or the plain Trainer for an algorithm that names none).
import { getAlgorithm } from './algorithm.js';
import { parseTrainerConfig } from './config.js';
import { Trainer, type TrainerOptions } from './trainer.js';

/**
 * Creates the trainer of `config.algorithm` (any registered algorithm: 'ddpo-is' | 'ddpo-sf' ->
 * DDPOTrainer, 'rwr' | 'rwr-sparse' -> RWRTrainer, others -> Trainer), compiled and ready (resumed when asked).
 *
 * @example
 * const trainer = await createTrainer({ model, params, reward, promptNames: PROMPTS, config: { algorithm: 'rwr' } });
 */
export async function createTrainer(opts: TrainerOptions): Promise<Trainer> {
  const algorithm = getAlgorithm(parseTrainerConfig(opts.config ?? {}).algorithm);
  return algorithm.create !== undefined ? algorithm.create(opts) : Trainer.create(opts);
}
