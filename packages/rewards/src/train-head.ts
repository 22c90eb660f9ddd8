// Step 2 of the seed workflow: fit a reward head on rating data. Ridge regression in closed form on
// centred features (the intercept is not penalised): w = (Xc^T Xc + lambda I)^-1 Xc^T yc, or in the dual
// w = Xc^T (Xc Xc^T + lambda I)^-1 yc when there are fewer samples than features (same solution for
// lambda > 0); b = mean(y) - mean(x) . w. Cholesky solves with ml-matrix. Held-out metrics on a seeded split.
import { HostTensor, isFloat, Rng } from '@ddpo/tensor';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { RewardDataError } from './errors.js';
import { makeRewardHead, type RewardHead } from './head.js';
import { meanSquaredError, pearson, spearman } from './stats.js';

/** Options of trainRewardHead. */
export interface TrainRewardHeadOptions {
  /** Features [N, D] (e.g. L2-normalised CLIP embeddings), as a float host tensor or rows of numbers. */
  features: HostTensor | readonly (readonly number[])[];
  /** One rating per row of `features`. */
  ratings: ArrayLike<number>;
  /** Fitting method; only closed-form ridge regression for now. */
  method?: 'ridge';
  /** L2 penalty on the weights (default 1e-3); 0 is ordinary least squares. */
  lambda?: number;
  /** Fraction of rows held out for validation (default 0.2; 0 disables validation). */
  validationFraction?: number;
  /** Seed of the train/validation split (default 0). */
  seed?: number;
  /** Name of the head's Linear layer in the saved file (default 'linear'). */
  layerName?: string;
}

/** How well a head's predictions agree with the ratings on one split. */
export interface FitMetrics {
  count: number;
  pearson: number;
  spearman: number;
  mse: number;
}

/** What trainRewardHead returns. */
export interface TrainRewardHeadResult {
  head: RewardHead;
  train: FitMetrics;
  /** Null when validationFraction is 0. */
  validation: FitMetrics | null;
  /** Row indices of each split, in the order used. */
  split: { train: number[]; validation: number[] };
}

/**
 * Fits a one-layer reward head (`rating ~ x . w + b`) by ridge regression and reports Pearson,
 * Spearman and MSE on the training and validation rows.
 *
 * @example
 * const { head, validation } = trainRewardHead({ features, ratings, method: 'ridge', lambda: 1e-2, validationFraction: 0.2, seed: 0 });
 * await saveRewardHead(head, 'my-head.safetensors');
 */
export function trainRewardHead(opts: TrainRewardHeadOptions): TrainRewardHeadResult {
  const { x, n, d } = featureMatrix(opts.features);
  const y = Float64Array.from(opts.ratings);
  const lambda = opts.lambda ?? 1e-3;
  const fraction = opts.validationFraction ?? 0.2;
  if ((opts.method ?? 'ridge') !== 'ridge') throw new RewardDataError(`trainRewardHead: method '${opts.method}' is not supported, expected 'ridge'`);
  if (y.length !== n) throw new RewardDataError(`trainRewardHead: ${y.length} ratings for ${n} feature rows`);
  const badRating = y.findIndex((v) => !Number.isFinite(v));
  if (badRating >= 0) throw new RewardDataError(`trainRewardHead: rating ${badRating} is ${y[badRating]}, expected a finite number`);
  if (!(lambda >= 0 && Number.isFinite(lambda))) throw new RewardDataError(`trainRewardHead: lambda ${lambda} must be a finite number >= 0`);
  if (!(fraction >= 0 && fraction < 1)) throw new RewardDataError(`trainRewardHead: validationFraction ${fraction} must be in [0, 1)`);
  const perm = Array.from(new Rng(opts.seed ?? 0).permutation(n).data);
  const nVal = Math.round(n * fraction);
  const split = { validation: perm.slice(0, nVal), train: perm.slice(nVal) };
  if (split.train.length < 2) throw new RewardDataError(`trainRewardHead: ${split.train.length} training rows after holding out ${nVal} of ${n}; need at least 2`);
  const { w, b } = ridgeFit(gatherRows(x, d, split.train), split.train.length, d, Float64Array.from(split.train, (i) => y[i]), lambda);
  const predict = (rows: number[]): Float64Array => Float64Array.from(rows, (r) => b + dot(x, r * d, w));
  const metrics = (rows: number[]): FitMetrics => {
    const p = predict(rows);
    const t = Float64Array.from(rows, (i) => y[i]);
    return { count: rows.length, pearson: pearson(p, t), spearman: spearman(p, t), mse: meanSquaredError(p, t) };
  };
  const name = opts.layerName ?? 'linear';
  const head = makeRewardHead([{ name, weight: new HostTensor('float64', [1, d], w), bias: new HostTensor('float64', [1], Float64Array.of(b)), activation: 'none' }]);
  return { head, train: metrics(split.train), validation: nVal > 0 ? metrics(split.validation) : null, split };
}

