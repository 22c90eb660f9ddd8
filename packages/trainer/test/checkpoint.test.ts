// Checkpoint directories: atomic writes, round trip of every part, newest-checkpoint lookup, hashes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tensor } from '@ddpo/tensor';
import { CheckpointError, hashParams, latestCheckpoint, loadCheckpoint, pruneCheckpoints, saveCheckpoint, writeDirAtomic, type CheckpointData } from '@ddpo/trainer';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-ck-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function sample(epoch: number): CheckpointData {
  return {
    epoch,
    params: { 'a.weight': tensor([1, 2, 3, 4], [2, 2]), 'b.bias': tensor([0.5], [1]) },
    optimizer: { tensors: { 'exp_avg.a.weight': tensor(new Float64Array([0.1, 0.2, 0.3, 0.4]), [2, 2]) }, state: { step: 7 } },
    rng: { key: [1, 2], counter: [3, 4, 5, 6] },
    statTracker: { buffers: { 'red circle': [1, 2] } },
    rewardQueries: 32 * epoch,
    config: { algorithm: 'ddpo-is' },
    metrics: [],
  };
}

describe('checkpoints', () => {
  it('round-trips params, optimizer state, rng, stat tracker, epoch', () => {
    const run = tmp();
    const dir = saveCheckpoint(run, sample(3));
    expect(path.basename(dir)).toBe('checkpoint-3');
    const back = loadCheckpoint(dir);
    expect(back.epoch).toBe(3);
    expect(back.params['a.weight'].toArray()).toEqual([1, 2, 3, 4]);
    expect(back.params['a.weight'].dtype).toBe('float32');
    expect(back.optimizer.tensors['exp_avg.a.weight'].dtype).toBe('float64');
    expect(back.optimizer.state).toEqual({ step: 7 });
    expect(back.rng).toEqual({ key: [1, 2], counter: [3, 4, 5, 6] });
    expect(back.statTracker).toEqual({ buffers: { 'red circle': [1, 2] } });
    expect(back.rewardQueries).toBe(96);
    expect(hashParams(back.params)).toBe(hashParams(sample(3).params));
  });

  it('finds the newest complete checkpoint and ignores temporary directories', () => {
    const run = tmp();
    saveCheckpoint(run, sample(1));
    saveCheckpoint(run, sample(10));
    saveCheckpoint(run, sample(2));
    fs.mkdirSync(path.join(run, '.checkpoint-11.tmp-1-abc'));
    fs.mkdirSync(path.join(run, 'checkpoint-12')); // no state.json: incomplete
    expect(latestCheckpoint(run)).toBe(path.join(run, 'checkpoint-10'));
    expect(latestCheckpoint(path.join(run, 'checkpoint-2'))).toBe(path.join(run, 'checkpoint-2'));
    expect(latestCheckpoint(path.join(run, 'nothing-here'))).toBeUndefined();
  });

  it('replaces an existing checkpoint directory atomically and leaves no temporaries', () => {
    const run = tmp();
    saveCheckpoint(run, sample(1));
    const s = sample(1);
    s.rewardQueries = 999;
    saveCheckpoint(run, s);
    expect(loadCheckpoint(path.join(run, 'checkpoint-1')).rewardQueries).toBe(999);
    expect(fs.readdirSync(run)).toEqual(['checkpoint-1']);
  });

  it('a failed directory write leaves the previous version and no temporary', () => {
    const run = tmp();
    writeDirAtomic(path.join(run, 'd'), { 'x.txt': 'old' });
    expect(() => writeDirAtomic(path.join(run, 'd'), { 'x.txt': 'new', 'sub/y.txt': 'no such sub-directory' })).toThrow();
    expect(fs.readFileSync(path.join(run, 'd', 'x.txt'), 'utf8')).toBe('old');
    expect(fs.readdirSync(run)).toEqual(['d']);
  });

  it('names the missing file of an incomplete checkpoint', () => {
    const run = tmp();
    const dir = saveCheckpoint(run, sample(1));
    fs.rmSync(path.join(dir, 'optimizer.safetensors'));
    expect(() => loadCheckpoint(dir)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(dir)).toThrow(/optimizer\.safetensors/);
  });

  it('pruneCheckpoints keeps the newest ones', () => {
    const run = tmp();
    for (const e of [1, 2, 3, 10, 11]) saveCheckpoint(run, sample(e));
    pruneCheckpoints(run, 2);
    expect(fs.readdirSync(run).sort()).toEqual(['checkpoint-10', 'checkpoint-11']);
  });

  it('hashParams changes with any bit, name or shape', () => {
    const a = { w: tensor([1, 2, 3, 4], [2, 2]) };
    const h = hashParams(a);
    expect(hashParams({ w: tensor([1, 2, 3, 4.000001], [2, 2]) })).not.toBe(h);
    expect(hashParams({ v: tensor([1, 2, 3, 4], [2, 2]) })).not.toBe(h);
    expect(hashParams({ w: tensor([1, 2, 3, 4], [4]) })).not.toBe(h);
    expect(hashParams({ w: tensor([1, 2, 3, 4], [2, 2]) })).toBe(h);
  });
});
