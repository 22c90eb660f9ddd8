// Graph-level lowering patterns: composites of @ddpo/tensor (sigmoid, softmax, GroupNorm, nearest
// upsampling, conv + bias) reach the lowering as chains of primitives, each a pass over memory; the
// recognisable chains become single ONNX ops, and the zero-valued terms that carry custom gradients
// (`x - stopGradient(x)`) are folded away. Planning is demand-driven: nodes only a fused pattern
// reads are never lowered. Measurements: docs/benchmarks.md.
import { OP_CLASSES, tensor, type AnyNode, type Graph, type Primitive } from '@ddpo/tensor';
import type { LowerContext } from './lower.js';
import { emitNchwcConv, NCHWC_DOMAIN } from './nchwc.js';

/** How one node is lowered: from other nodes' values by a fused emitter, as an alias, or plainly. */
export type Plan =
  | { kind: 'plain'; operands: readonly number[] }
  | { kind: 'alias'; of: number }
  | { kind: 'fused'; operands: readonly number[]; emit: (ctx: LowerContext, names: readonly string[]) => string };

/** Node-level helpers shared by the pattern matchers. */
class View {
  constructor(readonly graph: Graph) {}

  node(id: number): AnyNode {
    return this.graph.nodes[id];
  }

  /** The node if it has op `op`, else undefined. */
  op<P extends AnyNode['op']>(id: number, op: P): Extract<AnyNode, { op: P }> | undefined {
    const n = this.graph.nodes[id];
    return n.op === op ? (n as Extract<AnyNode, { op: P }>) : undefined;
  }

  /** True for a one-element constant equal to `v`. */
  isScalar(id: number, v: number): boolean {
    const n = this.op(id, 'constant');
    return n !== undefined && n.params.value.size === 1 && Number(n.params.value.data[0]) === v;
  }

  sameShape(a: number, b: number): boolean {
    const x = this.graph.nodes[a].shape;
    const y = this.graph.nodes[b].shape;
    return x.length === y.length && x.every((d, k) => d === y[k]);
  }
}

/**
 * Ops whose value is zero wherever their first operand is: every movement op but those that bring in
 * other values (concat: its other operands; pad: its pad value), neg, div (of a zero), reduceSum and
 * stopGradient. Read from the op classes of @ddpo/tensor, so a new movement op is covered or refused here.
 */
const ZERO_FOLLOWS_FIRST: ReadonlySet<Primitive> = new Set<Primitive>([
  ...OP_CLASSES.movement.filter((p) => p !== 'concat' && p !== 'pad'),
  'neg',
  'div',
  'reduceSum',
  'stopGradient',
]);

/**
 * Which nodes are exactly zero for finite inputs: `sub(x, stopGradient(x))` (the carrier of a
 * custom gradient) and whatever maps zeros to zeros (mul by anything, neg, div of a zero, sums,
 * movement). The value differs from the literal evaluation only where x is +-Infinity or NaN.
 */
function zeroNodes(v: View): Uint8Array {
  const zero = new Uint8Array(v.graph.nodes.length);
  for (const n of v.graph.nodes) {
    const [a, b] = n.inputs;
    switch (n.op) {
      case 'sub':
        zero[n.id] = Number((v.op(b, 'stopGradient')?.inputs[0] === a) || (zero[a] === 1 && zero[b] === 1));
        break;
      case 'add':
        zero[n.id] = zero[a] & zero[b];
        break;
      case 'mul':
        zero[n.id] = zero[a] | zero[b];
        break;
      default:
        if (ZERO_FOLLOWS_FIRST.has(n.op)) zero[n.id] = zero[a];
        break;
    }
  }
  return zero;
}

/** add(p, 0), add(0, p), sub(p, 0) of p's own shape: the node is p. */
function zeroAlias(v: View, zero: Uint8Array, n: AnyNode): number | undefined {
  if (n.op !== 'add' && n.op !== 'sub') return undefined;
  const [a, b] = n.inputs;
  if (zero[b] && v.sameShape(a, n.id)) return a;
  if (n.op === 'add' && zero[a] && v.sameShape(b, n.id)) return b;
  return undefined;
}

