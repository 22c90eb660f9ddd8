// Probes ORT's CUDA execution provider by creating a one-node session on it, so a missing library
// fails at adapter creation with a CudaUnavailableError (ORT's ['cuda', 'cpu'] does not fall back either).
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '@ddpo/tensor';
import { CudaUnavailableError } from './errors.js';
import { lowerGraph, serializeModel } from './lower.js';

/** A one-op model: y = x + x, float32 [1]. */
function probeModel(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', [1]);
  b.output('y', b.addNode('add', [x, x], {}, { shape: [1], dtype: 'float32' }));
  return serializeModel(lowerGraph(b.build()));
}

/**
 * Creates and runs a tiny session on the CUDA execution provider; throws CudaUnavailableError when
 * ORT cannot load it. Silences ORT's own stderr line while probing (`ort.env.logLevel = 'fatal'`).
 *
 * @example
 * await probeCuda(0, { executionProviders: [{ name: 'cuda', deviceId: 0 }] });
 */
export async function probeCuda(deviceId: number, options: ort.InferenceSession.SessionOptions): Promise<void> {
  const previous = ort.env.logLevel;
  ort.env.logLevel = 'fatal';
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(probeModel(), { ...options, logSeverityLevel: 4 });
    await session.run({ x: new ort.Tensor('float32', new Float32Array([1]), [1]) });
  } catch (e) {
    throw new CudaUnavailableError((e as Error).message ?? String(e), deviceId);
  } finally {
    ort.env.logLevel = previous;
    await session?.release();
  }
}

/**
 * Whether the CUDA execution provider can run here, and if not, why (for skipping GPU tests visibly).
 *
 * @example
 * const cuda = await cudaStatus();
 * describe.skipIf(!cuda.available)(`onnxruntime-cuda${cuda.available ? '' : ` (skipped: ${cuda.reason})`}`, ...);
 */
export async function cudaStatus(deviceId = 0): Promise<{ available: boolean; reason: string }> {
  try {
    await probeCuda(deviceId, { executionProviders: [{ name: 'cuda', deviceId }] });
    return { available: true, reason: '' };
  } catch (e) {
    return { available: false, reason: e instanceof CudaUnavailableError ? e.reason.split('\n')[0] : String(e) };
  }
}
