// Runs the conformance suite on the reference interpreter, on ORT's CPU execution provider, and on
// its CUDA and WebGPU execution providers, each with its device's tolerance table; a GPU provider
// that is unavailable here shows as skipped, with the reason.
import { describe } from 'vitest';
import { ReferenceAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter, cudaStatus, DEVICE_TOLERANCES, webGpuStatus } from '@ddpo/tensor-onnxruntime';
import { runConformance } from '../src/conformance.js';

runConformance('reference', () => new ReferenceAdapter());
runConformance('onnxruntime-cpu', () => createOnnxRuntimeAdapter({ intraOpNumThreads: 1 }), DEVICE_TOLERANCES.cpu.elementwise);

const cuda = await cudaStatus();
describe.skipIf(!cuda.available)(`onnxruntime-cuda${cuda.available ? '' : ` — SKIPPED: CUDA execution provider unavailable (${cuda.reason})`}`, () => {
  runConformance('onnxruntime-cuda', () => createOnnxRuntimeAdapter({ device: 'cuda' }), DEVICE_TOLERANCES.cuda.elementwise);
});

const gpu = await webGpuStatus();
describe.skipIf(!gpu.available)(`onnxruntime-webgpu ${gpu.available ? `on ${gpu.device.summary}` : `— SKIPPED: no WebGPU adapter (${gpu.reason})`}`, () => {
  runConformance('onnxruntime-webgpu', () => createOnnxRuntimeAdapter({ device: 'webgpu', intraOpNumThreads: 1 }), DEVICE_TOLERANCES.webgpu.elementwise);
});