/**
 * sigmoid's stable form where(x > 0, 1 / (1 + z), z / (1 + z)), z = exp(-max(x, -x)) -> Sigmoid(x).
 */
function matchSigmoid(v: View, n: AnyNode): Plan | undefined {
  if (n.op !== 'where') return undefined;
  const [c, a, b] = n.inputs;
  const gt = v.op(c, 'greater');
  const da = v.op(a, 'div');
  const db = v.op(b, 'div');
  if (!gt || !da || !db || !v.isScalar(gt.inputs[1], 0) || !v.isScalar(da.inputs[0], 1) || da.inputs[1] !== db.inputs[1]) return undefined;
  const x = gt.inputs[0];
  const z = db.inputs[0];
  const d = v.op(da.inputs[1], 'add');
  if (!d || d.inputs[0] !== z || !v.isScalar(d.inputs[1], 1)) return undefined;
  const ex = v.op(z, 'exp');
  const ng = ex && v.op(ex.inputs[0], 'neg');
  const m = ng && v.op(ng.inputs[0], 'max');
  if (!m || m.inputs[0] !== x || v.op(m.inputs[1], 'neg')?.inputs[0] !== x || !v.sameShape(x, n.id)) return undefined;
  return { kind: 'fused', operands: [x], emit: (ctx, [xn]) => ctx.emit('Sigmoid', [xn]) };
}

/** For mean(y, [last], keepDims) = div(reduceSum(y, [last], keep), count): its two nodes and y. */
function meanOf(v: View, id: number): { nodes: number[]; of: number } | undefined {
  const d = v.op(id, 'div');
  const r = d && v.op(d.inputs[0], 'reduceSum');
  if (!d || !r || !r.params.keepDims || r.params.axes.length !== 1) return undefined;
  const y = v.node(r.inputs[0]);
  const axis = r.params.axes[0];
  if (axis !== y.shape.length - 1 || !v.isScalar(d.inputs[1], y.shape[axis])) return undefined;
  return { nodes: [d.id, r.id], of: y.id };
}

/**
 * GroupNorm's normalisation (nn.ts): xhat = centered * (1 / sqrt(mean(centered^2) + eps)),
 * centered = xg - mean(xg) over the last axis of xg [N, G, L] -> LayerNormalization(xg, axis -1) with
 * unit scale and no bias. PyTorch exports GroupNorm as InstanceNormalization over the same [N, G, L]
 * view; ORT runs that kernel on one thread, LayerNormalization on all of them: tiny-unet-32's b32
 * forward took 45-46 instead of 48-52 ms (docs/benchmarks.md). Only when no other node reads the mean,
 * the variance or rstd: training graphs keep them for the backward pass and keep the chain.
 */
function matchGroupNorm(v: View, n: AnyNode, uses: Uint32Array): Plan | undefined {
  if (n.op !== 'mul') return undefined;
  const [c, r] = n.inputs;
  const centered = v.op(c, 'sub');
  const rd = v.op(r, 'div');
  const sq = rd && v.op(rd.inputs[1], 'sqrt');
  const ae = sq && v.op(sq.inputs[0], 'add');
  if (!centered || !rd || !sq || !ae || !v.isScalar(rd.inputs[0], 1)) return undefined;
  const epsNode = v.op(ae.inputs[1], 'constant');
  const variance = meanOf(v, ae.inputs[0]);
  const square = variance && v.op(variance.of, 'mul');
  const [xg, m] = centered.inputs;
  const mu = meanOf(v, m);
  if (!epsNode || epsNode.params.value.size !== 1 || !square || square.inputs[0] !== c || square.inputs[1] !== c || mu?.of !== xg) return undefined;
  if (v.node(xg).shape.length !== 3) return undefined;
  const singleUse = [r, sq.id, ae.id, ...variance.nodes, square.id, ...mu.nodes];
  if (uses[c] !== 3 || singleUse.some((id) => uses[id] !== 1)) return undefined;
  const L = v.node(xg).shape[2];
  const eps = Number(epsNode.params.value.data[0]);
  return {
    kind: 'fused',
    operands: [xg],
    emit: (ctx, [xn]) => ctx.emit('LayerNormalization', [xn, ctx.constant(tensor(new Float32Array(L).fill(1), [L]))], { axis: { int: -1 }, epsilon: { float: eps } }),
  };
}

