// The lowering's fused patterns and NCHWc convolutions: each pattern must (1) really be taken (the
// ONNX model holds the fused op and not the chain) and (2) give the reference interpreter's values,
// forward and through `grad`. Expected values come from `evaluate` on the same graph, which runs
// every primitive literally in float64 arithmetic.
import { describe, expect, it } from 'vitest';
import {
  add, broadcastTo, concat, conv2d, conv2dBias, evaluate, grad, GraphBuilder, groupNorm, mul, Rng, sigmoid, silu, softmax, sum, tensor, upsampleNearest2x,
  type Conv2dOptions, type Graph, type HostTensor, type Sym, type TensorMap,
} from '@ddpo/tensor';
import { createOnnxRuntimeAdapter, FUSIONS, lowerGraph, NCHWC_DOMAIN, nchwcBlockSize } from '@ddpo/tensor-onnxruntime';
import { maxRelativeError } from '@ddpo/tensor/testing';

/** Op types of the lowered model, as `domain:Op` for non-default domains. */
function opTypes(graph: Graph, nchwcBlock = 0): string[] {
  return lowerGraph(graph, { nchwcBlockSize: nchwcBlock }).graph!.node.map((n) => (n.domain ? `${n.domain}:${n.opType}` : n.opType));
}

/** A graph of `f` over float32 inputs of the given shapes, with output 'y' and, when asked, 'g:<name>' = d sum(y * w) / d input. */
function build(shapes: Record<string, number[]>, f: (s: Record<string, Sym>) => Sym, withGrad = false): Graph {
  const b = new GraphBuilder();
  const s = Object.fromEntries(Object.entries(shapes).map(([k, sh]) => [k, b.input(k, sh)]));
  const y = f(s);
  b.output('y', y);
  if (withGrad) {
    const names = Object.keys(shapes);
    const w = b.input('w', [...y.shape]);
    grad(sum(mul(y, w)), names.map((n) => s[n])).forEach((g, k) => b.output(`g:${names[k]}`, g));
  }
  return b.build();
}

function feedsFor(graph: Graph, seed: number, scale = 1): TensorMap {
  const rng = new Rng(seed);
  const out: TensorMap = {};
  for (const i of graph.inputs) {
    const v = rng.normal(graph.nodes[i.id].shape).data as Float32Array;
    out[i.name] = tensor(v.map((x) => x * scale), graph.nodes[i.id].shape);
  }
  return out;
}

/** max |got - want| <= tol * max(1, max |want|). */
function expectClose(got: HostTensor, want: HostTensor, tol = 2e-5): void {
  expect([...got.shape]).toEqual([...want.shape]);
  expect(maxRelativeError(got, want, 1)).toBeLessThanOrEqual(tol);
}

/** Runs `graph` on ORT (NCHWc as probed) and on the interpreter; compares every output. */
async function agrees(graph: Graph, feeds: TensorMap, tol?: number): Promise<void> {
  const adapter = await createOnnxRuntimeAdapter({ intraOpNumThreads: 1 });
  const got = await (await adapter.compile(graph)).run(feeds);
  await adapter.dispose();
  const want = evaluate(graph, feeds);
  for (const o of graph.outputs) expectClose(got[o.name], want[o.name], tol);
}

