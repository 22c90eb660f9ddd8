/**
 * @ddpo/models in a browser (the package's `browser` export condition): the prompts, the shapes-32
 * generator, tiny-unet-32's definition and its noise schedule, and `tinyUnet32FromSafetensors` for
 * weights fetched as bytes (a page serves `weights/tiny-unet-32.safetensors` of this package),
 * and the shapes-32 classifier from bytes (`shapes32ClassifierFromSafetensors`, `shapes32ClassifierLogitsWith`).
 * Left out: files, checkpoints, PNG writing, pretraining, the classifier's defaults that read the shipped
 * file, and the reward head.
 */
export { COLOURS, SHAPES, PROMPTS, NULL_PROMPT, UnknownPromptError, promptIndex, promptParts, type Colour, type ShapeKind } from './prompts.js';
export { generateShapes32, hsvToRgb, Shapes32Error, SHAPES32_SIZE, type Shapes32Batch, type Shapes32Options } from './shapes32.js';
export { tinyUnet32ParamShapes, countParams, initTinyUnet32 } from './params.js';
export { tinyUnet32, tinyUnet32Graph, tinyUnet32Layers, sinusoidalEmbedding, TinyUnet32OptionsError, type TinyUnet32Ablation, type TinyUnet32Options } from './tinyUnet32.js';
// The model contract and the `param:<name>` convention are @ddpo/policy's (as in the Node entry).
export { paramInputs, paramFeeds, type EpsilonModel, type LayerHooks, type LayerInfo } from '@ddpo/policy';
export { scaledLinearAlphasCumprod, addNoise, NUM_TRAIN_TIMESTEPS } from './schedule.js';
export { denoisingLossGraph, type DenoisingLossGraph } from './trainGraph.js';
export { tinyUnet32FromSafetensors, WeightsMismatchError } from './weights-bytes.js';
export {
  SHAPES32_CLASSES, SHAPES32_CLASSIFIER_PARAM_SHAPES, ClassifierWeightsError, shapes32ClassifierLogits, shapes32ClassifierGraph,
  shapes32ClassifierFromSafetensors, shapes32ClassifierLogitsWith, argmaxRows, type Shapes32ClassifierParams,
} from './classifier.js';
