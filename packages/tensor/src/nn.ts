// Neural-network composites built from primitives only: activations, softmax / log-sum-exp,
// GroupNorm, nearest upsampling, the Gaussian log-density and the PyTorch-layout linear and conv
// layers. Being composites, they need no VJP, ONNX lowering or reference kernel of their own.
import type { Sym } from './builder.js';
import { add, div, exp, greater, log, maximum, minimum, mul, neg, sqrt, stopGradient, sub, where } from './ops/elementwise.js';
import { conv2d, type Conv2dOptions, matmul } from './ops/linalg.js';
import { broadcastTo, reshape, transpose } from './ops/movement.js';
import { max, mean, sum } from './ops/reduce.js';
import { ShapeError } from './errors.js';
import { normalizeAxes } from './ops/broadcast.js';

/**
 * `value` with the elementwise derivative `dydx` with respect to `x` in place of the one autodiff
 * would trace through `value`'s own nodes: value + sg(dydx) * (x - sg(x)), sg = stopGradient. The
 * second term is zero for finite x, so the value is unchanged; reverse mode sees only g * dydx.
 * ONNX lowering folds the zero term away, so forward-only graphs compute nothing extra.
 */
function withDerivative(value: Sym, x: Sym, dydx: Sym): Sym {
  return add(stopGradient(value), mul(stopGradient(dydx), sub(x, stopGradient(x))));
}

/**
 * Logistic sigmoid 1 / (1 + exp(-x)), evaluated as where(x > 0, 1 / (1 + z), z / (1 + z)) with
 * z = exp(-|x|) <= 1: the plain form overflows exp(-x) for x < -88 (float32). Its gradient is
 * s (1 - s), supplied directly: forward + backward lower to 6 ONNX ops instead of the 39 that
 * autodiff traces through the stable form (docs/benchmarks.md); finite everywhere. For x = +-Infinity the value is NaN on an adapter that evaluates the
 * zero-valued gradient term literally (Infinity - Infinity); the ONNX lowering gives 1 and 0.
 *
 * @example
 * const y = sigmoid(b.input('x', [4])); // elementwise, in (0, 1)
 */
export function sigmoid(x: Sym): Sym {
  const z = exp(neg(maximum(x, neg(x))));
  const denom = add(z, 1);
  const s = where(greater(x, 0), div(1, denom), div(z, denom));
  return withDerivative(s, x, mul(s, sub(1, s)));
}

/**
 * SiLU (swish): x * sigmoid(x).
 *
 * @example
 * const h = silu(b.input('h', [2, 32, 8, 8]));
 */
export function silu(x: Sym): Sym {
  // y = x s with its derivative s + x s (1 - s) = s + y - y s supplied directly: three full-size
  // passes in the forward pass and one (g * dy/dx) in the backward, against four and four when
  // autodiff goes through x * sigmoid(x) (docs/benchmarks.md).
  const s = stopGradient(sigmoid(x));
  const y = mul(x, s);
  return withDerivative(y, x, add(s, sub(y, mul(y, s))));
}

/**
 * Softmax along one axis: exp(x - m) / sum(exp(x - m)) with m the (stop-gradient) max, so exp
 * never overflows; the max cancels analytically, so stopping its gradient changes nothing.
 *
 * @example
 * const p = softmax(b.input('logits', [2, 10]), -1); // rows sum to 1
 */
export function softmax(x: Sym, axis: number): Sym {
  const m = stopGradient(max(x, axis, true));
  const e = exp(sub(x, m));
  return div(e, sum(e, axis, true));
}

/**
 * log(sum(exp(x), axes)) computed as m + log(sum(exp(x - m))) with m the stop-gradient max.
 *
 * @example
 * const lse = logSumExp(b.input('x', [3, 5]), 1); // [3]
 */
