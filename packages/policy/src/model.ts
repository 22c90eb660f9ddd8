// The epsilon-network contract shared by @ddpo/models and @ddpo/policy, and the convention that
// carries parameter values into graphs: one float input named `param:<name>` per parameter.
import { GraphBuilder, type DType, type HostTensor, type Sym } from '@ddpo/tensor';
import { ParamsError } from './errors.js';

/**
 * A noise-prediction network eps_theta(x_t, t, c) that adds itself to a graph. @ddpo/models'
 * tiny-unet-32 implements it (@ddpo/models imports this contract; it is declared only here).
 *
 * @example
 * const eps = model.apply(params, sample, cast(timestep, 'float32'), prompt); // [B, ...sampleShape]
 */
export interface EpsilonModel {
  readonly name: string;
  /** Prompt indices 0..P-1; index P is the null prompt (classifier-free guidance). */
  readonly numPrompts: number;
  /** Per-example shape, [3, 32, 32] for tiny-unet-32. */
  readonly sampleShape: readonly number[];
  /** float32 parameters by name. */
  readonly paramShapes: Readonly<Record<string, readonly number[]>>;
  /**
   * Adds the network to the builder of `sample`; returns noise_pred with sample's shape
   * [B, ...sampleShape]. A model that lists `layers` calls `hooks` after each of them and continues
   * with what the hook returns (how LoRA adds its low-rank path without touching the weights).
   */
  apply(params: Record<string, Sym>, sample: Sym, timestep: Sym /* float [B] */, prompt: Sym /* int64 [B] */, hooks?: LayerHooks): Sym;
  /**
   * Optional: the Linear and Conv layers by name (weight `<name>.weight`), for wrappers such as
   * `withLora`. A model that declares them must call `hooks` for every one of them.
   */
  readonly layers?: Readonly<Record<string, LayerInfo>>;
  /** Optional: the parameters a trainer updates (default: all of `paramShapes`); set by `withLora`. */
  readonly trainableParams?: readonly string[];
}

/** What a model says about one of its Linear / Conv layers. */
export interface LayerInfo {
  /** 'linear': x [..., in] @ W^T (+ b), W [out, in]; 'conv2d': W [out, in, kh, kw]. */
  readonly kind: 'linear' | 'conv2d';
  /** A query / key / value / output projection of an attention block. */
  readonly attention?: boolean;
}

/**
 * Callbacks a model calls after each layer it lists in `layers`: `x` is the layer's input, `y` its
 * output (bias included); the model continues with the returned value (`y` itself when unchanged).
 *
 * @example
 * const hooks: LayerHooks = { linear: (name, x, y) => y }; // the identity
 */
export interface LayerHooks {
  linear?(name: string, x: Sym, y: Sym): Sym;
  conv2d?(name: string, x: Sym, y: Sym, conv: { stride: number; padding: number }): Sym;
}

/**
 * The parameters a trainer should differentiate and update: `model.trainableParams`, or every
 * parameter when the model does not say.
 *
 * @example
 * trainableParamNames(withLora(model, { rank: 4, targets: 'attention' })); // ['att.q.lora_A.weight', ...]
 */
export function trainableParamNames(model: EpsilonModel): string[] {
  return model.trainableParams !== undefined ? [...model.trainableParams] : Object.keys(model.paramShapes);
}

/** The graph input name of a parameter: `param:<name>`. */
export function paramInputName(name: string): string {
  return `param:${name}`;
}

/**
 * Declares one input per model parameter (`param:<name>`, shape from `paramShapes`) in a builder.
 *
 * @example
 * const params = paramInputs(b, model);       // Record<string, Sym>, ready for model.apply
 */
export function paramInputs(b: GraphBuilder, model: EpsilonModel, dtype: DType = 'float32'): Record<string, Sym> {
  return Object.fromEntries(Object.entries(model.paramShapes).map(([name, shape]) => [name, b.input(paramInputName(name), shape, dtype)]));
}

/**
 * Checks parameter values against the model (every name present, no extras, shapes, float32) and
 * returns them as graph feeds keyed `param:<name>`.
 *
 * @example
 * const feeds = { ...paramFeeds(model, params), sample, timestep, prompt };
 */
export function paramFeeds(model: EpsilonModel, params: Record<string, HostTensor>): Record<string, HostTensor> {
  const want = model.paramShapes;
  const extra = Object.keys(params).filter((k) => !(k in want));
  if (extra.length > 0) throw new ParamsError(`${model.name}: unknown parameter(s) ${extra.join(', ')}; the model has ${Object.keys(want).join(', ') || '(none)'}`);
  const feeds: Record<string, HostTensor> = {};
  for (const [name, shape] of Object.entries(want)) {
    const v = params[name];
    if (v === undefined) throw new ParamsError(`${model.name}: parameter '${name}' is missing (expected float32 [${shape.join(', ')}])`);
    if (v.dtype !== 'float32') throw new ParamsError(`${model.name}: parameter '${name}' has dtype ${v.dtype}, expected float32`);
    if (v.shape.length !== shape.length || v.shape.some((d, i) => d !== shape[i])) {
      throw new ParamsError(`${model.name}: parameter '${name}' has shape [${v.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    feeds[paramInputName(name)] = v;
  }
  return feeds;
}
