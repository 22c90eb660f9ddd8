// `ddpo train --log-with tensorboard`: TensorBoard event files next to metrics.jsonl (a second file
// after --resume), and a bad format named.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-logwith-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const TINY = ['--epochs', '1', '--sample-batch-size', '2', '--batches-per-epoch', '1', '--steps', '2', '--train-batch-size', '2', '--no-progress', '--threads', '1'];
const events = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));

describe('ddpo train --log-with', () => {
  it('tensorboard writes event files (and metrics.jsonl still); a resumed run adds one', async () => {
    const out = path.join(tmp, 'run');
    const r = await runCli(['train', ...TINY, '--log-with', 'jsonl,tensorboard', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`tensorboard --logdir ${out}`);
    expect(events(out)).toHaveLength(1);
    expect(fs.existsSync(path.join(out, 'metrics.jsonl'))).toBe(true);
    const first = fs.readFileSync(path.join(out, events(out)[0]));
    expect(first.includes(Buffer.from('rewardMean'))).toBe(true);
    expect(first.includes(Buffer.from('\x89PNG', 'latin1'))).toBe(true);

    const resumed = await runCli(['train', ...TINY, '--epochs', '2', '--resume', '--log-with', 'tensorboard', '--out', out]);
    expect(resumed.code).toBe(0);
    expect(events(out)).toHaveLength(2);
  });

  it('without the flag no event file is written; an unknown format exits 2 naming it', async () => {
    const out = path.join(tmp, 'plain');
    expect((await runCli(['train', ...TINY, '--out', out])).code).toBe(0);
    expect(events(out)).toEqual([]);
    const bad = await runCli(['train', ...TINY, '--log-with', 'wandb', '--out', path.join(tmp, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--log-with: expected jsonl and/or tensorboard (comma-separated), got 'wandb'");
  });
});

describe('ddpo train --no-spin', () => {
  it("ONNX Runtime's idle threads spin by default and sleep with --no-spin (the start line says which)", async () => {
    const spin = await runCli(['train', ...TINY, '--out', path.join(tmp, 'spin')]);
    expect(spin.code).toBe(0);
    expect(spin.err).toContain('device: onnxruntime-cpu, idle threads spin');
    const sleep = await runCli(['train', ...TINY, '--no-spin', '--out', path.join(tmp, 'sleep')]);
    expect(sleep.code).toBe(0);
    expect(sleep.err).toContain('device: onnxruntime-cpu, idle threads sleep');
  });
});