export function logSumExp(x: Sym, axes?: number | readonly number[], keepDims = false): Sym {
  const m = stopGradient(max(x, axes, true));
  const r = add(log(sum(exp(sub(x, m)), axes, true)), m);
  if (keepDims) return r;
  const reduced = normalizeAxes('logSumExp', axes, x.rank, [x.shape]);
  return reshape(r, x.shape.filter((_, k) => !reduced.includes(k)));
}

/** Shape [1, C, 1, ...] that broadcasts a per-channel vector over [N, C, ...]. */
function channelShape(x: Sym): number[] {
  return x.shape.map((d, k) => (k === 1 ? d : 1));
}

/**
 * GroupNorm (Wu & He 2018) with PyTorch semantics: x [N, C, ...] split into `groups` groups of
 * C / groups channels; each (sample, group) normalised by its mean and biased variance, then
 * scaled by gamma [C] and shifted by beta [C]. Its derivative, affine part included, is supplied
 * (see groupNormJvp): autodiff through the mean and variance nodes traces many more full-size passes.
 *
 * @example
 * const y = groupNorm(b.input('h', [2, 32, 8, 8]), b.input('g', [32]), b.input('b', [32]), 8);
 */
export function groupNorm(x: Sym, gamma: Sym, beta: Sym, groups: number, eps = 1e-5): Sym {
  const [N, C] = x.shape;
  if (x.rank < 2 || !Number.isInteger(groups) || groups < 1 || C % groups !== 0) {
    throw new ShapeError('groupNorm', [x.shape], `expected x [N, C, ...] with C divisible by groups = ${groups}`);
  }
  const xg = reshape(x, [N, groups, -1]);
  const centered = sub(xg, mean(xg, 2, true));
  const rstd = div(1, sqrt(add(mean(mul(centered, centered), 2, true), eps)));
  const xhat = mul(centered, rstd);
  const cs = channelShape(x);
  const value = add(mul(reshape(xhat, [...x.shape]), reshape(gamma, cs)), reshape(beta, cs));
  return add(stopGradient(value), groupNormJvp(x, gamma, beta, xhat, rstd, groups));
}

/**
 * The zero-valued term that carries GroupNorm's derivative (affine part included): the JVP
 * y' = A v - A mean_G(v) - A xhat mean_G(v xhat) + xhat v_gamma + v_beta for v = x - stopGradient(x)
 * (and v_gamma, v_beta alike), A[n, c] = gamma_c rstd[n, g(c)]: J = rstd (I - 1 1^T / L - xhat xhat^T / L)
 * is the Jacobian of xhat = (x - mean) rstd over a group of L elements. It is written so that its
 * reverse mode reads the cotangent g twice, into the per-(n, c) sums S1 = sum_hw g and
 * S2 = sum_hw g xhat, and does the rest on those small tensors: dgamma = sum_n S2, dbeta = sum_n S1,
 * dx = A g - m1 - xhat m2 with m1, m2 the group means of A S1, A S2. The per-channel terms
 * (v_beta - A mean_G(v), v_gamma - A mean_G(v xhat)) are [N, G, C/G, 1], so their transposes are
 * the two sums over hw; negations act on those small values only. Five full-size writes in the
 * backward pass (A g, g xhat, xhat m2 and two adds) where the affine ops and J^T traced on their own
 * took seven, plus a full-size -xhat in the forward pass (docs/benchmarks.md).
 */
function groupNormJvp(x: Sym, gamma: Sym, beta: Sym, xhat: Sym, rstd: Sym, groups: number): Sym {
  const [N, C] = x.shape;
  const Cg = C / groups;
  const HW = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const grouped = (t: Sym) => reshape(t, [N, groups, Cg, HW]);
  const perChannel = (t: Sym) => reshape(t, [1, groups, Cg, 1]);
  const v = grouped(sub(x, stopGradient(x)));
  const xh = grouped(stopGradient(xhat));
  const A = mul(reshape(stopGradient(rstd), [N, groups, 1, 1]), perChannel(stopGradient(gamma)));
  const shift = sub(perChannel(sub(beta, stopGradient(beta))), mul(A, mean(v, [2, 3], true)));
  const scale = sub(perChannel(sub(gamma, stopGradient(gamma))), mul(A, mean(mul(v, xh), [2, 3], true)));
  return reshape(add(add(mul(A, v), shift), mul(xh, scale)), [...x.shape]);
}

