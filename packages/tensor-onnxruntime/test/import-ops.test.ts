// Each supported ONNX op, in small hand-written models: the imported graph (on the reference
// interpreter and on the ORT adapter) must reproduce what ONNX Runtime computes from the same bytes.
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, HostTensor, Rng, tensor, type DType, type TensorMap } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter, importOnnxModel, toOrtTensor, fromOrtTensor } from '@ddpo/tensor-onnxruntime';
import { assertAllClose } from '@ddpo/tensor/testing';
import { onnxModel, type ModelSpec } from './onnx-builder.js';

const i64 = (v: number[], shape = [v.length]) => tensor(v.map(BigInt), shape, 'int64');
const f32 = (v: number[], shape = [v.length]) => tensor(v, shape);

interface Case {
  name: string;
  spec: ModelSpec;
  feeds?: TensorMap;
  tol?: number;
}

const one = (op: string, ins: [string, DType, number[]][], out: [string, DType, number[]], extra: Partial<ModelSpec> & { attrs?: Case['spec']['nodes'][0]['attrs']; nodeInputs?: string[] } = {}): ModelSpec => ({
  opset: extra.opset,
  inputs: ins,
  outputs: [out],
  initializers: extra.initializers,
  nodes: [...(extra.nodes ?? []), { op, inputs: extra.nodeInputs ?? ins.map((i) => i[0]), outputs: [out[0]], attrs: extra.attrs }],
});

