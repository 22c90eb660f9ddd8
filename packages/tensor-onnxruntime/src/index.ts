/**
 * @ddpo/tensor-onnxruntime: lowers @ddpo/tensor graphs to ONNX, runs them on onnxruntime-node (CPU, CUDA or
 * WebGPU execution provider), and imports/exports ONNX model files.
 */
// The runtime-free part (the browser entry: lowering, import/export, devices, tolerances, errors), plus
// what needs onnxruntime-node.
export * from './lowering.js';
export { createOnnxRuntimeAdapter, OnnxRuntimeAdapter, type OnnxRuntimeAdapterOptions } from './adapter.js';
export { toOrtTensor, fromOrtTensor } from './convert.js';
export { nchwcBlockSize } from './nchwc-probe.js';
export { probeCuda, cudaStatus } from './cuda.js';
export { probeWebGpu, webGpuStatus, parseLoaderLog, type WebGpuDeviceInfo, type ProbeWebGpuOptions } from './webgpu.js';