/** div(e, sum(e, [a], keep)), e = exp(x - stopGradient(max(x, [a], keep))) -> Softmax(x, axis a). */
function matchSoftmax(v: View, n: AnyNode): Plan | undefined {
  if (n.op !== 'div') return undefined;
  const [e, s] = n.inputs;
  const sum = v.op(s, 'reduceSum');
  const ex = v.op(e, 'exp');
  const sub = ex && v.op(ex.inputs[0], 'sub');
  if (!sum || sum.inputs[0] !== e || sum.params.axes.length !== 1 || !sum.params.keepDims || !sub) return undefined;
  const [x, m0] = sub.inputs;
  const mx = v.op(v.op(m0, 'stopGradient')?.inputs[0] ?? m0, 'reduceMax');
  if (!mx || mx.inputs[0] !== x || mx.params.axes[0] !== sum.params.axes[0] || mx.params.axes.length !== 1 || !mx.params.keepDims) return undefined;
  const axis = sum.params.axes[0];
  return { kind: 'fused', operands: [x], emit: (ctx, [xn]) => ctx.emit('Softmax', [xn], { axis: { int: axis } }) };
}

/**
 * reshape(broadcastTo(reshape(x, x.shape with 1s inserted), 1s stretched to s), merged) is nearest
 * upsampling by integer factors -> Resize(nearest, asymmetric, floor): output index i reads i / s.
 * With NCHWc on and x a blocked twin's NCHW side (a conv's output), ORT's NCHWc Upsample of the twin
 * instead, whose output is the result's twin.
 */
function matchUpsample(v: View, n: AnyNode, o: PlanOptions, reordered: Map<string, string>): Plan | undefined {
  if (n.op !== 'reshape') return undefined;
  const bc = v.op(n.inputs[0], 'broadcastTo');
  const inner = bc && v.op(bc.inputs[0], 'reshape');
  if (!bc || !inner) return undefined;
  const x = inner.inputs[0];
  const xs = v.node(x).shape;
  const mid = inner.shape;
  const big = bc.shape;
  const scales = xs.map(() => 1);
  let k = 0;
  for (let j = 0; j < mid.length; j++) {
    if (k < xs.length && mid[j] === xs[k] && big[j] === mid[j]) k++;
    else if (mid[j] === 1 && k > 0) scales[k - 1] *= big[j];
    else return undefined;
  }
  if (k !== xs.length || scales.every((s) => s === 1)) return undefined;
  if (n.shape.length !== xs.length || n.shape.some((d, i) => d !== xs[i] * scales[i])) return undefined;
  const B = o.nchwcBlockSize ?? 0;
  const blocked = B > 0 && xs.length === 4 && xs[1] % B === 0 && scales[0] === 1 && scales[1] === 1;
  return {
    kind: 'fused',
    operands: [x],
    emit: (ctx, [xn]) => {
      const twin = blocked ? reordered.get(xn) : undefined;
      if (twin !== undefined) {
        // Upsample the blocked twin (ORT's NCHWc nearest Upsample: the same output index -> input
        // index / s); the convolution that reads the result then skips its ReorderInput.
        const up = ctx.emit('Upsample', [twin], { scales: { ints: scales }, mode: { string: 'nearest' } }, NCHWC_DOMAIN);
        const out = ctx.emit('ReorderOutput', [up], { channels: { int: xs[1] } }, NCHWC_DOMAIN);
        reordered.set(out, up);
        return out;
      }
      return ctx.emit('Resize', [xn, '', ctx.constant(tensor(Float32Array.from(scales), [scales.length]))], {
        mode: { string: 'nearest' },
        coordinate_transformation_mode: { string: 'asymmetric' },
        nearest_mode: { string: 'floor' },
      });
    },
  };
}

