// `--device webgpu`: `ddpo train` runs on ONNX Runtime's WebGPU execution provider and its first
// epoch's loss, reward, gradient norm and approximate KL match the same run on the CPU within the
// WebGPU tolerance table (a continuous
// reward, so that 1e-6 differences in the samples cannot flip a quantised one). Where no WebGPU
// adapter exists the run shows as skipped with the reason, and the flag still fails with the typed error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEVICE_TOLERANCES, webGpuStatus } from '@ddpo/tensor-onnxruntime';
import { readMetrics, type EpochMetrics } from '@ddpo/trainer';
import { runCli } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-webgpu-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Mean red channel of each image: smooth in the pixels.
const reward = path.join(tmp, 'redness.mjs');
fs.writeFileSync(
  reward,
  `export default function redness(images) {
  const [B, , H, W] = images.shape;
  return Array.from({ length: B }, (_, b) => { let s = 0; for (let i = 0; i < H * W; i++) s += images.data[b * 3 * H * W + i]; return s / (H * W); });
}
`,
);
const SMALL = ['--epochs', '1', '--sample-batch-size', '2', '--batches-per-epoch', '2', '--steps', '2', '--guidance-scale', '1', '--train-batch-size', '2', '--inner-epochs', '1', '--seed', '3', '--reward', reward, '--threads', '1', '--no-progress'];

async function firstEpoch(device: string): Promise<{ metrics: EpochMetrics; err: string }> {
  const out = path.join(tmp, device);
  const r = await runCli(['train', '--algo', 'ddpo-is', ...SMALL, '--device', device, '--out', out]);
  expect(r.code, r.err).toBe(0);
  return { metrics: readMetrics(path.join(out, 'metrics.jsonl'))[0], err: r.err };
}

it('--device rejects an unknown device and names the valid ones', async () => {
  const r = await runCli(['train', '--device', 'gpu', '--out', tmp]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/gpu.*cpu.*cuda.*webgpu.*reference/s);
});

const gpu = await webGpuStatus();
describe.skipIf(!gpu.available)(`ddpo train --device webgpu ${gpu.available ? `on ${gpu.device.summary}` : `— SKIPPED: no WebGPU adapter (${gpu.reason})`}`, () => {
  it("runs, says which device Dawn picked, and its first epoch's loss matches the CPU run's", async () => {
    const cpu = await firstEpoch('cpu');
    const webgpu = await firstEpoch('webgpu');
    expect(webgpu.err).toContain('device: onnxruntime-webgpu');
    expect(webgpu.err).toMatch(/webgpu: .+ via /);
    // The loss, and what it is made of: rewards of the samples, the gradient and the policy's log-probs.
    const tol = DEVICE_TOLERANCES.webgpu.model.gradient;
    for (const k of ['rewardMean', 'gradNorm'] as const) {
      expect(cpu.metrics[k], k).not.toBe(0);
      expect(Math.abs(webgpu.metrics[k] - cpu.metrics[k]) / Math.abs(cpu.metrics[k]), k).toBeLessThanOrEqual(tol);
    }
    // approx_kl is measured after the first optimizer step, and Adam's first step is g / (|g| + eps)
    // per parameter: rounding flips the sign of near-zero gradient entries and moves the update by a
    // whole lr there, so this statistic amplifies float32 rounding well past the gradient's own error.
    // Two CPU lowerings of the same math (InstanceNormalization vs LayerNormalization in the sampling
    // forward, 364fd74 vs 54091ab) moved it by 1.1e-4 relative while gradNorm moved by 3e-6; 10x the
    // gradient tolerance still catches a wrong update, which moves it by orders of magnitude more.
    expect(cpu.metrics.approxKl, 'approxKl').not.toBe(0);
    expect(Math.abs(webgpu.metrics.approxKl - cpu.metrics.approxKl) / Math.abs(cpu.metrics.approxKl), 'approxKl').toBeLessThanOrEqual(10 * tol);
    // The PPO loss is a mean of -A * ratio terms of unit scale (advantages normalised to std 1, ratio
    // ~1) that cancel to ~3e-5 here: its float32 error is absolute at the terms' scale (~1e-7 per
    // rounding), so it is compared against that scale and not relative to its own tiny value.
    expect(cpu.metrics.loss).not.toBe(0);
    expect(Math.abs(webgpu.metrics.loss - cpu.metrics.loss), 'loss').toBeLessThanOrEqual(tol * Math.max(1, Math.abs(cpu.metrics.loss)));
  }, 600_000);
});
