// One entry point for every algorithm: picks DDPOTrainer or RWRTrainer from config.algorithm.
import { parseTrainerConfig } from './config.js';
import { DDPOTrainer } from './ddpo.js';
import { RWRTrainer } from './rwr.js';
import type { Trainer, TrainerOptions } from './trainer.js';

/**
 * Creates the trainer of `config.algorithm` ('ddpo-is' | 'ddpo-sf' -> DDPOTrainer, 'rwr' |
 * 'rwr-sparse' -> RWRTrainer), compiled and ready (resumed when asked).
 *
 * @example
 * const trainer = await createTrainer({ model, params, reward, promptNames: PROMPTS, config: { algorithm: 'rwr' } });
 */
export async function createTrainer(opts: TrainerOptions): Promise<Trainer> {
  const algorithm = parseTrainerConfig(opts.config ?? {}).algorithm;
  switch (algorithm) {
    case 'ddpo-is':
    case 'ddpo-sf':
      return DDPOTrainer.create(opts);
    case 'rwr':
    case 'rwr-sparse':
      return RWRTrainer.create(opts);
    default:
      return algorithm satisfies never;
  }
}
