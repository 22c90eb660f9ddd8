// The shapes-32 classifier: a small conv net (three stride-2 3x3 convs with GroupNorm and SiLU,
// global mean and max pooling, a linear layer to the 16 prompts) that scores prompt fidelity.
// Its graph is traced with @ddpo/tensor ops; weights decode from safetensors bytes here (no file system,
// so a page can run it) and the shipped file loads in classifier-file.ts; training lives in classifierTrain.ts.
import {
  concat, conv2dBias, decodeSafetensors, DdpoError, GraphBuilder, groupNorm, HostTensor, linear, max, mean,
  silu, type Graph, type Rng, type Sym, type TensorAdapter,
} from '@ddpo/tensor';
import { PROMPTS } from './prompts.js';

/** Number of classes: the 16 prompts of shapes-32, in prompt order (class k = prompt index k). */
export const SHAPES32_CLASSES = PROMPTS.length;

/** Parameter shapes of the classifier (PyTorch layouts: conv [O, C, kh, kw], linear [out, in]). */
export const SHAPES32_CLASSIFIER_PARAM_SHAPES: Readonly<Record<string, readonly number[]>> = Object.freeze({
  'c1.weight': [16, 3, 3, 3], 'c1.bias': [16], 'n1.weight': [16], 'n1.bias': [16],
  'c2.weight': [32, 16, 3, 3], 'c2.bias': [32], 'n2.weight': [32], 'n2.bias': [32],
  'c3.weight': [32, 32, 3, 3], 'c3.bias': [32], 'n3.weight': [32], 'n3.bias': [32],
  'fc.weight': [SHAPES32_CLASSES, 64], 'fc.bias': [SHAPES32_CLASSES],
});

/** Classifier parameters by name (float32 host tensors). */
export type Shapes32ClassifierParams = Record<string, HostTensor>;

/** The classifier file is missing or does not hold the expected tensors. */
export class ClassifierWeightsError extends DdpoError {}

/** conv 3x3 stride 2 (padding 1) -> GroupNorm(groups) -> SiLU. */
function stage(p: Record<string, Sym>, k: number, x: Sym, groups: number): Sym {
  const h = conv2dBias(x, p[`c${k}.weight`], p[`c${k}.bias`], { stride: 2, padding: 1 });
  return silu(groupNorm(h, p[`n${k}.weight`], p[`n${k}.bias`], groups, 1e-5));
}

/**
 * Adds the classifier to the builder of `images` ([B, 3, 32, 32] in [-1, 1]); returns logits [B, 16].
 * 32 -> 16 -> 8 -> 4 pixels; mean pooling sees colour and area, max pooling keeps small shapes'
 * strongest responses from being averaged away by the background.
 *
 * @example
 * const b = new GraphBuilder();
 * const params = Object.fromEntries(Object.entries(SHAPES32_CLASSIFIER_PARAM_SHAPES).map(([k, s]) => [k, b.input(`param:${k}`, s)]));
 * const logits = shapes32ClassifierLogits(params, b.input('images', [8, 3, 32, 32]));
 */
export function shapes32ClassifierLogits(params: Record<string, Sym>, images: Sym): Sym {
  const h = stage(params, 3, stage(params, 2, stage(params, 1, images, 4), 8), 8);
  const pooled = concat([mean(h, [2, 3]), max(h, [2, 3])], 1);
  return linear(pooled, params['fc.weight'], params['fc.bias']);
}

/** Declares `param:<name>` inputs for every classifier parameter. */
export function classifierParamInputs(b: GraphBuilder): Record<string, Sym> {
  return Object.fromEntries(Object.entries(SHAPES32_CLASSIFIER_PARAM_SHAPES).map(([k, s]) => [k, b.input(`param:${k}`, s)]));
}

const graphCache = new Map<number, Graph>();

/**
 * The inference graph at batch B: inputs `images` [B, 3, 32, 32] and `param:<name>`, output `logits`
 * [B, 16]. Cached per batch size, so an adapter compiles it once.
 *
 * @example
 * const compiled = await adapter.compile(shapes32ClassifierGraph(64));
 */
export function shapes32ClassifierGraph(batch: number): Graph {
  let g = graphCache.get(batch);
  if (g === undefined) {
    const b = new GraphBuilder();
    const images = b.input('images', [batch, 3, 32, 32]);
    b.output('logits', shapes32ClassifierLogits(classifierParamInputs(b), images));
    g = b.build();
    graphCache.set(batch, g);
  }
  return g;
}

