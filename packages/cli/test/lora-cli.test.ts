// LoRA from the command line: `ddpo train --set useLora=true --set loraRank=4` trains adapters only
// (a checkpoint of far fewer values than tiny-unet-32's 591,139, under PEFT's names), then
// `ddpo export` and `ddpo sample --weights <run>` merge them onto the base weights they were
// trained on, and refuse other base weights.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initTinyUnet32, loadTinyUnet32 } from '@ddpo/models';
import { decodeSafetensors, encodeSafetensors, Rng } from '@ddpo/tensor';
import { hashParams, loadCheckpoint, mergeOntoBase } from '@ddpo/trainer';
import { runCli } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-cli-lora-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('ddpo train / export / sample with LoRA', () => {
  it('trains adapters only, exports and samples the merged model, refuses other base weights', async () => {
    const run = path.join(tmp, 'run');
    const set = ['useLora=true', 'loraRank=4', 'sampleBatchSize=2', 'sampleNumBatchesPerEpoch=1', 'sampleNumSteps=2', 'trainBatchSize=2', 'trainLearningRate=3e-3', 'perPromptStatTracking=false'];
    const train = await runCli(['train', '--algo', 'ddpo-is', '--epochs', '1', ...set.flatMap((s) => ['--set', s]), '--out', run, '--no-progress', '--threads', '2']);
    expect(train.code, train.err).toBe(0);
    const ck = path.join(run, 'checkpoint-1');
    const saved = decodeSafetensors(new Uint8Array(fs.readFileSync(path.join(ck, 'params.safetensors')))).tensors;
    const names = Object.keys(saved);
    const values = names.reduce((s, n) => s + saved[n].size, 0);
    // rank 4 on att.q/k/v/o (64 -> 64, docs/tiny-unet-32.md): 4 x (4 x 64 + 64 x 4) = 2048 values
    expect(values).toBe(2048);
    expect(names.every((n) => /^att\.[qkvo]\.lora_[AB]\.weight$/.test(n))).toBe(true);
    expect(train.out).toContain('done: 1 epochs');
    expect(saved['att.v.lora_B.weight'].toArray().some((v) => v !== 0)).toBe(true); // trained

    const onnx = path.join(tmp, 'merged.onnx');
    const exp = await runCli(['export', '--weights', run, '--out', onnx]);
    expect(exp.code, exp.err).toBe(0);
    expect(exp.out).toContain('LoRA rank 4');
    // the exported initializers are the merged weights: compare one adapted weight's raw bytes
    const merged = mergeOntoBase(loadTinyUnet32().params, (() => {
      const d = loadCheckpoint(ck);
      const { baseSha256, ...config } = d.lora!;
      return { adapters: d.params, config, baseSha256 };
    })(), ck);
    const bytes = fs.readFileSync(onnx);
    const w = merged['att.q.weight'].data as Float32Array;
    expect(bytes.includes(Buffer.from(w.buffer, w.byteOffset, w.byteLength))).toBe(true);
    expect(hashParams({ w: merged['att.q.weight'] })).not.toBe(hashParams({ w: loadTinyUnet32().params['att.q.weight'] }));

    const png = path.join(tmp, 's.png');
    const sample = await runCli(['sample', '--weights', ck, '--prompt', 'red circle', '--steps', '2', '--out', png]);
    expect(sample.code, sample.err).toBe(0);
    expect(fs.existsSync(png)).toBe(true);

    const other = path.join(tmp, 'other.safetensors');
    fs.writeFileSync(other, encodeSafetensors(initTinyUnet32(new Rng(5))));
    const refused = await runCli(['export', '--weights', run, '--base-weights', other, '--out', path.join(tmp, 'x.onnx')]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('trained on other base weights');
  }, 300_000);
});
