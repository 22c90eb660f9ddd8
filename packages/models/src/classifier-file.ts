// The shipped shapes-32 classifier: `weights/shapes32-classifier.safetensors` inside this package, read
// from disk (Node), and the classifier calls that default to it (and to the reference interpreter).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ReferenceAdapter, type HostTensor, type TensorAdapter } from '@ddpo/tensor';
import {
  argmaxRows, ClassifierWeightsError, shapes32ClassifierFromSafetensors, shapes32ClassifierLogitsWith, type Shapes32ClassifierParams,
} from './classifier.js';

/** Default location of the shipped weights (one level above src/ and dist/ alike). */
export const SHAPES32_CLASSIFIER_WEIGHTS = fileURLToPath(new URL('../weights/shapes32-classifier.safetensors', import.meta.url));

/**
 * Reads classifier weights (default: the shipped file). Checks every tensor's presence and shape.
 *
 * @example
 * const { params, metadata } = loadShapes32Classifier();
 * metadata.heldout_accuracy; // e.g. '0.9990'
 */
export function loadShapes32Classifier(path: string = SHAPES32_CLASSIFIER_WEIGHTS): { params: Shapes32ClassifierParams; metadata: Record<string, string> } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ClassifierWeightsError(`loadShapes32Classifier: cannot read '${path}' (${(e as Error).message}); train it with 'npx tsx packages/models/src/bin/train-classifier.ts'`);
  }
  return shapes32ClassifierFromSafetensors(bytes, path);
}

let shipped: Shapes32ClassifierParams | undefined;
let reference: ReferenceAdapter | undefined;

/**
 * Logits [N, 16] of images [N, 3, 32, 32] in [-1, 1], computed in chunks of at most `chunk` images
 * (one compiled graph per chunk size). Defaults: the shipped weights, the reference interpreter.
 *
 * @example
 * const logits = await shapes32ClassifierLogitsOf(images, await createOnnxRuntimeAdapter());
 */
export async function shapes32ClassifierLogitsOf(
  images: HostTensor,
  adapter?: TensorAdapter,
  params?: Shapes32ClassifierParams,
  chunk = 64,
): Promise<HostTensor<'float32'>> {
  const p = params ?? (shipped ??= loadShapes32Classifier().params);
  const ad = adapter ?? (reference ??= new ReferenceAdapter());
  return shapes32ClassifierLogitsWith(images, ad, p, chunk);
}

/**
 * The prompt index (0..15) each image looks like, by the shipped classifier (or `params`).
 *
 * @example
 * const { images, prompts } = generateShapes32({ seed: 5, count: 64 });
 * const predicted = await classifyShapes32(images); // Int32Array, mostly equal to prompts
 */
export async function classifyShapes32(images: HostTensor, adapter?: TensorAdapter, params?: Shapes32ClassifierParams): Promise<Int32Array> {
  return argmaxRows(await shapes32ClassifierLogitsOf(images, adapter, params));
}
