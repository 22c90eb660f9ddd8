/**
 * @ddpo/policy: diffusion policies: seeded rollouts with log-probs, classifier-free guidance, and
 * the differentiable log-prob graph that DDPO training needs.
 */
export { ParamsError, PolicyInputError } from './errors.js';
export { paramInputName, paramInputs, paramFeeds, trainableParamNames, type EpsilonModel, type LayerHooks, type LayerInfo } from './model.js';
export {
  withLora, initLoraAdapters, mergeLora, resolveLoraTargets, loraParamNames, LoraConfigError,
  type LoraOptions, type LoraTargets, type LoraConfig, type LoraModel,
} from './lora.js';
export { encodeLoraAdapters, decodeLoraAdapters, LORA_FORMAT, type LoraAdapters } from './lora-file.js';
export { guidedEpsilon, checkGuidance } from './guidance.js';
export { checkPrompts, latentsToImages, assembleRollout, type Rollout, type RolloutOptions } from './rollout.js';
export { DiffusionPolicy, type DiffusionPolicyOptions, type LogProbOptions, type TransitionSyms, type TransitionBatch } from './policy.js';
