// Benchmark of the ONNX Runtime adapter (run with `npm run bench` in this package): MatMul GFLOP/s
// through a raw ort.InferenceSession and through the adapter, the tiny-unet-32 forward and
// forward+backward step, and the adapter's fixed per-run overhead against raw ORT.
import fs from 'node:fs';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { grad, GraphBuilder, matmul, mean, mul, Rng, tensor, type Graph, type Sym, type TensorMap } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter, importOnnxModel, lowerGraph, serializeModel, toOrtTensor, type OnnxRuntimeAdapter } from '../src/index.js';

const threads = os.availableParallelism();

function matmulGraph(n: number): Graph {
  const b = new GraphBuilder();
  b.output('c', matmul(b.input('a', [n, n]), b.input('b', [n, n])));
  return b.build();
}

/** Median seconds per call of `fn` over `reps` calls after `warm` warm-up calls. */
async function time(fn: () => Promise<unknown>, reps: number, warm = 3): Promise<number> {
  for (let i = 0; i < warm; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t.push((performance.now() - t0) / 1000);
  }
  return t.sort((x, y) => x - y)[reps >> 1];
}

/** Raw ORT vs adapter on the same n^3 MatMul, interleaved in rounds so drift hits both alike. */
async function matmulRawVsAdapter(adapter: OnnxRuntimeAdapter, n: number, reps: number, rounds: number): Promise<{ raw: number; adapter: number }> {
  const graph = matmulGraph(n);
  const session = await ort.InferenceSession.create(serializeModel(lowerGraph(graph)), adapter.sessionOptions);
  const rng = new Rng(1);
  const feeds: TensorMap = { a: rng.normal([n, n]), b: rng.normal([n, n]) };
  const compiled = await adapter.compile(graph);
  const raw: number[] = [];
  const ad: number[] = [];
  for (let r = 0; r < rounds; r++) {
    raw.push(await time(() => session.run({ a: toOrtTensor(feeds.a), b: toOrtTensor(feeds.b) }), reps));
    ad.push(await time(() => compiled.run(feeds), reps));
  }
  await session.release();
  const med = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1];
  return { raw: med(raw), adapter: med(ad) };
}

async function unetSteps(adapter: OnnxRuntimeAdapter, batch: number): Promise<{ fwd: number; fwdBwd: number }> {
  const bytes = new Uint8Array(fs.readFileSync(new URL('../test/fixtures/tiny-unet-32-torch.onnx', import.meta.url)));
  const m = importOnnxModel(bytes, { batchSize: batch });
  const rng = new Rng(2);
  const data: TensorMap = {
    sample: rng.normal([batch, 3, 32, 32]),
    timestep: tensor(Array.from({ length: batch }, (_, k) => (k * 97) % 1000), [batch]),
    prompt: tensor(Array.from({ length: batch }, (_, k) => BigInt(k % 17)), [batch], 'int64'),
    ...m.params,
  };
  const fwd = await adapter.compile(m.graph);
  // Forward + backward: gradient of mean(noise_pred * w) with respect to every parameter.
  const b = new GraphBuilder();
  const feeds: Record<string, Sym> = {};
  for (const i of m.inputs) feeds[i.name] = b.input(i.name, i.shape, i.dtype);
  for (const [name, v] of Object.entries(m.params)) feeds[name] = b.input(name, v.shape, v.dtype);
  const w = b.input('w', [batch, 3, 32, 32]);
  const loss = mean(mul(m.apply(b, feeds).noise_pred, w));
  const names = Object.keys(m.params);
  grad(loss, names.map((n) => feeds[n])).forEach((g, k) => b.output(`d:${names[k]}`, g));
  b.output('loss', loss);
  const train = await adapter.compile(b.build());
  const trainFeeds = { ...data, w: rng.normal([batch, 3, 32, 32]) };
  return { fwd: await time(() => fwd.run(data), 10), fwdBwd: await time(() => train.run(trainFeeds), 10) };
}

async function main(): Promise<void> {
  const adapter = await createOnnxRuntimeAdapter();
  console.log(`onnxruntime-node ${ort.env.versions.node}, ${threads} threads, ${os.cpus()[0]?.model ?? 'cpu'}`);

  const big = await matmulRawVsAdapter(adapter, 1024, 5, 3);
  const flops = 2 * 1024 ** 3;
  console.log(`MatMul 1024^3 float32: raw ORT ${(flops / big.raw / 1e9).toFixed(1)} GFLOP/s (${(big.raw * 1e3).toFixed(2)} ms), adapter ${(flops / big.adapter / 1e9).toFixed(1)} GFLOP/s (${(big.adapter * 1e3).toFixed(2)} ms)`);

  const small = await matmulRawVsAdapter(adapter, 256, 200, 5);
  const ratio = small.adapter / small.raw;
  console.log(`MatMul 256^3 float32 per run: raw ORT ${(small.raw * 1e6).toFixed(1)} us, adapter ${(small.adapter * 1e6).toFixed(1)} us, adapter/raw = ${ratio.toFixed(3)} (${ratio <= 1.05 ? 'within' : 'OUTSIDE'} 5%)`);
  const tiny = await matmulRawVsAdapter(adapter, 2, 2000, 5);
  console.log(`fixed overhead (2x2 MatMul): raw ORT ${(tiny.raw * 1e6).toFixed(1)} us/run, adapter ${(tiny.adapter * 1e6).toFixed(1)} us/run (+${((tiny.adapter - tiny.raw) * 1e6).toFixed(1)} us)`);

  for (const batch of [1, 8]) {
    const u = await unetSteps(adapter, batch);
    console.log(`tiny-unet-32 batch ${batch}: forward ${(u.fwd * 1e3).toFixed(1)} ms (${(batch / u.fwd).toFixed(0)} img/s), forward+backward ${(u.fwdBwd * 1e3).toFixed(1)} ms (${(batch / u.fwdBwd).toFixed(0)} img/s)`);
  }
  console.log(`sessions compiled: ${adapter.compiledCount}`);
  await adapter.dispose();
}

await main();
