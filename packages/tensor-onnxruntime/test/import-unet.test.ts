// The PyTorch-exported tiny-unet-32 (test/fixtures, see README there): imported, run on ORT and on
// the reference interpreter, it must reproduce PyTorch's noise_pred (on ORT's WebGPU provider too,
// where one exists); it must be differentiable with respect to its initializers; exported back, a
// plain ort.InferenceSession and a re-import must agree.
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, grad, GraphBuilder, mean, mul, tensor, type HostTensor, type TensorMap } from '@ddpo/tensor';
import { maxRelativeError } from '@ddpo/tensor/testing';
import { createOnnxRuntimeAdapter, DEVICE_TOLERANCES, exportOnnxModel, fromOrtTensor, importOnnxModel, toOrtTensor, webGpuStatus } from '@ddpo/tensor-onnxruntime';

const dir = new URL('./fixtures/', import.meta.url);
const bytes = new Uint8Array(fs.readFileSync(new URL('tiny-unet-32-torch.onnx', dir)));
const io = JSON.parse(fs.readFileSync(new URL('tiny-unet-32-torch.io.json', dir), 'utf8')) as {
  shape: number[]; sample: number[]; timestep: number[]; prompt: number[]; noise_pred: number[];
};
const inputs = {
  sample: tensor(io.sample, io.shape),
  timestep: tensor(io.timestep, [4]),
  prompt: tensor(io.prompt.map(BigInt), [4], 'int64'),
};
const golden = tensor(io.noise_pred, io.shape);