const CASES: Case[] = [
  { name: 'Gemm transA alpha beta', spec: one('Gemm', [['a', 'float32', [3, 2]], ['b', 'float32', [3, 4]], ['c', 'float32', [4]]], ['y', 'float32', [2, 4]], { attrs: { transA: { int: 1 }, alpha: { float: 0.5 }, beta: { float: 2 } } }) },
  { name: 'MatMul vector @ batched matrix', spec: one('MatMul', [['a', 'float32', [3]], ['b', 'float32', [2, 3, 4]]], ['y', 'float32', [2, 4]]) },
  { name: 'Conv group 2, SAME_UPPER, stride 2, bias', spec: one('Conv', [['x', 'float32', [1, 4, 5, 5]], ['w', 'float32', [6, 2, 3, 3]], ['b', 'float32', [6]]], ['y', 'float32', [1, 6, 3, 3]], { attrs: { group: { int: 2 }, auto_pad: { string: 'SAME_UPPER' }, strides: { ints: [2, 2] } } }) },
  { name: 'InstanceNormalization with affine', spec: one('InstanceNormalization', [['x', 'float32', [2, 3, 4]], ['s', 'float32', [3]], ['b', 'float32', [3]]], ['y', 'float32', [2, 3, 4]], { attrs: { epsilon: { float: 1e-3 } } }) },
  { name: 'LayerNormalization axis -1', spec: one('LayerNormalization', [['x', 'float32', [2, 5]], ['s', 'float32', [5]], ['b', 'float32', [5]]], ['y', 'float32', [2, 5]]) },
  { name: 'Resize nearest asymmetric floor x2 (scales)', spec: one('Resize', [['x', 'float32', [1, 2, 2, 3]]], ['y', 'float32', [1, 2, 4, 6]], { nodeInputs: ['x', '', 'sc'], initializers: { sc: f32([1, 1, 2, 2]) }, attrs: { mode: { string: 'nearest' }, coordinate_transformation_mode: { string: 'asymmetric' }, nearest_mode: { string: 'floor' } } }) },
  { name: 'Resize nearest half_pixel x3 (sizes)', spec: one('Resize', [['x', 'float32', [1, 1, 2, 2]]], ['y', 'float32', [1, 1, 6, 6]], { nodeInputs: ['x', '', '', 'sz'], initializers: { sz: i64([1, 1, 6, 6]) }, attrs: { mode: { string: 'nearest' } } }) },
  { name: 'Softmax axis 1 (opset 17)', spec: one('Softmax', [['x', 'float32', [2, 3, 4]]], ['y', 'float32', [2, 3, 4]], { attrs: { axis: { int: 1 } } }) },
  { name: 'Softmax opset 11 (flattened trailing axes)', spec: one('Softmax', [['x', 'float32', [2, 3, 4]]], ['y', 'float32', [2, 3, 4]], { opset: 11 }) },
  { name: 'LogSoftmax', spec: one('LogSoftmax', [['x', 'float32', [2, 5]]], ['y', 'float32', [2, 5]]) },
  { name: 'Erf (A&S 7.1.26)', spec: one('Erf', [['x', 'float32', [16]]], ['y', 'float32', [16]]), tol: 3e-7 },
  { name: 'Tanh', spec: one('Tanh', [['x', 'float32', [16]]], ['y', 'float32', [16]]) },
  { name: 'Relu', spec: one('Relu', [['x', 'float32', [16]]], ['y', 'float32', [16]]) },
  { name: 'Abs', spec: one('Abs', [['x', 'float32', [16]]], ['y', 'float32', [16]]) },
  { name: 'Sigmoid', spec: one('Sigmoid', [['x', 'float32', [16]]], ['y', 'float32', [16]]) },
  { name: 'Pow with int exponent', spec: one('Pow', [['x', 'float32', [4]]], ['y', 'float32', [4]], { nodeInputs: ['x', 'e'], initializers: { e: tensor(new Int32Array([3]), [1]) } }) },
  { name: 'Sub Div Exp Log Sqrt Neg chain', spec: { inputs: [['x', 'float32', [6]], ['z', 'float32', [6]]], outputs: [['y', 'float32', [6]]], nodes: [
    { op: 'Exp', inputs: ['x'], outputs: ['e'] }, { op: 'Sqrt', inputs: ['e'], outputs: ['s'] }, { op: 'Log', inputs: ['s'], outputs: ['l'] },
    { op: 'Sub', inputs: ['l', 'z'], outputs: ['d'] }, { op: 'Neg', inputs: ['d'], outputs: ['n'] }, { op: 'Div', inputs: ['n', 'e'], outputs: ['y'] }] } },
  { name: 'Max/Min variadic', spec: { inputs: [['a', 'float32', [4]], ['b', 'float32', [4]], ['c', 'float32', [1]]], outputs: [['y', 'float32', [4]], ['z', 'float32', [4]]], nodes: [
    { op: 'Max', inputs: ['a', 'b', 'c'], outputs: ['y'] }, { op: 'Min', inputs: ['a', 'b', 'c'], outputs: ['z'] }] } },
  { name: 'Where(Equal, Less, Greater) and Cast', spec: { inputs: [['a', 'float32', [5]], ['b', 'float32', [5]]], outputs: [['y', 'float32', [5]], ['c', 'int32', [5]]], nodes: [
    { op: 'Less', inputs: ['a', 'b'], outputs: ['lt'] }, { op: 'Where', inputs: ['lt', 'a', 'b'], outputs: ['w'] },
    { op: 'Equal', inputs: ['w', 'a'], outputs: ['eq'] }, { op: 'Greater', inputs: ['a', 'b'], outputs: ['gt'] },
    { op: 'Where', inputs: ['gt', 'w', 'b'], outputs: ['y'] }, { op: 'Cast', inputs: ['eq'], outputs: ['c'], attrs: { to: { int: 6 } } }] } },
  { name: 'Gather axis 1, negative constant indices', spec: one('Gather', [['x', 'float32', [2, 4, 3]]], ['y', 'float32', [2, 2, 3]], { nodeInputs: ['x', 'i'], initializers: { i: i64([-1, 1]) }, attrs: { axis: { int: 1 } } }) },
  { name: 'Gather int32 dynamic indices', spec: one('Gather', [['x', 'float32', [5, 2]], ['i', 'int32', [2, 2]]], ['y', 'float32', [2, 2, 2]]), feeds: { i: tensor(new Int32Array([4, 0, 2, 2]), [2, 2]) } },
  { name: 'Slice negative step with axes and INT64_MAX end', spec: one('Slice', [['x', 'float32', [4, 5]]], ['y', 'float32', [4, 2]], { nodeInputs: ['x', 'st', 'en', 'ax', 'sp'], initializers: { st: i64([-1, 1]), en: i64([-1000, 2 ** 53]), ax: i64([0, 1]), sp: i64([-1, 2]) } }) },
  { name: 'Pad constant value', spec: one('Pad', [['x', 'float32', [2, 3]]], ['y', 'float32', [3, 6]], { nodeInputs: ['x', 'p', 'v'], initializers: { p: i64([0, 1, 1, 2]), v: f32([-7], []) } }) },
  { name: 'Expand bidirectional', spec: one('Expand', [['x', 'float32', [3, 1]]], ['y', 'float32', [2, 3, 4]], { nodeInputs: ['x', 's'], initializers: { s: i64([2, 1, 4]) } }) },
  { name: 'Flatten, Transpose, Squeeze, Unsqueeze', spec: { inputs: [['x', 'float32', [2, 1, 3, 2]]], outputs: [['y', 'float32', [6, 1, 2]]], initializers: { a1: i64([1]), a0: i64([1]) }, nodes: [
    { op: 'Squeeze', inputs: ['x', 'a1'], outputs: ['s'] }, { op: 'Transpose', inputs: ['s'], outputs: ['t'], attrs: { perm: { ints: [2, 0, 1] } } },
    { op: 'Flatten', inputs: ['t'], outputs: ['f'], attrs: { axis: { int: 2 } } }, { op: 'Unsqueeze', inputs: ['f', 'a0'], outputs: ['u'] },
    { op: 'Constant', inputs: [], outputs: ['rs'], attrs: { value: { tensor: i64([6, 0, -1]) } } }, { op: 'Reshape', inputs: ['u', 'rs'], outputs: ['y'] }] } },
  { name: 'Shape -> Gather -> Concat -> Reshape (folded at import)', spec: { inputs: [['x', 'float32', [2, 6, 4]]], outputs: [['y', 'float32', [2, 3, 8]]], initializers: { i0: i64([0], []), i0u: i64([0]), g: i64([3]), m: i64([-1]) }, nodes: [
    { op: 'Shape', inputs: ['x'], outputs: ['sh'] }, { op: 'Gather', inputs: ['sh', 'i0'], outputs: ['n'] },
    { op: 'Unsqueeze', inputs: ['n', 'i0u'], outputs: ['nu'] }, { op: 'Concat', inputs: ['nu', 'g', 'm'], outputs: ['tgt'], attrs: { axis: { int: 0 } } },
    { op: 'Reshape', inputs: ['x', 'tgt'], outputs: ['y'] }] } },
  { name: 'ReduceMean (opset 18 axes input) and ReduceSum/ReduceMax keepdims 0', spec: { opset: 18, inputs: [['x', 'float32', [2, 3, 4]]], outputs: [['m', 'float32', [2, 1, 1]], ['s', 'float32', [3]], ['x1', 'float32', [2, 4]]], initializers: { ax: i64([1, 2]), a02: i64([0, 2]), a1: i64([1]) }, nodes: [
    { op: 'ReduceMean', inputs: ['x', 'ax'], outputs: ['m'] }, { op: 'ReduceSum', inputs: ['x', 'a02'], outputs: ['s'], attrs: { keepdims: { int: 0 } } },
    { op: 'ReduceMax', inputs: ['x', 'a1'], outputs: ['x1'], attrs: { keepdims: { int: 0 } } }] } },
  { name: 'ReduceSumSquare (opset 17 axes attribute, and opset 18 axes input)', spec: { inputs: [['x', 'float32', [2, 3, 4]]], outputs: [['q', 'float32', [2, 1, 4]]], nodes: [
    { op: 'ReduceSumSquare', inputs: ['x'], outputs: ['q'], attrs: { axes: { ints: [1] } } }] } },
  { name: 'ReduceSumSquare, opset 18', spec: { opset: 18, inputs: [['x', 'float32', [2, 3, 4]]], outputs: [['q', 'float32', [3]]], initializers: { a02: i64([0, 2]) }, nodes: [
    { op: 'ReduceSumSquare', inputs: ['x', 'a02'], outputs: ['q'], attrs: { keepdims: { int: 0 } } }] } },
  { name: 'ConvTranspose with bias, group 2, stride 2, output_padding', spec: { inputs: [['x', 'float32', [1, 4, 3, 3]], ['w', 'float32', [4, 1, 3, 3]], ['b', 'float32', [2]]], outputs: [['y', 'float32', [1, 2, 6, 6]]], nodes: [
    { op: 'ConvTranspose', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, output_padding: { ints: [1, 1] }, group: { int: 2 } } }] } },
  { name: 'Split equal and Sin/Cos', spec: { inputs: [['x', 'float32', [6, 2]]], outputs: [['a', 'float32', [3, 2]], ['b', 'float32', [3, 2]]], nodes: [
    { op: 'Split', inputs: ['x'], outputs: ['p', 'q'], attrs: { axis: { int: 0 } } }, { op: 'Sin', inputs: ['p'], outputs: ['a'] }, { op: 'Cos', inputs: ['q'], outputs: ['b'] }] } },
  { name: 'ConstantOfShape and Range', spec: { inputs: [['x', 'float32', [3]]], outputs: [['y', 'float32', [3]]], initializers: { s: i64([3]), r0: f32([0.5], []), r1: f32([3.5], []), r2: f32([1], []) }, nodes: [
    { op: 'ConstantOfShape', inputs: ['s'], outputs: ['k'], attrs: { value: { tensor: f32([2], [1]) } } }, { op: 'Range', inputs: ['r0', 'r1', 'r2'], outputs: ['r'] },
    { op: 'Mul', inputs: ['x', 'k'], outputs: ['xk'] }, { op: 'Add', inputs: ['xk', 'r'], outputs: ['y'] }] } },
];

