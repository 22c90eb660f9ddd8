// Adam and AdamW with torch.optim semantics (PyTorch 1.13 `_single_tensor_adam` / `_single_tensor_adamw`),
// on host tensors. Arithmetic is float64; parameters and moments are stored in the parameter's dtype,
// as torch does. A step is computed into scratch arrays and committed only if everything is finite.
import { HostTensor, isFloat } from '@ddpo/tensor';
import { NonFiniteGradientError, OptimizerConfigError, ParamMismatchError } from './errors.js';
import { ParamStore, asRecord, describeType, firstNonFinite, sameShape, type NamedTensors } from './param-store.js';

/** Options of Adam / AdamW; defaults are torch's (weightDecay 0 for Adam, 0.01 for AdamW). */
export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** true = AdamW (decoupled weight decay, param *= 1 - lr * wd); false = Adam's L2 term wd * param added to the gradient. */
  decoupled?: boolean;
}

/** Resolved hyperparameters (part of the state dict; `lr` may be changed between steps by a schedule). */
export interface AdamHyperparams {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/** Per-parameter state, as torch names it: `step`, `exp_avg` (m), `exp_avg_sq` (v). */
export interface AdamParamState {
  step: number;
  expAvg: HostTensor;
  expAvgSq: HostTensor;
}

/** What `stateDict()` returns and `loadStateDict()` takes: hyperparameters + state of every parameter stepped so far. */
export interface AdamStateDict {
  hyper: AdamHyperparams;
  state: Record<string, AdamParamState>;
}

type FloatArray = Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer>;
interface Slot {
  step: number;
  m: FloatArray;
  v: FloatArray;
}
/** Reusable staging arrays of one parameter (a step writes into them, then swaps them in). */
interface Scratch {
  p: FloatArray;
  m: FloatArray;
  v: FloatArray;
}

interface Staged extends Slot {
  name: string;
  p: FloatArray;
}

/**
 * Adam (Kingma & Ba 2015) exactly as torch.optim.Adam: with step t, g = grad (+ wd * param),
 * m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, param -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * Parameters are updated in place. A parameter without a gradient is skipped (its step does not advance).
 *
 * @example
 * const w = tensor([1, 2], [2], 'float64');
 * const opt = new Adam({ w }, { lr: 1e-3 });
 * opt.step({ w: tensor([0.5, -0.5], [2], 'float64') }); // w.data is now [0.999, 2.001]
 */
export class Adam {
  readonly params: ParamStore;
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  readonly decoupled: boolean;
  private slots = new Map<string, Slot>();
  private scratch = new Map<string, Scratch>();

  constructor(params: NamedTensors, options: AdamOptions = {}) {
    this.params = params instanceof ParamStore ? params : new ParamStore(params);
    const bad = this.params.entries().filter(([, t]) => !isFloat(t.dtype)).map(([n, t]) => `'${n}' is ${describeType(t)}, expected float32 or float64`);
    if (bad.length > 0) throw new ParamMismatchError('Adam', bad);
    const hyper = resolveHyper(options, options.decoupled ?? false);
    this.lr = hyper.lr;
    this.betas = hyper.betas;
    this.eps = hyper.eps;
    this.weightDecay = hyper.weightDecay;
    this.decoupled = hyper.decoupled;
  }

  /** Current hyperparameters. */
  get hyper(): AdamHyperparams {
    return { lr: this.lr, betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled };
  }

  /** Step count of a parameter (0 before its first update). */
  stepOf(name: string): number {
    return this.slots.get(name)?.step ?? 0;
  }

  /**
   * One optimizer step. Throws NonFiniteGradientError (naming the parameter) on a NaN/Inf gradient or
   * update, and ParamMismatchError on an unknown name, a wrong shape or a non-float gradient; in
   * every such case parameters and state are left exactly as they were.
   */
  step(grads: NamedTensors): void {
    checkHyper(this.hyper);
    const g = asRecord(grads);
    const names = this.checkGrads(g);
    const staged = names.map((name) => this.compute(name, g[name]));
    for (const s of staged) {
      for (const [arr, what] of [[s.p, 'updated value'], [s.m, 'exp_avg'], [s.v, 'exp_avg_sq']] as const) {
        const i = firstNonFinite(arr);
        if (i >= 0) throw new NonFiniteGradientError(s.name, i, arr[i], what);
      }
    }
    for (const s of staged) {
      (this.params.get(s.name).data as FloatArray).set(s.p);
      // The new moments go in; the old ones (if any) become the next step's staging arrays.
      const old = this.slots.get(s.name);
      this.slots.set(s.name, { step: s.step, m: s.m, v: s.v });
      if (old !== undefined) this.scratch.set(s.name, { p: s.p, m: old.m, v: old.v });
    }
  }