/** Features as a row-major float64 matrix, validated. */
function featureMatrix(features: TrainRewardHeadOptions['features']): { x: Float64Array; n: number; d: number } {
  let x: Float64Array;
  let n: number;
  let d: number;
  if (features instanceof HostTensor) {
    if (features.shape.length !== 2 || !isFloat(features.dtype)) throw new RewardDataError(`trainRewardHead: features are ${features.dtype} [${features.shape.join(', ')}], expected float [N, D]`);
    [n, d] = features.shape;
    x = Float64Array.from(features.data as Float32Array | Float64Array);
  } else {
    n = features.length;
    d = n > 0 ? features[0].length : 0;
    x = new Float64Array(n * d);
    features.forEach((row, i) => {
      if (row.length !== d) throw new RewardDataError(`trainRewardHead: feature row ${i} has ${row.length} values, row 0 has ${d}`);
      x.set(row, i * d);
    });
  }
  const bad = x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RewardDataError(`trainRewardHead: feature row ${Math.floor(bad / d)} column ${bad % d} is ${x[bad]}, expected a finite number`);
  if (d === 0) throw new RewardDataError('trainRewardHead: features have no columns');
  return { x, n, d };
}

function gatherRows(x: Float64Array, d: number, rows: number[]): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

function dot(x: Float64Array, off: number, w: Float64Array): number {
  let s = 0;
  for (let j = 0; j < w.length; j++) s += x[off + j] * w[j];
  return s;
}

/** Closed-form ridge regression with an unpenalised intercept (centre, solve, un-centre). */
export function ridgeFit(x: Float64Array, n: number, d: number, y: Float64Array, lambda: number): { w: Float64Array<ArrayBuffer>; b: number } {
  const mx = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mx[j] += x[i * d + j] / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  const xc = x.map((v, k) => v - mx[k % d]);
  const yc = y.map((v) => v - my);
  const w = d <= n ? solvePrimal(xc, n, d, yc, lambda) : solveDual(xc, n, d, yc, lambda);
  return { w, b: my - dot(mx, 0, w) };
}

/** (Xc^T Xc + lambda I) w = Xc^T yc, the D x D system. */
function solvePrimal(xc: Float64Array, n: number, d: number, yc: Float64Array, lambda: number): Float64Array<ArrayBuffer> {
  const g = gram(xc, n, d, true);
  const r = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) r[j] += xc[i * d + j] * yc[i];
  return choleskySolve(g, d, r, lambda);
}

/** w = Xc^T alpha with (Xc Xc^T + lambda I) alpha = yc, the N x N system. */
function solveDual(xc: Float64Array, n: number, d: number, yc: Float64Array, lambda: number): Float64Array<ArrayBuffer> {
  const alpha = choleskySolve(gram(xc, n, d, false), n, yc, lambda);
  const w = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) w[j] += xc[i * d + j] * alpha[i];
  return w;
}

/** X^T X (features x features) when `columns`, else X X^T (rows x rows); symmetric, filled from the upper triangle. */
function gram(x: Float64Array, n: number, d: number, columns: boolean): Float64Array {
  const m = columns ? d : n;
  const g = new Float64Array(m * m);
  if (columns) {
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let a = 0; a < d; a++) {
        const v = x[o + a];
        if (v !== 0) for (let c = a; c < d; c++) g[a * d + c] += v * x[o + c];
      }
    }
  } else {
    for (let a = 0; a < n; a++) for (let c = a; c < n; c++) g[a * n + c] = dot(x, a * d, x.subarray(c * d, (c + 1) * d));
  }
  for (let a = 0; a < m; a++) for (let c = 0; c < a; c++) g[a * m + c] = g[c * m + a];
  return g;
}

function choleskySolve(g: Float64Array, m: number, rhs: Float64Array, lambda: number): Float64Array<ArrayBuffer> {
  const a = new Matrix(m, m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) a.set(i, j, g[i * m + j] + (i === j ? lambda : 0));
  const chol = new CholeskyDecomposition(a);
  // A pivot L_ii^2 far below the largest diagonal entry means the system is singular up to rounding.
  const l = chol.lowerTriangularMatrix;
  let maxDiag = 0;
  let minPivot = Infinity;
  for (let i = 0; i < m; i++) {
    maxDiag = Math.max(maxDiag, a.get(i, i));
    minPivot = Math.min(minPivot, l.get(i, i) ** 2);
  }
  if (!chol.isPositiveDefinite() || !(minPivot > 1e-12 * maxDiag)) {
    throw new RewardDataError(`trainRewardHead: the ${m}x${m} ridge system is singular (lambda ${lambda}); use a larger lambda or more distinct rows`);
  }
  return Float64Array.from(chol.solve(Matrix.columnVector(Array.from(rhs))).getColumn(0));
}
