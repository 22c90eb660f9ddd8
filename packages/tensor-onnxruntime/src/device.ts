// The devices the ONNX Runtime adapter runs on, checked at run time (a misspelt device must not mean
// the CPU), and how each one lowers graphs: ORT's NCHWc contrib kernels exist on its CPU provider only.
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
 * How graphs are lowered for `device`: NCHWc convolutions (block `cpuNchwcBlock`) on the CPU only
 * (ORT's com.microsoft.nchwc kernels exist in its CPU provider alone), and the user's
 * `disableFusions`. Every fusion stays on: the ops they emit (Sigmoid, Softmax, Resize, Conv with
 * bias, LayerNormalization) all have CUDA and WebGPU kernels; ORT's verbose node-placement log of
 * the DDPO training graph on WebGPU shows each on WebGpuExecutionProvider (only six int64 shape
 * nodes go to the CPU provider).
 *
 * @example
 * deviceLowering('webgpu', 16); // { nchwcBlockSize: 0, disableFusions: [] }
 */
export function deviceLowering(device: Device, cpuNchwcBlock: number, disableFusions: readonly FusionName[] = []): Pick<LowerOptions, 'nchwcBlockSize' | 'disableFusions'> {
  return { nchwcBlockSize: device === 'cpu' ? cpuNchwcBlock : 0, disableFusions: [...disableFusions] };
}
