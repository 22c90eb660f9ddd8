/**
 * @ddpo/rewards in a browser (the package's `browser` export condition): the RewardFn contract,
 * image checks and conversions, combinators, colorfulness, resizing and statistics. Left out: the
 * JPEG rewards (sharp's libjpeg), PNG writing (pngjs), reward-head files (node:fs), the ONNX image
 * encoder (onnxruntime-node) and remote rewards; a page measures JPEG size with its own encoder.
 */
export { InvalidRewardError, InvalidImagesError, RemoteRewardError, OptionalDependencyError, RewardHeadError, RewardContractError, RewardDataError } from './errors.js';
export type { InvalidRewardKind, RemoteRewardErrorKind } from './errors.js';
export { checkImages, imagesToUint8, roundHalfEven, sliceImages } from './images.js';
export type { Images, RgbImage } from './images.js';
export { defineReward, callReward, checkRewards } from './reward.js';
export type { RewardFn, RewardBody, RewardMetadata, DefineRewardOptions } from './reward.js';
export { weightedSum, normalizeReward, estimateRewardStats, clipReward } from './combinators.js';
export type { WeightedTerm, RewardStats } from './combinators.js';
export { colorfulness, colorfulnessOf } from './colorfulness.js';
export { resizeBicubic } from './resize.js';
export { pearson, spearman, averageRanks, meanSquaredError } from './stats.js';
export { rewardContract, contractImages } from './contract.js';
export type { RewardContractOptions, RewardContractCase } from './contract.js';
