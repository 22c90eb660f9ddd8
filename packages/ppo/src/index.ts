/** @ddpo/ppo: DDPO_IS / DDPO_SF losses (one graph definition for training and host use) and advantage normalisation. */
export { PpoConfigError } from './errors.js';
export {
  DDPO_ALGORITHMS,
  policyLoss,
  policyLossGraph,
  ppoLoss,
  ppoLossGraph,
  scoreFunctionLossGraph,
  type DdpoAlgorithm,
  type PolicyLossInputs,
  type PolicyLossSyms,
  type PolicyLossValues,
} from './loss.js';
export { PerPromptStatTracker, globalNormalize, type PromptStats, type StatTrackerOptions, type StatTrackerState } from './stat-tracker.js';
export { npMean, npStd, pairwiseSum } from './numpy-stats.js';
