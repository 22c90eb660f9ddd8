/** @ddpo/rwr: reward-weighted regression (RWR) and sparse RWR, the DDPO paper's baseline, as weights and a weighted denoising loss graph. */
export { RwrConfigError } from './errors.js';
export { percentile, percentileMinCount, rwrWeights, sparseRwrWeights } from './weights.js';
export { rwrLossGraph, type RwrLossInputs } from './loss.js';
export { prepareNoisedBatch, type NoisedBatch, type NoisedBatchOptions } from './noising.js';
