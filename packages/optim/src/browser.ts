/**
 * @ddpo/optim in a browser (the package's `browser` export condition): everything but the file
 * functions (saveParams, loadParams, writeFileAtomic*), which need node:fs. Parameter files are
 * bytes here: encodeParams / decodeParamsInto.
 */
export { NonFiniteGradientError, OptimizerConfigError, ParamMismatchError } from './errors.js';
export { ParamStore, type NamedTensors } from './param-store.js';
export { Adam, AdamW, type AdamHyperparams, type AdamOptions, type AdamParamState, type AdamStateDict } from './adam.js';
export { clipGradNorm, globalGradNorm } from './clip.js';
export { GradientAccumulator } from './accumulate.js';
export {
  OPTIM_META_KEY,
  OPTIM_PREFIX,
  decodeParams,
  decodeParamsInto,
  encodeParams,
  type LoadParamsOptions,
  type SaveParamsOptions,
} from './codec.js';
export { adamStateToParts, adamStateFromParts, type AdamStateParts } from './state-codec.js';
