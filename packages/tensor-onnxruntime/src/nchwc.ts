// ONNX Runtime's blocked-layout (NCHWc) convolution, used directly. ORT's own NchwcTransformer
// rewrites a Conv into NCHWc kernels only when its weights are constant initializers; here the
// weights are graph inputs (parameters, or the flipped weights of an input gradient), so the
// lowering emits the com.microsoft.nchwc ops itself and reorders the weights inside the graph
// (OIHW -> OIHWBiBo, MLAS's layout: [O/B, C/B, kh, kw, B_in, B_out]). Pure graph emission, no runtime:
// the block-size probe, which needs onnxruntime-node, is in nchwc-probe.ts.
import type { LowerContext } from './lower.js';

/** The ONNX domain of ORT's NCHWc kernels (opset 1). */
export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

/** A conv2d to emit in NCHWc form: operand value names and the conv's shapes and attributes. */
export interface NchwcConvArgs {
  x: string;
  w: string;
  bias?: string;
  /** w's shape [O, C, kh, kw]; C must be a multiple of the block size or smaller than one block (x is then read in NCHW). */
  wShape: readonly number[];
  strides: readonly number[];
  pads: readonly number[];
  dilations: readonly number[];
  /**
   * An NCHWc tensor of the output's shape added to the convolution's result inside the kernel
   * (the NCHWc Conv's fourth input, Sum): a residual add without a pass of its own.
   */
  sum?: string;
}

/**
 * Emits ReorderInput(x) -> nchwc Conv(x, reordered w, padded bias[, sum]) -> ReorderOutput; output
 * channels are padded to a multiple of `block` with zero filters (and cut off again at the end).
 * `reordered` maps a tensor's NCHW name to its NCHWc twin: convs sharing an input reorder it once,
 * and when the output channels fill whole blocks the output's twin is the Conv's own output, so a
 * conv that reads it (or a residual add fused as `sum`) skips ReorderOutput + ReorderInput. A
 * ReorderOutput that nothing reads is dropped from the model (lowerGraph's dead-node pass).
 *
 * @example
 * const y = emitNchwcConv(ctx, 16, { x, w, wShape: [64, 64, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1] }, cache);
 */
export function emitNchwcConv(ctx: LowerContext, block: number, a: NchwcConvArgs, reordered: Map<string, string>): string {
  const [O, C, kh, kw] = a.wShape;
  const Op = Math.ceil(O / block) * block;
  const padO = (v: string, rank: number) => {
    if (Op === O) return v;
    const pads = new Array<number>(2 * rank).fill(0);
    pads[rank] = Op - O;
    return ctx.emit('Pad', [v, ctx.int64s(pads)], { mode: { string: 'constant' } });
  };
  // OIHW = [O/B, Bo, C/B, Bi, kh, kw] -> [O/B, C/B, kh, kw, Bi, Bo] in two transposes that ORT runs
  // 3.5x faster than the one 6-D permutation (0.07 vs 0.23 ms for 64x64x3x3, docs/benchmarks.md):
  // Bo to the end (a batched 2-D transpose), then Bi past the taps, moving whole Bo rows.
  const w3 = ctx.emit('Reshape', [padO(a.w, 4), ctx.int64s([Op / block, block, C * kh * kw])]);
  const boLast = ctx.emit('Transpose', [w3], { perm: { ints: [0, 2, 1] } });
  let wb: string;
  let xr: string;
  if (C < block) {
    // Fewer input channels than a block (an image's RGB): MLAS reads x in NCHW as it is, with the
    // weights as OIHWBo = [O/B, C, kh, kw, Bo] (what ORT's own NchwcTransformer does for such convs).
    wb = ctx.emit('Reshape', [boLast, ctx.int64s([Op, C, kh, kw])]);
    xr = a.x;
  } else {
    const w4 = ctx.emit('Reshape', [boLast, ctx.int64s([(Op / block) * (C / block), block, kh * kw, block])]);
    const wt = ctx.emit('Transpose', [w4], { perm: { ints: [0, 2, 1, 3] } });
    wb = ctx.emit('Reshape', [wt, ctx.int64s([Op, C, kh, kw])]);
    const cached = reordered.get(a.x);
    xr = cached ?? ctx.emit('ReorderInput', [a.x], {}, NCHWC_DOMAIN);
    if (cached === undefined) reordered.set(a.x, xr);
  }
  const inputs = [xr, wb];
  if (a.bias !== undefined || a.sum !== undefined) inputs.push(a.bias === undefined ? '' : padO(a.bias, 1));
  if (a.sum !== undefined) inputs.push(a.sum);
  const y = ctx.emit(
    'Conv',
    inputs,
    {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: [...a.strides] },
      pads: { ints: [...a.pads] },
      dilations: { ints: [...a.dilations] },
      group: { int: 1 },
    },
    NCHWC_DOMAIN,
  );
  const out = ctx.emit('ReorderOutput', [y], { channels: { int: O } }, NCHWC_DOMAIN);
  if (Op === O) reordered.set(out, y);
  return out;
}