/**
 * PyTorch's default initialisation (Kaiming-uniform, a = sqrt(5): U(-1/sqrt(fan_in), 1/sqrt(fan_in))
 * for weights and biases), GroupNorm weight 1 and bias 0.
 *
 * @example
 * const params = initShapes32Classifier(new Rng(0));
 */
export function initShapes32Classifier(rng: Rng): Shapes32ClassifierParams {
  const out: Shapes32ClassifierParams = {};
  for (const [name, shape] of Object.entries(SHAPES32_CLASSIFIER_PARAM_SHAPES)) {
    const layer = name.slice(0, name.indexOf('.'));
    if (layer.startsWith('n')) {
      out[name] = new HostTensor('float32', shape, new Float32Array(shape[0]).fill(name.endsWith('weight') ? 1 : 0));
      continue;
    }
    const w = SHAPES32_CLASSIFIER_PARAM_SHAPES[`${layer}.weight`];
    const bound = 1 / Math.sqrt(w.slice(1).reduce((a, d) => a * d, 1));
    const u = rng.uniform(shape).data as Float32Array;
    out[name] = new HostTensor('float32', shape, u.map((v) => (2 * v - 1) * bound));
  }
  return out;
}

/**
 * Classifier weights from the bytes of a safetensors file (`source` names them in errors: a path or URL).
 * Checks every tensor's presence and shape.
 *
 * @example
 * const { params } = shapes32ClassifierFromSafetensors(new Uint8Array(await (await fetch(url)).arrayBuffer()), url);
 */
export function shapes32ClassifierFromSafetensors(bytes: Uint8Array, source = '<bytes>'): { params: Shapes32ClassifierParams; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const params: Shapes32ClassifierParams = {};
  for (const [name, shape] of Object.entries(SHAPES32_CLASSIFIER_PARAM_SHAPES)) {
    const t = tensors[name];
    if (t === undefined || t.dtype !== 'float32' || t.shape.join() !== shape.join()) {
      const seen = t === undefined ? 'missing' : `${t.dtype} [${t.shape.join(', ')}]`;
      throw new ClassifierWeightsError(`loadShapes32Classifier: tensor '${name}' in '${source}' is ${seen}, expected float32 [${shape.join(', ')}]`);
    }
    params[name] = t;
  }
  return { params, metadata };
}

/**
 * Logits [N, 16] of images [N, 3, 32, 32] in [-1, 1] with the given weights on `adapter`, computed in
 * chunks of at most `chunk` images (one compiled graph per chunk size).
 *
 * @example
 * const logits = await shapes32ClassifierLogitsWith(images, adapter, params);
 */
export async function shapes32ClassifierLogitsWith(
  images: HostTensor,
  adapter: TensorAdapter,
  params: Shapes32ClassifierParams,
  chunk = 64,
): Promise<HostTensor<'float32'>> {
  if (images.shape.length !== 4 || images.shape[1] !== 3 || images.shape[2] !== 32 || images.shape[3] !== 32) {
    throw new ClassifierWeightsError(`classifyShapes32: images have shape [${images.shape.join(', ')}], expected [N, 3, 32, 32] in [-1, 1]`);
  }
  const n = images.shape[0];
  const per = 3 * 32 * 32;
  const src = images.dtype === 'float32' ? (images.data as Float32Array) : Float32Array.from(images.data as Float64Array);
  const out = new Float32Array(n * SHAPES32_CLASSES);
  const feeds = Object.fromEntries(Object.entries(params).map(([k, v]) => [`param:${k}`, v]));
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const compiled = await adapter.compile(shapes32ClassifierGraph(m));
    const x = new HostTensor('float32', [m, 3, 32, 32], src.slice(s * per, (s + m) * per));
    const { logits } = await compiled.run({ images: x, ...feeds });
    out.set(logits.data as Float32Array, s * SHAPES32_CLASSES);
  }
  return new HostTensor('float32', [n, SHAPES32_CLASSES], out);
}

/** Row-wise argmax of [N, K] logits. */
export function argmaxRows(logits: HostTensor): Int32Array {
  const [n, k] = logits.shape;
  const d = logits.data as Float32Array;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (d[i * k + j] > d[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}
