// LoRA (Hu et al. 2021, "Low-Rank Adaptation") as a transform of an EpsilonModel, with PEFT's
// names, shapes, initialisation and forward: chosen Linear / Conv layers compute
// y = layer(x) + (alpha / rank) * B(A(x)), base weights frozen, only A and B trained.
import { add, conv2d, DdpoError, HostTensor, linear, matmul, mul, reshape, type Rng, type Sym } from '@ddpo/tensor';
import type { EpsilonModel, LayerHooks, LayerInfo } from './model.js';
import { ParamsError } from './errors.js';

/** Which layers get adapters: the attention projections, every Linear and Conv, or name patterns. */
export type LoraTargets = 'attention' | 'all' | readonly string[];

/** Options of {@link withLora}. */
export interface LoraOptions {
  /** Rank r of the adapters (PEFT `r`), a positive integer. */
  rank: number;
  /** PEFT `lora_alpha`; the low-rank path is scaled by alpha / rank. Default: rank (scale 1). */
  alpha?: number;
  /**
   * 'attention' (the q/k/v/o projections, as ddpo-pytorch's LoRA attention processors), 'all'
   * (every Linear and Conv), or patterns matched against layer names (`att.q`) and weight names
   * (`att.q.weight`): globs where `*` matches any characters (dots too) and `?` one, or regular
   * expressions written `/.../`. Every pattern must match at least one layer.
   */
  targets: LoraTargets;
}

/** A resolved adapter configuration: what {@link mergeLora} and adapter files need. */
export interface LoraConfig {
  rank: number;
  alpha: number;
  /** Adapted layer names (weights `<name>.weight`), in the model's order. */
  targets: string[];
}

/** A model wrapped by {@link withLora}. */
export interface LoraModel extends EpsilonModel {
  readonly baseModel: EpsilonModel;
  readonly lora: LoraConfig;
  /** The adapter parameter names (`<layer>.lora_A.weight`, `<layer>.lora_B.weight`). */
  readonly trainableParams: readonly string[];
  /** true: adapters run as extra layers through the model's hooks; false: merged-weight fallback. */
  readonly viaHooks: boolean;
}

/** A LoRA setting is invalid; `field` names it ('rank', 'alpha' or 'targets'). */
export class LoraConfigError extends DdpoError {
  constructor(
    readonly field: 'rank' | 'alpha' | 'targets',
    message: string,
  ) {
    super(`LoRA ${field}: ${message}`);
  }
}

/** PEFT's adapter parameter names of a layer. */
export function loraParamNames(layer: string): { a: string; b: string } {
  return { a: `${layer}.lora_A.weight`, b: `${layer}.lora_B.weight` };
}

/** Linear / Conv layers of a model: its `layers`, or inferred from `*.weight` of rank 2 (Linear) / 4 (Conv). */
function candidateLayers(model: EpsilonModel): Record<string, LayerInfo> {
  if (model.layers !== undefined) return { ...model.layers };
  const out: Record<string, LayerInfo> = {};
  for (const [name, shape] of Object.entries(model.paramShapes)) {
    const m = /^(.*)\.weight$/.exec(name);
    if (m !== null && (shape.length === 2 || shape.length === 4)) out[m[1]] = { kind: shape.length === 2 ? 'linear' : 'conv2d' };
  }
  return out;
}

