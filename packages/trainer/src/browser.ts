/**
 * @ddpo/trainer in a browser (the package's `browser` export condition): the configuration, the
 * sampler, the epoch sample buffers, and the DDPO and RWR training graphs and per-epoch updates that
 * DDPOTrainer and RWRTrainer run (ddpoUpdate, rwrUpdate over an UpdateContext). Left out: the Trainer
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
