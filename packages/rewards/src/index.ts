/**
 * @ddpo/rewards: swappable reward functions for DDPO. One small interface (RewardFn), the paper's
 * rewards (JPEG compressibility/incompressibility, the LAION aesthetic predictor), a remote reward over
 * HTTP, combinators, reward-head training from ratings, and a contract every reward must pass.
 */
export { InvalidRewardError, InvalidImagesError, RemoteRewardError, OptionalDependencyError, RewardHeadError, RewardContractError, RewardDataError, RewardSpecError } from './errors.js';
export type { InvalidRewardKind, RemoteRewardErrorKind } from './errors.js';
export { checkImages, imagesToUint8, roundHalfEven, sliceImages } from './images.js';
export { encodePng } from './png.js';
export type { Images, RgbImage } from './images.js';
export { defineReward, callReward, checkRewards } from './reward.js';
export type { RewardFn, RewardBody, RewardMetadata, DefineRewardOptions } from './reward.js';
export { weightedSum, normalizeReward, estimateRewardStats, clipReward } from './combinators.js';
export type { WeightedTerm, RewardStats } from './combinators.js';
export { encodeJpeg, jpegSizes, jpegCompressibility, jpegIncompressibility, compressibilityEntry, incompressibilityEntry } from './jpeg.js';
export type { JpegRewardOptions } from './jpeg.js';
export { colorfulness, colorfulnessOf, colorfulnessEntry } from './colorfulness.js';
export { resizeBicubic } from './resize.js';
export { clipPreprocess, centerCrop, shortestEdgeSize, CLIP_MEAN, CLIP_STD } from './clip-preprocess.js';
export { makeRewardHead, applyHead, headInputSize, headToSafetensors, headFromSafetensors, saveRewardHead, loadRewardHead, HEAD_METADATA_KEY } from './head.js';
export type { RewardHead, LinearLayer, HeadActivation } from './head.js';
export { trainRewardHead } from './train-head.js';
export type { TrainRewardHeadOptions, TrainRewardHeadResult, FitMetrics } from './train-head.js';
export { pearson, spearman, averageRanks, meanSquaredError } from './stats.js';
export { onnxImageEncoder, importOptional, l2NormalizeRows } from './onnx-encoder.js';
export type { OnnxImageEncoderOptions, OrtModuleLike, OrtTensorLike } from './onnx-encoder.js';
export { headReward, aestheticScore } from './head-reward.js';
export type { HeadRewardOptions, AestheticScoreOptions } from './head-reward.js';
export { remoteReward } from './remote.js';
export type { RemoteRewardOptions, RemoteRewardRequest } from './remote.js';
export { rewardContract, contractImages } from './contract.js';
export type { RewardContractOptions, RewardContractCase } from './contract.js';
export { RewardRegistry } from './registry.js';
export type { RewardEntry, RewardEntryOptions } from './registry.js';
export { REWARD_ENTRIES } from './builtins.js';
