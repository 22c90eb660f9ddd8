/**
 * @ddpo/tensor-onnxruntime: lowers @ddpo/tensor graphs to ONNX, runs them on onnxruntime-node (CPU, CUDA or
 * WebGPU execution provider), and imports/exports ONNX model files.
 */
export { createOnnxRuntimeAdapter, OnnxRuntimeAdapter, type OnnxRuntimeAdapterOptions } from './adapter.js';
export { lowerings, lowerGraph, serializeModel, type Lowering, type LowerContext, type LowerOptions } from './lower.js';
export { toOrtTensor, fromOrtTensor } from './convert.js';
export { nchwcBlockSize } from './nchwc-probe.js';
export { NCHWC_DOMAIN } from './nchwc.js';
export { FUSIONS, type FusionName } from './fusion.js';
export { probeCuda, cudaStatus } from './cuda.js';
export { DEVICES, checkDevice, deviceLowering, type Device } from './device.js';
export { probeWebGpu, webGpuStatus, parseLoaderLog, type WebGpuDeviceInfo, type ProbeWebGpuOptions } from './webgpu.js';
export { DEVICE_TOLERANCES, toleranceOf, type DeviceTolerances, type ModelTolerance, type Tolerance, type ToleranceTable } from './tolerances.js';
export { OPSET } from './proto.js';
export {
  CudaUnavailableError,
  UnknownDeviceError,
  WebGpuUnavailableError,
  OnnxFormatError,
  UnsupportedOnnxOpsError,
  OnnxImportError,
  LoweringError,
  OnnxRuntimeError,
} from './errors.js';
export {
  importOnnxModel,
  SUPPORTED_ONNX_OPS,
  type ImportOptions,
  type ImportedOnnxModel,
  type OnnxTensorInfo,
} from './import/import.js';
export { exportOnnxModel, type ExportOptions } from './export.js';
