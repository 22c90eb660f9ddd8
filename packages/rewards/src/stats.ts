// Agreement metrics between predicted and true ratings: Pearson correlation, Spearman rank correlation
// (Pearson of average ranks, so ties get the mean of their ranks, as scipy.stats.spearmanr) and mean
// squared error. NaN where undefined (fewer than two points or a constant input).
import { RewardDataError } from './errors.js';

/**
 * Pearson correlation coefficient of two equally long sequences.
 *
 * @example
 * pearson([1, 2, 3], [2, 4, 7]); // 0.9933
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = checkPair('pearson', a, b);
  if (n < 2) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/**
 * Ranks 1..n with ties given their average rank.
 *
 * @example
 * averageRanks([10, 20, 20, 5]); // [2, 3.5, 3.5, 1]
 */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((i, j) => x[i] - x[j]);
  const ranks = new Float64Array(x.length);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && x[order[e + 1]] === x[order[s]]) e++;
    const r = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) ranks[order[k]] = r;
    s = e + 1;
  }
  return ranks;
}

/**
 * Spearman rank correlation (Pearson of average ranks).
 *
 * @example
 * spearman([1, 2, 3, 4], [10, 20, 15, 40]); // 0.8
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair('spearman', a, b);
  return pearson(averageRanks(a), averageRanks(b));
}

/**
 * Mean squared error.
 *
 * @example
 * meanSquaredError([1, 2], [1, 4]); // 2
 */
export function meanSquaredError(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  const n = checkPair('meanSquaredError', pred, truth);
  let s = 0;
  for (let i = 0; i < n; i++) s += (pred[i] - truth[i]) ** 2;
  return n === 0 ? NaN : s / n;
}

function checkPair(name: string, a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RewardDataError(`${name}: sequences have lengths ${a.length} and ${b.length}, expected equal lengths`);
  return a.length;
}
