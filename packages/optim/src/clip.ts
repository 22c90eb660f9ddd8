// Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_ (PyTorch 1.13): the L2 norm of all
// gradients together, and one scale max_norm / (total_norm + 1e-6) applied to every gradient when it is < 1.
import type { HostTensor } from '@ddpo/tensor';
import { NonFiniteGradientError, OptimizerConfigError } from './errors.js';
import { asRecord, firstNonFinite, type NamedTensors } from './param-store.js';

type FloatArray = Float32Array | Float64Array;

/**
 * The L2 norm of all gradients taken together: sqrt(sum over tensors of ||g||^2), computed, as
 * torch does, as the norm of the per-tensor norms (float64 arithmetic).
 *
 * @example
 * globalGradNorm({ a: tensor([3], [1], 'float64'), b: tensor([4], [1], 'float64') }); // 5
 */
export function globalGradNorm(grads: NamedTensors): number {
  let sq = 0;
  for (const g of Object.values(asRecord(grads))) {
    const n = tensorNorm(g);
    sq += n * n;
  }
  return Math.sqrt(sq);
}

function tensorNorm(g: HostTensor): number {
  const data = g.data as FloatArray;
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i] * data[i];
  return Math.sqrt(s);
}

/**
 * Clips gradients in place to a global L2 norm of at most `maxNorm`, as torch.nn.utils.clip_grad_norm_:
 * coefficient = maxNorm / (totalNorm + 1e-6), applied only when it is below 1. Returns the norm
 * BEFORE clipping (what torch returns and what trainers log). A NaN/Inf gradient throws
 * NonFiniteGradientError naming the parameter, leaving the gradients untouched.
 *
 * @example
 * const total = clipGradNorm(grads, 1.0); // grads now have global norm <= 1
 */
export function clipGradNorm(grads: NamedTensors, maxNorm: number): number {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new OptimizerConfigError(`clipGradNorm: maxNorm is ${maxNorm}, expected a finite number > 0`);
  const record = asRecord(grads);
  for (const [name, g] of Object.entries(record)) {
    const data = g.data as FloatArray;
    const i = firstNonFinite(data);
    if (i >= 0) throw new NonFiniteGradientError(name, i, data[i]);
  }
  const total = globalGradNorm(record);
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    for (const g of Object.values(record)) {
      const data = g.data as FloatArray;
      for (let i = 0; i < data.length; i++) data[i] *= coef;
    }
  }
  return total;
}
