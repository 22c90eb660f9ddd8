// ParamStore: a model's parameters as named host tensors, in a fixed order. Optimizers update the
// tensors in place, so graphs fed from the store always see the current values; `assign` copies new
// values in only after checking every name, dtype and shape.
import { HostTensor, type DType } from '@ddpo/tensor';
import { ParamMismatchError } from './errors.js';

/** Anything that names host tensors: a ParamStore or a plain record. */
export type NamedTensors = ParamStore | Record<string, HostTensor>;

/** The plain record behind a ParamStore or a record (no copy). */
export function asRecord(tensors: NamedTensors): Record<string, HostTensor> {
  return tensors instanceof ParamStore ? tensors.toRecord() : tensors;
}

/**
 * Named host tensors (float32 / float64 parameters, usually). Holds the tensors given, not copies.
 *
 * @example
 * const store = new ParamStore({ 'lin.weight': zeros([4, 2]), 'lin.bias': zeros([4]) });
 * store.get('lin.bias').shape; // [4]
 * store.numel;                 // 12
 */
export class ParamStore {
  private readonly map = new Map<string, HostTensor>();

  constructor(tensors: Record<string, HostTensor> = {}) {
    for (const [name, t] of Object.entries(tensors)) this.add(name, t);
  }

  /** Adds a new parameter; throws if the name is taken. */
  add(name: string, t: HostTensor): this {
    if (this.map.has(name)) throw new ParamMismatchError('ParamStore.add', [`'${name}' is already in the store`]);
    if (!(t instanceof HostTensor)) throw new ParamMismatchError('ParamStore.add', [`'${name}' is not a HostTensor`]);
    this.map.set(name, t);
    return this;
  }

  /** The tensor of a parameter; throws ParamMismatchError naming the known parameters if absent. */
  get(name: string): HostTensor {
    const t = this.map.get(name);
    if (t === undefined) {
      throw new ParamMismatchError('ParamStore.get', [`no parameter '${name}' (the store has ${this.names().slice(0, 10).join(', ')}${this.size > 10 ? ', ...' : ''})`]);
    }
    return t;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** Parameter names in insertion order. */
  names(): string[] {
    return [...this.map.keys()];
  }

  /** [name, tensor] pairs in insertion order. */
  entries(): [string, HostTensor][] {
    return [...this.map.entries()];
  }

  /** Number of parameters (tensors). */
  get size(): number {
    return this.map.size;
  }

  /** Total number of elements over all parameters. */
  get numel(): number {
    let n = 0;
    for (const t of this.map.values()) n += t.size;
    return n;
  }

  /** A plain record of the same tensors (no copy), e.g. to use as graph feeds. */
  toRecord(): Record<string, HostTensor> {
    return Object.fromEntries(this.map);
  }

  /** A deep copy. */
  clone(): ParamStore {
    return new ParamStore(Object.fromEntries([...this.map].map(([k, t]) => [k, t.clone()])));
  }

  /**
   * Lists how `other` differs from this store: missing and unexpected names, dtype and shape
   * mismatches. Empty when they match.
   */
  mismatches(other: Record<string, { dtype: DType; shape: readonly number[] }>): string[] {
    const problems: string[] = [];
    for (const [name, t] of this.map) {
      const o = Object.hasOwn(other, name) ? other[name] : undefined;
      if (o === undefined) problems.push(`missing '${name}' (${describeType(t)})`);
      else if (o.dtype !== t.dtype || !sameShape(o.shape, t.shape)) problems.push(`'${name}' is ${describeType(o)}, expected ${describeType(t)}`);
    }
    for (const name of Object.keys(other)) {
      if (!this.map.has(name)) problems.push(`unexpected '${name}' (${describeType(other[name])})`);
    }
    return problems;
  }

  /**
   * Copies `values` into the store's tensors in place, after checking that names, dtypes and shapes
   * match exactly; on any mismatch throws ParamMismatchError and changes nothing.
   */
  assign(values: Record<string, HostTensor>, context = 'ParamStore.assign'): void {
    const problems = this.mismatches(values);
    if (problems.length > 0) throw new ParamMismatchError(context, problems);
    for (const [name, t] of this.map) (t.data as { set(a: ArrayLike<unknown>): void }).set(values[name].data as ArrayLike<unknown>);
  }
}

/** `float32 [2, 3]`. */
export function describeType(t: { dtype: DType; shape: readonly number[] }): string {
  return `${t.dtype} [${t.shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Index of the first NaN or +-Infinity in `a`, or -1 (a plain loop: findIndex's callback costs 10x). */
export function firstNonFinite(a: Float32Array | Float64Array): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x - x !== 0) return i; // NaN - NaN and Inf - Inf are NaN; finite x - x is 0
  }
  return -1;
}
