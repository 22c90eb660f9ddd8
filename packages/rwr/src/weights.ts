// Sample weights of reward-weighted regression, the baseline of Black et al. (2023), section 4.1
// (after Peters & Schaal 2007, Lee et al. 2023): RWR weights each sample by exp(beta * r), normalised
// over the batch; sparse RWR keeps only the samples at or above a reward percentile (weight 1, others 0).
import { RwrConfigError } from './errors.js';

function checkRewards(rewards: ArrayLike<number>): Float64Array {
  if (rewards.length === 0) throw new RwrConfigError('rewards is empty, expected at least one reward');
  for (let i = 0; i < rewards.length; i++) {
    if (!Number.isFinite(rewards[i])) throw new RwrConfigError(`reward ${i} is ${rewards[i]}, expected a finite number`);
  }
  return Float64Array.from(rewards);
}

/**
 * RWR weights softmax(beta * r) * N: they sum to N (the batch size), so a weighted mean loss has the
 * scale of an unweighted one. `beta` (default 0.2) is the original's "temperature", which MULTIPLIES
 * the rewards. Computed with the max subtracted, so large rewards do not overflow.
 *
 * @example
 * rwrWeights([0, 5 * Math.log(3)]); // beta 0.2: softmax([0, ln 3]) * 2 = [0.5, 1.5]
 */
export function rwrWeights(rewards: ArrayLike<number>, options: { beta?: number } = {}): Float64Array {
  const beta = options.beta ?? 0.2;
  if (!Number.isFinite(beta)) throw new RwrConfigError(`beta is ${beta}, expected a finite number`);
  const r = checkRewards(rewards);
  const scaled = r.map((x) => beta * x);
  const top = scaled.reduce((m, x) => Math.max(m, x), -Infinity);
  const e = scaled.map((x) => Math.exp(x - top));
  const total = e.reduce((s, x) => s + x, 0);
  return e.map((x) => (x / total) * r.length);
}

/**
 * The q-th percentile with NumPy's default method ('linear', Hyndman & Fan type 7): on the sorted
 * values v, index h = (n - 1) * q / 100, result v[floor h] + (h - floor h) * (v[floor h + 1] - v[floor h]),
 * evaluated as numpy's `_lerp` (from the upper end when the fraction is >= 0.5), so results match bit for bit.
 *
 * @example
 * percentile([3, 1, 4, 1.5], 90); // 3.7, as np.percentile
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new RwrConfigError(`percentile q is ${q}, expected a number in [0, 100]`);
  const v = checkRewards(values).sort();
  const n = v.length;
  const h = (n - 1) * (q / 100);
  if (h >= n - 1) return v[n - 1];
  const lo = Math.floor(h);
  const gamma = h - lo;
  const a = v[lo];
  const diff = v[lo + 1] - a;
  return gamma >= 0.5 ? v[lo + 1] - diff * (1 - gamma) : a + diff * gamma;
}

/**
 * Sparse RWR weights: 1 for samples whose reward is at or above the q-th percentile (default 90, numpy's
 * linear definition, see `percentile`) of the rewards of the SAME prompt, 0 otherwise. Without
 * `prompts`, the whole batch is one group.
 *
 * @example
 * sparseRwrWeights([1, 2, 3, 10], { prompts: ['a', 'a', 'b', 'b'], percentile: 50 }); // [0, 1, 0, 1]
 */
export function sparseRwrWeights(rewards: ArrayLike<number>, options: { prompts?: readonly string[]; percentile?: number } = {}): Float64Array {
  const r = checkRewards(rewards);
  const q = options.percentile ?? 90;
  const prompts = options.prompts ?? new Array<string>(r.length).fill('');
  if (prompts.length !== r.length) throw new RwrConfigError(`got ${prompts.length} prompts but ${r.length} rewards; expected one prompt per reward`);
  const out = new Float64Array(r.length);
  for (const prompt of new Set(prompts)) {
    const idx = prompts.flatMap((p, i) => (p === prompt ? [i] : []));
    const threshold = percentile(idx.map((i) => r[i]), q);
    for (const i of idx) out[i] = r[i] >= threshold ? 1 : 0;
  }
  return out;
}
