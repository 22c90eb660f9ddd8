/**
 * @ddpo/trainer: the algorithm registry and the one training loop (DDPO_IS, DDPO_SF, RWR and sparse RWR built
 * in), configuration, metrics, checkpoints and resume. The public API is listed here name by name; the
 * loop's internals (StatMeans, the sampler class, adapter and prompt resolution, resume checks) stay inside.
 * Loading this module registers the built-in algorithms (builtin-algorithms.ts).
 */
export {
  UnknownAlgorithmError, algorithmNames, getAlgorithm, hasAlgorithm, listAlgorithms, registerAlgorithm,
  type AlgorithmContext, type AlgorithmModule, type BatchOrder, type ConfigIssue
} from './algorithm.js';
export { ALGORITHMS, BUILTIN_ALGORITHMS, type Algorithm } from './builtin-algorithms.js';
export {
  ConfigError, numTrainTimesteps, parseTrainerConfig, samplesPerEpoch, trainerConfigSchema, type AlgorithmName,
  type TrainerConfig, type TrainerConfigInput
} from './config.js';
export {
  TRL_DDPO_KEYS, fromTrlDdpoConfig, isTrlDdpoConfig, type TrlConfigResult, type TrlKeyRule
} from './trl-config.js';
export { MetricsWriter, readMetrics, rewardStats, type EpochMetrics } from './metrics.js';
export {
  TensorBoardWriter, crc32c, encodeEvent, epochScalars, maskedCrc32c, tfRecord, type EventBody
} from './tensorboard.js';
export { writeDirAtomic } from './atomic.js';
export {
  CHECKPOINT_VERSION, CheckpointError, checkpointName, hashParams, latestCheckpoint, loadCheckpoint,
  pruneCheckpoints, saveCheckpoint, type CheckpointData
} from './checkpoint.js';
export {
  MANIFEST_NAME, MANIFEST_VERSION, verifyCheckpoint, withManifest, type CheckpointManifest
} from './checkpoint-manifest.js';
export { GridError, renderSampleGrid, type GridOptions } from './grid.js';
export { createProgress, silentProgress, type Progress, type ProgressOptions } from './progress.js';
export { finalLatents, gatherStep, shuffleOrder, type EpochSamples, type StepBatch } from './samples.js';
export { gradsOf, guardedStep, type StepOutcome } from './step.js';
export { optimizerFromState, optimizerToState, type OptimizerJson } from './optimizer-state.js';
export { PolicySampler, sampleImages, type SampleImagesOptions } from './sampler.js';
export { TrainerError } from './errors.js';
export { Trainer, type Evaluation, type FidelityFn, type TrainerOptions, type UpdateStats } from './trainer.js';
export { RESUMABLE_CHANGES } from './run-checks.js';
export {
  DDPOTrainer, ddpoIsAlgorithm, ddpoSfAlgorithm, ddpoTrainingGraph, sfStepsPerEpoch, type DdpoBatch,
  type DdpoGraphConfig
} from './ddpo.js';
export {
  RWRTrainer, rwrAlgorithm, rwrPlan, rwrSparseAlgorithm, rwrTrainingGraph, type RwrBatch, type RwrPlanConfig
} from './rwr.js';
export { createTrainer } from './factory.js';
// The per-epoch update as plain functions over an UpdateContext: the loop Trainer runs (runUpdate), also
// what the browser entry (browser.ts) exports for a page's own epochs (examples/web).
export { applyUpdateStep, runUpdate, type UpdateContext } from './update.js';
export { ddpoUpdate } from './ddpo-update.js';
export { rwrUpdate } from './rwr-update.js';
export {
  LORA_INIT_STREAM, baseSha256, checkSameBase, initialParams, loadLoraAdapters, loraAdaptersIn, mergeOntoBase,
  saveLoraAdapters, trainedModel, type LoraAdapters, type LoraConfig, type LoraModel
} from './lora.js';
