/**
 * @ddpo/tensor-onnxruntime-web: runs @ddpo/tensor graphs on onnxruntime-web (WebAssembly or WebGPU), in
 * a browser or in Node, lowered to ONNX by @ddpo/tensor-onnxruntime's lowering (no onnxruntime-node in a
 * browser bundle: that package's `browser` export condition has only the lowering).
 */
export { createOnnxRuntimeWebAdapter, OnnxRuntimeWebAdapter, WEB_DEVICES, type WebDevice, type OnnxRuntimeWebAdapterOptions } from './adapter.js';
export { WebGpuUnavailableInPageError, UnknownWebDeviceError } from './errors.js';
export { runConformanceSubset, CONFORMANCE_SUBSET, type SubsetResult } from './conformance-subset.js';