/** Whether ORT's NCHWc conv takes weights of this shape: input channels in whole blocks, or fewer than one block. */
function nchwcFits(wShape: readonly number[], B: number): boolean {
  return wShape[1] % B === 0 || wShape[1] < B;
}

/**
 * concat along channels of NCHW tensors whose channels fill whole blocks: when every operand has an
 * NCHWc twin, the twins' Concat on axis 1 is the result's twin (each image's blocks follow each
 * other in both layouts), so the convs that read the result skip its ReorderInput.
 */
function concatPlan(v: View, n: AnyNode, o: PlanOptions, reordered: Map<string, string>): Plan | undefined {
  const B = o.nchwcBlockSize ?? 0;
  if (n.op !== 'concat' || B === 0 || n.params.axis !== 1 || n.shape.length !== 4) return undefined;
  if (n.inputs.some((j) => v.node(j).shape[1] % B !== 0)) return undefined;
  return {
    kind: 'fused',
    operands: n.inputs,
    emit: (ctx, names) => {
      const out = ctx.emit('Concat', names, { axis: { int: 1 } });
      const twins = names.map((x) => reordered.get(x));
      if (twins.every((t) => t !== undefined)) reordered.set(out, ctx.emit('Concat', twins as string[], { axis: { int: 1 } }));
      return out;
    },
  };
}

type ConvNode = Extract<AnyNode, { op: 'conv2d' }>;

/** Emits one float32 conv2d (with an optional bias) as ONNX Conv, or as ORT's NCHWc conv when enabled and C fits the block. */
function convPlan(v: View, conv: ConvNode, bias: number | undefined, o: PlanOptions, reordered: Map<string, string>): Plan {
  const [x, w] = conv.inputs;
  const wShape = v.node(w).shape;
  const p = conv.params;
  const B = o.nchwcBlockSize ?? 0;
  const operands = bias === undefined ? [x, w] : [x, w, bias];
  if (B > 0 && nchwcFits(wShape, B)) {
    return {
      kind: 'fused',
      operands,
      emit: (ctx, [xn, wn, bn]) => emitNchwcConv(ctx, B, { x: xn, w: wn, bias: bn, wShape, strides: p.strides, pads: p.pads, dilations: p.dilations }, reordered),
    };
  }
  return {
    kind: 'fused',
    operands,
    emit: (ctx, names) => ctx.emit('Conv', names, { strides: { ints: p.strides }, pads: { ints: p.pads }, dilations: { ints: p.dilations }, group: { int: 1 } }),
  };
}

/** For add(conv2d(x, w), reshape(b [O] -> [1, O, 1, 1])) (either order) with the conv read nowhere else: the conv and b. */
function convWithBias(v: View, n: AnyNode, uses: Uint32Array): { conv: ConvNode; bias: number } | undefined {
  if (n.op !== 'add') return undefined;
  for (const [ci, ri] of [[0, 1], [1, 0]]) {
    const conv = v.op(n.inputs[ci], 'conv2d');
    const r = v.op(n.inputs[ri], 'reshape');
    if (!conv || !r || uses[conv.id] !== 1 || !v.sameShape(conv.id, n.id)) continue;
    const b = r.inputs[0];
    const O = conv.shape[1];
    const bs = v.node(b).shape;
    if (bs.length !== 1 || bs[0] !== O || r.shape.length !== 4 || r.shape.some((d, k) => d !== (k === 1 ? O : 1))) continue;
    return { conv, bias: b };
  }
  return undefined;
}

/** add(conv2d(x, w), reshape(b [O] -> [1, O, 1, 1])) with the conv read nowhere else -> Conv(x, w, b). */
function matchConvBias(v: View, n: AnyNode, uses: Uint32Array, o: PlanOptions, reordered: Map<string, string>): Plan | undefined {
  const cb = convWithBias(v, n, uses);
  return cb === undefined ? undefined : convPlan(v, cb.conv, cb.bias, o, reordered);
}

