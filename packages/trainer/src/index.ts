/** @ddpo/trainer: DDPO and RWR training loops, configuration, metrics, checkpoints and resume. */
export * from './config.js';
export * from './metrics.js';
export * from './atomic.js';
export * from './checkpoint.js';
export * from './grid.js';
export * from './progress.js';
export * from './samples.js';
export * from './step.js';
export * from './optimizer-state.js';
export * from './sampler.js';
export * from './errors.js';
export * from './trainer.js';
export * from './run-checks.js';
export * from './ddpo.js';
export * from './adapter.js';
export * from './rwr.js';
export * from './factory.js';
