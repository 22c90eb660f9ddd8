// Lowers a @ddpo/tensor Graph to one ONNX model (opset 17). `lowerings` is a mapped type over the
// primitive union, so a primitive without a lowering fails `tsc`. Graph inputs become ONNX graph
// inputs (or initializers, when `initializers` provides their values, as export does). Graph
// patterns (fusion.ts) are planned first: fused chains, folded zero terms, NCHWc convolutions.
import { create, toBinary } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, OperatorSetIdProtoSchema, type ModelProto, type NodeProto, type TensorProto } from 'onnx-buf';
import { tensor, type Graph, type HostTensor, type Node, type Primitive, type TensorMap, type TypeInfo } from '@ddpo/tensor';
import { LoweringError } from './errors.js';
import { planLowering, type FusionName, type PlanOptions } from './fusion.js';
import { attribute, IR_VERSION, onnxType, OPSET, tensorProto, valueInfo, type AttrValue } from './proto.js';

/** What a lowering may do: append ONNX nodes and initializers. */
export interface LowerContext {
  /** Appends an ONNX node with one output and returns that output's name (`domain`: '' = ONNX). */
  emit(opType: string, inputs: readonly string[], attrs?: Record<string, AttrValue>, domain?: string): string;
  /** Adds a constant holding `t` and returns its name. */
  constant(t: HostTensor): string;
  /** A 1-D int64 constant (shapes, axes, pads, slice bounds). */
  int64s(values: readonly number[]): string;
}

/** Lowers one node, given its operands' value names and types; returns the name of its value. */
export type Lowering<P extends Primitive> = (ctx: LowerContext, node: Node<P>, inputs: readonly string[], types: readonly TypeInfo[]) => string;

const unary = (opType: string) => (c: LowerContext, _n: unknown, [x]: readonly string[]) => c.emit(opType, [x]);
const binary = (opType: string) => (c: LowerContext, _n: unknown, [a, b]: readonly string[]) => c.emit(opType, [a, b]);

/** Int64 sentinel past the start of any axis, for slices running backwards to index 0 (ONNX Slice clamps it to -1). */
const BEFORE_START = -(2 ** 53);

/**
 * The ONNX lowering of every primitive.
 *
 * @example
 * const name = lowerings.exp(ctx, node, ['x'], [{ shape: [2], dtype: 'float32' }]); // emits Exp(x)
 */