/**
 * add(c, s) of equal shapes, c a conv2d (or conv + bias) that NCHWc runs and nothing else reads ->
 * one NCHWc Conv with s as its Sum input, when s has an NCHWc twin by then (the output of an
 * earlier NCHWc conv, or an input already reordered): residual adds in the forward pass and sums of
 * input gradients in the backward pass stay in the blocked layout. Without a twin it emits the conv
 * and a plain Add, as the unfused nodes would.
 */
function matchConvSum(v: View, n: AnyNode, uses: Uint32Array, o: PlanOptions, reordered: Map<string, string>): Plan | undefined {
  const B = o.nchwcBlockSize ?? 0;
  if (n.op !== 'add' || B === 0) return undefined;
  for (const [ci, si] of [[0, 1], [1, 0]]) {
    const c = n.inputs[ci];
    const s = n.inputs[si];
    if (uses[c] !== 1 || !v.sameShape(c, n.id) || !v.sameShape(s, n.id)) continue;
    const direct = v.op(c, 'conv2d');
    const cb = direct !== undefined ? { conv: direct, bias: undefined } : convWithBias(v, v.node(c), uses);
    if (cb === undefined) continue;
    const { conv, bias } = cb;
    const wShape = v.node(conv.inputs[1]).shape;
    if (!nchwcFits(wShape, B) || wShape[0] % B !== 0) continue;
    const p = conv.params;
    const [x, w] = conv.inputs;
    return {
      kind: 'fused',
      operands: bias === undefined ? [x, w, s] : [x, w, s, bias],
      emit: (ctx, [xn, wn, sn, bn]) => {
        const args = { x: xn, w: wn, bias: bn, wShape, strides: p.strides, pads: p.pads, dilations: p.dilations };
        const twin = reordered.get(sn);
        if (twin !== undefined) return emitNchwcConv(ctx, B, { ...args, sum: twin }, reordered);
        const y = emitNchwcConv(ctx, B, args, reordered);
        return ctx.emit('Add', ci === 0 ? [y, sn] : [sn, y]);
      },
    };
  }
  return undefined;
}

/** The lowering's graph patterns, by name (for `PlanOptions.disable`). */
export const FUSIONS = ['zeroFold', 'unexpand', 'sigmoid', 'softmax', 'upsample', 'groupNorm', 'convBias', 'convSum'] as const;
/** One of {@link FUSIONS}. */
export type FusionName = (typeof FUSIONS)[number];

/** Options of `planLowering`. */
export interface PlanOptions {
  /** ORT's NCHWc block size for float32 convolutions (0 / absent: standard Conv). */
  nchwcBlockSize?: number;
  /** Patterns not to apply (to measure what each gives, or to rule one out when numbers differ). */
  disable?: readonly FusionName[];
}

/** NumPy broadcast of shapes, or undefined when they do not broadcast. */
function broadcastShape(shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let k = 0; k < s.length; k++) {
      const j = rank - s.length + k;
      if (s[k] === out[j] || s[k] === 1) continue;
      if (out[j] !== 1) return undefined;
      out[j] = s[k];
    }
  }
  return out;
}

/** Elementwise ops whose ONNX lowering broadcasts its operands itself (the float-valued ones: binary and select). */
const BROADCASTING: ReadonlySet<Primitive> = new Set<Primitive>([...OP_CLASSES.binary, ...OP_CLASSES.select]);

/**
 * Operands of a broadcasting elementwise float node with broadcastTo inputs replaced by what they
 * broadcast, as long as the op still produces its own shape: ONNX broadcasting does the same work
 * without writing the expanded tensor (reductions' VJPs broadcast their cotangents this way).
 */
