// tiny-unet-32 (docs/tiny-unet-32.md): an epsilon-prediction UNet on 32x32 RGB, traced into a graph
// with parameters as inputs. Parameter names and layouts are the PyTorch peer's (Linear [out, in],
// Conv [out, in, kh, kw]), so its safetensors file loads by name.
import {
  add, concat, conv2dBias, cos, DdpoError, gather, GraphBuilder, groupNorm, linear, matmul, mul, reshape, silu, sin, softmax,
  tensor, transpose, upsampleNearest2x, type Graph, type HostTensor, type Sym,
} from '@ddpo/tensor';
import { paramInputs, type EpsilonModel, type LayerHooks, type LayerInfo } from '@ddpo/policy';
import { tinyUnet32ParamShapes } from './params.js';

/** Options of {@link tinyUnet32}. */
export interface TinyUnet32Options {
  /** Number of real prompts P (the embedding has P + 1 rows); default 16. */
  numPrompts?: number;
  /**
   * For cost ablations only (`npm run bench -- --ablate`): these layers become the identity, every
   * GroupNorm ('groupNorm') and every SiLU ('silu'). The parameters stay the same (the GroupNorm
   * ones are then unused), so the pretrained weights still load, but the network is another one:
   * its name says so, and its samples mean nothing.
   */
  identity?: readonly TinyUnet32Ablation[];
}

/** Layers that {@link TinyUnet32Options.identity} can replace by the identity. */
export type TinyUnet32Ablation = 'groupNorm' | 'silu';

/** A bad {@link TinyUnet32Options} value. */
export class TinyUnet32OptionsError extends DdpoError {}

const ABLATIONS: readonly TinyUnet32Ablation[] = ['groupNorm', 'silu'];

const GROUPS = 8;
const EPS = 1e-5;
const TIME_DIM = 64;

/** The parameters, plus the layer hooks when a wrapper (LoRA) asked for them. */
type P = Record<string, Sym> & { [HOOKS]?: LayerHooks; [IDENTITY]?: ReadonlySet<TinyUnet32Ablation> };
const HOOKS = Symbol('layer hooks');
const IDENTITY = Symbol('layers replaced by the identity');

/** Conv(k, s) with padding (k-1)/2 and bias, weights `${name}.weight` / `${name}.bias`. */
function conv(p: P, name: string, x: Sym, stride = 1): Sym {
  const k = p[`${name}.weight`].shape[2];
  const conv = { stride, padding: (k - 1) / 2 };
  const y = conv2dBias(x, p[`${name}.weight`], p[`${name}.bias`], conv);
  return p[HOOKS]?.conv2d !== undefined ? p[HOOKS].conv2d(name, x, y, conv) : y;
}

function gn(p: P, name: string, x: Sym): Sym {
  if (p[IDENTITY]?.has('groupNorm') === true) return x;
  return groupNorm(x, p[`${name}.weight`], p[`${name}.bias`], GROUPS, EPS);
}

function lin(p: P, name: string, x: Sym): Sym {
  const y = linear(x, p[`${name}.weight`], p[`${name}.bias`]);
  return p[HOOKS]?.linear !== undefined ? p[HOOKS].linear(name, x, y) : y;
}

function act(p: P, x: Sym): Sym {
  return p[IDENTITY]?.has('silu') === true ? x : silu(x);
}

/** Sinusoidal embedding of t [B] -> [B, 64]: f_i = exp(-ln(10000) i / 32), concat(sin(t f), cos(t f)). */
export function sinusoidalEmbedding(t: Sym, dim = TIME_DIM): Sym {
  const half = dim / 2;
  const f = new Float32Array(half);
  for (let i = 0; i < half; i++) f[i] = Math.exp((-Math.log(10000) * i) / half);
  const args = mul(reshape(t, [t.shape[0], 1]), t.builder.constant(tensor(f, [1, half])));
  return concat([sin(args), cos(args)], 1);
}

/** ResBlock(cin -> cout) of the design page, conditioned on the embedding e [B, 128]. */
function resBlock(p: P, name: string, x: Sym, e: Sym): Sym {
  const cout = p[`${name}.c1.weight`].shape[0];
  let h = conv(p, `${name}.c1`, act(p, gn(p, `${name}.n1`, x)));
  h = add(h, reshape(lin(p, `${name}.t`, e), [e.shape[0], cout, 1, 1]));
  h = conv(p, `${name}.c2`, act(p, gn(p, `${name}.n2`, h)));
  return add(h, `${name}.skip.weight` in p ? conv(p, `${name}.skip`, x) : x);
}

/** One-head self-attention over the H*W tokens, with a residual connection. */
function attention(p: P, name: string, x: Sym): Sym {
  const [b, c, hh, ww] = x.shape;
  const y = transpose(reshape(gn(p, `${name}.n`, x), [b, c, hh * ww]), [0, 2, 1]);
  const q = lin(p, `${name}.q`, y), k = lin(p, `${name}.k`, y), v = lin(p, `${name}.v`, y);
  const scores = mul(matmul(q, transpose(k, [0, 2, 1])), 1 / Math.sqrt(c));
  const a = matmul(softmax(scores, -1), v);
  const o = transpose(lin(p, `${name}.o`, a), [0, 2, 1]);
  return add(x, reshape(o, [b, c, hh, ww]));
}