export const lowerings: { [P in Primitive]: Lowering<P> } = {
  // Graph inputs and constants are named values, not nodes: lowerGraph handles them before this table.
  input: () => {
    throw new LoweringError('input nodes are lowered as graph inputs');
  },
  constant: (c, n) => c.constant(n.params.value),
  neg: unary('Neg'),
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  sin: unary('Sin'),
  cos: unary('Cos'),
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  // The IR defines integer x / 0 = 0 (ORT raises instead): divide by where(b == 0, 1, b), then zero those.
  div: (c, n, [a, b]) => {
    if (n.dtype !== 'int32' && n.dtype !== 'int64') return c.emit('Div', [a, b]);
    const zero = c.constant(tensor(n.dtype === 'int64' ? [0n] : [0], [], n.dtype));
    const one = c.constant(tensor(n.dtype === 'int64' ? [1n] : [1], [], n.dtype));
    const isZero = c.emit('Equal', [b, zero]);
    return c.emit('Where', [isZero, zero, c.emit('Div', [a, c.emit('Where', [isZero, one, b])])]);
  },
  pow: binary('Pow'),
  max: binary('Max'),
  min: binary('Min'),
  less: binary('Less'),
  greater: binary('Greater'),
  equal: binary('Equal'),
  // ORT has no bool Where kernel: select on int32 and cast back (exact).
  where: (c, n, [cond, a, b]) =>
    n.dtype === 'bool'
      ? c.emit('Cast', [c.emit('Where', [cond, toInt32(c, a), toInt32(c, b)])], { to: { int: onnxType('bool') } })
      : c.emit('Where', [cond, a, b]),
  cast: (c, n, [x]) => c.emit('Cast', [x], { to: { int: onnxType(n.params.to) } }),
  stopGradient: unary('Identity'),
  // An empty axes list reduces nothing in the IR, but "all axes" in ONNX: lower it as Identity.
  reduceSum: (c, n, [x]) =>
    n.params.axes.length === 0
      ? c.emit('Identity', [x])
      : c.emit('ReduceSum', [x, c.int64s(n.params.axes)], { keepdims: { int: n.params.keepDims ? 1 : 0 } }),
  reduceMax: (c, n, [x]) =>
    n.params.axes.length === 0
      ? c.emit('Identity', [x])
      : c.emit('ReduceMax', [x], { axes: { ints: n.params.axes }, keepdims: { int: n.params.keepDims ? 1 : 0 } }),
  // allowzero = 1: a 0 in the target shape is a zero-size dimension, not "copy the input's".
  reshape: (c, n, [x]) => c.emit('Reshape', [x, c.int64s(n.params.shape)], { allowzero: { int: 1 } }),
  transpose: (c, n, [x]) => c.emit('Transpose', [x], { perm: { ints: n.params.perm } }),
  broadcastTo: (c, n, [x]) => c.emit('Expand', [x, c.int64s(n.params.shape)]),
  slice: (c, n, [x]) => {
    const { starts, ends, axes, steps } = n.params;
    // IR bounds are clamped, with -1 meaning "before index 0" for negative steps; ONNX would read -1 as dim - 1.
    const fix = (v: number, k: number) => (steps[k] < 0 && v < 0 ? BEFORE_START : v);
    return c.emit('Slice', [x, c.int64s(starts.map(fix)), c.int64s(ends.map(fix)), c.int64s(axes), c.int64s(steps)]);
  },
  concat: (c, n, xs) => c.emit('Concat', xs, { axis: { int: n.params.axis } }),
  pad: (c, n, [x], [t]) => {
    const value = tensor(t.dtype === 'int64' ? [BigInt(n.params.value)] : [n.params.value], [], t.dtype);
    return c.emit('Pad', [x, c.int64s(n.params.pads), c.constant(value)], { mode: { string: 'constant' } });
  },
  matmul: binary('MatMul'),
  // ORT's CPU Conv is float32 only; float64 goes through an exact im2col + MatMul.
  conv2d: (c, n, [x, w], types) =>
    n.dtype === 'float64'
      ? convIm2col(c, n, x, w, types)
      : c.emit('Conv', [x, w], {
          strides: { ints: n.params.strides },
          pads: { ints: n.params.pads },
          dilations: { ints: n.params.dilations },
          group: { int: 1 },
        }),
  convTranspose2d: (c, n, [g, w]) =>
    c.emit('ConvTranspose', [g, w], {
      strides: { ints: n.params.strides },
      pads: { ints: n.params.pads },
      dilations: { ints: n.params.dilations },
      output_padding: { ints: n.params.outputPadding },
      group: { int: 1 },
    }),
  gather: (c, _n, [table, idx]) => c.emit('Gather', [table, idx], { axis: { int: 0 } }),
};

function toInt32(c: LowerContext, x: string): string {
  return c.emit('Cast', [x], { to: { int: onnxType('int32') } });
}

/**
 * conv2d as im2col: each of the kh*kw kernel taps is a strided Slice of the padded input, stacked to
 * [N, C*kh*kw, OH*OW] (C-major, matching w's [O, C, kh, kw] layout), then w [O, C*kh*kw] @ cols.
 */