function feedsFor(c: Case): TensorMap {
  const rng = new Rng(7);
  const feeds: TensorMap = {};
  for (const [name, dtype, shape] of c.spec.inputs) feeds[name] = c.feeds?.[name] ?? (dtype === 'float32' ? rng.normal(shape) : tensor(new Int32Array(shape.reduce((p, d) => p * d, 1)), shape, dtype));
  return feeds;
}

async function runRaw(bytes: Uint8Array, feeds: TensorMap): Promise<TensorMap> {
  const s = await ort.InferenceSession.create(bytes);
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrtTensor(v)]));
  const r = await s.run(ortFeeds);
  await s.release();
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fromOrtTensor(v)]));
}

/** |got - want| <= tol (1 + |want|) elementwise, same dtype and shape. */
function expectClose(got: HostTensor, want: HostTensor, tol: number, what: string): void {
  assertAllClose(got, want, { what: `${what} (ONNX Runtime on the raw model is the reference)`, rtol: tol, atol: tol, sameDtypeAndShape: true });
}

describe('ONNX import, op by op, against ONNX Runtime on the same model', async () => {
  const adapter = await createOnnxRuntimeAdapter({ intraOpNumThreads: 1 });
  afterAll(() => adapter.dispose());
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const bytes = onnxModel(c.spec);
    const feeds = feedsFor(c);
    const want = await runRaw(bytes, feeds);
    const m = importOnnxModel(bytes);
    const all = { ...feeds, ...m.params };
    const ref = evaluate(m.graph, all);
    const viaOrt = await (await adapter.compile(m.graph)).run(all);
    for (const [name] of c.spec.outputs) {
      expectClose(ref[name], want[name], c.tol ?? 2e-6, `${name} (reference interpreter)`);
      expectClose(viaOrt[name], want[name], c.tol ?? 2e-6, `${name} (ORT adapter)`);
    }
  });
});