function unexpandedOperands(v: View, n: AnyNode): number[] | undefined {
  if (!BROADCASTING.has(n.op) || (n.dtype !== 'float32' && n.dtype !== 'float64')) return undefined;
  const ops = [...n.inputs];
  let changed = false;
  for (let k = 0; k < ops.length; k++) {
    const bc = v.op(ops[k], 'broadcastTo');
    if (bc === undefined) continue;
    const trial = ops.map((j, i) => (i === k ? bc.inputs[0] : j));
    const shape = broadcastShape(trial.map((j) => v.node(j).shape));
    if (shape !== undefined && shape.length === n.shape.length && shape.every((d, i) => d === n.shape[i])) {
      ops[k] = bc.inputs[0];
      changed = true;
    }
  }
  return changed ? ops : undefined;
}

/** Marks the nodes the outputs need under `plans` (input nodes always count as needed). */
function neededNodes(graph: Graph, plans: readonly Plan[]): Uint8Array {
  const need = new Uint8Array(graph.nodes.length);
  for (const o of graph.outputs) need[o.id] = 1;
  for (let id = graph.nodes.length - 1; id >= 0; id--) {
    if (!need[id]) continue;
    const p = plans[id];
    if (p.kind === 'alias') need[p.of] = 1;
    else for (const j of p.operands) need[j] = 1;
  }
  return need;
}

function useCounts(graph: Graph, plans: readonly Plan[], need: Uint8Array): Uint32Array {
  const uses = new Uint32Array(graph.nodes.length);
  for (const o of graph.outputs) uses[o.id]++;
  for (let id = 0; id < graph.nodes.length; id++) {
    if (!need[id]) continue;
    const p = plans[id];
    for (const j of p.kind === 'alias' ? [p.of] : p.operands) uses[j]++;
  }
  return uses;
}

/**
 * Plans the lowering of every node: zero folding for every dtype (exact for finite values), fused
 * patterns for float32 (ORT's fused kernels round differently from the chains they replace, so
 * float64 graphs, used as references, keep the literal chain). Returns the plans and which nodes
 * must be lowered.
 *
 * @example
 * const { plans, need } = planLowering(graph);
 */
export function planLowering(graph: Graph, o: PlanOptions = {}): { plans: Plan[]; need: Uint8Array } {
  const v = new View(graph);
  const on = (f: FusionName) => !(o.disable ?? []).includes(f);
  const zero = on('zeroFold') ? zeroNodes(v) : new Uint8Array(graph.nodes.length);
  const plans: Plan[] = graph.nodes.map((n) => {
    if (n.op === 'stopGradient') return { kind: 'alias', of: n.inputs[0] };
    const of = zeroAlias(v, zero, n);
    if (of !== undefined) return { kind: 'alias', of };
    return { kind: 'plain', operands: (on('unexpand') ? unexpandedOperands(v, n) : undefined) ?? n.inputs };
  });
  // Fusions look at how often a value is read once the zero terms are gone.
  const uses = useCounts(graph, plans, neededNodes(graph, plans));
  const reordered = new Map<string, string>();
  for (const n of graph.nodes) {
    if (plans[n.id].kind !== 'plain' || n.dtype !== 'float32') continue;
    const fused =
      (on('sigmoid') ? matchSigmoid(v, n) : undefined) ??
      (on('softmax') ? matchSoftmax(v, n) : undefined) ??
      (on('upsample') ? matchUpsample(v, n, o, reordered) : undefined) ??
      (on('groupNorm') ? matchGroupNorm(v, n, uses) : undefined) ??
      (on('convSum') ? matchConvSum(v, n, uses, o, reordered) : undefined) ??
      (on('convBias') ? matchConvBias(v, n, uses, o, reordered) : undefined) ??
      (n.op === 'conv2d' && (o.nchwcBlockSize ?? 0) > 0 ? convPlan(v, n, undefined, o, reordered) : undefined) ??
      (on('convSum') ? concatPlan(v, n, o, reordered) : undefined);
    if (fused !== undefined) plans[n.id] = fused;
  }
  return { plans, need: neededNodes(graph, plans) };
}
