/** @ddpo/models: tiny-unet-32, the shapes-32 data set, pretraining and shipped weights. */
export { COLOURS, SHAPES, PROMPTS, NULL_PROMPT, UnknownPromptError, promptIndex, promptParts, type Colour, type ShapeKind } from './prompts.js';
export { generateShapes32, hsvToRgb, Shapes32Error, SHAPES32_SIZE, type Shapes32Batch, type Shapes32Options } from './shapes32.js';
export { encodePngGrid, writePngGrid, ImageBatchError, type GridOptions } from './png.js';
export { tinyUnet32ParamShapes, countParams, initTinyUnet32 } from './params.js';
export { tinyUnet32, tinyUnet32Graph, tinyUnet32Layers, sinusoidalEmbedding, TinyUnet32OptionsError, type TinyUnet32Ablation, type TinyUnet32Options } from './tinyUnet32.js';
// The model contract (EpsilonModel) and the `param:<name>` convention are @ddpo/policy's; re-exported for
// the examples that feed tiny-unet-32 graphs. paramFeeds(model, params) checks the values against the model.
export { paramInputs, paramFeeds } from '@ddpo/policy';
export { scaledLinearAlphasCumprod, addNoise, NUM_TRAIN_TIMESTEPS } from './schedule.js';
export { denoisingLossGraph, type DenoisingLossGraph } from './trainGraph.js';
export { savePretrainCheckpoint, loadPretrainCheckpoint, hasPretrainCheckpoint, PretrainCheckpointError, PRETRAIN_CHECKPOINT_POINTER, type PretrainCheckpointData } from './checkpoint.js';
export {
  pretrain, pretrainBatch, learningRate, PretrainError, type PretrainOptions, type PretrainProgress, type PretrainResult,
} from './pretrain.js';
export { loadTinyUnet32, shippedWeightsPath, WeightsNotFoundError } from './weights.js';
export { tinyUnet32FromSafetensors, WeightsMismatchError } from './weights-bytes.js';
export {
  SHAPES32_CLASSES, SHAPES32_CLASSIFIER_PARAM_SHAPES, ClassifierWeightsError, shapes32ClassifierLogits,
  shapes32ClassifierGraph, initShapes32Classifier, shapes32ClassifierFromSafetensors, shapes32ClassifierLogitsWith, argmaxRows,
  type Shapes32ClassifierParams,
} from './classifier.js';
export { SHAPES32_CLASSIFIER_WEIGHTS, loadShapes32Classifier, shapes32ClassifierLogitsOf, classifyShapes32 } from './classifier-file.js';
export {
  trainShapes32Classifier, evaluateShapes32Classifier, classifierBatch, CLASSIFIER_HELDOUT_SEED, ClassifierTrainError,
  type TrainClassifierOptions, type ClassifierEvaluation,
} from './classifierTrain.js';
export { promptFidelity, sampleTinyUnet32, FidelityError, type PromptFidelity, type SampleOptions } from './fidelity.js';
export {
  rateShapes32, shapes32Quality, shapes32RaterComponents, shapes32RatingsDataset, RATER_WEIGHTS, RaterInputError,
  type Shapes32RaterComponents, type RateShapes32Options, type Shapes32RatingsOptions,
} from './rater.js';
export {
  shapes32Features, shapes32AestheticReward, loadShapes32RewardHead, SHAPES32_FEATURE_DIM, SHAPES32_REWARD_HEAD_WEIGHTS,
  SHAPES32_REWARD_NOTICE, RewardModelError, type Shapes32AestheticRewardOptions,
} from './rewardModel.js';
export { aestheticEntry, MODEL_REWARD_ENTRIES } from './reward-entries.js';
