// Gradient accumulation over k micro-batches, as HuggingFace accelerate does it: each micro-batch's
// loss is divided by k and the gradients are summed, so the update sees the mean gradient over the
// k micro-batches. Sums are kept in float64 and handed back in the gradients' own dtype.
import { HostTensor, allocate, isFloat } from '@ddpo/tensor';
import { OptimizerConfigError, ParamMismatchError } from './errors.js';
import { asRecord, describeType, sameShape, type NamedTensors } from './param-store.js';

/** sum += src, elementwise, one monomorphic loop per source type (with the reused buffers below: 2.5-3.0 -> 1.3-1.7 ms per add of tiny-unet-32's gradients, docs/benchmarks.md). */
function addInto(sum: Float64Array, src: Float32Array | Float64Array): void {
  if (src instanceof Float32Array) addFloat32(sum, src);
  else addFloat64(sum, src);
}

function addFloat32(sum: Float64Array, src: Float32Array): void {
  const n = src.length;
  for (let i = 0; i < n; i++) sum[i] += src[i];
}

function addFloat64(sum: Float64Array, src: Float64Array): void {
  const n = src.length;
  for (let i = 0; i < n; i++) sum[i] += src[i];
}

/**
 * Sums gradients over `steps` micro-batches; `add` returns true when the k-th is in, then `take()`
 * gives sum / steps and starts a new group.
 *
 * @example
 * const acc = new GradientAccumulator(4);
 * for (const batch of microBatches) {
 *   if (acc.add(gradsOf(batch))) optimizer.step(acc.take());
 * }
 */
export class GradientAccumulator {
  private sums = new Map<string, { sum: Float64Array; like: HostTensor }>();
  private n = 0;

  constructor(readonly steps: number) {
    if (!Number.isSafeInteger(steps) || steps < 1) throw new OptimizerConfigError(`GradientAccumulator: steps is ${steps}, expected an integer >= 1`);
  }

  /** Micro-batches added since the last take(). */
  get count(): number {
    return this.n;
  }

  /** True when `steps` micro-batches have been added (time to step the optimizer). */
  get ready(): boolean {
    return this.n >= this.steps;
  }

  /**
   * Adds one micro-batch's gradients. Every micro-batch of a group must name the same tensors with
   * the same shapes (ParamMismatchError otherwise, adding nothing). Returns `ready`.
   */
  add(grads: NamedTensors): boolean {
    const record = asRecord(grads);
    if (this.n >= this.steps) throw new OptimizerConfigError(`GradientAccumulator.add: already holds ${this.n} of ${this.steps} micro-batches; call take() first`);
    const nonFloat = Object.entries(record).filter(([, g]) => !isFloat(g.dtype));
    if (nonFloat.length > 0) throw new ParamMismatchError('GradientAccumulator.add', nonFloat.map(([n, g]) => `'${n}' is ${describeType(g)}, expected float`));
    if (this.n > 0) {
      this.check(record);
      for (const [name, g] of Object.entries(record)) addInto(this.sums.get(name)!.sum, g.data as Float32Array | Float64Array);
    } else {
      // A new group: copy the first micro-batch in, reusing the previous group's buffers where they fit.
      const sums = new Map<string, { sum: Float64Array; like: HostTensor }>();
      for (const [name, g] of Object.entries(record)) {
        const old = this.sums.get(name);
        const sum = old !== undefined && old.sum.length === g.size ? old.sum : new Float64Array(g.size);
        sum.set(g.data as Float32Array | Float64Array);
        sums.set(name, { sum, like: g });
      }
      this.sums = sums;
    }
    this.n++;
    return this.ready;
  }

  private check(record: Record<string, HostTensor>): void {
    const problems: string[] = [];
    for (const [name, { like }] of this.sums) {
      const g = Object.hasOwn(record, name) ? record[name] : undefined;
      if (g === undefined) problems.push(`missing gradient '${name}'`);
      else if (g.dtype !== like.dtype || !sameShape(g.shape, like.shape)) problems.push(`'${name}' is ${describeType(g)}, expected ${describeType(like)}`);
    }
    for (const name of Object.keys(record)) if (!this.sums.has(name)) problems.push(`unexpected gradient '${name}'`);
    if (problems.length > 0) throw new ParamMismatchError('GradientAccumulator.add', problems);
  }

  /**
   * The accumulated gradients divided by `steps` (accelerate's loss / k, also for a group cut
   * short at the end of an epoch), in each gradient's dtype; then resets. Throws if nothing was added.
   */
  take(): Record<string, HostTensor> {
    if (this.n === 0) throw new OptimizerConfigError('GradientAccumulator.take: no micro-batch was added');
    const out: Record<string, HostTensor> = {};
    for (const [name, { sum, like }] of this.sums) {
      const data = allocate(like.dtype, sum.length) as Float32Array | Float64Array;
      for (let i = 0; i < sum.length; i++) data[i] = sum[i] / this.steps;
      out[name] = new HostTensor(like.dtype, like.shape, data as never);
    }
    this.n = 0; // the sums' buffers stay for the next group, whose first add overwrites them
    return out;
  }

  /** Drops what was accumulated. */
  reset(): void {
    this.sums = new Map();
    this.n = 0;
  }
}