/**
 * Nearest-neighbour 2x upsampling of NCHW images (PyTorch `interpolate(scale_factor=2)`):
 * [N, C, H, W] -> [N, C, H, 1, W, 1] -> broadcast [N, C, H, 2, W, 2] -> [N, C, 2H, 2W].
 *
 * @example
 * const u = upsampleNearest2x(b.input('h', [1, 64, 8, 8])); // [1, 64, 16, 16]
 */
export function upsampleNearest2x(x: Sym): Sym {
  if (x.rank !== 4) throw new ShapeError('upsampleNearest2x', [x.shape], 'expected x [N, C, H, W]');
  const [N, C, H, W] = x.shape;
  const spread = broadcastTo(reshape(x, [N, C, H, 1, W, 1]), [N, C, H, 2, W, 2]);
  return reshape(spread, [N, C, 2 * H, 2 * W]);
}

/**
 * Clamps x to [lo, hi] (min(max(x, lo), hi)).
 *
 * @example
 * const y = clip(b.input('x', [4]), -1, 1);
 */
export function clip(x: Sym, lo: Sym | number, hi: Sym | number): Sym {
  return minimum(maximum(x, lo), hi);
}

/**
 * x * x.
 *
 * @example
 * const y = square(b.input('x', [4]));
 */
export function square(x: Sym): Sym {
  return mul(x, x);
}

/** log(sqrt(2 pi)), the Gaussian's normalising constant. */
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Elementwise log N(x; mean, std^2) = -(x - mean)^2 / (2 std^2) - log(std) - log(sqrt(2 pi)), as in
 * ddpo-pytorch's `ddim_step_with_logprob` (before its mean over non-batch dims).
 *
 * @example
 * const lp = gaussianLogProb(b.input('x', [2, 3]), b.input('mu', [2, 3]), 0.5);
 */
export function gaussianLogProb(x: Sym, mean: Sym | number, std: Sym | number): Sym {
  const d = sub(x, mean);
  if (typeof std === 'number') {
    // Constant std: fold the constants on the host (two graph nodes fewer per call).
    return sub(mul(mul(d, d), -1 / (2 * std * std)), Math.log(std) + LOG_SQRT_2PI);
  }
  const quad = div(mul(d, d), mul(mul(std, std), 2));
  return sub(sub(neg(quad), log(std)), LOG_SQRT_2PI);
}

/**
 * Fully connected layer with PyTorch's layout: x [..., in] @ w^T + b, w [out, in], b [out].
 *
 * @example
 * const y = linear(b.input('x', [4, 64]), b.input('w', [128, 64]), b.input('b', [128])); // [4, 128]
 */
export function linear(x: Sym, w: Sym, b?: Sym): Sym {
  if (w.rank !== 2) throw new ShapeError('linear', [x.shape, w.shape], 'expected w [out, in]');
  const x2 = x.rank === 1 ? reshape(x, [1, x.shape[0]]) : x;
  let y = matmul(x2, transpose(w, [1, 0]));
  if (x.rank === 1) y = reshape(y, [w.shape[0]]);
  return b === undefined ? y : add(y, b);
}

/**
 * conv2d followed by a per-output-channel bias b [O] (added as [1, O, 1, 1]), as PyTorch's Conv2d.
 *
 * @example
 * const y = conv2dBias(x, b.input('w', [32, 3, 3, 3]), b.input('bias', [32]), { padding: 1 });
 */
export function conv2dBias(x: Sym, w: Sym, b: Sym, opts: Conv2dOptions = {}): Sym {
  return add(conv2d(x, w, opts), reshape(b, [1, b.size, 1, 1]));
}
