// `ddpo export`: writes tiny-unet-32 with its (fine-tuned) weights baked in as an ONNX model with
// inputs sample [B,3,32,32] float32, timestep [B] float32, prompt [B] int64 and output noise_pred.
import fs from 'node:fs';
import path from 'node:path';
import { paramFeeds, tinyUnet32, tinyUnet32Graph } from '@ddpo/models';
import { exportOnnxModel } from '@ddpo/tensor-onnxruntime';
import { numberFlag } from '../config-file.js';
import { loadModel } from '../model-spec.js';
import type { CliIO } from '../program.js';

/** Flags of `ddpo export`. */
export interface ExportFlags {
  weights?: string;
  /** Base weights under LoRA adapters given as --weights. */
  baseWeights?: string;
  batch: string;
  out: string;
}

/**
 * Runs `ddpo export`.
 *
 * @example
 * await exportCommand({ weights: 'runs/a', batch: '1', out: 'tiny.onnx' }, io);
 */
export async function exportCommand(f: ExportFlags, io: CliIO): Promise<void> {
  const batch = numberFlag('--batch', f.batch, { integer: true, min: 1 });
  const { model, params, source } = loadModel(f.weights, 0, (l) => io.err(l + '\n'), f.baseWeights);
  const graph = tinyUnet32Graph(batch, { numPrompts: model.numPrompts });
  const bytes = exportOnnxModel(graph, paramFeeds(tinyUnet32({ numPrompts: model.numPrompts }), params), { name: model.name, docString: `${model.name} weights: ${source}` });
  fs.mkdirSync(path.dirname(path.resolve(f.out)), { recursive: true });
  fs.writeFileSync(f.out, bytes);
  io.out(`exported ${model.name} (batch ${batch}, weights: ${source}) to ${path.resolve(f.out)} (${bytes.length} bytes)\n`);
}
