// Runs the conformance suite of @ddpo/tensor/testing on the reference interpreter, on ORT's CPU
// execution provider, and on its CUDA and WebGPU execution providers, each with its device's tolerance
// table, plus an export -> import round trip per case on the same adapter; a GPU provider that is
// unavailable here shows as skipped, with the reason.
import { afterAll, describe, it } from 'vitest';
import { ReferenceAdapter, type TensorAdapter } from '@ddpo/tensor';
import { assertAllClose, runConformance, toleranceOf, type CaseRun, type ToleranceDevice } from '@ddpo/tensor/testing';
import { createOnnxRuntimeAdapter, cudaStatus, exportOnnxModel, importOnnxModel, webGpuStatus } from '@ddpo/tensor-onnxruntime';

/** Export -> import -> the same outputs on this adapter. */
async function roundTrip({ adapter, case: c, graph, feeds, got, table }: CaseRun): Promise<void> {
  const again = importOnnxModel(exportOnnxModel(graph, {}));
  const round = await (await adapter.compile(again.graph)).run({ ...feeds, ...again.params });
  for (const o of graph.outputs) {
    assertAllClose(round[o.name], got[o.name], { what: `${c.name}: ${o.name} after export -> import`, sameDtypeAndShape: true, ...toleranceOf(table, c.primitive, got[o.name].dtype) });
  }
}

function suite(label: string, device: ToleranceDevice, factory: () => TensorAdapter | Promise<TensorAdapter>): void {
  describe(`conformance: ${label}`, () => runConformance(factory, { device, test: it, afterAll, afterCase: roundTrip }));
}

suite('reference', 'reference', () => new ReferenceAdapter());
suite('onnxruntime-cpu', 'cpu', () => createOnnxRuntimeAdapter({ intraOpNumThreads: 1 }));

const cuda = await cudaStatus();
describe.skipIf(!cuda.available)(`onnxruntime-cuda${cuda.available ? '' : ` — SKIPPED: CUDA execution provider unavailable (${cuda.reason})`}`, () => {
  suite('onnxruntime-cuda', 'cuda', () => createOnnxRuntimeAdapter({ device: 'cuda' }));
});

const gpu = await webGpuStatus();
describe.skipIf(!gpu.available)(`onnxruntime-webgpu ${gpu.available ? `on ${gpu.device.summary}` : `— SKIPPED: no WebGPU adapter (${gpu.reason})`}`, () => {
  suite('onnxruntime-webgpu', 'webgpu', () => createOnnxRuntimeAdapter({ device: 'webgpu', intraOpNumThreads: 1 }));
});
