// DDPO training on ONNX Runtime's WebGPU execution provider: one epoch of DDPOTrainer (sampling with
// classifier-free guidance, the clipped PPO loss and its gradients, Adam steps) on the tiny test model
// gives the CPU provider's metrics and parameters within the WebGPU tolerance table. Shows as
// skipped, with the reason, where no WebGPU adapter exists.
import { afterAll, describe, expect, it } from 'vitest';
import { defineReward } from '@ddpo/rewards';
import type { HostTensor, TensorAdapter } from '@ddpo/tensor';
import { maxRelativeError } from '@ddpo/tensor/testing';
import { createOnnxRuntimeAdapter, DEVICE_TOLERANCES, webGpuStatus } from '@ddpo/tensor-onnxruntime';
import { DDPOTrainer, silentProgress, type EpochMetrics, type TrainerConfigInput } from '@ddpo/trainer';
import { tinyModel, tinyParams, TINY_PROMPTS } from './helpers/tiny-model.js';

/** Mean of the red channel: smooth in the pixels, so 1e-6 differences in the samples stay 1e-6 in the reward. */
const redness = defineReward('redness', (images) => {
  const [B, , H, W] = images.shape;
  const d = images.data as Float32Array;
  return Array.from({ length: B }, (_, b) => d.subarray(b * 3 * H * W, b * 3 * H * W + H * W).reduce((s, v) => s + v, 0) / (H * W));
});

const CONFIG: TrainerConfigInput = {
  numEpochs: 1, seed: 5, sampleBatchSize: 4, sampleNumBatchesPerEpoch: 1, sampleNumSteps: 3, sampleGuidanceScale: 3,
  trainBatchSize: 2, trainNumInnerEpochs: 1, trainLearningRate: 1e-3, trainClipRange: 0.2,
};

const adapters: TensorAdapter[] = [];
afterAll(async () => Promise.all(adapters.map((a) => a.dispose())));

async function epoch(device: 'cpu' | 'webgpu'): Promise<{ metrics: EpochMetrics; params: Record<string, HostTensor> }> {
  const adapter = await createOnnxRuntimeAdapter({ device, intraOpNumThreads: 1 });
  adapters.push(adapter);
  const t = await DDPOTrainer.create({ model: tinyModel(), params: tinyParams(), reward: redness, promptNames: [...TINY_PROMPTS], adapter, progress: silentProgress, config: CONFIG });
  const [metrics] = await t.train();
  return { metrics, params: t.params };
}

const gpu = await webGpuStatus();
describe.skipIf(!gpu.available)(`DDPO training on WebGPU ${gpu.available ? `(${gpu.device.summary})` : `— SKIPPED: no WebGPU adapter (${gpu.reason})`}`, () => {
  it("one epoch gives the CPU provider's loss, reward, gradient norm, KL and parameters", async () => {
    const cpu = await epoch('cpu');
    const webgpu = await epoch('webgpu');
    const tol = DEVICE_TOLERANCES.webgpu.model.gradient;
    for (const k of ['loss', 'rewardMean', 'gradNorm', 'approxKl'] as const) {
      expect(cpu.metrics[k], k).not.toBe(0);
      expect(Math.abs(webgpu.metrics[k] - cpu.metrics[k]) / Math.abs(cpu.metrics[k]), k).toBeLessThanOrEqual(tol);
    }
    const initial = tinyParams();
    for (const [k, v] of Object.entries(cpu.params)) {
      expect(maxRelativeError(v, initial[k]), `${k} moved`).toBeGreaterThan(0);
      expect(maxRelativeError(webgpu.params[k], v), k).toBeLessThanOrEqual(tol);
    }
  }, 120_000);
});
