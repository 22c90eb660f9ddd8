/**
 * @ddpo/tensor: host tensors, the graph IR and its primitives (declared by class in OP_CLASSES), reverse-mode
 * autodiff, the reference interpreter, the TensorAdapter interface and a seeded counter-based RNG. The
 * public API is listed here name by name; internals (the builder's `emit`, the per-family rule tables) stay
 * inside. Test numerics and the adapter conformance suite: `@ddpo/tensor/testing`.
 */
export { allocate, dtypeOfArray, isFloat, itemSize, type DType, type DTypeArrayMap, type TensorData } from './dtype.js';
export { DTypeError, DdpoError, FeedError, GraphError, ShapeError, UnsupportedOpError } from './errors.js';
export { HostTensor, castHost, full, shapeSize, stridesOf, tensor, zeros } from './host.js';
export {
  OP_CLASSES, PRIMITIVES, type AnyNode, type BinaryPrim, type ComparePrim, type ElementwisePrim, type Graph,
  type LeafPrim, type LinalgPrim, type MovementPrim, type Node, type OpClass, type Primitive, type PrimitiveOf,
  type PrimitiveParams, type ReducePrim, type TypeInfo, type UnaryPrim
} from './ir.js';
export { GraphBuilder, Sym } from './builder.js';
export type { OpRules, RuleTable } from './rules.js';
export { checkFeeds, type CompiledGraph, type TensorAdapter, type TensorMap } from './adapter.js';
export {
  add, cast, cos, div, equal, exp, greater, less, log, maximum, minimum, mul, neg, pow, sin, sqrt, stopGradient, sub,
  where
} from './ops/elementwise.js';
export { max, mean, sum } from './ops/reduce.js';
export { broadcastTo, concat, flip, pad, reshape, slice, squeeze, transpose, unsqueeze } from './ops/movement.js';
export { rules } from './ops/index.js';
export { grad, valueAndGrad } from './grad.js';
export { ReferenceAdapter, evaluate } from './interpreter.js';
export { SafetensorsError, decodeSafetensors, encodeSafetensors, type SafetensorsErrorKind } from './safetensors.js';
export { GatherIndexError, conv2d, convTranspose2d, gather, matmul, type Conv2dOptions, type Conv2dPair, type ConvTranspose2dOptions } from './ops/linalg.js';
export {
  clip, conv2dBias, gaussianLogProb, groupNorm, linear, logSumExp, sigmoid, silu, softmax, square, upsampleNearest2x
} from './nn.js';
export { Rng, RngError, philox4x32, type RngState } from './random.js';
