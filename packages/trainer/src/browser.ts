/**
 * @ddpo/trainer in a browser (the package's `browser` export condition): the configuration, the
 * sampler, the epoch sample buffers, and the DDPO and RWR training graphs and per-epoch updates that
 * DDPOTrainer and RWRTrainer run (runUpdate; ddpoUpdate, rwrUpdate over an UpdateContext). Left out: the Trainer
 * classes themselves (checkpoints, metrics files, TensorBoard, terminal progress), the ONNX Runtime
 * adapter resolution and LoRA files, which need Node.
 */
export * from './config.js';
export * from './samples.js';
export * from './step.js';
export * from './sampler.js';
export * from './update.js';
export * from './ddpo-update.js';
export * from './rwr-update.js';
export * from './errors.js';
export type { Progress } from './progress.js';
export { algorithmNames, getAlgorithm, hasAlgorithm, listAlgorithms, registerAlgorithm, type AlgorithmModule } from './algorithm.js';
export { registerBrowserAlgorithms } from './builtin-algorithms-browser.js';

import { registerBrowserAlgorithms } from './builtin-algorithms-browser.js';
import { parseTrainerConfig as parseWithRegistry, type TrainerConfig } from './config.js';

/**
 * parseTrainerConfig of the browser entry: registers the built-in algorithms first (see
 * registerBrowserAlgorithms), then validates as the Node entry does. Shadows config.ts's export above.
 *
 * @example
 * const config = parseTrainerConfig({ algorithm: 'ddpo-is', sampleBatchSize: 8 });
 */
export function parseTrainerConfig(input: unknown): TrainerConfig {
  registerBrowserAlgorithms();
  return parseWithRegistry(input);
}