function convIm2col(c: LowerContext, n: Node<'conv2d'>, x: string, w: string, types: readonly TypeInfo[]): string {
  const [N, C] = types[0].shape;
  const [O, , kh, kw] = types[1].shape;
  const [, , OH, OW] = n.shape;
  const { strides: [sh, sw], pads: [pt, pl, pb, pr], dilations: [dh, dw] } = n.params;
  const xp = pt + pl + pb + pr > 0 ? c.emit('Pad', [x, c.int64s([0, 0, pt, pl, 0, 0, pb, pr])], { mode: { string: 'constant' } }) : x;
  const taps: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const starts = [i * dh, j * dw];
      const ends = [i * dh + sh * (OH - 1) + 1, j * dw + sw * (OW - 1) + 1];
      const tap = c.emit('Slice', [xp, c.int64s(starts), c.int64s(ends), c.int64s([2, 3]), c.int64s([sh, sw])]);
      taps.push(c.emit('Unsqueeze', [tap, c.int64s([2])]));
    }
  }
  const stacked = taps.length === 1 ? taps[0] : c.emit('Concat', taps, { axis: { int: 2 } });
  const cols = c.emit('Reshape', [stacked, c.int64s([N, C * kh * kw, OH * OW])], { allowzero: { int: 1 } });
  const wm = c.emit('Reshape', [w, c.int64s([O, C * kh * kw])], { allowzero: { int: 1 } });
  return c.emit('Reshape', [c.emit('MatMul', [wm, cols]), c.int64s([N, O, OH, OW])], { allowzero: { int: 1 } });
}

/** Options of `lowerGraph`. */
export interface LowerOptions {
  /** Values of graph inputs to bake in as initializers; those inputs disappear from the model's inputs. */
  initializers?: TensorMap;
  /** Written into the model (`graph.name`, `producer_name`). */
  name?: string;
  docString?: string;
  /**
   * Lower float32 convolutions to ONNX Runtime's NCHWc kernels with this channel block size (see
   * `nchwcBlockSize()`); 0 or absent = standard Conv. Such a model runs on ORT's CPU provider only.
   */
  nchwcBlockSize?: number;
  /** Graph patterns not to apply (see `FUSIONS`); all apply by default. */
  disableFusions?: readonly FusionName[];
  /**
   * Filled with the output name of every emitted ONNX node -> the id of the graph node whose
   * lowering emitted it (profiling attributes ORT's per-node times back to the graph this way).
   */
  origins?: Map<string, number>;
}

/**
 * Lowers a graph to an ONNX ModelProto: inputs -> graph inputs, constants -> initializers,
 * every other node through `lowerings`, each output behind an Identity carrying its name.
 *
 * @example
 * const bytes = serializeModel(lowerGraph(graph));
 * const session = await ort.InferenceSession.create(bytes);
 */
export function lowerGraph(graph: Graph, opts: LowerOptions = {}): ModelProto {
  checkNames(graph, opts.initializers ?? {});
  const prefix = internalPrefix(graph);
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  let counter = 0;
  const fresh = () => `${prefix}${counter++}`;
  const domains = new Set<string>();
  const origin = { id: -1 };
  const ctx: LowerContext = {
    emit(opType, inputs, attrs = {}, domain = '') {
      const out = fresh();
      opts.origins?.set(out, origin.id);
      const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
      if (domain !== '') domains.add(domain);
      nodes.push(create(NodeProtoSchema, { opType, domain, input: [...inputs], output: [out], name: `${opType}_${out}`, attribute: attribute_ }));
      return out;
    },
    // Constant nodes, not initializers: re-importing an exported model then tells the graph's
    // constants (Constant) from its parameters (initializers).
    constant(t) {
      return ctx.emit('Constant', [], { value: { tensor: t } });
    },
    int64s(values) {
      return ctx.constant(tensor(values.map((v) => BigInt(v)), [values.length], 'int64'));
    },
  };
  const names = lowerNodes(graph, ctx, opts.initializers ?? {}, inits, { nchwcBlockSize: opts.nchwcBlockSize, disable: opts.disableFusions }, origin);
  const inputs = graph.inputs
    .filter((i) => opts.initializers?.[i.name] === undefined)
    .map((i) => valueInfo(i.name, graph.nodes[i.id].shape, graph.nodes[i.id].dtype));
  const outputs = graph.outputs.map((o) => {
    const n = graph.nodes[o.id];
    nodes.push(create(NodeProtoSchema, { opType: 'Identity', input: [names[o.id]], output: [o.name], name: `output_${o.name}` }));
    return valueInfo(o.name, n.shape, n.dtype);
  });
  const g = create(GraphProtoSchema, { name: opts.name ?? 'ddpo', node: liveNodes(nodes, outputs.map((o) => o.name)), initializer: inits, input: inputs, output: outputs });
  return create(ModelProtoSchema, {
    irVersion: IR_VERSION,
    opsetImport: [
      create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(OPSET) }),
      ...[...domains].map((domain) => create(OperatorSetIdProtoSchema, { domain, version: 1n })),
    ],
    producerName: '@ddpo/tensor-onnxruntime',
    producerVersion: '0.1.0',
    docString: opts.docString ?? '',
    graph: g,
  });
}

