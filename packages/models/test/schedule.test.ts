// The pretraining noise schedule against diffusers' scaled_linear schedule (golden, float64), the
// forward noising formula, and the learning-rate schedule's shape.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addNoise, learningRate, pretrainBatch, scaledLinearAlphasCumprod } from '@ddpo/models';

const golden = JSON.parse(readFileSync(new URL('./fixtures/ddim-schedule.json', import.meta.url), 'utf8')).schedule as {
  alphas_cumprod: number[];
  final_alpha_cumprod: number;
};

describe('training schedule', () => {
  it('matches diffusers scaled_linear alphas_cumprod (golden ddim_step.json, float64)', () => {
    const abar = scaledLinearAlphasCumprod();
    expect(abar).toHaveLength(1000);
    for (let t = 0; t < 1000; t++) expect(Math.abs(abar[t] - golden.alphas_cumprod[t])).toBeLessThanOrEqual(1e-12 * golden.alphas_cumprod[t]);
    expect(abar[0]).toBe(golden.final_alpha_cumprod);
  });

  it('noises as sqrt(abar) x0 + sqrt(1 - abar) eps per example', () => {
    const abar = scaledLinearAlphasCumprod();
    const out = addNoise(new Float32Array([1, 2, 3, 4]), new Float32Array([0.5, -1, 2, 0]), [0, 999], abar);
    const [a0, a1] = [abar[0], abar[999]];
    const want = [Math.sqrt(a0) + 0.5 * Math.sqrt(1 - a0), 2 * Math.sqrt(a0) - Math.sqrt(1 - a0), 3 * Math.sqrt(a1) + 2 * Math.sqrt(1 - a1), 4 * Math.sqrt(a1)];
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('warms the learning rate up linearly, then decays it by a cosine to 10%', () => {
    const o = { lr: 1e-3, warmupSteps: 10, steps: 110, lrSchedule: 'cosine' as const };
    expect(learningRate(0, o)).toBeCloseTo(1e-4, 12);
    expect(learningRate(9, o)).toBeCloseTo(1e-3, 12);
    expect(learningRate(60, o)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5), 12);
    expect(learningRate(110, o)).toBeCloseTo(1e-4, 12);
    expect(learningRate(50, { ...o, lrSchedule: 'constant' })).toBe(1e-3);
  });

  it('draws step batches from step-indexed streams: timesteps in [0, 999], dropped prompts become the null prompt', () => {
    const abar = scaledLinearAlphasCumprod();
    const a = pretrainBatch(3, { seed: 1, batchSize: 64, promptDropout: 0.5 }, abar);
    const b = pretrainBatch(3, { seed: 1, batchSize: 64, promptDropout: 0.5 }, abar);
    expect(a.sample.toArray()).toEqual(b.sample.toArray());
    for (const t of a.timestep.data) expect(Number.isInteger(t) && t >= 0 && t <= 999).toBe(true);
    const nulls = Array.from(a.prompt.data as BigInt64Array).filter((p) => p === 16n).length;
    expect(nulls).toBeGreaterThan(16);
    expect(nulls).toBeLessThan(48);
    const none = pretrainBatch(3, { seed: 1, batchSize: 64, promptDropout: 0 }, abar);
    expect(Array.from(none.prompt.data as BigInt64Array).every((p) => p < 16n)).toBe(true);
    const c = pretrainBatch(4, { seed: 1, batchSize: 64, promptDropout: 0.5 }, abar);
    expect(c.noise.toArray()).not.toEqual(a.noise.toArray());
  });
});
