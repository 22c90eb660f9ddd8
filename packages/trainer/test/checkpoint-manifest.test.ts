// Checkpoint manifests: sizes and SHA-256 of every file, written last; a truncated, corrupted or
// unfinished newest checkpoint is skipped on resume with a warning naming it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineReward } from '@ddpo/rewards';
import { tensor, type TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import {
  CheckpointError, DDPOTrainer, hashParams, latestCheckpoint, loadCheckpoint, MANIFEST_NAME, saveCheckpoint, verifyCheckpoint, withManifest, type CheckpointData, type Progress,
} from '@ddpo/trainer';
import { tinyModel, tinyParams, TINY_PROMPTS } from './helpers/tiny-model.js';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-manifest-'));
  dirs.push(d);
  return d;
}
let adapter: TensorAdapter;
beforeAll(async () => {
  adapter = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: 1 });
});
afterAll(async () => {
  await adapter.dispose();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function sample(epoch: number): CheckpointData {
  return {
    epoch,
    params: { w: tensor([1, 2, 3, 4], [2, 2]) },
    optimizer: { tensors: { 'exp_avg/w': tensor([0, 0, 0, 0], [2, 2]) }, state: { step: epoch } },
    rng: { key: [1, 2], counter: [0, 0, 0, epoch] },
    statTracker: null,
    rewardQueries: 4 * epoch,
    config: {},
    metrics: [],
  };
}

function truncate(file: string, keep: number): void {
  fs.writeFileSync(file, fs.readFileSync(file).subarray(0, keep));
}

describe('checkpoint manifest', () => {
  it('lists every file with its size and SHA-256, and comes last', () => {
    const files = withManifest({ 'a.bin': new Uint8Array([1, 2, 3]), 'b.json': 'abc' });
    expect(Object.keys(files)).toEqual(['a.bin', 'b.json', MANIFEST_NAME]);
    const m = JSON.parse(files[MANIFEST_NAME] as string);
    // SHA-256("abc") is the FIPS 180-2 test vector
    expect(m).toEqual({
      version: 1,
      files: {
        'a.bin': { bytes: 3, sha256: createHash('sha256').update(new Uint8Array([1, 2, 3])).digest('hex') },
        'b.json': { bytes: 3, sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
      },
    });
  });

  it('saveCheckpoint writes one that verifies; truncation, a flipped byte, a missing file or manifest are named', () => {
    const run = tmp();
    const dir = saveCheckpoint(run, sample(1));
    expect(fs.readdirSync(dir).sort()).toEqual([MANIFEST_NAME, 'optimizer.safetensors', 'params.safetensors', 'state.json']);
    expect(verifyCheckpoint(dir)).toBeNull();

    const params = path.join(dir, 'params.safetensors');
    const good = fs.readFileSync(params);
    truncate(params, 100);
    expect(verifyCheckpoint(dir)).toBe(`params.safetensors has 100 bytes, the manifest says ${good.length}`);
    expect(() => loadCheckpoint(dir)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(dir)).toThrow(/params\.safetensors has 100 bytes/);

    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 1;
    fs.writeFileSync(params, flipped);
    expect(verifyCheckpoint(dir)).toBe('params.safetensors does not match its SHA-256 in the manifest');

    fs.writeFileSync(params, good);
    fs.rmSync(path.join(dir, 'state.json'));
    expect(verifyCheckpoint(dir)).toBe('state.json is missing');
    fs.rmSync(path.join(dir, MANIFEST_NAME));
    expect(verifyCheckpoint(dir)).toMatch(/^no manifest\.json/);
  });

  it('latestCheckpoint skips broken newer checkpoints, reporting each', () => {
    const run = tmp();
    for (const e of [1, 2, 3]) saveCheckpoint(run, sample(e));
    truncate(path.join(run, 'checkpoint-3', 'state.json'), 10);
    fs.rmSync(path.join(run, 'checkpoint-2', MANIFEST_NAME)); // an unfinished write
    const broken: string[] = [];
    expect(latestCheckpoint(run, (d, why) => broken.push(`${path.basename(d)}: ${why}`))).toBe(path.join(run, 'checkpoint-1'));
    expect(broken).toEqual([expect.stringMatching(/^checkpoint-3: state\.json has 10 bytes/), expect.stringMatching(/^checkpoint-2: no manifest\.json/)]);
  });
});

describe('resume with a truncated newest checkpoint', () => {
  const reward = defineReward('redness', (images) => {
    const [B, , H, W] = images.shape;
    const d = images.data as Float32Array;
    return Array.from({ length: B }, (_, b) => d.subarray(b * 3 * H * W, b * 3 * H * W + H * W).reduce((a, x) => a + x, 0) / (H * W));
  });
  const config = { numEpochs: 2, seed: 5, sampleBatchSize: 2, sampleNumBatchesPerEpoch: 1, sampleNumSteps: 2, trainBatchSize: 2, trainLearningRate: 1e-3, perPromptStatTracking: false as const };
  const make = (outDir: string, extra: { resume?: boolean; progress?: Progress; numEpochs?: number } = {}) =>
    DDPOTrainer.create({
      model: tinyModel(), params: tinyParams(), reward, promptNames: [...TINY_PROMPTS], adapter, outDir,
      config: { ...config, numEpochs: extra.numEpochs ?? config.numEpochs }, resume: extra.resume,
      progress: extra.progress ?? { begin() {}, tick() {}, end() {}, log() {} },
    });

  it('falls back to the newest intact checkpoint with a warning naming the broken one, and ends where a clean run ends', async () => {
    const clean = await make(tmp());
    await clean.train();

    const dir = tmp();
    const first = await make(dir);
    await first.train();
    truncate(path.join(dir, 'checkpoint-2', 'params.safetensors'), 64); // disk full while the last save was synced
    const logs: string[] = [];
    const resumed = await make(dir, { resume: true, progress: { begin() {}, tick() {}, end() {}, log: (l) => logs.push(l) } });
    expect(resumed.epoch).toBe(1);
    expect(logs.some((l) => l.startsWith('warning: resume: skipping broken checkpoint') && l.includes('checkpoint-2') && l.includes('params.safetensors has 64 bytes'))).toBe(true);
    await resumed.train();
    expect(hashParams(resumed.params)).toBe(hashParams(clean.params));
    expect(verifyCheckpoint(path.join(dir, 'checkpoint-2'))).toBeNull(); // rewritten intact
  });

  it('with every checkpoint broken it stops, naming them', async () => {
    const dir = tmp();
    await (await make(dir, { numEpochs: 1 })).train();
    truncate(path.join(dir, 'checkpoint-1', 'optimizer.safetensors'), 8);
    await expect(make(dir, { resume: true })).rejects.toThrow(/no intact checkpoint found in .*; broken: .*checkpoint-1 \(optimizer\.safetensors has 8 bytes/);
  });
});
