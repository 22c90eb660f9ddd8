// Checkpoints round-trip parameters, EMA and a nested optimizer state with tensor leaves, keep only
// the latest file, and fail with a typed error on a missing or broken pointer.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor } from '@ddpo/tensor';
import { PretrainCheckpointError, hasPretrainCheckpoint, loadPretrainCheckpoint, savePretrainCheckpoint } from '@ddpo/models';

const root = mkdtempSync(path.join(os.tmpdir(), 'ddpo-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('checkpoints', () => {
  it('round-trips params, EMA, optimizer state and run state, keeping only the newest file', async () => {
    const dir = path.join(root, 'a');
    mkdirSync(dir);
    const params = { 'w.weight': tensor([1, 2, 3, 4], [2, 2]) };
    const ema = { 'w.weight': tensor([0.5, 1, 1.5, 2], [2, 2]) };
    const optimizer = { hyper: { lr: 0.001, betas: [0.9, 0.999] }, state: { 'w.weight': { step: 3, expAvg: tensor([1, 1, 1, 1], [2, 2]), expAvgSq: tensor(new Float64Array([1, 2, 3, 4]), [2, 2]) } } };
    await savePretrainCheckpoint(dir, { step: 2, params, ema, optimizer, state: { seed: 1 } });
    await savePretrainCheckpoint(dir, { step: 4, params, ema, optimizer, state: { seed: 1, note: 'x' } });
    expect(readdirSync(dir).sort()).toEqual(['checkpoint-0000004.safetensors', 'checkpoint.json']);
    expect(hasPretrainCheckpoint(dir)).toBe(true);
    const ck = loadPretrainCheckpoint(dir);
    expect(ck.step).toBe(4);
    expect(ck.state).toEqual({ seed: 1, note: 'x' });
    expect(ck.params['w.weight'].toArray()).toEqual([1, 2, 3, 4]);
    expect(ck.ema['w.weight'].toArray()).toEqual([0.5, 1, 1.5, 2]);
    const opt = ck.optimizer as typeof optimizer;
    expect(opt.hyper).toEqual({ lr: 0.001, betas: [0.9, 0.999] });
    expect(opt.state['w.weight'].step).toBe(3);
    expect(opt.state['w.weight'].expAvgSq.dtype).toBe('float64');
    expect(opt.state['w.weight'].expAvgSq.toArray()).toEqual([1, 2, 3, 4]);
  });

  it('throws PretrainCheckpointError when the pointer is missing or broken', () => {
    const dir = path.join(root, 'b');
    mkdirSync(dir);
    expect(hasPretrainCheckpoint(dir)).toBe(false);
    expect(() => loadPretrainCheckpoint(dir)).toThrow(PretrainCheckpointError);
    writeFileSync(path.join(dir, 'checkpoint.json'), '{ not json');
    expect(() => loadPretrainCheckpoint(dir)).toThrow(PretrainCheckpointError);
    writeFileSync(path.join(dir, 'checkpoint.json'), JSON.stringify({ version: 1, step: 1, file: 'gone.safetensors', optimizer: null, state: {} }));
    expect(() => loadPretrainCheckpoint(dir)).toThrow(/gone\.safetensors/);
  });
});
