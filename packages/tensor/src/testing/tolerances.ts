// The one tolerance table of the project, per device and dtype: how far a result may be from the
// reference (the interpreter against hand-computed values, an adapter against the interpreter primitive
// by primitive, whole models against PyTorch or the CPU). 'reference' is the interpreter itself, held
// to a few float32 ulps; the CPU table is the tightest that ORT's CPU kernels pass; WebGPU keeps it
// except where the WebGPU Shading Language's accuracy table allows a builtin more error (sin, cos:
// absolute 2^-11 on [-pi, pi]), so a real GPU's fast builtins do not fail a suite that lavapipe
// (exact libm) passes.
import type { DType } from '../dtype.js';
import { DdpoError } from '../errors.js';
import type { Primitive } from '../ir.js';

/** |got - want| <= atol + rtol |want| per element. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** A tolerance table: per dtype, per-primitive float32 overrides, and the finite-difference bound. */
export type ToleranceTable = Record<DType, Tolerance> & {
  /** Bound of `gradCheck`: |analytic - numeric| / max(|analytic|, |numeric|, 1e-2), float64 central differences. */
  fd: number;
  /** float32 overrides for a case around this primitive (its value and its gradients). */
  ops?: Partial<Record<Primitive, Tolerance>>;
};

/** Whole-model bounds, as max |got - want| / max |want| over an output (see `maxRelativeError`). */
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

/** The devices that have a tolerance table. */
export const TOLERANCE_DEVICES = ['reference', 'cpu', 'cuda', 'webgpu'] as const;
/** A device with a tolerance table. */
export type ToleranceDevice = (typeof TOLERANCE_DEVICES)[number];

const EXACT = { rtol: 0, atol: 0 };
/** The interpreter: float64 leaves room for a few ulps of reassociation, float32 for a few float32 ulps (2^-23 ~ 1.2e-7). */
const REFERENCE: ToleranceTable = {
  float32: { rtol: 1e-6, atol: 1e-7 },
  float64: { rtol: 1e-12, atol: 1e-14 },
  int32: EXACT,
  int64: EXACT,
  bool: EXACT,
  fd: 1e-6,
};
const CPU: ToleranceTable = { ...REFERENCE, float32: { rtol: 1e-5, atol: 1e-6 } };
// sin/cos: WGSL's bound 2^-11 on the value; the gradient cos(x) * seed scales it by |seed| (normal draws, < 4).
const WGSL_TRIG = { rtol: 1e-5, atol: 2 ** -9 };
const MODEL: ModelTolerance = { forward: 1e-5, gradient: 1e-4 };

/**
 * The tolerance tables, one per device (CUDA, not yet measured here, starts from the CPU's).
 *
 * @example
 * const { rtol, atol } = DEVICE_TOLERANCES.webgpu.elementwise.float32; // 1e-5, 1e-6
 */
export const DEVICE_TOLERANCES: Readonly<Record<ToleranceDevice, DeviceTolerances>> = {
  reference: { elementwise: REFERENCE, model: MODEL },
  cpu: { elementwise: CPU, model: MODEL },
  cuda: { elementwise: CPU, model: MODEL },
  webgpu: { elementwise: { ...CPU, ops: { sin: WGSL_TRIG, cos: WGSL_TRIG } }, model: MODEL },
};

/** A device name with no tolerance table. */
export class UnknownToleranceDeviceError extends DdpoError {
  constructor(readonly device: unknown) {
    super(`no tolerance table for device ${JSON.stringify(device)}; expected one of ${TOLERANCE_DEVICES.join(', ')} (or pass a ToleranceTable)`);
  }
}

/**
 * The tolerances of a device, by name; an unknown name is an UnknownToleranceDeviceError.
 *
 * @example
 * tolerancesOf('cpu').elementwise.float32; // { rtol: 1e-5, atol: 1e-6 }
 */
export function tolerancesOf(device: string): DeviceTolerances {
  if (!(TOLERANCE_DEVICES as readonly string[]).includes(device)) throw new UnknownToleranceDeviceError(device);
  return DEVICE_TOLERANCES[device as ToleranceDevice];
}

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
