// Runs the conformance suite on the reference interpreter, on ORT's CPU execution provider, and on
// its CUDA execution provider, which shows as skipped (with the reason) where CUDA is unavailable.
import { describe } from 'vitest';
import { ReferenceAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter, cudaStatus } from '@ddpo/tensor-onnxruntime';
import { runConformance } from '../src/conformance.js';

runConformance('reference', () => new ReferenceAdapter());
runConformance('onnxruntime-cpu', () => createOnnxRuntimeAdapter({ intraOpNumThreads: 1 }));

const cuda = await cudaStatus();
describe.skipIf(!cuda.available)(`onnxruntime-cuda${cuda.available ? '' : ` — SKIPPED: CUDA execution provider unavailable (${cuda.reason})`}`, () => {
  runConformance('onnxruntime-cuda', () => createOnnxRuntimeAdapter({ device: 'cuda' }));
});
