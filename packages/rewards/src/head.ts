// Reward heads: a small MLP of Linear layers (PyTorch layout, weight [out, in] and bias [out]) with an
// optional activation after each, mapping a feature vector to one score. Saved as safetensors with the
// layer order and activations in `__metadata__`; a file without that metadata (e.g. the LAION aesthetic
// head converted from its .pth: layers.0/2/4/6/7, no activations) loads as plain Linear layers.
import { readFile, writeFile } from 'node:fs/promises';
import { decodeSafetensors, encodeSafetensors, HostTensor, isFloat } from '@ddpo/tensor';
import { RewardHeadError } from './errors.js';

/** Activation applied after a Linear layer. */
export type HeadActivation = 'none' | 'relu' | 'sigmoid' | 'tanh';
const ACTIVATIONS: readonly HeadActivation[] = ['none', 'relu', 'sigmoid', 'tanh'];

/** One Linear layer: `y = act(x @ weight^T + bias)`; `name` is its tensor prefix in the file (`layers.0`). */
export interface LinearLayer {
  readonly name: string;
  readonly weight: HostTensor;
  readonly bias: HostTensor | null;
  readonly activation: HeadActivation;
}

/** An MLP reward head: layers applied in order, the last one with a single output. */
export interface RewardHead {
  readonly layers: readonly LinearLayer[];
}

/** Metadata key holding the layer list (JSON) in a saved head. */
export const HEAD_METADATA_KEY = 'ddpo.reward_head';

/**
 * Makes a head and checks that its layers chain ([out, in] weights, biases of length out, a final
 * single output, known activations). Returns the head; throws RewardHeadError otherwise.
 *
 * @example
 * const head = makeRewardHead([{ name: 'linear', weight: tensor([0.5, -1], [1, 2]), bias: tensor([0.1], [1]), activation: 'none' }]);
 */
export function makeRewardHead(layers: readonly LinearLayer[]): RewardHead {
  if (layers.length === 0) throw new RewardHeadError('reward head: no layers');
  let width = -1;
  for (const l of layers) {
    const ws = l.weight.shape;
    if (ws.length !== 2 || !isFloat(l.weight.dtype)) throw new RewardHeadError(`reward head: ${l.name}.weight is ${l.weight.dtype} [${ws.join(', ')}], expected a float matrix [out, in]`);
    if (width >= 0 && ws[1] !== width) throw new RewardHeadError(`reward head: ${l.name}.weight takes ${ws[1]} inputs but the previous layer gives ${width}`);
    if (l.bias !== null && (l.bias.shape.length !== 1 || l.bias.shape[0] !== ws[0] || !isFloat(l.bias.dtype))) {
      throw new RewardHeadError(`reward head: ${l.name}.bias is ${l.bias.dtype} [${l.bias.shape.join(', ')}], expected a float vector [${ws[0]}]`);
    }
    if (!ACTIVATIONS.includes(l.activation)) throw new RewardHeadError(`reward head: ${l.name} has activation '${l.activation}', expected one of ${ACTIVATIONS.join(', ')}`);
    width = ws[0];
  }
  if (width !== 1) throw new RewardHeadError(`reward head: the last layer gives ${width} outputs, expected 1`);
  return { layers: [...layers] };
}

/** Number of input features a head expects. */
export function headInputSize(head: RewardHead): number {
  return head.layers[0].weight.shape[1];
}

function activate(v: number, act: HeadActivation): number {
  switch (act) {
    case 'none':
      return v;
    case 'relu':
      return v > 0 ? v : 0;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'tanh':
      return Math.tanh(v);
    default:
      return act satisfies never;
  }
}

/**
 * Applies a head to features [N, D] (computed in float64). Dropout layers of the original model are
 * absent: at inference they are the identity.
 *
 * @example
 * const scores = applyHead(head, tensor([0.2, 0.4], [1, 2])); // Float64Array [1]
 */
