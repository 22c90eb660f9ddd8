// Failure modes give typed errors and never crash: malformed or truncated ONNX bytes, unsupported
// ops (all listed at once), missing dimensions, wrong feeds at run time, the CUDA provider without
// its libraries; and one session run 10,000 times does not grow memory.
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DdpoError, FeedError, GraphBuilder, Rng, tensor, type Graph } from '@ddpo/tensor';
import {
  createOnnxRuntimeAdapter, CudaUnavailableError, importOnnxModel, LoweringError, OnnxFormatError, OnnxImportError, UnsupportedOnnxOpsError,
} from '@ddpo/tensor-onnxruntime';
import { onnxModel } from './onnx-builder.js';

const unet = new Uint8Array(fs.readFileSync(new URL('./fixtures/tiny-unet-32-torch.onnx', import.meta.url)));

function scaleGraph(n: number): Graph {
  const b = new GraphBuilder();
  const x = b.input('x', [n]);
  const k = b.input('k', [1]);
  b.output('y', b.addNode('mul', [x, k], {}, { shape: [n], dtype: 'float32' }));
  return b.build();
}

describe('malformed ONNX bytes', () => {
  it.each([
    ['empty', new Uint8Array(0)],
    ['text', new TextEncoder().encode('this is not an onnx model')],
    ['truncated to 100 bytes', unet.slice(0, 100)],
    ['truncated in the middle of a weight', unet.slice(0, unet.length >> 1)],
    ['truncated one byte short', unet.slice(0, unet.length - 1)],
  ])('%s -> OnnxFormatError', (_name, bytes) => {
    expect(() => importOnnxModel(bytes, { batchSize: 1 })).toThrow(OnnxFormatError);
  });

  it('random truncations and byte flips give a model or a DdpoError, never another exception', () => {
    const rng = new Rng(11);
    for (let k = 0; k < 60; k++) {
      const bytes = k % 2 === 0 ? unet.slice(0, rng.randint([1], unet.length).data[0]) : unet.slice();
      if (k % 2 === 1) for (let j = 0; j < 4; j++) bytes[rng.randint([1], unet.length).data[0]] = rng.randint([1], 256).data[0];
      try {
        importOnnxModel(bytes, { batchSize: 1 });
      } catch (e) {
        expect(e, `case ${k}: ${(e as Error).message}`).toBeInstanceOf(DdpoError);
      }
    }
  });
});

describe('unsupported or incomplete models', () => {
  it('lists every unsupported op type in one UnsupportedOnnxOpsError', () => {
    const bytes = onnxModel({
      inputs: [['x', 'float32', [2, 2]]],
      outputs: [['y', 'float32', [2, 2]]],
      nodes: [
        { op: 'Celu', inputs: ['x'], outputs: ['a'] },
        { op: 'Celu', inputs: ['a'], outputs: ['b'] },
        { op: 'Exp', inputs: ['b'], outputs: ['c'] },
        { op: 'Hardmax', inputs: ['c'], outputs: ['d'] },
        { op: 'FusedThing', domain: 'com.example', inputs: ['d'], outputs: ['y'] },
      ],
    });
    try {
      importOnnxModel(bytes);
      expect.fail('import should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(UnsupportedOnnxOpsError);
      expect((e as UnsupportedOnnxOpsError).ops).toEqual(['Celu (2 nodes)', 'Hardmax (1 node)', 'com.example::FusedThing (1 node)']);
    }
  });

  it('a symbolic batch dimension without batchSize is an OnnxImportError naming it', () => {
    expect(() => importOnnxModel(unet)).toThrow(/input 'sample': dimension 0 \('B'\) is symbolic/);
    expect(() => importOnnxModel(unet)).toThrow(OnnxImportError);
  });

  it('Resize by a non-integer factor is an OnnxImportError', () => {
    const bytes = onnxModel({
      inputs: [['x', 'float32', [1, 1, 2, 2]]],
      outputs: [['y', 'float32', [1, 1, 3, 3]]],
      initializers: { s: tensor([1, 1, 1.5, 1.5]) },
      nodes: [{ op: 'Resize', inputs: ['x', '', 's'], outputs: ['y'], attrs: { mode: { string: 'nearest' } } }],
    });
    expect(() => importOnnxModel(bytes)).toThrow(OnnxImportError);
  });

  it('a shape computed from data (not known at import) is an OnnxImportError', () => {
    const bytes = onnxModel({
      inputs: [['x', 'float32', [4]], ['s', 'int64', [2]]],
      outputs: [['y', 'float32', [2, 2]]],
      nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }],
    });
    expect(() => importOnnxModel(bytes)).toThrow(/must be known at import time/);
  });
});

