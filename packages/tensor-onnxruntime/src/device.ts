// The devices the ONNX Runtime adapter runs on, checked at run time (a misspelt device must not mean
// the CPU), and how each one lowers graphs: ORT's NCHWc contrib kernels exist on its CPU provider only,
// and each graph pattern of fusion.ts is kept only where the device has a kernel for the op it emits.
import { UnknownDeviceError } from './errors.js';
import type { FusionName } from './fusion.js';
import type { LowerOptions } from './lower.js';

/** Every device `createOnnxRuntimeAdapter` accepts. */
export const DEVICES = ['cpu', 'cuda', 'webgpu'] as const;

/** One of {@link DEVICES}. */
export type Device = (typeof DEVICES)[number];

/**
 * Returns `value` as a Device, or throws UnknownDeviceError listing the valid ones (absent = 'cpu').
 *
 * @example
 * checkDevice('webgpu'); // 'webgpu'
 * checkDevice('gpu');    // UnknownDeviceError: unknown device "gpu"; expected one of cpu, cuda, webgpu
 */
export function checkDevice(value: unknown): Device {
  if (value === undefined) return 'cpu';
  if (typeof value === 'string' && (DEVICES as readonly string[]).includes(value)) return value as Device;
  throw new UnknownDeviceError(value, DEVICES);
}

/**
 * The ONNX op each fusion emits and whether each device has a kernel for it: every fusion's op
 * (Sigmoid, Softmax, Resize nearest, InstanceNormalization, Conv with bias) is in ORT's CPU, CUDA and
 * WebGPU kernel tables, so none is dropped today; a device without one of them lists it here.
 */
const UNSUPPORTED_FUSIONS: Record<Device, readonly FusionName[]> = { cpu: [], cuda: [], webgpu: [] };

/**
 * How graphs are lowered for `device`: NCHWc convolutions (block `cpuNchwcBlock`) on the CPU only,
 * the fusions the device has no kernel for left out on top of the user's `disableFusions`.
 *
 * @example
 * deviceLowering('webgpu', 16, []); // { nchwcBlockSize: 0, disableFusions: [] }
 */
export function deviceLowering(device: Device, cpuNchwcBlock: number, disableFusions: readonly FusionName[] = []): Pick<LowerOptions, 'nchwcBlockSize' | 'disableFusions'> {
  return {
    nchwcBlockSize: device === 'cpu' ? cpuNchwcBlock : 0,
    disableFusions: [...new Set([...disableFusions, ...UNSUPPORTED_FUSIONS[device]])],
  };
}