export function applyHead(head: RewardHead, features: HostTensor): Float64Array {
  const d = headInputSize(head);
  if (features.shape.length !== 2 || features.shape[1] !== d || !isFloat(features.dtype)) {
    throw new RewardHeadError(`reward head: features are ${features.dtype} [${features.shape.join(', ')}], expected float [N, ${d}]`);
  }
  const n = features.shape[0];
  let x = Float64Array.from(features.data as Float32Array | Float64Array);
  for (const l of head.layers) {
    const [out, inp] = l.weight.shape;
    const w = l.weight.data as Float32Array | Float64Array;
    const b = l.bias?.data as Float32Array | Float64Array | undefined;
    const y = new Float64Array(n * out);
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < out; o++) {
        let s = b ? b[o] : 0;
        for (let i = 0; i < inp; i++) s += x[r * inp + i] * w[o * inp + i];
        y[r * out + o] = activate(s, l.activation);
      }
    }
    x = y;
  }
  return x;
}

/**
 * Serialises a head to safetensors bytes: `<name>.weight`, `<name>.bias` and the layer list in
 * `__metadata__` (plus any extra metadata strings, e.g. training metrics).
 *
 * @example
 * fs.writeFileSync('head.safetensors', headToSafetensors(head, { trained_on: 'ratings.csv' }));
 */
export function headToSafetensors(head: RewardHead, extraMetadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, HostTensor> = {};
  for (const l of head.layers) {
    tensors[`${l.name}.weight`] = l.weight;
    if (l.bias !== null) tensors[`${l.name}.bias`] = l.bias;
  }
  const layers = head.layers.map((l) => ({ name: l.name, activation: l.activation }));
  return encodeSafetensors(tensors, { ...extraMetadata, format: 'pt', [HEAD_METADATA_KEY]: JSON.stringify({ version: 1, layers }) });
}

/**
 * Reads a head from safetensors bytes. With our metadata the recorded layer order and activations
 * are used; without it every `<prefix>.weight` matrix is a Linear layer with no activation, in
 * natural order of the prefixes (`layers.2` before `layers.10`), which is how the LAION head loads.
 *
 * @example
 * const head = headFromSafetensors(fs.readFileSync('sac+logos+ava1-l14-linearMSE.safetensors'));
 */
export function headFromSafetensors(bytes: Uint8Array): RewardHead {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const spec = metadata[HEAD_METADATA_KEY] !== undefined ? parseLayerSpec(metadata[HEAD_METADATA_KEY]) : inferLayerSpec(tensors);
  return makeRewardHead(
    spec.map(({ name, activation }) => {
      const weight = tensors[`${name}.weight`];
      if (weight === undefined) throw new RewardHeadError(`reward head: tensor '${name}.weight' is missing (file has ${Object.keys(tensors).join(', ')})`);
      return { name, weight, bias: tensors[`${name}.bias`] ?? null, activation };
    }),
  );
}

function parseLayerSpec(json: string): { name: string; activation: HeadActivation }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new RewardHeadError(`reward head: __metadata__['${HEAD_METADATA_KEY}'] is not JSON`);
  }
  const layers = (parsed as { layers?: unknown }).layers;
  if (!Array.isArray(layers) || !layers.every((l) => typeof l?.name === 'string' && typeof l?.activation === 'string')) {
    throw new RewardHeadError(`reward head: __metadata__['${HEAD_METADATA_KEY}'] has no list of { name, activation } layers`);
  }
  return layers as { name: string; activation: HeadActivation }[];
}

function inferLayerSpec(tensors: Record<string, HostTensor>): { name: string; activation: HeadActivation }[] {
  const names = Object.keys(tensors)
    .filter((k) => k.endsWith('.weight') && tensors[k].shape.length === 2)
    .map((k) => k.slice(0, -'.weight'.length));
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return names.map((name) => ({ name, activation: 'none' as const }));
}

/**
 * Writes a head to a safetensors file.
 *
 * @example
 * await saveRewardHead(result.head, 'my-head.safetensors');
 */
export async function saveRewardHead(head: RewardHead, path: string, extraMetadata: Record<string, string> = {}): Promise<void> {
  await writeFile(path, headToSafetensors(head, extraMetadata));
}

/**
 * Reads a head from a safetensors file (ours, or a converted LAION aesthetic head).
 *
 * @example
 * const head = await loadRewardHead('sac+logos+ava1-l14-linearMSE.safetensors');
 */
export async function loadRewardHead(path: string): Promise<RewardHead> {
  return headFromSafetensors(new Uint8Array(await readFile(path)));
}
