// Sample weights of reward-weighted regression, the baseline of Black et al. (2023), section 4.1
// (after Peters & Schaal 2007, Lee et al. 2023): RWR weights each sample by exp(beta * r), normalised
// over the batch (or over each prompt's samples); sparse RWR keeps only the samples at or above a
// reward percentile of their prompt (weight 1, others 0). The reference is the paper authors' code,
// jannerm/ddpo: ddpo/utils/array.py:32-41 `softmax_ref` (x * temperature, max-subtracted softmax),
// ddpo/utils/hdf5.py:437-450 `make_weights` (softmax over the whole sampled data set times its size,
// or per prompt times the prompt's count), config/base.py:170 (temperature 1 / 5.0 on the raw reward)
// and ddpo/utils/logger.py:32-37, 69-77 `Percentile` (mask = r >= np.percentile(r, q)).
import { RwrConfigError } from './errors.js';

function checkRewards(rewards: ArrayLike<number>): Float64Array {
  if (rewards.length === 0) throw new RwrConfigError('rewards is empty, expected at least one reward');
  for (let i = 0; i < rewards.length; i++) {
    if (!Number.isFinite(rewards[i])) throw new RwrConfigError(`reward ${i} is ${rewards[i]}, expected a finite number`);
  }
  return Float64Array.from(rewards);
}

/** One prompt label per reward (or one group for all); checks the lengths. */
function groupsOf(n: number, prompts: readonly string[] | undefined): Map<string, number[]> {
  if (prompts !== undefined && prompts.length !== n) throw new RwrConfigError(`got ${prompts.length} prompts but ${n} rewards; expected one prompt per reward`);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = prompts?.[i] ?? '';
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [i]);
    else g.push(i);
  }
  return groups;
}

/**
 * RWR weights softmax(beta * r) * N: they sum to N (the batch size), so a weighted mean loss has the
 * scale of an unweighted one. `beta` (default 0.2, jannerm/ddpo's `temperature: 1 / 5.0`) MULTIPLIES
 * the rewards. With `prompts`, the softmax runs over each prompt's samples and is scaled by that
 * prompt's count (jannerm/ddpo's `per_prompt_weights`), so each prompt's weights sum to its count.
 * Computed with the max subtracted, so large rewards do not overflow.
 *
 * @example
 * rwrWeights([0, 5 * Math.log(3)]); // beta 0.2: softmax([0, ln 3]) * 2 = [0.5, 1.5]
 */
export function rwrWeights(rewards: ArrayLike<number>, options: { beta?: number; prompts?: readonly string[] } = {}): Float64Array {
  const beta = options.beta ?? 0.2;
  if (!Number.isFinite(beta)) throw new RwrConfigError(`beta is ${beta}, expected a finite number`);
  const r = checkRewards(rewards);
  const out = new Float64Array(r.length);
  for (const idx of groupsOf(r.length, options.prompts).values()) {
    const scaled = idx.map((i) => beta * r[i]);
    const top = scaled.reduce((m, x) => Math.max(m, x), -Infinity);
    const e = scaled.map((x) => Math.exp(x - top));
    const total = e.reduce((s, x) => s + x, 0);
    idx.forEach((i, k) => (out[i] = (e[k] / total) * idx.length));
  }
  return out;
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
 * The smallest group whose top (100 - q)% holds at least one sample: ceil(100 / (100 - q))
 * (Infinity for q = 100), e.g. 10 for q = 90. A percentile over fewer samples can only keep the
 * group's best sample (and its ties), i.e. a larger share than (100 - q)%.
 *
 * @example
 * percentileMinCount(90); // 10
 */
export function percentileMinCount(q: number): number {
  if (!(q >= 0 && q <= 100)) throw new RwrConfigError(`percentile q is ${q}, expected a number in [0, 100]`);
  return q === 100 ? Infinity : Math.ceil(100 / (100 - q) - 1e-9);
}

/**
 * Sparse RWR weights: 1 for samples whose reward is at or above the q-th percentile (default 90, numpy's
 * linear definition, see `percentile`) of the rewards of the SAME prompt, 0 otherwise; ties at the
 * threshold are kept (a group of equal rewards keeps all of them), and a one-sample group keeps its
 * sample. A prompt with fewer than `minCount` samples (default 1: every prompt is its own group) is
 * judged against the percentile of ALL rewards instead, as ddpo-pytorch's per-prompt stat tracker
 * falls back to the global statistics below its min_count. Without `prompts`, the whole batch is one group.
 *
 * @example
 * sparseRwrWeights([1, 2, 3, 10], { prompts: ['a', 'a', 'b', 'b'], percentile: 50 }); // [0, 1, 0, 1]
 */
export function sparseRwrWeights(
  rewards: ArrayLike<number>,
  options: { prompts?: readonly string[]; percentile?: number; minCount?: number } = {},
): Float64Array {
  const r = checkRewards(rewards);
  const q = options.percentile ?? 90;
  const minCount = options.minCount ?? 1;
  if (!(minCount >= 1)) throw new RwrConfigError(`minCount is ${minCount}, expected a number >= 1 (Infinity: always the whole batch)`);
  const groups = groupsOf(r.length, options.prompts);
  const global = percentile(r, q);
  const out = new Float64Array(r.length);
  for (const idx of groups.values()) {
    const threshold = idx.length >= minCount ? percentile(idx.map((i) => r[i]), q) : global;
    for (const i of idx) out[i] = r[i] >= threshold ? 1 : 0;
  }
  return out;
}
