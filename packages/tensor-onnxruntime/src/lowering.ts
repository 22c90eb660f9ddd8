/**
 * @ddpo/tensor-onnxruntime, runtime-free part (the package's `browser` export condition): IR -> ONNX
 * lowering, ONNX import/export, device lowering choices, tolerance tables and errors. Nothing here imports onnxruntime-node or a `node:` module, so a browser adapter
 * (@ddpo/tensor-onnxruntime-web) lowers graphs with exactly the code the Node adapter uses.
 */
export { lowerings, lowerGraph, serializeModel, type Lowering, type LowerContext, type LowerOptions } from './lower.js';
export { NCHWC_DOMAIN } from './nchwc.js';
export { FUSIONS, type FusionName } from './fusion.js';
export { DEVICES, checkDevice, deviceLowering, type Device } from './device.js';
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
export { importOnnxModel, SUPPORTED_ONNX_OPS, type ImportOptions, type ImportedOnnxModel, type OnnxTensorInfo } from './import/import.js';
export { exportOnnxModel, type ExportOptions } from './export.js';