  /** Validates gradient names, dtypes, shapes and finiteness; returns the names to update, in store order. */
  private checkGrads(grads: Record<string, HostTensor>): string[] {
    const problems: string[] = [];
    for (const [name, g] of Object.entries(grads)) {
      if (!this.params.has(name)) problems.push(`gradient for unknown parameter '${name}'`);
      else if (!isFloat(g.dtype) || !sameShape(g.shape, this.params.get(name).shape)) {
        problems.push(`gradient of '${name}' is ${describeType(g)}, expected a float tensor of shape [${this.params.get(name).shape.join(', ')}]`);
      }
    }
    if (problems.length > 0) throw new ParamMismatchError('Adam.step', problems);
    const names = this.params.names().filter((n) => Object.hasOwn(grads, n));
    for (const name of names) {
      const data = grads[name].data as FloatArray;
      const i = firstNonFinite(data);
      if (i >= 0) throw new NonFiniteGradientError(name, i, data[i]);
    }
    return names;
  }

  /** The new parameter and moments of one parameter, in scratch arrays of the parameter's dtype. */
  private compute(name: string, grad: HostTensor): Staged {
    const p = this.params.get(name).data as FloatArray;
    const G = grad.data as FloatArray;
    const n = p.length;
    const make = (): FloatArray => (p instanceof Float32Array ? new Float32Array(n) : new Float64Array(n));
    const slot = this.slots.get(name) ?? { step: 0, m: make(), v: make() };
    const spare = this.scratch.get(name);
    this.scratch.delete(name); // taken: a failed step simply allocates again next time
    const out: Staged = { name, step: slot.step + 1, p: spare?.p ?? make(), m: spare?.m ?? make(), v: spare?.v ?? make() };
    const [b1, b2] = this.betas;
    const { lr, eps, weightDecay: wd, decoupled } = this;
    const stepSize = lr / (1 - b1 ** out.step); // lr / bias_correction1
    const bc2Sqrt = Math.sqrt(1 - b2 ** out.step); // sqrt(bias_correction2)
    const decay = 1 - lr * wd; // AdamW (Loshchilov & Hutter 2019): param.mul_(1 - lr * wd) before the update
    const l2 = decoupled ? 0 : wd; // Adam's L2 term: grad.add(param, alpha=wd)
    adamLoop(p, G, slot.m, slot.v, out.p, out.m, out.v, b1, b2, stepSize, bc2Sqrt, eps, decoupled ? decay : 1, l2);
    return out;
  }

  /** A deep copy of the hyperparameters and every parameter's state (moments in the parameter dtype). */
  stateDict(): AdamStateDict {
    const state: Record<string, AdamParamState> = {};
    for (const [name, s] of this.slots) {
      const shape = this.params.get(name).shape;
      state[name] = { step: s.step, expAvg: new HostTensor(dtypeOf(s.m), shape, s.m.slice()), expAvgSq: new HostTensor(dtypeOf(s.v), shape, s.v.slice()) };
    }
    return { hyper: this.hyper, state };
  }

  /**
   * Restores hyperparameters and state (copies). Everything is checked first: names must be
   * parameters of this optimizer, moments must have the parameter's dtype and shape, steps must be
   * positive integers; on any mismatch it throws and changes nothing. Parameters absent from the
   * dict start fresh.
   */
  loadStateDict(dict: AdamStateDict): void {
    const hyper = resolveHyper(dict.hyper, dict.hyper.decoupled);
    if (hyper.decoupled !== this.decoupled) {
      throw new OptimizerConfigError(`loadStateDict: state is for ${hyper.decoupled ? 'AdamW' : 'Adam'} but this optimizer is ${this.decoupled ? 'AdamW' : 'Adam'}`);
    }
    const problems = this.stateProblems(dict.state);
    if (problems.length > 0) throw new ParamMismatchError('Adam.loadStateDict', problems);
    const slots = new Map<string, Slot>();
    for (const [name, s] of Object.entries(dict.state)) {
      slots.set(name, { step: s.step, m: (s.expAvg.data as FloatArray).slice(), v: (s.expAvgSq.data as FloatArray).slice() });
    }
    this.lr = hyper.lr;
    this.betas = hyper.betas;
    this.eps = hyper.eps;
    this.weightDecay = hyper.weightDecay;
    this.slots = slots;
    this.scratch.clear();
  }