describe('fused patterns (float32)', () => {
  it('sigmoid and silu lower to one Sigmoid, with no Where/Max chain and no zero-valued gradient term', async () => {
    const g = build({ x: [3, 5] }, (s) => silu(s.x));
    const ops = opTypes(g);
    expect(ops).toContain('Sigmoid');
    for (const op of ['Where', 'Max', 'Exp', 'Sub', 'Greater']) expect(ops).not.toContain(op);
    const x = tensor([-1000, -100, -88, -30, -2, -0.5, 0, 0.5, 2, 30, 88, 100, 1000, 3, -3], [3, 5]);
    await agrees(g, { x });
  });

  it('sigmoid gradients through the fused forward match the interpreter, and are finite at +-1000', async () => {
    const g = build({ x: [2, 6] }, (s) => sigmoid(s.x), true);
    const x = tensor([-1000, -40, -3, -0.1, 0, 0.2, 1, 4, 40, 1000, 7, -7], [2, 6]);
    const feeds = { x, w: feedsFor(g, 1).w };
    await agrees(g, feeds);
    const adapter = await createOnnxRuntimeAdapter();
    const out = await (await adapter.compile(g)).run(feeds);
    await adapter.dispose();
    expect(Array.from(out['g:x'].data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('the ONNX lowering gives sigmoid(+-Infinity) = 1 and 0 (the zero gradient term is folded away)', async () => {
    const adapter = await createOnnxRuntimeAdapter();
    const out = await (await adapter.compile(build({ x: [2] }, (s) => sigmoid(s.x)))).run({ x: tensor([Infinity, -Infinity], [2]) });
    await adapter.dispose();
    expect(Array.from(out.y.data as Float32Array)).toEqual([1, 0]);
  });

  it('softmax lowers to Softmax on its axis; its gradient agrees', async () => {
    const g = build({ x: [2, 3, 4] }, (s) => softmax(s.x, 1), true);
    const ops = opTypes(build({ x: [2, 3, 4] }, (s) => softmax(s.x, 1)));
    expect(ops).toContain('Softmax');
    expect(ops).not.toContain('ReduceMax');
    await agrees(g, feedsFor(g, 2, 3));
  });

  it('nearest 2x upsampling lowers to Resize, without Expand; its gradient agrees', async () => {
    const g = build({ x: [2, 3, 4, 5] }, (s) => upsampleNearest2x(s.x), true);
    const ops = opTypes(build({ x: [2, 3, 4, 5] }, (s) => upsampleNearest2x(s.x)));
    expect(ops).toContain('Resize');
    expect(ops).not.toContain('Expand');
    await agrees(g, feedsFor(g, 3));
  });

  it('conv2d + per-channel bias lowers to one Conv with three inputs; gradients agree', async () => {
    const shapes = { x: [2, 3, 6, 5], k: [4, 3, 3, 3], b: [4] };
    const f = (s: Record<string, Sym>) => conv2dBias(s.x, s.k, s.b, { padding: 1, stride: 2 });
    const model = lowerGraph(build(shapes, f)).graph!;
    const convs = model.node.filter((n) => n.opType === 'Conv');
    expect(convs.length).toBe(1);
    expect(convs[0].input.length).toBe(3);
    expect(model.node.map((n) => n.opType)).not.toContain('Add');
    const g = build(shapes, f, true);
    await agrees(g, feedsFor(g, 4));
  });

  it('GroupNorm lowers to LayerNormalization in forward graphs and keeps its chain when the backward pass reads it', async () => {
    const shapes = { x: [2, 8, 3, 3], gamma: [8], beta: [8] };
    const f = (s: Record<string, Sym>) => groupNorm(s.x, s.gamma, s.beta, 4);
    const fwd = build(shapes, f);
    const fwdOps = opTypes(fwd);
    expect(fwdOps).toContain('LayerNormalization');
    for (const op of ['Sqrt', 'ReduceSum', 'Sub']) expect(fwdOps).not.toContain(op);
    await agrees(fwd, feedsFor(fwd, 7, 3));
    const train = build(shapes, f, true);
    const trainOps = opTypes(train);
    expect(trainOps).not.toContain('LayerNormalization');
    // No full-size negation, forward or backward: only per-(sample, channel) values are negated (x is [2, 8, 3, 3]).
    const origins = new Map<string, number>();
    const negs = lowerGraph(train, { origins }).graph!.node.filter((n) => n.opType === 'Neg');
    expect(negs.length).toBeGreaterThan(0);
    for (const n of negs) expect(train.nodes[origins.get(n.output[0])!].shape.reduce((a, b) => a * b, 1)).toBeLessThanOrEqual(2 * 8);
    await agrees(train, feedsFor(train, 8, 3));
  });

  it('a broadcastTo feeding a broadcasting op is left to ONNX broadcasting (no Expand)', async () => {
    const g = build({ a: [3, 4, 5], b: [4, 1] }, (s) => mul(add(s.a, broadcastTo(s.b, [3, 4, 5])), broadcastTo(s.b, [3, 4, 5])));
    expect(opTypes(g)).not.toContain('Expand');
    await agrees(g, feedsFor(g, 9));
    // When both operands would shrink, one broadcast stays: the output keeps its shape.
    const both = build({ a: [1, 5], b: [4, 1] }, (s) => add(broadcastTo(s.a, [4, 5]), broadcastTo(s.b, [4, 5])));
    await agrees(both, feedsFor(both, 10));
  });

  it('each pattern can be switched off', () => {
    const g = build({ x: [2, 8, 4, 4], gamma: [8], beta: [8] }, (s) => upsampleNearest2x(softmax(silu(groupNorm(s.x, s.gamma, s.beta, 4)), 1)));
    const all = lowerGraph(g, { disableFusions: FUSIONS }).graph!.node.map((n) => n.opType);
    for (const op of ['Sigmoid', 'Softmax', 'Resize', 'LayerNormalization']) expect(all).not.toContain(op);
    expect(opTypes(g)).toEqual(expect.arrayContaining(['Sigmoid', 'Softmax', 'Resize', 'LayerNormalization']));
  });

  it('origins map every emitted node to the graph node whose lowering emitted it', () => {
    const g = build({ x: [1, 16, 4, 4], k: [16, 16, 3, 3], bias: [16] }, (s) => silu(conv2dBias(s.x, s.k, s.bias, { padding: 1 })));
    const origins = new Map<string, number>();
    const model = lowerGraph(g, { nchwcBlockSize: 16, origins });
    const internal = model.graph!.node.filter((n) => !n.name.startsWith('output_'));
    for (const n of internal) expect(origins.has(n.output[0]), n.name).toBe(true);
    // The NCHWc Conv comes from the conv + bias add (the fused node), the Sigmoid from silu's chain.
    const conv = internal.find((n) => n.opType === 'Conv')!;
    expect(g.nodes[origins.get(conv.output[0])!].op).toBe('add');
    const sig = internal.find((n) => n.opType === 'Sigmoid')!;
    expect(g.nodes[origins.get(sig.output[0])!].op).toBe('where');
  });

  it('float64 graphs keep the literal chains (references stay exact)', () => {
    const b = new GraphBuilder();
    b.output('y', silu(b.input('x', [4], 'float64')));
    const ops = opTypes(b.build());
    expect(ops).not.toContain('Sigmoid');
    expect(ops).toContain('Where');
  });
});

describe('NCHWc convolutions', async () => {
  const block = await nchwcBlockSize();

  it('probes a block size of 0 (no NCHWc kernels) or a power of two >= 8', () => {
    expect(block === 0 || (block >= 8 && (block & (block - 1)) === 0)).toBe(true);
  });

  it.each([
    [[2, 16, 6, 6], [5, 16, 3, 3], { padding: 1 }],
    [[1, 32, 7, 6], [16, 32, 3, 3], { stride: 2, padding: 1 }],
    [[2, 16, 5, 5], [20, 16, 1, 1], {}],
    [[1, 16, 9, 8], [3, 16, 3, 3], { padding: 2, dilation: 2 }],
    [[1, 32, 6, 5], [4, 32, 3, 2], { stride: [2, 1], padding: [0, 1, 2, 1] }],
  ] as [number[], number[], Conv2dOptions][])('x %j w %j %j: value and gradients match the interpreter', async (xs, ws, opts) => {
    const g = build({ x: xs, k: ws }, (s) => conv2d(s.x, s.k, opts), true);
    const ops = opTypes(g, block);
    // Forward and input gradient run as NCHWc convs when the CPU has them (C is a multiple of 8 and 16).
    expect(ops.includes(`${NCHWC_DOMAIN}:Conv`)).toBe(block > 0);
    await agrees(g, feedsFor(g, 5), 5e-5);
  });

  it('conv2dBias with output channels not a multiple of the block pads and trims them', async () => {
    const g = build({ x: [2, 16, 4, 4], k: [3, 16, 3, 3], b: [3] }, (s) => conv2dBias(s.x, s.k, s.b, { padding: 1 }), true);
    await agrees(g, feedsFor(g, 6), 5e-5);
  });

  // An RGB stem conv (3 < block input channels), a residual block, a conv on the block's output and a
  // channel concat: what tiny-unet-32 does between its GroupNorms.
  const residual = (s: Record<string, Sym>) => {
    const h0 = conv2dBias(s.x, s.k0, s.b0, { padding: 1 });
    const y = add(conv2dBias(silu(h0), s.k1, s.b1, { padding: 1 }), h0);
    const down = conv2d(y, s.k2, { stride: 2, padding: 1 });
    const up = conv2d(upsampleNearest2x(down), s.k4, { padding: 1 });
    return add(sum(conv2d(concat([y, h0], 1), s.k3, { padding: 1 })), sum(up));
  };
  const residualShapes = { x: [2, 3, 6, 6], k0: [16, 3, 3, 3], b0: [16], k1: [16, 16, 3, 3], b1: [16], k2: [16, 16, 3, 3], k3: [16, 32, 3, 3], k4: [16, 16, 3, 3] };

  it('keeps a residual stream in the blocked layout: the add fused into the conv, convs, concats and upsampling reading NCHWc twins', async () => {
    if (block !== 16) return; // the structure below is for 16-channel blocks (AVX-512); other blocks are checked by the values test
    const g = build(residualShapes, residual);
    const nodes = lowerGraph(g, { nchwcBlockSize: block }).graph!.node;
    const convs = nodes.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv');
    expect(convs).toHaveLength(5);
    // Nearest upsampling of a conv's output runs on its twin (ORT's NCHWc Upsample), not as Resize.
    expect(nodes.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Upsample')).toHaveLength(1);
    expect(nodes.some((n) => n.opType === 'Resize')).toBe(false);
    // The stem reads x in NCHW (no ReorderInput of x); the residual add is the Sum input of its conv.
    expect(convs[0].input[0]).toBe('x');
    expect(convs.filter((n) => n.input.length === 4)).toHaveLength(1);
    expect(nodes.filter((n) => n.opType === 'Add' && n.domain === '')).toHaveLength(1); // only the final sum of the two reductions
    // One reorder into the blocked layout in all: silu's output. The convs on y, on the concat and on the upsampled map read twins.
    expect(nodes.filter((n) => n.opType === 'ReorderInput')).toHaveLength(1);
    // Dead-node pass: every node's output is read by another node or is a graph output.
    const read = new Set(nodes.flatMap((n) => n.input));
    for (const n of nodes) expect(n.output.some((o) => read.has(o) || g.outputs.some((x) => x.name === o)), n.name).toBe(true);
  });

  it('the blocked residual stream gives the interpreter\'s values and gradients', async () => {
    const g = build(residualShapes, residual, true);
    await agrees(g, feedsFor(g, 7), 5e-5);
  });

  it('can be switched off per adapter', async () => {
    const a = await createOnnxRuntimeAdapter({ nchwc: false });
    expect(a.lowerOptions.nchwcBlockSize ?? 0).toBe(0);
    await a.dispose();
  });
});
