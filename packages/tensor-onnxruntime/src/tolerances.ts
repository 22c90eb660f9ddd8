// One tolerance table per device: how far an adapter's results may be from the reference
// interpreter primitive by primitive (conformance), and whole models from PyTorch or from the CPU.
// The CPU table is the tightest that ORT's CPU kernels pass; WebGPU keeps it except where the
// WebGPU Shading Language's accuracy table allows a builtin more error (sin, cos: absolute 2^-11 on
// [-pi, pi]), so a real GPU's fast builtins do not fail a suite that lavapipe (exact libm) passes.
import type { DType, Primitive } from '@ddpo/tensor';
import type { Device } from './device.js';

/** |got - want| <= atol + rtol |want| per element. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** A conformance tolerance table: per dtype, per-primitive float32 overrides, and the finite-difference bound. */
export type ToleranceTable = Record<DType, Tolerance> & {
  /** float64 finite differences, relative to (1 + |directional derivative|). */
  fd: number;
  /** float32 overrides for a case around this primitive (its value and its gradients). */
  ops?: Partial<Record<Primitive, Tolerance>>;
};

/** Whole-model bounds, as max |got - want| / max |want| over an output. */
export interface ModelTolerance {
  /** tiny-unet-32's forward pass against PyTorch's noise_pred (the golden fixture). */
  forward: number;
  /** Loss and parameter gradients of a training graph against the same graph on the CPU provider. */
  gradient: number;
}

/** Everything a device is held to. */
export interface DeviceTolerances {
  elementwise: ToleranceTable;
  model: ModelTolerance;
}

const EXACT = { rtol: 0, atol: 0 };
const CPU: ToleranceTable = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-12, atol: 1e-14 },
  int32: EXACT,
  int64: EXACT,
  bool: EXACT,
  fd: 1e-6,
};
// sin/cos: WGSL's bound 2^-11 on the value; the gradient cos(x) * seed scales it by |seed| (normal draws, < 4).
const WGSL_TRIG = { rtol: 1e-5, atol: 2 ** -9 };

/**
 * The tolerance tables, one per device ('reference' is the interpreter itself, against which the
 * others are measured; CUDA, not yet measured here, starts from the CPU's).
 *
 * @example
 * const { rtol, atol } = DEVICE_TOLERANCES.webgpu.elementwise.float32; // 1e-5, 1e-6
 */
export const DEVICE_TOLERANCES: Record<Device | 'reference', DeviceTolerances> = {
  reference: { elementwise: CPU, model: { forward: 1e-5, gradient: 1e-4 } },
  cpu: { elementwise: CPU, model: { forward: 1e-5, gradient: 1e-4 } },
  cuda: { elementwise: CPU, model: { forward: 1e-5, gradient: 1e-4 } },
  webgpu: { elementwise: { ...CPU, ops: { sin: WGSL_TRIG, cos: WGSL_TRIG } }, model: { forward: 1e-5, gradient: 1e-4 } },
};

/**
 * The tolerance of one output of a case around `primitive`: the table's float32 override for it, else
 * the entry for the output's dtype.
 *
 * @example
 * toleranceOf(DEVICE_TOLERANCES.webgpu.elementwise, 'sin', 'float32'); // { rtol: 1e-5, atol: 2 ** -9 }
 */
export function toleranceOf(table: ToleranceTable, primitive: Primitive, dtype: DType): Tolerance {
  return (dtype === 'float32' ? table.ops?.[primitive] : undefined) ?? table[dtype];
}
