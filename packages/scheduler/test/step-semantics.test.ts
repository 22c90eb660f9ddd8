// diffusers-semantics `step` and `addNoise`, the other prediction types, clipping, and the
// last-step difference between stock diffusers and ddpo-pytorch (golden README, "easy to get wrong").
import { describe, expect, it } from 'vitest';
import { tensor, Rng, type HostTensor } from '@ddpo/tensor';
import { DDIMScheduler, STABLE_DIFFUSION_V1_CONFIG, ddimStepWithLogprob } from '@ddpo/scheduler';
import { expectClose, fixture } from './helpers.js';

const golden = fixture('ddim_step.json');
const ac: number[] = golden.schedule.alphas_cumprod;
const f64 = (v: number[] | Float64Array, shape: readonly number[]): HostTensor => tensor(Float64Array.from(v), shape);

function sd(n: number, extra = {}): DDIMScheduler {
  const s = new DDIMScheduler({ ...STABLE_DIFFUSION_V1_CONFIG, ...extra });
  s.setTimesteps(n);
  return s;
}

const gridCases: [string, any][] = golden.cases.filter((c: any) => c.kind === 'grid').map((c: any) => [c.id, c]);

describe('DDIMScheduler.step (diffusers semantics)', () => {
  it.each(gridCases)(
    '%s: with the same noise, step() = the reference sample (SD v1: final alpha = alphasCumprod[0])',
    (_id: string, c: any) => {
      const s = sd(c.num_inference_steps);
      const r = s.step(f64(c.model_output, c.shape), c.timestep[0], f64(c.sample, c.shape), { eta: c.eta, varianceNoise: f64(c.sampling.variance_noise, c.shape) });
      expectClose('prev_sample', r.prevSample.data, c.sampling.prev_sample);
      expectClose('pred_original_sample', r.predOriginalSample.data, c.derived.pred_original_sample);
    },
  );

  it('setAlphaToOne: step() ends at x_0 exactly, ddimStepWithLogprob clamps to alphasCumprod[0] (finite log-prob)', () => {
    const c = golden.cases.find((k: any) => k.timestep[0] === 1 && k.num_inference_steps === 50);
    const s = sd(50, { setAlphaToOne: true });
    const x = f64(c.sample, c.shape);
    const eps = f64(c.model_output, c.shape);
    const r = s.step(eps, 1, x, { eta: 0 });
    expect(r.prevSample.toArray()).toEqual(r.predOriginalSample.toArray());
    const lp = ddimStepWithLogprob(s, { sample: x, modelOutput: eps, timestep: 1, eta: c.eta, varianceNoise: f64(c.sampling.variance_noise, c.shape) });
    expectClose('log_prob', lp.logProb.data, c.sampling.log_prob);
  });

  it('draws the variance noise from a generator, reproducibly', () => {
    const c = golden.cases[0];
    const s = sd(50);
    const run = () => s.step(f64(c.model_output, c.shape), 981, f64(c.sample, c.shape), { eta: 1, generator: new Rng(7) }).prevSample.toArray();
    expect(run()).toEqual(run());
    const noise = new Rng(7).normal(c.shape, 'float64');
    expect(run()).toEqual(s.step(f64(c.model_output, c.shape), 981, f64(c.sample, c.shape), { eta: 1, varianceNoise: noise }).prevSample.toArray());
  });

  it('clipSample (diffusers default) clamps the predicted x_0 to [-clipSampleRange, clipSampleRange]', () => {
    const c = golden.cases[0];
    const s = sd(50, { clipSample: true, clipSampleRange: 2 });
    const r = s.step(f64(c.model_output, c.shape), 981, f64(c.sample, c.shape), { eta: 0 });
    const want = (c.derived.pred_original_sample as number[]).map((v) => Math.min(Math.max(v, -2), 2));
    expect(want.some((v, i) => v !== c.derived.pred_original_sample[i])).toBe(true);
    expectClose('clipped x0', r.predOriginalSample.data, want);
  });
});

describe('prediction types agree with epsilon prediction', () => {
  const c = golden.cases.find((k: any) => k.id.startsWith('grid_n20_eta0.5_i9'));
  const t = c.timestep[0];
  const [sa, sb] = [Math.sqrt(ac[t]), Math.sqrt(1 - ac[t])];
  const x0: number[] = c.derived.pred_original_sample;
  const eps: number[] = c.model_output;
  const variants: [string, number[]][] = [
    ['sample', x0],
    // v = sqrt(a) eps - sqrt(1 - a) x_0 (Salimans & Ho 2022).
    ['v_prediction', eps.map((e, i) => sa * e - sb * x0[i])],
  ];
  it.each(variants)('%s', (predictionType, modelOutput) => {
    const s = sd(20, { predictionType });
    const r = ddimStepWithLogprob(s, { sample: f64(c.sample, c.shape), modelOutput: f64(modelOutput, c.shape), timestep: t, eta: c.eta, prevSample: f64(c.scoring.prev_sample, c.shape) });
    expectClose('prev_sample_mean', r.prevSampleMean.data, c.derived.prev_sample_mean, { rtol: 1e-8, atol: 1e-10 });
    expectClose('log_prob', r.logProb.data, c.scoring.log_prob, { rtol: 1e-8, atol: 1e-10 });
  });
});

describe('addNoise', () => {
  it('sqrt(alpha-bar_t) x_0 + sqrt(1 - alpha-bar_t) noise, one t per example, dtype kept', () => {
    const s = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);
    const x0 = f64([1, 2, 3, 4], [2, 2]);
    const noise = f64([0.5, -1, 2, 0], [2, 2]);
    const r = s.addNoise(x0, noise, [999, 0]);
    const want = [0, 1, 2, 3].map((i) => {
      const a = ac[i < 2 ? 999 : 0];
      return Math.sqrt(a) * x0.toArray()[i] + Math.sqrt(1 - a) * noise.toArray()[i];
    });
    expect(r.dtype).toBe('float64');
    expectClose('noisy', r.data, want);
    expect(s.addNoise(tensor([1, 2, 3, 4], [2, 2]), tensor([0.5, -1, 2, 0], [2, 2]), 5).dtype).toBe('float32');
  });
});
