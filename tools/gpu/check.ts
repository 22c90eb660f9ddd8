// WebGPU correctness on the machine it runs on, without vitest (so it can travel as one bundle to a GPU
// machine, see docs/benchmarks.md): every conformance case's value and gradients against the reference
// interpreter, the PyTorch tiny-unet-32 against PyTorch, and a DDPO training graph against the CPU
// provider, each within DEVICE_TOLERANCES.webgpu. Prints the device Dawn picked; exits 1 on a failure.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor } from '@ddpo/tensor';
import { allClose, conformanceCases, DEVICE_TOLERANCES, maxRelativeError, prepareCase, toleranceOf } from '@ddpo/tensor/testing';
import { createOnnxRuntimeAdapter, importOnnxModel } from '@ddpo/tensor-onnxruntime';
import { loadModel, makePolicy, trainingFeeds, trainingGraph } from '../bench/workloads.js';

const tol = DEVICE_TOLERANCES.webgpu;
let failures = 0;
const fail = (what: string) => {
  failures++;
  console.log(`FAIL ${what}`);
};

const relErr = maxRelativeError;

const gpu = await createOnnxRuntimeAdapter({ device: 'webgpu' });
const cpu = await createOnnxRuntimeAdapter({ device: 'cpu' });
console.log(`device: ${gpu.name} on ${gpu.webgpuDevice?.summary}`);

let t = performance.now();
const cases = conformanceCases();
for (const [k, c] of cases.entries()) {
  const { graph, feeds, want } = prepareCase(c, k);
  const got = await (await gpu.compile(graph)).run(feeds);
  for (const o of graph.outputs) {
    const r = allClose(got[o.name], want[o.name], { sameDtypeAndShape: true, ...toleranceOf(tol.elementwise, c.primitive, want[o.name].dtype) });
    if (!r.ok) fail(`conformance ${c.name}: ${o.name} ${r.mismatches.join('; ')}`);
  }
}
console.log(`conformance: ${cases.length} cases in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const fixtures = new URL('../../packages/tensor-onnxruntime/test/fixtures/', import.meta.url);
const io = JSON.parse(fs.readFileSync(fileURLToPath(new URL('tiny-unet-32-torch.io.json', fixtures)), 'utf8')) as { shape: number[]; sample: number[]; timestep: number[]; prompt: number[]; noise_pred: number[] };
const m = importOnnxModel(new Uint8Array(fs.readFileSync(fileURLToPath(new URL('tiny-unet-32-torch.onnx', fixtures)))), { batchSize: 4 });
const feeds = { sample: tensor(io.sample, io.shape), timestep: tensor(io.timestep, [4]), prompt: tensor(io.prompt.map(BigInt), [4], 'int64'), ...m.params };
const fwd = relErr((await (await gpu.compile(m.graph)).run(feeds)).noise_pred, tensor(io.noise_pred, io.shape));
console.log(`PyTorch tiny-unet-32: relative error ${fwd.toExponential(2)} (bound ${tol.model.forward})`);
if (!(fwd < tol.model.forward)) fail('PyTorch tiny-unet-32');

t = performance.now();
const { model, params } = loadModel();
const policy = makePolicy(model, cpu);
const graph = trainingGraph(policy, 4, 4);
const tf = trainingFeeds(policy, params, 4, 4);
const want = await (await cpu.compile(graph)).run(tf);
const got = await (await gpu.compile(graph)).run(tf);
const grads = Object.keys(want).filter((k) => k.startsWith('grad:'));
const largest = Math.max(...grads.map((k) => Math.max(...want[k].toArray().map(Math.abs))));
let worst = 0;
for (const k of ['loss', ...grads]) {
  const e = relErr(got[k], want[k], k === 'loss' ? 0 : 1e-3 * largest);
  worst = Math.max(worst, e);
  if (!(e <= tol.model.gradient)) fail(`training graph ${k}: relative error ${e}`);
}
console.log(`DDPO training graph (batch 4, loss + ${grads.length} gradients) vs CPU: worst relative error ${worst.toExponential(2)} (bound ${tol.model.gradient}), ${((performance.now() - t) / 1000).toFixed(1)} s`);

await gpu.dispose();
await cpu.dispose();
console.log(failures === 0 ? 'webgpu check: all passed' : `webgpu check: ${failures} failure(s)`);
process.exit(failures === 0 ? 0 : 1);