/**
 * The nodes that an output depends on, in their order: an emitter may produce a value nobody reads
 * (an NCHWc conv's ReorderOutput when every reader takes the blocked twin, see nchwc.ts), and ORT
 * would run it anyway.
 */
function liveNodes(nodes: readonly NodeProto[], outputs: readonly string[]): NodeProto[] {
  const used = new Set(outputs);
  const keep = new Array<boolean>(nodes.length).fill(false);
  for (let k = nodes.length - 1; k >= 0; k--) {
    if (!nodes[k].output.some((o) => used.has(o))) continue;
    keep[k] = true;
    for (const i of nodes[k].input) if (i !== '') used.add(i);
  }
  return nodes.filter((_, k) => keep[k]);
}

function lowerNodes(graph: Graph, ctx: LowerContext, initializers: TensorMap, inits: TensorProto[], planOptions: PlanOptions, origin: { id: number }): string[] {
  const names: string[] = new Array(graph.nodes.length);
  const { plans, need } = planLowering(graph, planOptions);
  for (const n of graph.nodes) {
    if (n.op === 'input') {
      const value = initializers[n.params.name];
      if (value !== undefined) inits.push(tensorProto(n.params.name, value));
      names[n.id] = n.params.name;
      continue;
    }
    if (!need[n.id]) continue;
    origin.id = n.id;
    const plan = plans[n.id];
    if (plan.kind === 'alias') names[n.id] = names[plan.of];
    else if (plan.kind === 'fused') names[n.id] = plan.emit(ctx, plan.operands.map((j) => names[j]));
    else {
      const ins = plan.operands.map((j) => names[j]);
      const types = plan.operands.map((j) => graph.nodes[j]);
      names[n.id] = (lowerings[n.op] as Lowering<Primitive>)(ctx, n as Node<Primitive>, ins, types);
    }
  }
  return names;
}

function checkNames(graph: Graph, initializers: TensorMap): void {
  const inputNames = new Set(graph.inputs.map((i) => i.name));
  for (const o of graph.outputs) {
    if (inputNames.has(o.name)) throw new LoweringError(`output '${o.name}' has the name of a graph input; ONNX needs distinct names`);
  }
  for (const [name, t] of Object.entries(initializers)) {
    const i = graph.inputs.find((x) => x.name === name);
    if (i === undefined) throw new LoweringError(`initializer '${name}' is not a graph input; inputs are ${[...inputNames].join(', ')}`);
    const want = graph.nodes[i.id];
    if (t.dtype !== want.dtype || t.shape.length !== want.shape.length || t.shape.some((d, k) => d !== want.shape[k])) {
      throw new LoweringError(`initializer '${name}' is ${t.dtype} [${t.shape.join(', ')}], expected ${want.dtype} [${want.shape.join(', ')}]`);
    }
  }
}

/** A name prefix no graph input or output starts with, for the lowering's internal value names. */
function internalPrefix(graph: Graph): string {
  const external = [...graph.inputs, ...graph.outputs].map((x) => x.name);
  let prefix = '_v';
  while (external.some((n) => n.startsWith(prefix))) prefix = `_${prefix}`;
  return prefix;
}

/**
 * Serializes a model to ONNX protobuf bytes.
 *
 * @example
 * fs.writeFileSync('model.onnx', serializeModel(lowerGraph(graph)));
 */
export function serializeModel(model: ModelProto): Uint8Array<ArrayBuffer> {
  return toBinary(ModelProtoSchema, model) as Uint8Array<ArrayBuffer>;
}