/** The whole network: layers 1-11 of the design page. */
function forward(p: P, sample: Sym, timestep: Sym, prompt: Sym): Sym {
  const temb = lin(p, 't2', act(p, lin(p, 't1', sinusoidalEmbedding(timestep))));
  const e = act(p, add(temb, gather(p['emb.weight'], prompt)));
  const h0 = conv(p, 'cin', sample);
  const h1 = resBlock(p, 'r1', h0, e);
  const h3 = resBlock(p, 'r2', conv(p, 'd1', h1, 2), e);
  const h5 = resBlock(p, 'm1', conv(p, 'd2', h3, 2), e);
  const h7 = resBlock(p, 'm2', attention(p, 'att', h5), e);
  const h8 = resBlock(p, 'r3', concat([conv(p, 'u2', upsampleNearest2x(h7)), h3], 1), e);
  const h9 = resBlock(p, 'r4', concat([conv(p, 'u1', upsampleNearest2x(h8)), h1], 1), e);
  return conv(p, 'cout', act(p, gn(p, 'nout', h9)));
}

/**
 * tiny-unet-32 as an {@link EpsilonModel}.
 *
 * @example
 * const model = tinyUnet32();
 * const b = new GraphBuilder();
 * const params = Object.fromEntries(Object.entries(model.paramShapes).map(([k, s]) => [k, b.input(`param:${k}`, s)]));
 * const eps = model.apply(params, b.input('sample', [2, 3, 32, 32]), b.input('timestep', [2]), b.input('prompt', [2], 'int64'));
 */
export function tinyUnet32(opts: TinyUnet32Options = {}): EpsilonModel {
  const numPrompts = opts.numPrompts ?? 16;
  const paramShapes = tinyUnet32ParamShapes(numPrompts);
  const identity = new Set(opts.identity ?? []);
  const unknown = [...identity].filter((x) => !ABLATIONS.includes(x));
  if (unknown.length > 0) throw new TinyUnet32OptionsError(`tinyUnet32: identity: unknown layer kind(s) ${unknown.map((x) => `'${String(x)}'`).join(', ')}; expected some of ${ABLATIONS.join(', ')}`);
  const ablated = ABLATIONS.filter((x) => identity.has(x));
  return Object.freeze({
    name: ablated.length === 0 ? 'tiny-unet-32' : `tiny-unet-32 without ${ablated.join(', ')} (ablation)`,
    numPrompts,
    sampleShape: Object.freeze([3, 32, 32]),
    paramShapes,
    layers: tinyUnet32Layers(paramShapes),
    apply: (params: Record<string, Sym>, sample: Sym, timestep: Sym, prompt: Sym, hooks?: LayerHooks) =>
      forward(hooks === undefined && ablated.length === 0 ? params : { ...params, [HOOKS]: hooks, [IDENTITY]: identity }, sample, timestep, prompt),
  });
}

/**
 * The Linear ([out, in] weights) and Conv ([out, in, kh, kw]) layers of tiny-unet-32, in parameter
 * order; `att.q/k/v/o` are the attention projections. The prompt embedding (a lookup table) is not
 * a layer.
 *
 * @example
 * Object.keys(tinyUnet32Layers(tinyUnet32ParamShapes(16))).length; // 33
 */
export function tinyUnet32Layers(shapes: Readonly<Record<string, readonly number[]>>): Readonly<Record<string, LayerInfo>> {
  const out: Record<string, LayerInfo> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const m = /^(.*)\.weight$/.exec(name);
    if (m === null || m[1] === 'emb' || (shape.length !== 2 && shape.length !== 4)) continue;
    out[m[1]] = Object.freeze({ kind: shape.length === 2 ? 'linear' : 'conv2d', ...(/^att\.[qkvo]$/.test(m[1]) ? { attention: true } : {}) });
  }
  return Object.freeze(out);
}

/**
 * The forward graph of tiny-unet-32 at a fixed batch: inputs `sample` [B, 3, 32, 32] float32,
 * `timestep` [B] float32, `prompt` [B] int64 and `param:<name>`; output `noise_pred`.
 *
 * @example
 * const graph = tinyUnet32Graph(4);
 * const out = evaluate(graph, { sample, timestep, prompt, ...feedsOf(params) }).noise_pred;
 */
export function tinyUnet32Graph(batch: number, opts: TinyUnet32Options = {}): Graph {
  const model = tinyUnet32(opts);
  const b = new GraphBuilder();
  const sample = b.input('sample', [batch, ...model.sampleShape]);
  const timestep = b.input('timestep', [batch]);
  const prompt = b.input('prompt', [batch], 'int64');
  b.output('noise_pred', model.apply(paramInputs(b, model), sample, timestep, prompt));
  return b.build();
}