describe('tiny-unet-32 exported by PyTorch', async () => {
  const adapter = await createOnnxRuntimeAdapter();
  afterAll(() => adapter.dispose());
  const m = importOnnxModel(bytes, { batchSize: 4 });

  it('imports with initializers as parameters and resolved input shapes', () => {
    expect(m.inputs).toEqual([
      { name: 'sample', shape: [4, 3, 32, 32], dtype: 'float32' },
      { name: 'timestep', shape: [4], dtype: 'float32' },
      { name: 'prompt', shape: [4], dtype: 'int64' },
    ]);
    expect(m.outputs).toEqual([{ name: 'noise_pred', shape: [4, 3, 32, 32], dtype: 'float32' }]);
    // 95 PyTorch parameters (golden README); GroupNorm affines and attention weights are re-exported as onnx:: names.
    expect(Object.keys(m.params)).toHaveLength(95);
    expect(m.params['cin.weight'].shape).toEqual([32, 3, 3, 3]);
    expect(m.graph.inputs.map((i) => i.name)).toEqual(['sample', 'timestep', 'prompt', ...Object.keys(m.params)]);
  });

  it('reproduces PyTorch noise_pred on ORT and on the reference interpreter', async () => {
    const feeds = { ...inputs, ...m.params };
    const ortOut = (await (await adapter.compile(m.graph)).run(feeds)).noise_pred;
    expect(maxRelativeError(ortOut, golden)).toBeLessThan(1e-5);
    const refOut = evaluate(m.graph, feeds).noise_pred;
    expect(maxRelativeError(refOut, golden)).toBeLessThan(1e-5);
  });

  it('differentiates through the imported model: ORT gradients match the reference interpreter', async () => {
    // Batch 1 keeps the reference interpreter's backward pass quick.
    const m1 = importOnnxModel(bytes, { batchSize: 1 });
    const b = new GraphBuilder();
    const feeds: Record<string, ReturnType<GraphBuilder['input']>> = {};
    for (const i of m1.inputs) feeds[i.name] = b.input(i.name, i.shape, i.dtype);
    const w = b.input('w', [1, 3, 32, 32]);
    const out = m1.apply(b, feeds).noise_pred;
    const loss = mean(mul(out, w));
    const names = ['cin.weight', 'emb.weight', 'att.o.bias', 'cout.weight'];
    const params = names.map((n) => b.nodes.find((x) => x.op === 'input' && x.params.name === n)!).map((x) => b.sym(x.id));
    grad(loss, params).forEach((g, k) => b.output(`d:${names[k]}`, g));
    b.output('loss', loss);
    const graph = b.build();
    const feedVals: TensorMap = {
      sample: tensor(io.sample.slice(0, 3072), [1, 3, 32, 32]),
      timestep: tensor([500], [1]),
      prompt: tensor([5n], [1], 'int64'),
      w: tensor(io.noise_pred.slice(3072, 6144), [1, 3, 32, 32]),
      ...m1.params,
    };
    const viaOrt = await (await adapter.compile(graph)).run(feedVals);
    const ref = evaluate(graph, feedVals);
    for (const n of names) {
      expect(viaOrt[`d:${n}`].shape).toEqual(m1.params[n].shape);
      expect(maxRelativeError(viaOrt[`d:${n}`], ref[`d:${n}`]), n).toBeLessThan(1e-4);
      expect(Math.max(...ref[`d:${n}`].toArray().map(Math.abs)), `${n} gradient is not all zero`).toBeGreaterThan(0);
    }
  });

  it('apply() twice in one builder shares the parameters (declared once, by name)', async () => {
    const m1 = importOnnxModel(bytes, { batchSize: 1 });
    const b = new GraphBuilder();
    const s = b.input('sample', [1, 3, 32, 32]);
    const p = b.input('prompt', [1], 'int64');
    const y1 = m1.apply(b, { sample: s, timestep: b.input('t1', [1]), prompt: p }).noise_pred;
    const y2 = m1.apply(b, { sample: s, timestep: b.input('t2', [1]), prompt: p }).noise_pred;
    b.output('y1', y1);
    b.output('y2', y2);
    const g = b.build();
    expect(g.inputs.map((i) => i.name)).toEqual(['sample', 'prompt', 't1', ...Object.keys(m1.params), 't2']);
    const feeds = { sample: tensor(io.sample.slice(0, 3072), [1, 3, 32, 32]), prompt: tensor([0n], [1], 'int64'), t1: tensor([999], [1]), t2: tensor([999], [1]), ...m1.params };
    const out = await (await adapter.compile(g)).run(feeds);
    expect(maxRelativeError(out.y1, tensor(io.noise_pred.slice(0, 3072), [1, 3, 32, 32]))).toBeLessThan(1e-5);
    expect(out.y2.toArray()).toEqual(out.y1.toArray());
  });

  it('exports with parameters baked in: a plain InferenceSession reproduces noise_pred', async () => {
    const out = exportOnnxModel(m.graph, m.params, { docString: 'tiny-unet-32 round trip' });
    const session = await ort.InferenceSession.create(out);
    expect([...session.inputNames]).toEqual(['sample', 'timestep', 'prompt']);
    const r = await session.run(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, toOrtTensor(v)])));
    expect(maxRelativeError(fromOrtTensor(r.noise_pred), golden)).toBeLessThan(1e-5);
    await session.release();
  });

  it('export -> import gives the same parameters and outputs', async () => {
    const again = importOnnxModel(exportOnnxModel(m.graph, m.params), { batchSize: 4 });
    expect(Object.keys(again.params).sort()).toEqual(Object.keys(m.params).sort());
    expect(again.inputs).toEqual(m.inputs);
    const a = (await (await adapter.compile(m.graph)).run({ ...inputs, ...m.params })).noise_pred;
    const b = (await (await adapter.compile(again.graph)).run({ ...inputs, ...again.params })).noise_pred;
    expect(maxRelativeError(b, a)).toBeLessThan(1e-6);
  });
});

const gpu = await webGpuStatus();
describe.skipIf(!gpu.available)(`tiny-unet-32 exported by PyTorch, on WebGPU ${gpu.available ? `(${gpu.device.summary})` : `— SKIPPED: no WebGPU adapter (${gpu.reason})`}`, () => {
  it('reproduces PyTorch noise_pred through createOnnxRuntimeAdapter({ device: "webgpu" })', async () => {
    const adapter = await createOnnxRuntimeAdapter({ device: 'webgpu' });
    try {
      expect(adapter.name).toBe('onnxruntime-webgpu');
      const m = importOnnxModel(bytes, { batchSize: 4 });
      const out = (await (await adapter.compile(m.graph)).run({ ...inputs, ...m.params })).noise_pred;
      expect(maxRelativeError(out, golden)).toBeLessThan(DEVICE_TOLERANCES.webgpu.model.forward);
    } finally {
      await adapter.dispose();
    }
  }, 120_000);
});
