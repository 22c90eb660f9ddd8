// Parameter table of tiny-unet-32 (names and shapes of the PyTorch peer) and its pretraining
// initialisation: PyTorch's defaults (Kaiming-uniform a = sqrt(5), i.e. U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)) for Conv/Linear weights and biases; GroupNorm 1/0; Embedding N(0, 1)) with the
// final Conv zeroed, as docs/tiny-unet-32.md asks.
import { HostTensor, type Rng, shapeSize, zeros, full } from '@ddpo/tensor';

type Shapes = Record<string, readonly number[]>;

const EMB = 128;

function convShapes(out: Shapes, name: string, cin: number, cout: number, k: number): void {
  out[`${name}.weight`] = [cout, cin, k, k];
  out[`${name}.bias`] = [cout];
}

function linearShapes(out: Shapes, name: string, cin: number, cout: number): void {
  out[`${name}.weight`] = [cout, cin];
  out[`${name}.bias`] = [cout];
}

function normShapes(out: Shapes, name: string, c: number): void {
  out[`${name}.weight`] = [c];
  out[`${name}.bias`] = [c];
}

function resBlockShapes(out: Shapes, name: string, cin: number, cout: number): void {
  normShapes(out, `${name}.n1`, cin);
  convShapes(out, `${name}.c1`, cin, cout, 3);
  linearShapes(out, `${name}.t`, EMB, cout);
  normShapes(out, `${name}.n2`, cout);
  convShapes(out, `${name}.c2`, cout, cout, 3);
  if (cin !== cout) convShapes(out, `${name}.skip`, cin, cout, 1);
}

/**
 * Names and shapes of the 95 parameters of tiny-unet-32 with `numPrompts` prompts (591,139
 * numbers for P = 16), in forward order.
 *
 * @example
 * tinyUnet32ParamShapes(16)['r1.n1.weight']; // [32]
 */
export function tinyUnet32ParamShapes(numPrompts = 16): Readonly<Record<string, readonly number[]>> {
  const s: Shapes = {};
  linearShapes(s, 't1', 64, EMB);
  linearShapes(s, 't2', EMB, EMB);
  s['emb.weight'] = [numPrompts + 1, EMB];
  convShapes(s, 'cin', 3, 32, 3);
  resBlockShapes(s, 'r1', 32, 32);
  convShapes(s, 'd1', 32, 32, 3);
  resBlockShapes(s, 'r2', 32, 64);
  convShapes(s, 'd2', 64, 64, 3);
  resBlockShapes(s, 'm1', 64, 64);
  normShapes(s, 'att.n', 64);
  for (const k of ['q', 'k', 'v', 'o']) linearShapes(s, `att.${k}`, 64, 64);
  resBlockShapes(s, 'm2', 64, 64);
  convShapes(s, 'u2', 64, 64, 3);
  resBlockShapes(s, 'r3', 128, 64);
  convShapes(s, 'u1', 64, 64, 3);
  resBlockShapes(s, 'r4', 96, 32);
  normShapes(s, 'nout', 32);
  convShapes(s, 'cout', 32, 3, 3);
  for (const v of Object.values(s)) Object.freeze(v);
  return Object.freeze(s);
}

/** Total number of parameters in a shape table. */
export function countParams(shapes: Readonly<Record<string, readonly number[]>>): number {
  return Object.values(shapes).reduce((n, s) => n + shapeSize(s), 0);
}

/** fan_in of the Conv or Linear layer that owns `${layer}.weight` (PyTorch: in * kh * kw). */
function fanIn(shapes: Readonly<Record<string, readonly number[]>>, layer: string): number {
  const w = shapes[`${layer}.weight`];
  return shapeSize(w) / w[0];
}

function uniformIn(rng: Rng, shape: readonly number[], bound: number): HostTensor<'float32'> {
  const u = rng.uniform(shape).data as Float32Array;
  const out = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = (2 * u[i] - 1) * bound;
  return new HostTensor('float32', shape, out);
}

/**
 * Fresh parameters for pretraining, drawn from `rng` in the table's order.
 *
 * @example
 * const params = initTinyUnet32(new Rng(0));
 * params['cout.weight'].data.every((v) => v === 0); // true: the network starts by predicting 0
 */
export function initTinyUnet32(rng: Rng, numPrompts = 16): Record<string, HostTensor<'float32'>> {
  const shapes = tinyUnet32ParamShapes(numPrompts);
  const out: Record<string, HostTensor<'float32'>> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const layer = name.slice(0, name.lastIndexOf('.'));
    const isNorm = /(^|\.)(n|n1|n2|nout)$/.test(layer);
    if (layer === 'cout') out[name] = zeros(shape);
    else if (name === 'emb.weight') out[name] = rng.normal(shape) as HostTensor<'float32'>;
    else if (isNorm) out[name] = name.endsWith('.weight') ? full(shape, 1) : zeros(shape);
    else out[name] = uniformIn(rng, shape, 1 / Math.sqrt(fanIn(shapes, layer)));
  }
  return out;
}