describe('run-time feeds', async () => {
  const adapter = await createOnnxRuntimeAdapter({ intraOpNumThreads: 1 });
  const compiled = await adapter.compile(scaleGraph(4));
  const ok = { x: tensor([1, 2, 3, 4], [4]), k: tensor([2], [1]) };

  it.each([
    ['a missing input', { x: ok.x }, /missing input 'k'/],
    ['an unknown input', { ...ok, z: ok.k }, /unknown input 'z'/],
    ['a wrong shape', { ...ok, x: tensor([1, 2, 3], [3]) }, /input 'x' has shape \[3\], expected \[4\]/],
    ['a wrong dtype', { ...ok, k: tensor(new Float64Array([2]), [1]) }, /input 'k' has dtype float64, expected float32/],
  ])('%s -> FeedError', async (_name, feeds, message) => {
    await expect(compiled.run(feeds)).rejects.toThrow(FeedError);
    await expect(compiled.run(feeds)).rejects.toThrow(message);
  });

  it('accepts feeds that are views into a larger buffer (byteOffset != 0)', async () => {
    const big = new Float32Array([9, 9, 1, 2, 3, 4, 9]);
    const out = await compiled.run({ x: tensor(big.subarray(2, 6), [4]), k: ok.k });
    expect(out.y.toArray()).toEqual([2, 4, 6, 8]);
  });

  it('an input and an output of the same name is a LoweringError at compile time', async () => {
    const b = new GraphBuilder();
    b.output('x', b.input('x', [1]));
    await expect(adapter.compile(b.build())).rejects.toThrow(LoweringError);
  });
});

describe('CUDA execution provider', () => {
  it('fails at creation with CudaUnavailableError (install steps) when its libraries are missing, or runs on it', async () => {
    const level = ort.env.logLevel;
    try {
      const a = await createOnnxRuntimeAdapter({ device: 'cuda' });
      // CUDA present: the adapter must really be the CUDA one and run a graph.
      expect(a.name).toBe('onnxruntime-cuda:0');
      const y = (await (await a.compile(scaleGraph(2))).run({ x: tensor([1, 2], [2]), k: tensor([3], [1]) })).y;
      expect(y.toArray()).toEqual([3, 6]);
      await a.dispose();
    } catch (e) {
      expect(e).toBeInstanceOf(CudaUnavailableError);
      expect((e as Error).message).toMatch(/ONNXRUNTIME_NODE_INSTALL_CUDA/);
      expect((e as Error).message).toMatch(/cuDNN 9/);
    }
    expect(ort.env.logLevel).toBe(level);
  });
});

describe('memory', () => {
  it('one session run 10,000 times does not grow RSS or heap beyond a margin', async () => {
    const n = 16384; // 64 KiB per output: a leaked output per run would be 640 MiB over 10,000 runs.
    const adapter = await createOnnxRuntimeAdapter({ intraOpNumThreads: 1 });
    const c = await adapter.compile(scaleGraph(n));
    const feeds = { x: new Rng(3).normal([n]), k: tensor([0.5], [1]) };
    for (let i = 0; i < 1000; i++) await c.run(feeds); // warm-up: arenas and JIT settle first
    const before = process.memoryUsage();
    let last = 0;
    for (let i = 0; i < 10_000; i++) last = (await c.run(feeds)).y.data[7] as number;
    const after = process.memoryUsage();
    expect(last).toBeCloseTo((feeds.x.data[7] as number) * 0.5, 6);
    const mib = (v: number) => v / 2 ** 20;
    expect(mib(after.rss - before.rss), 'RSS growth (MiB)').toBeLessThan(64);
    expect(mib(after.heapUsed - before.heapUsed), 'heap growth (MiB)').toBeLessThan(64);
    await adapter.dispose();
  });
});
