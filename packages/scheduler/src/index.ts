/**
 * @ddpo/scheduler: DDIM with stochastic eta as a denoising MDP, with exact per-step log-probs (DDPO).
 * Beta schedules, DDIMScheduler (diffusers' names and defaults), the step written once over graph
 * tensors, host-level calls on the reference interpreter, and the MDP interface.
 */
export { SchedulerConfigError, TimestepError, EtaError, StepInputError } from './errors.js';
export {
  DDIM_DEFAULTS,
  STABLE_DIFFUSION_V1_CONFIG,
  resolveConfig,
  fromDiffusersConfig,
  toDiffusersConfig,
  type DDIMSchedulerConfig,
  type BetaSchedule,
  type PredictionType,
  type TimestepSpacing,
} from './config.js';
export { linspace, betasForAlphaBar, rescaleZeroTerminalSnr, betaSchedule, cumprodAlphas } from './betas.js';
export { inferenceTimesteps } from './timesteps.js';
export { stepTables, type StepTables, type PrevAlphaRule, type ScheduleSource } from './tables.js';
export { DDIMScheduler, type DDIMStepOptions } from './ddim.js';
export {
  LOG_SQRT_2PI,
  ddimStepGraph,
  ddimStepWithLogprobGraph,
  addNoiseGraph,
  type StepSchedule,
  type NoiseSchedule,
  type DdimStepGraphInputs,
  type DdimStepGraphOutputs,
  type DdimStepWithLogprobGraphOutputs,
} from './step-graph.js';
export {
  ddimStepWithLogprob,
  timestepTensor,
  type HostTimestep,
  type HostSchedule,
  type DdimStepWithLogprobArgs,
  type DdimStepWithLogprobResult,
} from './host-step.js';
export { DdimMdp, type DenoisingMDP, type DenoisingState, type DenoisingTransition, type DenoisingTrajectory } from './mdp.js';
