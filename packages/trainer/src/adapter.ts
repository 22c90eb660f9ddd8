// The default backend of a trainer: ONNX Runtime on the CPU, created (and later disposed) by the
// trainer when the caller gives no adapter.
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import type { TensorAdapter } from '@ddpo/tensor';

/**
 * The caller's adapter (not owned), or a new ONNX Runtime CPU adapter (owned: dispose it).
 *
 * @example
 * const { adapter, owned } = await resolveAdapter(undefined); // onnxruntime-cpu
 */
export async function resolveAdapter(given: TensorAdapter | undefined): Promise<{ adapter: TensorAdapter; owned: boolean }> {
  if (given !== undefined) return { adapter: given, owned: false };
  return { adapter: await createOnnxRuntimeAdapter({ device: 'cpu' }), owned: true };
}
