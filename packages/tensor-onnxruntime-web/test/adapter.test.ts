// The onnxruntime-web adapter in Node (onnxruntime-web's Node build runs the same wasm kernels as a page):
// the conformance subset, caching, typed errors. The page run in headless Chromium is tools/test/web-page.test.ts.
import { describe, expect, it } from 'vitest';
import { add, GraphBuilder, matmul, tensor } from '@ddpo/tensor';
import { conformanceCases } from '@ddpo/tensor/testing';
import {
  CONFORMANCE_SUBSET, createOnnxRuntimeWebAdapter, runConformanceSubset, UnknownWebDeviceError, WebGpuUnavailableInPageError,
} from '@ddpo/tensor-onnxruntime-web';

describe('onnxruntime-web adapter (wasm, in Node)', () => {
  it('covers every primitive once in the subset', () => {
    const primitives = new Set(conformanceCases().map((c) => c.primitive));
    expect(CONFORMANCE_SUBSET.length).toBe(primitives.size);
  });

  it('passes the conformance subset', async () => {
    const adapter = await createOnnxRuntimeWebAdapter({ device: 'wasm', numThreads: 1 });
    const results = await runConformanceSubset(adapter);
    await adapter.dispose();
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.length).toBe(CONFORMANCE_SUBSET.length);
  });

  it('reports a wrong result instead of passing it', async () => {
    // An adapter that answers 0 everywhere must fail the subset: the check can fail.
    const adapter = await createOnnxRuntimeWebAdapter({ device: 'wasm', numThreads: 1 });
    const liar = {
      name: 'liar',
      compiledCount: 0,
      async compile(g: Parameters<typeof adapter.compile>[0]) {
        const c = await adapter.compile(g);
        return { graph: g, dispose: () => c.dispose(), run: async (f: Parameters<typeof c.run>[0]) => {
          const out = await c.run(f);
          for (const t of Object.values(out)) if (t.dtype === 'float32') (t.data as Float32Array).fill(0.125);
          return out;
        } };
      },
      dispose: () => adapter.dispose(),
    };
    const results = await runConformanceSubset(liar as never, { names: ['exp float32'] });
    await adapter.dispose();
    expect(results).toHaveLength(1);
    expect(results[0].ok).toBe(false);
    expect(results[0].problem).toMatch(/the reference gives/);
  });

  it('runs a graph and caches its session per Graph object', async () => {
    const b = new GraphBuilder();
    b.output('y', add(matmul(b.input('x', [2, 3]), b.input('w', [3, 2])), 1));
    const graph = b.build();
    const adapter = await createOnnxRuntimeWebAdapter();
    const compiled = await adapter.compile(graph);
    expect(await adapter.compile(graph)).toBe(compiled);
    const { y } = await compiled.run({ x: tensor([1, 2, 3, 4, 5, 6], [2, 3]), w: tensor([1, 0, 0, 1, 1, 1], [3, 2]) });
    expect(y.toArray()).toEqual([5, 6, 11, 12]);
    expect(adapter.compiledCount).toBe(1);
    expect(adapter.name).toBe('onnxruntime-web-wasm');
    await adapter.dispose();
  });

  it('names a missing WebGPU and an unknown device', async () => {
    // Node has no navigator.gpu: the same error a page without WebGPU gets.
    await expect(createOnnxRuntimeWebAdapter({ device: 'webgpu' })).rejects.toThrow(WebGpuUnavailableInPageError);
    await expect(createOnnxRuntimeWebAdapter({ device: 'webgpu' })).rejects.toThrow(/WebGPU is unavailable in this page/);
    await expect(createOnnxRuntimeWebAdapter({ device: 'cpu' as never })).rejects.toThrow(UnknownWebDeviceError);
  });
});