function patternRegex(pattern: string): RegExp {
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    try {
      return new RegExp(`^(?:${pattern.slice(1, -1)})$`);
    } catch (e) {
      throw new LoraConfigError('targets', `'${pattern}' is not a valid regular expression (${(e as Error).message})`);
    }
  }
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * The layers `targets` selects in `model` (in the model's order), or a {@link LoraConfigError}
 * naming the pattern that matches nothing.
 *
 * @example
 * resolveLoraTargets(tinyUnet32(), 'attention'); // ['att.q', 'att.k', 'att.v', 'att.o']
 * resolveLoraTargets(tinyUnet32(), ['r1.c*', '/att\\.[qk]/']); // ['r1.c1', 'r1.c2', 'att.q', 'att.k']
 */
export function resolveLoraTargets(model: EpsilonModel, targets: LoraTargets): string[] {
  const layers = candidateLayers(model);
  const names = Object.keys(layers);
  const list = `; the layers of ${model.name} are ${names.join(', ') || '(none)'}`;
  if (targets === 'all') {
    if (names.length === 0) throw new LoraConfigError('targets', `'all' matches nothing: ${model.name} has no Linear or Conv layer`);
    return names;
  }
  if (targets === 'attention') {
    const att = names.filter((n) => layers[n].attention === true);
    if (att.length === 0) throw new LoraConfigError('targets', `'attention' matches nothing: ${model.name} declares no attention projections${list}`);
    return att;
  }
  if (!Array.isArray(targets) || targets.length === 0) throw new LoraConfigError('targets', `expected 'attention', 'all' or a non-empty list of patterns, got ${JSON.stringify(targets)}`);
  const chosen = new Set<string>();
  for (const pattern of targets) {
    if (typeof pattern !== 'string' || pattern.length === 0) throw new LoraConfigError('targets', `patterns must be non-empty strings, got ${JSON.stringify(pattern)}`);
    const re = patternRegex(pattern);
    const hit = names.filter((n) => re.test(n) || re.test(`${n}.weight`));
    if (hit.length === 0) throw new LoraConfigError('targets', `pattern '${pattern}' matches no Linear or Conv layer${list}`);
    for (const n of hit) chosen.add(n);
  }
  return names.filter((n) => chosen.has(n));
}

function adapterShapes(layer: string, w: readonly number[], rank: number): Record<string, number[]> {
  const { a, b } = loraParamNames(layer);
  // PEFT: Linear A [r, in], B [out, r]; Conv A = Conv(in -> r, the layer's kernel), B = 1x1 Conv(r -> out).
  return w.length === 2 ? { [a]: [rank, w[1]], [b]: [w[0], rank] } : { [a]: [rank, w[1], w[2], w[3]], [b]: [w[0], rank, 1, 1] };
}

function checkOptions(o: LoraOptions): { rank: number; alpha: number } {
  if (!Number.isInteger(o.rank) || o.rank < 1) throw new LoraConfigError('rank', `expected a positive integer, got ${String(o.rank)}`);
  const alpha = o.alpha ?? o.rank;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0) throw new LoraConfigError('alpha', `expected a positive number, got ${String(alpha)}`);
  return { rank: o.rank, alpha };
}

/**
 * Wraps `model` with LoRA adapters on the `targets` layers. The result's `paramShapes` are the
 * base parameters plus `<layer>.lora_A.weight` / `<layer>.lora_B.weight`; `trainableParams` lists
 * the adapters. A model that declares `layers` runs the adapters as extra layers through its hooks
 * (PEFT's forward: y = layer(x) + scale * B(A(x)), so no gradient of a frozen weight is ever
 * needed); any other model gets the merged weight W + scale * B @ A inside the graph, which is the
 * same function but whose backward pass still forms the full-size weight gradient.
 *
 * @example
 * const lora = withLora(tinyUnet32(), { rank: 4, targets: 'attention' });
 * const params = { ...baseParams, ...initLoraAdapters(lora, new Rng(0)) };
 */
export function withLora(model: EpsilonModel, opts: LoraOptions): LoraModel {
  if ((model as Partial<LoraModel>).baseModel !== undefined || model.trainableParams !== undefined) {
    throw new LoraConfigError('targets', `${model.name} is already wrapped (it has trainableParams); wrap the base model`);
  }
  const { rank, alpha } = checkOptions(opts);
  const targets = resolveLoraTargets(model, opts.targets);
  const adapters: Record<string, number[]> = {};
  for (const t of targets) {
    const w = model.paramShapes[`${t}.weight`];
    if (w === undefined || (w.length !== 2 && w.length !== 4)) throw new LoraConfigError('targets', `layer '${t}' of ${model.name} has no weight '${t}.weight' of rank 2 or 4`);
    Object.assign(adapters, adapterShapes(t, w, rank));
  }
  const clash = Object.keys(adapters).filter((n) => n in model.paramShapes);
  if (clash.length > 0) throw new LoraConfigError('targets', `${model.name} already has parameter(s) ${clash.join(', ')}`);
  const scale = alpha / rank;
  const targetSet = new Set(targets);
  const viaHooks = model.layers !== undefined;
  const baseNames = Object.keys(model.paramShapes);
  const base = (p: Record<string, Sym>): Record<string, Sym> => Object.fromEntries(baseNames.map((n) => [n, p[n]]));
  const scaled = (s: Sym): Sym => (scale === 1 ? s : mul(s, scale));
  return Object.freeze({
    name: `${model.name}+lora`,
    numPrompts: model.numPrompts,
    sampleShape: model.sampleShape,
    paramShapes: Object.freeze({ ...model.paramShapes, ...adapters }),
    layers: model.layers,
    trainableParams: Object.freeze(Object.keys(adapters)),
    baseModel: model,
    lora: { rank, alpha, targets },
    viaHooks,
    apply(p: Record<string, Sym>, sample: Sym, timestep: Sym, prompt: Sym, hooks?: LayerHooks): Sym {
      if (!viaHooks) return model.apply(mergedSyms(p, targets, scaled), sample, timestep, prompt, hooks);
      const lora: LayerHooks = {
        linear: (name, x, y) => {
          const { a, b } = loraParamNames(name);
          const out = targetSet.has(name) ? add(y, scaled(linear(linear(x, p[a]), p[b]))) : y;
          return hooks?.linear !== undefined ? hooks.linear(name, x, out) : out;
        },
        conv2d: (name, x, y, conv) => {
          const { a, b } = loraParamNames(name);
          const out = targetSet.has(name) ? add(y, scaled(conv2d(conv2d(x, p[a], conv), p[b]))) : y;
          return hooks?.conv2d !== undefined ? hooks.conv2d(name, x, out, conv) : out;
        },
      };
      return model.apply(base(p), sample, timestep, prompt, lora);
    },
  });
}

