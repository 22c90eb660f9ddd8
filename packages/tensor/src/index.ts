/**
 * @ddpo/tensor: host tensors, the graph IR and its primitives, reverse-mode autodiff, the
 * reference interpreter, the TensorAdapter interface and a seeded counter-based RNG.
 */
export * from './dtype.js';
export * from './errors.js';
export * from './host.js';
export * from './ir.js';
export * from './builder.js';
export type * from './rules.js';
export * from './adapter.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/movement.js';
export * from './ops/index.js';
export * from './grad.js';
export * from './interpreter.js';
export * from './safetensors.js';
export * from './ops/linalg.js';
export * from './nn.js';
export * from './random.js';
