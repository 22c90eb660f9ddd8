// Linear-algebra primitives: matmul (ONNX MatMul, batch dims broadcast), conv2d (ONNX Conv, NCHW,
// group 1, no bias) and gather (ONNX Gather on axis 0). Each op's shape rule, VJP and reference
// kernel sit side by side; the VJPs are written with primitives only (conv2d's gradients are
// themselves conv2d, pads and slices), so every adapter differentiates them for free.
import { emit, type Sym } from '../builder.js';
import { isFloat } from '../dtype.js';
import { DdpoError, DTypeError, ShapeError } from '../errors.js';
import { type HostTensor, shapeSize, tensor, zeros } from '../host.js';
import type { PrimitiveParams, TypeInfo } from '../ir.js';
import type { OpRules } from '../rules.js';
import { broadcastIndex, broadcastShapes, unbroadcast } from './broadcast.js';
import { add, cast, equal, less, where } from './elementwise.js';
import { concat, flip, pad, reshape, slice, transpose } from './movement.js';
import { sum } from './reduce.js';

/** A gather index outside [-V, V) for a table of V rows. */
export class GatherIndexError extends DdpoError {
  constructor(
    readonly index: number,
    readonly position: number,
    readonly rows: number,
  ) {
    super(`gather: index ${index} at position ${position} is out of range for a table of ${rows} rows (expected -${rows} <= index < ${rows})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers.

/** For each index of `outShape` (row-major), the element offset into a tensor of `srcShape` broadcast to it. */
function broadcastOffsets(outShape: readonly number[], srcShape: readonly number[], unit: number): Int32Array {
  const map = broadcastIndex(srcShape, outShape);
  const offsets = map ?? Int32Array.from({ length: shapeSize(outShape) }, (_, k) => k);
  for (let k = 0; k < offsets.length; k++) offsets[k] *= unit;
  return offsets;
}

function requireFloat(op: string, inputs: readonly TypeInfo[]): void {
  const dtypes = inputs.map((i) => i.dtype);
  if (!isFloat(dtypes[0]) || dtypes.some((d) => d !== dtypes[0])) {
    throw new DTypeError(op, dtypes, 'expected float32 or float64 operands of one dtype');
  }
}

// ---------------------------------------------------------------------------------------------
// matmul

/** Swaps the last two axes. */
function mT(x: Sym): Sym {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return transpose(x, perm);
}

/** out[m, n] += a[m, k] b[k, n] on flat arrays at the given offsets; i-p-j order keeps the inner loop contiguous. */
function matmulKernel(
  a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number,
  out: Float32Array | Float64Array, oOff: number, m: number, k: number, n: number, acc: Float64Array,
): void {
  for (let i = 0; i < m; i++) {
    acc.fill(0, 0, n);
    const aRow = aOff + i * k;
    for (let p = 0; p < k; p++) {
      const av = a[aRow + p];
      if (av === 0) continue;
      const bRow = bOff + p * n;
      for (let j = 0; j < n; j++) acc[j] += av * b[bRow + j];
    }
    const oRow = oOff + i * n;
    for (let j = 0; j < n; j++) out[oRow + j] = acc[j];
  }
}

const matmulRules: OpRules<'matmul'> = {
  infer([a, b]) {
    requireFloat('matmul', [a, b]);
    if (a.shape.length < 2 || b.shape.length < 2) {
      throw new ShapeError('matmul', [a.shape, b.shape], 'expected both operands of rank >= 2');
    }
    const [m, k] = a.shape.slice(-2);
    const [k2, n] = b.shape.slice(-2);
    if (k !== k2) throw new ShapeError('matmul', [a.shape, b.shape], `inner dimensions ${k} and ${k2} differ`);
    const batch = broadcastShapes('matmul', [a.shape.slice(0, -2), b.shape.slice(0, -2)]);
    return { shape: [...batch, m, n], dtype: a.dtype };
  },
  // d(a b) = da b + a db: ga = g b^T, gb = a^T g, each summed over the batch dims it was broadcast on.
  vjp(g, [a, b]) {
    return [unbroadcast(matmul(g, mT(b)), a.shape), unbroadcast(matmul(mT(a), g), b.shape)];
  },
  ref([a, b], _params, out) {
    const [m, k] = a.shape.slice(-2);
    const n = b.shape[b.shape.length - 1];
    const batch = out.shape.slice(0, -2);
    const aOffs = broadcastOffsets(batch, a.shape.slice(0, -2), m * k);
    const bOffs = broadcastOffsets(batch, b.shape.slice(0, -2), k * n);
    const res = zeros(out.shape, out.dtype as 'float32' | 'float64');
    const acc = new Float64Array(n);
    for (let t = 0; t < aOffs.length; t++) {
      matmulKernel(a.data as Float64Array, aOffs[t], b.data as Float64Array, bOffs[t], res.data, t * m * n, m, k, n, acc);
    }
    return res;
  },
};

/**
 * Batched matrix product with ONNX MatMul semantics: a [..., m, k] @ b [..., k, n] -> [..., m, n],
 * batch dims broadcast (NumPy rules). Both operands need rank >= 2.
 *
 * @example
 * const b = new GraphBuilder();
 * const y = matmul(b.input('a', [4, 2, 3]), b.input('w', [3, 5])); // [4, 2, 5]
 */
export function matmul(a: Sym, b: Sym): Sym {
  return emit('matmul', linalgRules.matmul, [a, b], {});
}

// ---------------------------------------------------------------------------------------------
// conv2d

type ConvParams = PrimitiveParams['conv2d'];

/** Output length of a convolution along one axis (ONNX Conv). */
function convOutLength(size: number, padBegin: number, padEnd: number, k: number, stride: number, dil: number): number {
  return Math.floor((size + padBegin + padEnd - dil * (k - 1) - 1) / stride) + 1;
}

function checkConvParams({ strides, pads, dilations }: ConvParams, shapes: readonly (readonly number[])[]): void {
  const ok = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (strides.length !== 2 || !strides.every((s) => ok(s, 1))) throw new ShapeError('conv2d', shapes, `strides [${strides}] must be two integers >= 1`);
  if (dilations.length !== 2 || !dilations.every((s) => ok(s, 1))) throw new ShapeError('conv2d', shapes, `dilations [${dilations}] must be two integers >= 1`);
  if (pads.length !== 4 || !pads.every((s) => ok(s, 0))) throw new ShapeError('conv2d', shapes, `pads [${pads}] must be four integers >= 0 (top, left, bottom, right)`);
}

/**
 * Unrolls image `n` of x into cols [C*kh*kw, Ho*Wo] (im2col), zeros where the window falls in the
 * padding, so the convolution becomes one matrix product w [O, C*kh*kw] @ cols.
 */
function im2col(x: HostTensor, n: number, wShape: readonly number[], outHW: readonly number[], p: ConvParams, cols: Float64Array): void {
  const [, C, H, W] = x.shape;
  const [, , kh, kw] = wShape;
  const [Ho, Wo] = outHW;
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const [pt, pl] = p.pads;
  const xd = x.data as Float64Array;
  const P = Ho * Wo;
  for (let c = 0; c < C; c++) {
    const xBase = (n * C + c) * H * W;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = ((c * kh + i) * kw + j) * P;
        for (let ho = 0; ho < Ho; ho++) {
          const h = ho * sh - pt + i * dh;
          const o = row + ho * Wo;
          if (h < 0 || h >= H) {
            cols.fill(0, o, o + Wo);
            continue;
          }
          const xRow = xBase + h * W;
          for (let wo = 0; wo < Wo; wo++) {
            const wi = wo * sw - pl + j * dw;
            cols[o + wo] = wi >= 0 && wi < W ? xd[xRow + wi] : 0;
          }
        }
      }
    }
  }
}

/** conv2d with the primitive's own parameters (pads already in ONNX order). */
function conv2dRaw(x: Sym, w: Sym, params: ConvParams): Sym {
  return emit('conv2d', linalgRules.conv2d, [x, w], params);
}

/**
 * Inserts (s - 1) zeros after each element along H and W (the reshape/pad/reshape trick), so a
 * strided convolution's transpose becomes a stride-1 one. The trailing zeros are kept: they are
 * absorbed into the padding computed by the caller.
 */
function dilateZeros(g: Sym, sh: number, sw: number): Sym {
  if (sh === 1 && sw === 1) return g;
  const [N, O, Ho, Wo] = g.shape;
  const g6 = reshape(g, [N, O, Ho, 1, Wo, 1]);
  const padded = pad(g6, [0, 0, 0, 0, 0, 0, 0, 0, 0, sh - 1, 0, sw - 1]);
  return reshape(padded, [N, O, Ho * sh, Wo * sw]);
}

/**
 * Input gradient. A strided float32 convolution's is the transposed convolution (one ONNX
 * ConvTranspose: 1.6-2.1x faster on ORT than the phase form below, docs/benchmarks.md); ORT has no
 * float64 ConvTranspose, so float64 graphs (references) keep the forms below. Otherwise
 * gx[h] = sum_i g_d[h + pt - dil*i] w[i] (g_d = g zero-dilated by the stride) is
 * a stride-1 correlation of g_d with the flipped, in/out-transposed weight, padded by
 * dil*(k-1) - pad before and whatever makes the output exactly the input size after; negative
 * paddings become crops of g_d.
 */
function convInputGrad(g: Sym, w: Sym, xShape: readonly number[], p: ConvParams): Sym {
  if ((p.strides[0] > 1 || p.strides[1] > 1) && g.dtype === 'float32') {
    // The leftover input rows/columns no output reads: (H + pads - dil (k - 1) - 1) mod stride < stride.
    const outputPadding = [0, 1].map((a) => (xShape[2 + a] + p.pads[a] + p.pads[a + 2] - p.dilations[a] * (w.shape[2 + a] - 1) - 1) % p.strides[a]) as [number, number];
    return convTranspose2dRaw(g, w, { ...p, outputPadding });
  }
  if ((p.strides[0] > 1 || p.strides[1] > 1) && p.dilations[0] === 1 && p.dilations[1] === 1) return convInputGradPhases(g, w, xShape, p);
  const [, , H, W] = xShape;
  const [, , kh, kw] = w.shape;
  const [dh, dw] = p.dilations;
  let gd = dilateZeros(g, p.strides[0], p.strides[1]);
  const [, , Hd, Wd] = gd.shape;
  const lo = [dh * (kh - 1) - p.pads[0], dw * (kw - 1) - p.pads[1]];
  const hi = [H + p.pads[0] - Hd, W + p.pads[1] - Wd];
  const starts = [Math.max(0, -lo[0]), Math.max(0, -lo[1])];
  const ends = [Hd - Math.max(0, -hi[0]), Wd - Math.max(0, -hi[1])];
  if (ends[0] <= starts[0] || ends[1] <= starts[1]) {
    // Every output position reads only padding: the input gets no gradient.
    return g.builder.constant(zeros(xShape, g.dtype));
  }
  if (starts[0] > 0 || starts[1] > 0 || ends[0] < Hd || ends[1] < Wd) gd = slice(gd, starts, ends, [2, 3]);
  const wt = transpose(flip(w, [2, 3]), [1, 0, 2, 3]);
  const pads: ConvParams['pads'] = [Math.max(0, lo[0]), Math.max(0, lo[1]), Math.max(0, hi[0]), Math.max(0, hi[1])];
  return conv2dRaw(gd, wt, { strides: [1, 1], pads, dilations: p.dilations });
}

/** One axis of a phase of a strided input gradient (see convInputGradPhases). */
interface AxisPhase {
  /** First kernel tap of the phase; taps i0, i0 + s, ... (m of them) reach it. */
  i0: number;
  m: number;
  /** Padding before / after the cotangent (negative: crop) for the stride-1 correlation. */
  lo: number;
  hi: number;
  /** Output positions r, r + s, ... below the input size. */
  len: number;
}

/** Phase r of one axis: input index s*a + r reads g[a + q - k] w[i0 + s*k], q = (r + pad - i0) / s. */
function axisPhases(size: number, k: number, s: number, padBegin: number, outLen: number): AxisPhase[] {
  return Array.from({ length: s }, (_, r) => {
    const i0 = (r + padBegin) % s;
    const m = i0 < k ? Math.ceil((k - i0) / s) : 0;
    const q = (r + padBegin - i0) / s;
    const len = Math.max(0, Math.ceil((size - r) / s));
    const lo = m - 1 - q;
    return { i0, m, lo, hi: len + m - 1 - outLen - lo, len };
  });
}

/**
 * Input gradient of a strided convolution (dilation 1) without the zero-dilated cotangent: input
 * positions of one residue (r, c) mod the strides form a phase that only some kernel taps reach
 * (i = r + pad mod s, every s-th), and that phase is a stride-1 correlation of g with those taps,
 * flipped. The s_h x s_w phases (for stride 2 and a 3x3 kernel: 1x1, 1x2, 2x1 and 2x2 kernels, 9
 * taps in all, against 4 x 9 on the dilated cotangent) are stacked and interleaved by one
 * transpose; phases shorter than the first are padded to its length and the result cropped.
 */
function convInputGradPhases(g: Sym, w: Sym, xShape: readonly number[], p: ConvParams): Sym {
  const [N, C, H, W] = xShape;
  const [, , Ho, Wo] = g.shape;
  const [sh, sw] = p.strides;
  const ph = axisPhases(H, w.shape[2], sh, p.pads[0], Ho);
  const pw = axisPhases(W, w.shape[3], sw, p.pads[1], Wo);
  const [A, B] = [ph[0].len, pw[0].len];
  const wt = transpose(w, [1, 0, 2, 3]);
  const none = () => g.builder.constant(zeros([1, N, C, A, B], g.dtype));
  const phases: Sym[] = [];
  for (const a of ph) {
    for (const b of pw) {
      const starts = [Math.max(0, -a.lo), Math.max(0, -b.lo)];
      const ends = [Ho - Math.max(0, -a.hi), Wo - Math.max(0, -b.hi)];
      if (a.m === 0 || b.m === 0 || a.len === 0 || b.len === 0 || ends[0] <= starts[0] || ends[1] <= starts[1]) {
        phases.push(none());
        continue;
      }
      const gc = starts[0] > 0 || starts[1] > 0 || ends[0] < Ho || ends[1] < Wo ? slice(g, starts, ends, [2, 3]) : g;
      const taps = slice(wt, [a.i0, b.i0], [a.i0 + sh * (a.m - 1) + 1, b.i0 + sw * (b.m - 1) + 1], [2, 3], [sh, sw]);
      const pads: ConvParams['pads'] = [Math.max(0, a.lo), Math.max(0, b.lo), Math.max(0, a.hi), Math.max(0, b.hi)];
      let out = conv2dRaw(gc, flip(taps, [2, 3]), { strides: [1, 1], pads, dilations: [1, 1] });
      if (a.len < A || b.len < B) out = pad(out, [0, 0, 0, 0, 0, 0, A - a.len, B - b.len]);
      phases.push(reshape(out, [1, N, C, A, B]));
    }
  }
  const stacked = reshape(concat(phases, 0), [sh, sw, N, C, A, B]);
  const gx = reshape(transpose(stacked, [2, 3, 4, 0, 5, 1]), [N, C, A * sh, B * sw]);
  return A * sh === H && B * sw === W ? gx : slice(gx, [0, 0], [H, W], [2, 3]);
}

/** The sizes a weight gradient works with: x [N, C, H, W], w [O, C, kh, kw], g [N, O, Ho, Wo], strides, dilations, leading pads. */
function geometry(g: Sym, x: Sym, wShape: readonly number[], p: ConvParams) {
  const [N, C, H, W] = x.shape;
  const [O, , kh, kw] = wShape;
  const [, , Ho, Wo] = g.shape;
  const [[sh, sw], [dh, dw], [pt, pl]] = [p.strides, p.dilations, p.pads];
  return { N, C, H, W, O, kh, kw, Ho, Wo, sh, sw, dh, dw, pt, pl };
}

/**
 * Weight gradient of a 1x1 (or any) convolution as one GEMM per kernel tap: gw[:, :, i, j] =
 * g^T [O, N*Ho*Wo] @ tap_ij^T, where tap_ij [C, N*Ho*Wo] is the strided slice of the padded
 * x^T [C, N, H', W'] that tap (i, j) reads: gw[o, c, i, j] = sum_{n, ho, wo} g[n, o, ho, wo]
 * xpad[n, c, dil*i + s*ho, dil*j + s*wo]. Larger kernels take the gather form
 * (convWeightGradGather); docs/benchmarks.md has the measurements of both and of what was tried.
 */
function convWeightGrad(g: Sym, x: Sym, wShape: readonly number[], p: ConvParams): Sym {
  if (wShape[2] * wShape[3] > 1) return convWeightGradGather(g, x, wShape, p);
  const rows = p.strides[0] === 1 && p.strides[1] === 1 ? convWeightGradRows(g, x, wShape, p) : undefined;
  if (rows !== undefined) return rows;
  const { N, C, H, W, O, kh, kw, Ho, Wo, sh, sw, dh, dw, pt, pl } = geometry(g, x, wShape, p);
  // Rows / columns past x's end that the last tap reads (never more than the conv's own padding).
  const needB = Math.max(0, dh * (kh - 1) + sh * (Ho - 1) + 1 - H - pt);
  const needR = Math.max(0, dw * (kw - 1) + sw * (Wo - 1) + 1 - W - pl);
  let xt = transpose(x, [1, 0, 2, 3]);
  if (pt + pl + needB + needR > 0) xt = pad(xt, [0, 0, pt, pl, 0, 0, needB, needR]);
  const NP = N * Ho * Wo;
  const gt = reshape(transpose(g, [1, 0, 2, 3]), [O, NP]);
  const taps: Sym[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap = slice(xt, [i * dh, j * dw], [i * dh + sh * (Ho - 1) + 1, j * dw + sw * (Wo - 1) + 1], [2, 3], [sh, sw]);
      taps.push(reshape(matmul(gt, transpose(reshape(tap, [C, NP]), [1, 0])), [O, C, 1]));
    }
  }
  return reshape(taps.length === 1 ? taps[0] : concat(taps, 2), [O, C, kh, kw]);
}

/**
 * Weight gradient of a convolution with a kernel larger than 1x1, as one batched GEMM over an
 * im2col matrix built by one row gather. The side with fewer channels is gathered, from its NHWC
 * rows plus one zero row: with O <= C, the cotangent's row of the output position that each input
 * position (n, h, w) feeds through each tap (i, j) (the zero row where none does: padding, stride
 * phases), giving cols_n [H*W, kh*kw*O] per image, and gw^T = sum_n x_n [C, H*W] @ cols_n; with
 * C < O, x's row at the input position each output position reads through each tap (the zero row
 * for padding), cols_n [Ho*Wo, kh*kw*C], and gw = sum_n g_n [O, Ho*Wo] @ cols_n. Either way
 * gw[o, c, i, j] = sum_{n, ho, wo} g[n, o, ho, wo] x[n, c, s*ho + dil*i - pad, s*wo + dil*j - pad];
 * the other side is read in its own NCHW layout. One multi-threaded Gather and one GEMM per layer
 * replace a padded copy, kh*kw slices and kh*kw small GEMMs: 1.3-2.7x faster per layer on
 * tiny-unet-32's shapes (docs/benchmarks.md).
 */
/**
 * Sum over the leading (batch) axis as ones [1, N] @ v [N, rest]: ORT runs that GEMV faster than a
 * ReduceSum over the outermost axis (training step 2% faster, docs/benchmarks.md).
 */
function batchSum(v: Sym): Sym {
  const [N, ...rest] = v.shape;
  const ones = v.builder.constant(v.dtype === 'float64' ? tensor(new Float64Array(N).fill(1), [1, N], 'float64') : tensor(new Float32Array(N).fill(1), [1, N]));
  return reshape(matmul(ones, reshape(v, [N, -1])), rest);
}

function convWeightGradGather(g: Sym, x: Sym, wShape: readonly number[], p: ConvParams): Sym {
  const { N, C, H, W, O, kh, kw, Ho, Wo, sh, sw, dh, dw, pt, pl } = geometry(g, x, wShape, p);
  const T = kh * kw;
  const nhwc = (v: Sym, rows: number, ch: number) => reshape(transpose(v, [0, 2, 3, 1]), [rows, ch]);
  const withZeroRow = (v: Sym, ch: number) => concat([v, v.builder.constant(zeros([1, ch], v.dtype))], 0);
  const Pin = N * H * W;
  const Pout = N * Ho * Wo;
  if (O <= C) {
    // Input position (n, h, w) feeds output (ho, wo) through tap (i, j) when h = sh*ho + dh*i - pt (same for w).
    const idx = new Int32Array(Pin * T);
    let q = 0;
    for (let n = 0; n < N; n++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          for (let i = 0; i < kh; i++) {
            const hs = h + pt - dh * i;
            const ho = hs / sh;
            const hOk = hs >= 0 && hs % sh === 0 && ho < Ho;
            for (let j = 0; j < kw; j++) {
              const ws = w + pl - dw * j;
              const wo = ws / sw;
              idx[q++] = hOk && ws >= 0 && ws % sw === 0 && wo < Wo ? (n * Ho + ho) * Wo + wo : Pout;
            }
          }
        }
      }
    }
    const cols = reshape(gather(withZeroRow(nhwc(g, Pout, O), O), g.builder.constant(tensor(idx, [Pin, T], 'int32'))), [N, H * W, T * O]);
    const rt = batchSum(matmul(reshape(x, [N, C, H * W]), cols)); // [c, (i, j, o)]
    // 3-D permutations: ORT runs 4-D ones such as [kh, kw, O, C] -> [O, C, kh, kw] about 4x slower.
    return reshape(transpose(reshape(rt, [C, T, O]), [2, 0, 1]), [O, C, kh, kw]);
  }
  // Output position (n, ho, wo) reads input (sh*ho + dh*i - pt, sw*wo + dw*j - pl) through tap (i, j).
  const idx = new Int32Array(Pout * T);
  let q = 0;
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      for (let wo = 0; wo < Wo; wo++) {
        for (let i = 0; i < kh; i++) {
          const h = sh * ho + dh * i - pt;
          for (let j = 0; j < kw; j++) {
            const w = sw * wo + dw * j - pl;
            idx[q++] = h >= 0 && h < H && w >= 0 && w < W ? (n * H + h) * W + w : Pin;
          }
        }
      }
    }
  }
  const cols = reshape(gather(withZeroRow(nhwc(x, Pin, C), C), x.builder.constant(tensor(idx, [Pout, T], 'int32'))), [N, Ho * Wo, T * C]);
  const r = batchSum(matmul(reshape(g, [N, O, Ho * Wo]), cols)); // [o, (i, j, c)]
  return reshape(transpose(reshape(r, [O, T, C]), [0, 2, 1]), [O, C, kh, kw]);
}

/** Output maps at least this large (Ho*Wo) take the row-window weight gradient (measured: docs/benchmarks.md). */
const ROW_WINDOW_MIN_PIXELS = 1024;

/**
 * Weight gradient of a stride-1 convolution over a large output map, with contiguous windows
 * instead of strided taps and no transposes: pad x so that every row has Wp columns (and one
 * spare row), flatten each image's map to one axis, and pad g's rows with zeros to Wp columns.
 * Then tap (i, j) reads x at a fixed flat offset dil*(i*Wp + j) from g's position, so its operand
 * is one contiguous window of the flattened x (the extra Wp - Wo columns meet g's zeros), and
 * gw[:, :, i, j] = sum_n g_n [O, Ho*Wp] @ window_n^T, a batched GEMM over the images. Undefined
 * (use the general form) for small maps, where the per-image GEMMs are too small to pay.
 */
function convWeightGradRows(g: Sym, x: Sym, wShape: readonly number[], p: ConvParams): Sym | undefined {
  const [N, C, H, W] = x.shape;
  const [O, , kh, kw] = wShape;
  const [, , Ho, Wo] = g.shape;
  if (Ho * Wo < ROW_WINDOW_MIN_PIXELS) return undefined;
  const [dh, dw] = p.dilations;
  const [pt, pl, pb, pr] = p.pads;
  // At stride 1, Wo = pl + W + pr - dw*(kw-1): padded rows of Wp = pl + W + pr columns hold every
  // window; the last tap's window runs dw*(kw-1) elements past the last padded row, hence one spare row.
  const spare = dw * (kw - 1) > 0 ? 1 : 0;
  const Wp = pl + W + pr;
  const rows = pt + H + pb + spare;
  const K = Ho * Wp;
  const xp = pt + pl + pb + pr + spare > 0 ? pad(x, [0, 0, pt, pl, 0, 0, pb + spare, pr]) : x;
  const xf = reshape(xp, [N, C, rows * Wp]);
  const gf = reshape(Wp > Wo ? pad(g, [0, 0, 0, 0, 0, 0, 0, Wp - Wo]) : g, [N, O, K]);
  const taps: Sym[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const off = dh * i * Wp + dw * j;
      const win = off === 0 && K === rows * Wp ? xf : slice(xf, [off], [off + K], [2]);
      taps.push(reshape(sum(matmul(gf, transpose(win, [0, 2, 1])), [0]), [O, C, 1]));
    }
  }
  return reshape(taps.length === 1 ? taps[0] : concat(taps, 2), [O, C, kh, kw]);
}

const conv2dRules: OpRules<'conv2d'> = {
  infer([x, w], params) {
    requireFloat('conv2d', [x, w]);
    const shapes = [x.shape, w.shape];
    if (x.shape.length !== 4 || w.shape.length !== 4) throw new ShapeError('conv2d', shapes, 'expected x [N, C, H, W] and w [O, C, kh, kw]');
    if (x.shape[1] !== w.shape[1]) throw new ShapeError('conv2d', shapes, `x has ${x.shape[1]} channels but w expects ${w.shape[1]}`);
    checkConvParams(params, shapes);
    const { strides: s, pads: p, dilations: d } = params;
    const Ho = convOutLength(x.shape[2], p[0], p[2], w.shape[2], s[0], d[0]);
    const Wo = convOutLength(x.shape[3], p[1], p[3], w.shape[3], s[1], d[1]);
    if (Ho < 1 || Wo < 1) throw new ShapeError('conv2d', shapes, `output would be ${Ho}x${Wo}: the dilated kernel is larger than the padded input`);
    return { shape: [x.shape[0], w.shape[0], Ho, Wo], dtype: x.dtype };
  },
  vjp(g, [x, w], _out, params) {
    return [convInputGrad(g, w, x.shape, params), convWeightGrad(g, x, w.shape, params)];
  },
  ref([x, w], params, out) {
    const [N, O, Ho, Wo] = out.shape;
    const K = w.shape[1] * w.shape[2] * w.shape[3];
    const P = Ho * Wo;
    const cols = new Float64Array(K * P);
    const acc = new Float64Array(P);
    const res = zeros(out.shape, out.dtype as 'float32' | 'float64');
    for (let n = 0; n < N; n++) {
      im2col(x, n, w.shape, [Ho, Wo], params, cols);
      matmulKernel(w.data as Float64Array, 0, cols, 0, res.data, n * O * P, O, K, P, acc);
    }
    return res;
  },
};

type ConvTParams = PrimitiveParams['convTranspose2d'];

function convTranspose2dRaw(g: Sym, w: Sym, params: ConvTParams): Sym {
  return emit('convTranspose2d', linalgRules.convTranspose2d, [g, w], params);
}

const convTranspose2dRules: OpRules<'convTranspose2d'> = {
  infer([g, w], params) {
    const shapes = [g.shape, w.shape];
    if (g.dtype !== 'float32' || w.dtype !== 'float32') {
      throw new DTypeError('convTranspose2d', [g.dtype, w.dtype], 'expected float32 (ONNX Runtime has no float64 ConvTranspose; float64 graphs use conv2d-based forms)');
    }
    if (g.shape.length !== 4 || w.shape.length !== 4) throw new ShapeError('convTranspose2d', shapes, 'expected g [N, O, Ho, Wo] and w [O, C, kh, kw]');
    if (g.shape[1] !== w.shape[0]) throw new ShapeError('convTranspose2d', shapes, `g has ${g.shape[1]} channels but w has ${w.shape[0]} output channels`);
    checkConvParams(params, shapes);
    const { strides: s, pads: p, dilations: d, outputPadding: op } = params;
    if (op.length !== 2 || op.some((v, a) => !Number.isInteger(v) || v < 0 || (v >= s[a] && v >= d[a]))) {
      throw new ShapeError('convTranspose2d', shapes, `outputPadding [${op}] must be two integers >= 0, each below its stride or its dilation`);
    }
    const H = s[0] * (g.shape[2] - 1) + op[0] + d[0] * (w.shape[2] - 1) + 1 - p[0] - p[2];
    const W = s[1] * (g.shape[3] - 1) + op[1] + d[1] * (w.shape[3] - 1) + 1 - p[1] - p[3];
    if (H < 1 || W < 1) throw new ShapeError('convTranspose2d', shapes, `output would be ${H}x${W}: the padding crops more than the transposed convolution produces`);
    return { shape: [g.shape[0], w.shape[1], H, W], dtype: 'float32' };
  },
  // y = convT(g, w) is the adjoint of x -> conv2d(x, w): <gy, convT(g, w)> = <conv2d(gy, w), g>, so
  // d/dg = conv2d(gy, w) and d/dw = conv2d's weight gradient with gy as its input and g as its cotangent.
  vjp(gy, [g, w], _out, { strides, pads, dilations }) {
    const p = { strides, pads, dilations };
    return [conv2dRaw(gy, w, p), convWeightGrad(g, gy, w.shape, p)];
  },
  ref([g, w], { strides: [sh, sw], pads: [pt, pl], dilations: [dh, dw] }, out) {
    const [N, O, Ho, Wo] = g.shape;
    const [, C, kh, kw] = w.shape;
    const [, , H, W] = out.shape;
    const res = zeros(out.shape, out.dtype as 'float32' | 'float64');
    const gd = g.data as Float32Array;
    const wd = w.data as Float32Array;
    const yd = new Float64Array(res.size); // accumulated in float64, rounded once
    // Scatter form: input pixel (ho, wo) of channel o adds g * w[o, c, i, j] at (s ho + dil i - pad, s wo + dil j - pad).
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++) {
        for (let ho = 0; ho < Ho; ho++) {
          for (let wo = 0; wo < Wo; wo++) {
            const gv = gd[((n * O + o) * Ho + ho) * Wo + wo];
            if (gv === 0) continue;
            for (let c = 0; c < C; c++) {
              for (let i = 0; i < kh; i++) {
                const h = sh * ho + dh * i - pt;
                if (h < 0 || h >= H) continue;
                for (let j = 0; j < kw; j++) {
                  const x = sw * wo + dw * j - pl;
                  if (x >= 0 && x < W) yd[((n * C + c) * H + h) * W + x] += gv * wd[((o * C + c) * kh + i) * kw + j];
                }
              }
            }
          }
        }
      }
    }
    (res.data as Float32Array).set(yd);
    return res;
  },
};

/** convTranspose2d options: stride, padding and dilation as conv2d's, plus outputPadding (extra rows/columns at the far edges). */
export interface ConvTranspose2dOptions extends Conv2dOptions {
  outputPadding?: Conv2dPair;
}

/**
 * Transposed 2-D convolution (ONNX ConvTranspose, PyTorch conv_transpose2d), float32: g [N, O, Ho, Wo],
 * w [O, C, kh, kw] -> [N, C, H, W], H = stride (Ho - 1) + outputPadding + dil (kh - 1) + 1 - pads.
 * It is the adjoint of conv2d(x, w) with the same options (its input gradient), and upsamples in
 * decoders. No bias, group 1.
 *
 * @example
 * const b = new GraphBuilder();
 * const y = convTranspose2d(b.input('g', [1, 8, 16, 16]), b.input('w', [8, 3, 3, 3]), { stride: 2, padding: 1, outputPadding: 1 }); // [1, 3, 32, 32]
 */
export function convTranspose2d(g: Sym, w: Sym, { stride = 1, padding = 0, dilation = 1, outputPadding = 0 }: ConvTranspose2dOptions = {}): Sym {
  const pads = padsOf(padding);
  return convTranspose2dRaw(g, w, { strides: pair(stride), pads, dilations: pair(dilation), outputPadding: pair(outputPadding) });
}

/** A size given once for both spatial axes or as [h, w]. */
export type Conv2dPair = number | readonly [number, number];

/** conv2d options; `padding` may also be [top, left, bottom, right] (ONNX order). */
export interface Conv2dOptions {
  stride?: Conv2dPair;
  padding?: Conv2dPair | readonly [number, number, number, number];
  dilation?: Conv2dPair;
}

/** Conv2dOptions' padding in ONNX order [top, left, bottom, right]. */
function padsOf(padding: NonNullable<Conv2dOptions['padding']>): ConvParams['pads'] {
  return typeof padding !== 'number' && padding.length === 4
    ? [padding[0], padding[1], padding[2], padding[3]]
    : [...pair(padding as Conv2dPair), ...pair(padding as Conv2dPair)];
}

function pair(v: Conv2dPair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * 2-D convolution (cross-correlation, as PyTorch and ONNX Conv): x [N, C, H, W], w [O, C, kh, kw]
 * -> [N, O, Ho, Wo] with Ho = floor((H + pt + pb - dil*(kh-1) - 1) / stride) + 1. No bias, group 1.
 *
 * @example
 * const b = new GraphBuilder();
 * const y = conv2d(b.input('x', [1, 3, 32, 32]), b.input('w', [8, 3, 3, 3]), { stride: 2, padding: 1 }); // [1, 8, 16, 16]
 */
export function conv2d(x: Sym, w: Sym, { stride = 1, padding = 0, dilation = 1 }: Conv2dOptions = {}): Sym {
  const pads = padsOf(padding);
  return conv2dRaw(x, w, { strides: pair(stride), pads, dilations: pair(dilation) });
}

// ---------------------------------------------------------------------------------------------
// gather

const gatherRules: OpRules<'gather'> = {
  infer([table, indices]) {
    if (table.shape.length < 1) throw new ShapeError('gather', [table.shape, indices.shape], 'expected a table of rank >= 1');
    if (indices.dtype !== 'int32' && indices.dtype !== 'int64') {
      throw new DTypeError('gather', [table.dtype, indices.dtype], 'expected int32 or int64 indices');
    }
    return { shape: [...indices.shape, ...table.shape.slice(1)], dtype: table.dtype };
  },
  // g_table = onehot(indices)^T @ g: rows hit several times accumulate, rows never hit get zero.
  vjp(g, [table, indices]) {
    if (!isFloat(table.dtype)) return [null, null];
    const V = table.shape[0];
    const M = shapeSize(indices.shape);
    const R = shapeSize(table.shape.slice(1));
    const col = reshape(indices, [M, 1]);
    const idx = where(less(col, 0), add(col, V), col); // ONNX Gather allows -V <= index < 0
    const range = Array.from({ length: V }, (_, k) => k);
    const arange = g.builder.constant(
      indices.dtype === 'int64' ? tensor(range.map(BigInt), [1, V], 'int64') : tensor(range, [1, V], 'int32'),
    );
    const onehot = cast(equal(idx, arange), table.dtype);
    const gt = matmul(transpose(onehot, [1, 0]), reshape(g, [M, R]));
    return [reshape(gt, [...table.shape]), null];
  },
  ref([table, indices], _params, out) {
    const V = table.shape[0];
    const R = shapeSize(table.shape.slice(1));
    const res = zeros(out.shape, out.dtype);
    const src = table.data as Float64Array;
    const dst = res.data as Float64Array;
    for (let p = 0; p < indices.size; p++) {
      let idx = Number(indices.data[p]);
      if (idx < -V || idx >= V) throw new GatherIndexError(idx, p, V);
      if (idx < 0) idx += V;
      dst.set(src.subarray(idx * R, idx * R + R), p * R);
    }
    return res;
  },
};

/**
 * Row lookup (ONNX Gather, axis 0): table [V, ...rest], int32/int64 indices [...I] -> [...I, ...rest].
 * Differentiable in `table` (an embedding), not in `indices`. Indices in [-V, V), negatives from the end.
 *
 * @example
 * const b = new GraphBuilder();
 * const e = gather(b.input('emb', [17, 128]), b.input('prompt', [4], 'int64')); // [4, 128]
 */
export function gather(table: Sym, indices: Sym): Sym {
  return emit('gather', linalgRules.gather, [table, indices], {});
}

/** Shape rule, VJP and reference kernel of matmul, conv2d and gather (spread into ops/index.ts). */
export const linalgRules: { matmul: OpRules<'matmul'>; conv2d: OpRules<'conv2d'>; convTranspose2d: OpRules<'convTranspose2d'>; gather: OpRules<'gather'> } = {
  matmul: matmulRules,
  conv2d: conv2dRules,
  convTranspose2d: convTranspose2dRules,
  gather: gatherRules,
};