/** The fallback: base parameters with W replaced by W + scale * B @ A (reshaped for a conv). */
function mergedSyms(p: Record<string, Sym>, targets: readonly string[], scaled: (s: Sym) => Sym): Record<string, Sym> {
  const out = { ...p };
  for (const t of targets) {
    const { a, b } = loraParamNames(t);
    const w = p[`${t}.weight`];
    const A = p[a], B = p[b];
    const delta = matmul(reshape(B, [B.shape[0], B.shape[1]]), reshape(A, [A.shape[0], A.size / A.shape[0]]));
    out[`${t}.weight`] = add(w, scaled(reshape(delta, [...w.shape])));
    delete out[a];
    delete out[b];
  }
  return out;
}

/**
 * Initial adapters as PEFT's `init_lora_weights=True`: A ~ kaiming_uniform(a = sqrt(5)), i.e.
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in (Linear) or in * kh * kw (Conv); B = 0, so
 * the adapted model starts as the base model exactly. Drawn from `rng` in target order.
 *
 * @example
 * const adapters = initLoraAdapters(lora, new Rng(42));
 */
export function initLoraAdapters(model: LoraModel, rng: Rng): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const t of model.lora.targets) {
    const { a, b } = loraParamNames(t);
    const shapeA = model.paramShapes[a];
    const fanIn = shapeA.slice(1).reduce((x, y) => x * y, 1);
    const bound = 1 / Math.sqrt(fanIn);
    const u = rng.uniform(shapeA, 'float64').data;
    out[a] = new HostTensor('float32', shapeA, Float32Array.from(u, (v) => (2 * v - 1) * bound));
    out[b] = new HostTensor('float32', model.paramShapes[b], new Float32Array(model.paramShapes[b].reduce((x, y) => x * y, 1)));
  }
  return out;
}

/**
 * Plain parameters of the adapted model: W + (alpha / rank) * B @ A for every target (computed in
 * float64, stored as float32), every other parameter copied. Adapter names and shapes are checked.
 *
 * @example
 * const merged = mergeLora(baseParams, adapters, { rank: 4, alpha: 4, targets: ['att.q', 'att.k'] });
 */
export function mergeLora(baseParams: Record<string, HostTensor>, adapters: Record<string, HostTensor>, config: LoraConfig): Record<string, HostTensor> {
  checkOptions(config);
  const out: Record<string, HostTensor> = Object.fromEntries(Object.entries(baseParams).map(([k, v]) => [k, v.clone()]));
  const used = new Set<string>();
  for (const t of config.targets) {
    const { a, b } = loraParamNames(t);
    const w = baseParams[`${t}.weight`];
    const A = adapters[a], B = adapters[b];
    if (w === undefined) throw new ParamsError(`mergeLora: the base parameters have no '${t}.weight'`);
    if (A === undefined || B === undefined) throw new ParamsError(`mergeLora: adapter '${A === undefined ? a : b}' is missing`);
    const want = adapterShapes(t, w.shape, config.rank);
    for (const [n, x] of [[a, A], [b, B]] as const) {
      if (x.shape.join() !== want[n].join()) throw new ParamsError(`mergeLora: '${n}' has shape [${x.shape.join(', ')}], expected [${want[n].join(', ')}]`);
    }
    used.add(a).add(b);
    out[`${t}.weight`] = mergeOne(w, A, B, config.alpha / config.rank);
  }
  const extra = Object.keys(adapters).filter((k) => !used.has(k));
  if (extra.length > 0) throw new ParamsError(`mergeLora: adapter(s) ${extra.join(', ')} belong to no target in ${config.targets.join(', ')}`);
  return out;
}

function mergeOne(w: HostTensor, A: HostTensor, B: HostTensor, scale: number): HostTensor {
  const [out, r] = [B.shape[0], B.shape[1]];
  const k = A.size / r;
  const a = A.data as Float32Array, b = B.data as Float32Array, wd = w.data as Float32Array;
  const res = new Float32Array(w.size);
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += b[o * r + q] * a[q * k + j];
      res[o * k + j] = wd[o * k + j] + scale * s;
    }
  }
  return new HostTensor('float32', w.shape, res);
}