  private stateProblems(state: Record<string, AdamParamState>): string[] {
    const problems: string[] = [];
    for (const [name, s] of Object.entries(state)) {
      if (!this.params.has(name)) {
        problems.push(`state for unknown parameter '${name}'`);
        continue;
      }
      const p = this.params.get(name);
      if (!Number.isSafeInteger(s.step) || s.step < 1) problems.push(`step of '${name}' is ${s.step}, expected an integer >= 1`);
      for (const [t, what] of [[s.expAvg, 'exp_avg'], [s.expAvgSq, 'exp_avg_sq']] as const) {
        if (!(t instanceof HostTensor) || t.dtype !== p.dtype || !sameShape(t.shape, p.shape)) {
          problems.push(`${what} of '${name}' is ${t instanceof HostTensor ? describeType(t) : 'not a tensor'}, expected ${describeType(p)}`);
        }
      }
    }
    return problems;
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019) as torch.optim.AdamW: decoupled weight decay (default 0.01),
 * param *= 1 - lr * weightDecay, then the Adam update without an L2 term.
 *
 * @example
 * const opt = new AdamW(store, { lr: 3e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-4 });
 */
export class AdamW extends Adam {
  constructor(params: NamedTensors, options: Omit<AdamOptions, 'decoupled'> = {}) {
    super(params, { weightDecay: 0.01, ...options, decoupled: true });
  }
}

/**
 * The update of one parameter, element by element, into the staging arrays (pOut, mOut, vOut):
 * param *= decay (AdamW), g += l2 * param (Adam), m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 * param -= stepSize * m / (sqrt(v) / bc2Sqrt + eps). A function of its own with every array a
 * local, so that V8 compiles one tight loop: a step over tiny-unet-32's 591k float32 parameters went
 * from 16 to 13 ms against the loop in `compute` reading `slot.m[i]` and `out.p[i]` (docs/benchmarks.md).
 * decay 1 and l2 0 skip their terms, as torch does.
 */
function adamLoop(
  p: FloatArray, G: FloatArray, m0: FloatArray, v0: FloatArray, pOut: FloatArray, mOut: FloatArray, vOut: FloatArray,
  b1: number, b2: number, stepSize: number, bc2Sqrt: number, eps: number, decay: number, l2: number,
): void {
  const n = p.length;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let i = 0; i < n; i++) {
    let pi = p[i];
    let gi = G[i];
    if (decay !== 1) pi *= decay;
    if (l2 !== 0) gi += l2 * pi;
    const m = m0[i] * b1 + c1 * gi;
    const v = v0[i] * b2 + c2 * gi * gi;
    mOut[i] = m;
    vOut[i] = v;
    // param.addcdiv_(exp_avg, denom, value=-step_size), denom = sqrt(v) / sqrt(bc2) + eps; eps added after the division.
    pOut[i] = pi + -stepSize * (m / (Math.sqrt(v) / bc2Sqrt + eps));
  }
}

function dtypeOf(a: FloatArray): 'float32' | 'float64' {
  return a instanceof Float32Array ? 'float32' : 'float64';
}

function resolveHyper(o: AdamOptions, decoupled: boolean): AdamHyperparams {
  const betas = o.betas ?? [0.9, 0.999];
  const hyper: AdamHyperparams = { lr: o.lr ?? 1e-3, betas: [betas[0], betas[1]], eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, decoupled };
  checkHyper(hyper);
  return hyper;
}

/** torch's constructor checks: 0 <= lr, 0 <= eps, 0 <= beta < 1, 0 <= weight_decay (and finite). */
function checkHyper(h: AdamHyperparams): void {
  const fields: [string, number, number][] = [
    ['lr', h.lr, Infinity],
    ['eps', h.eps, Infinity],
    ['betas[0]', h.betas[0], 1],
    ['betas[1]', h.betas[1], 1],
    ['weightDecay', h.weightDecay, Infinity],
  ];
  for (const [name, v, upper] of fields) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= upper) {
      throw new OptimizerConfigError(`${name} is ${v}, expected a finite number >= 0${upper === 1 ? ' and < 1' : ''}`);
    }
  }
}
