// One optimizer step with the safety rule of the trainer: a NaN/Inf loss or gradient refuses the
// step (parameters and optimizer state stay exactly as they were) and says why, instead of
// corrupting the model. Clipping follows torch.nn.utils.clip_grad_norm_ (via @ddpo/optim).
import { clipGradNorm, NonFiniteGradientError, type Adam } from '@ddpo/optim';
import type { HostTensor } from '@ddpo/tensor';

/** What happened to one optimizer step. */
export interface StepOutcome {
  applied: boolean;
  /** Global gradient norm before clipping (NaN when refused). */
  gradNorm: number;
  /** Why the step was refused. */
  reason?: string;
}

/**
 * Clips and applies accumulated gradients unless a loss of the group or a gradient is non-finite.
 *
 * @example
 * const out = guardedStep(optimizer, acc.take(), 1.0, lossesWereFinite);
 * if (!out.applied) console.warn(out.reason);
 */
export function guardedStep(optimizer: Adam, grads: Record<string, HostTensor>, maxGradNorm: number, lossFinite: boolean): StepOutcome {
  if (!lossFinite) return { applied: false, gradNorm: Number.NaN, reason: 'non-finite loss' };
  let gradNorm: number;
  try {
    gradNorm = clipGradNorm(grads, maxGradNorm);
    optimizer.step(grads);
  } catch (e) {
    if (e instanceof NonFiniteGradientError) return { applied: false, gradNorm: Number.NaN, reason: e.message };
    throw e;
  }
  return { applied: true, gradNorm };
}

/**
 * Running means of logged training quantities (ddpo-pytorch averages them over each step's micro-batches).
 *
 * @example
 * const m = new StatMeans(); m.add('loss', 1); m.add('loss', 3); m.mean('loss'); // 2
 */
export class StatMeans {
  private readonly sums = new Map<string, { s: number; n: number }>();
  add(key: string, v: number): void {
    const e = this.sums.get(key) ?? { s: 0, n: 0 };
    e.s += v;
    e.n += 1;
    this.sums.set(key, e);
  }
  mean(key: string): number {
    const e = this.sums.get(key);
    return e === undefined || e.n === 0 ? Number.NaN : e.s / e.n;
  }
}

/**
 * The `grad:<name>` outputs of a training-graph run, by parameter name.
 *
 * @example
 * gradsOf({ loss, 'grad:w': gw }); // { w: gw }
 */
export function gradsOf(res: Record<string, HostTensor>): Record<string, HostTensor> {
  const g: Record<string, HostTensor> = {};
  for (const [k, v] of Object.entries(res)) if (k.startsWith('grad:')) g[k.slice(5)] = v;
  return g;
}
