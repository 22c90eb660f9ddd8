// One process of `--ab` (ab.ts): times one lowered training graph, prints the median ms per step.
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { createOnnxRuntimeAdapter, toOrtTensor } from '@ddpo/tensor-onnxruntime';
import { median } from './measure.js';
import { benchSizes, loadModel, makePolicy, trainingFeeds } from './workloads.js';

const [file, size, spin] = process.argv.slice(2);
const sz = benchSizes(size === 'quick');
const adapter = await createOnnxRuntimeAdapter({ intraOpNumThreads: Math.min(2, (await import('node:os')).availableParallelism()), allowSpinning: spin === 'default' ? undefined : spin === 'on' });
const { model, params } = loadModel();
const feeds = Object.fromEntries(Object.entries(trainingFeeds(makePolicy(model, adapter), params, sz.trainBatch, sz.steps)).map(([k, v]) => [k, toOrtTensor(v)]));
const session = await ort.InferenceSession.create(new Uint8Array(fs.readFileSync(file)), adapter.sessionOptions);
for (let i = 0; i < 3; i++) await session.run(feeds);
const times: number[] = [];
for (let i = 0; i < 15; i++) {
  const t0 = performance.now();
  await session.run(feeds);
  times.push(performance.now() - t0);
}
await session.release();
console.log(median(times).toFixed(2));
