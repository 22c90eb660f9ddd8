// `ddpo train --config` with a TRL DDPOConfig written in TRL's snake_case names: it trains, the run's
// config.json holds the mapped fields, keys without effect are noted and refused keys exit 2 by name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-trl-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeJson(name: string, obj: unknown): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, JSON.stringify(obj));
  return file;
}

describe('ddpo train --config <TRL DDPOConfig>', () => {
  it('trains with the TRL names mapped onto ours', async () => {
    const cfg = writeJson('trl.json', {
      num_epochs: 1, seed: 3, sample_num_steps: 2, sample_batch_size: 2, sample_num_batches_per_epoch: 1, train_batch_size: 2,
      train_learning_rate: 3e-4, train_timestep_fraction: 0.5, train_clip_range: 2e-4, per_prompt_stat_tracking: false,
      mixed_precision: 'fp16', tracker_project_name: 'trl',
    });
    const out = path.join(tmp, 'run');
    const r = await runCli(['train', '--config', cfg, '--out', out, '--no-progress', '--threads', '1']);
    expect(r.err).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.err).toContain("ignored mixed_precision: training always computes in float32 here");
    expect(r.err).toContain('ignored tracker_project_name');
    const saved = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(saved).toMatchObject({ numEpochs: 1, seed: 3, sampleNumSteps: 2, sampleBatchSize: 2, sampleNumBatchesPerEpoch: 1, trainBatchSize: 2, trainLearningRate: 3e-4, trainTimestepFraction: 0.5, trainClipRange: 2e-4, perPromptStatTracking: false });
    expect(fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('a TRL key asking for what does not apply exits 2 naming it and why', async () => {
    const cfg = writeJson('8bit.json', { num_epochs: 1, train_use_8bit_adam: true });
    const r = await runCli(['train', '--config', cfg, '--out', path.join(tmp, 'no-run')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('train_use_8bit_adam: there is no 8-bit Adam here');
    expect(fs.existsSync(path.join(tmp, 'no-run'))).toBe(false);
  });
});
