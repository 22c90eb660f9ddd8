// Pretraining end to end on the ONNX Runtime adapter at batch 2: finite losses, an atomic checkpoint
// on disk, and a run stopped after step 2 and resumed that ends bit-identical to an uninterrupted one.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, type HostTensor, type TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { PRETRAIN_CHECKPOINT_POINTER, loadPretrainCheckpoint, pretrain, PretrainError, type PretrainOptions } from '@ddpo/models';

let adapter: TensorAdapter;
let root: string;
beforeAll(async () => {
  adapter = await createOnnxRuntimeAdapter({ device: 'cpu' });
  root = mkdtempSync(path.join(os.tmpdir(), 'ddpo-pretrain-'));
});
afterAll(async () => {
  await adapter.dispose();
  rmSync(root, { recursive: true, force: true });
});

const base = (outDir: string): PretrainOptions => ({ outDir, steps: 3, batchSize: 2, seed: 7, lr: 1e-3, warmupSteps: 1, checkpointEvery: 2, progressEvery: 1, adapter });

/** Bit-identical float32 tensors under the same names. */
function sameTensors(a: Record<string, HostTensor>, b: Record<string, HostTensor>): boolean {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  return Object.keys(a).every((k) => {
    const [x, y] = [a[k].toArray(), b[k].toArray()];
    return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  });
}

describe('pretrain', () => {
  it('trains 3 steps with finite losses and writes a checkpoint and EMA weights', async () => {
    const losses: number[] = [];
    const dir = path.join(root, 'full');
    const res = await pretrain({ ...base(dir), onProgress: (p) => losses.push(p.loss) });
    expect(losses).toHaveLength(3);
    for (const l of losses) expect(Number.isFinite(l) && l > 0).toBe(true);
    expect(res.stopped).toBe(false);
    expect(existsSync(path.join(dir, PRETRAIN_CHECKPOINT_POINTER))).toBe(true);
    const ck = loadPretrainCheckpoint(dir);
    expect(ck.step).toBe(3);
    const weights = decodeSafetensors(new Uint8Array(readFileSync(res.weightsPath!)));
    expect(Object.keys(weights.tensors)).toHaveLength(95);
    expect(sameTensors(weights.tensors, res.ema)).toBe(true);
    // Training moved the zero-initialised output conv.
    expect(res.params['cout.weight'].toArray().some((v) => v !== 0)).toBe(true);
  });

  it('resumes from a checkpoint to the same parameters, EMA and Adam state as an uninterrupted run', async () => {
    const full = await pretrain(base(path.join(root, 'a')));
    const dir = path.join(root, 'b');
    const stop = new AbortController();
    const first = await pretrain({ ...base(dir), signal: stop.signal, onProgress: (p) => p.step === 2 && stop.abort() });
    expect(first.stopped).toBe(true);
    expect(first.step).toBe(2);
    expect(loadPretrainCheckpoint(dir).step).toBe(2);
    const resumed = await pretrain({ ...base(dir), resume: true });
    expect(resumed.step).toBe(3);
    expect(sameTensors(resumed.params, full.params)).toBe(true);
    expect(sameTensors(resumed.ema, full.ema)).toBe(true);
    const adamA = loadPretrainCheckpoint(path.join(root, 'a')).optimizer as { state: Record<string, { step: number; expAvgSq: { data: Float32Array } }> };
    const adamB = loadPretrainCheckpoint(dir).optimizer as typeof adamA;
    expect(adamB.state['t1.weight'].step).toBe(3);
    expect(Array.from(adamB.state['t1.weight'].expAvgSq.data)).toEqual(Array.from(adamA.state['t1.weight'].expAvgSq.data));
  });

  it('refuses to resume a checkpoint made with another seed', async () => {
    await expect(pretrain({ ...base(path.join(root, 'a')), seed: 8, resume: true })).rejects.toThrow(PretrainError);
  });
});
