// exportOnnxModel: a graph plus parameter values -> a standalone ONNX model file, parameters baked
// in as initializers, runnable by any ONNX runtime (plain ort.InferenceSession, Python onnxruntime).
import type { Graph, TensorMap } from '@ddpo/tensor';
import { lowerGraph, serializeModel } from './lower.js';

/** Options of `exportOnnxModel`. */
export interface ExportOptions {
  /** The model graph's name (default 'ddpo'). */
  name?: string;
  /** Free text stored in the model's doc_string (provenance, training config...). */
  docString?: string;
}

/**
 * Serializes `graph` to ONNX bytes (opset 17) with `params` (values of some graph inputs) baked in
 * as initializers: those inputs disappear from the model's inputs, the others remain.
 *
 * @example
 * const bytes = exportOnnxModel(m.graph, m.params, { docString: 'tiny-unet-32 after 100 DDPO epochs' });
 * const session = await ort.InferenceSession.create(bytes);
 */
export function exportOnnxModel(graph: Graph, params: TensorMap, opts: ExportOptions = {}): Uint8Array<ArrayBuffer> {
  return serializeModel(lowerGraph(graph, { initializers: params, name: opts.name, docString: opts.docString }));
}
