// The epsilon-network contract shared by @ddpo/models and @ddpo/policy, and the convention that
// carries parameter values into graphs: one float input named `param:<name>` per parameter.
import { GraphBuilder, type DType, type HostTensor, type Sym } from '@ddpo/tensor';
import { ParamsError } from './errors.js';

/**
 * A noise-prediction network eps_theta(x_t, t, c) that adds itself to a graph. @ddpo/models'
 * tiny-unet-32 implements it structurally (it does not import this package).
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
  /** Adds the network to the builder of `sample`; returns noise_pred with sample's shape [B, ...sampleShape]. */
  apply(params: Record<string, Sym>, sample: Sym, timestep: Sym /* float [B] */, prompt: Sym /* int64 [B] */): Sym;
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
