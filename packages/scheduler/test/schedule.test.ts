// Host-only parts against their references: the float64 schedule of the golden vectors (computed
// by the PyTorch reference), diffusers' timestep spacings (NumPy), config defaults and validation.
import { describe, expect, it } from 'vitest';
import {
  DDIMScheduler, DDIM_DEFAULTS, STABLE_DIFFUSION_V1_CONFIG, SchedulerConfigError, betasForAlphaBar, fromDiffusersConfig,
  inferenceTimesteps, linspace, resolveConfig, toDiffusersConfig,
} from '@ddpo/scheduler';
import { expectClose, fixture } from './helpers.js';

const golden = fixture('ddim_step.json').schedule;
const numpyTs = fixture('timesteps_numpy.json');

describe('schedule of Stable Diffusion v1 (golden ddim_step.json)', () => {
  const s = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);

  it('betas and alphasCumprod match the float64 reference to 1e-10 relative', () => {
    expectClose('betas', s.betas, golden.betas);
    expectClose('alphasCumprod', s.alphasCumprod, golden.alphas_cumprod);
    expect(s.finalAlphaCumprod).toBe(s.alphasCumprod[0]);
    expectClose('finalAlphaCumprod', [s.finalAlphaCumprod], [golden.final_alpha_cumprod]);
  });

  it('float64 schedule is within ~1e-6 of the float32 one diffusers builds (documentation field)', () => {
    expectClose('alphas_cumprod_float32', s.alphasCumprod, golden.alphas_cumprod_float32, { rtol: 1e-5, atol: 0 });
  });

  it.each(['50', '20', '10'])('setTimesteps(%s) gives the reference timesteps', (n) => {
    s.setTimesteps(Number(n));
    expect([...s.timesteps]).toEqual(golden.timesteps[n]);
    expect(s.stepRatio).toBe(1000 / Number(n));
  });

  it('reads the golden config in diffusers form', () => {
    expect(fromDiffusersConfig(golden.config)).toEqual(STABLE_DIFFUSION_V1_CONFIG);
  });
});

describe('timestep spacings (NumPy restatement of diffusers set_timesteps, fixtures/timesteps_numpy.json)', () => {
  for (const spacing of ['leading', 'trailing', 'linspace'] as const) {
    it(`${spacing} for ${numpyTs.cases.length} step counts`, () => {
      for (const c of numpyTs.cases) {
        const cfg = resolveConfig({ timestepSpacing: spacing, stepsOffset: spacing === 'leading' ? 1 : 0 });
        const want = spacing === 'leading' ? c.leading_offset1 : c[spacing];
        if (want === null) {
          expect(() => inferenceTimesteps(cfg, c.n), `n=${c.n}`).toThrow(SchedulerConfigError);
        } else {
          expect(inferenceTimesteps(cfg, c.n), `${spacing} n=${c.n}`).toEqual(want);
        }
        if (spacing === 'leading') expect(inferenceTimesteps(resolveConfig({}), c.n)).toEqual(c.leading_offset0);
      }
    });
  }

  it('rejects step counts outside [1, T]', () => {
    const s = new DDIMScheduler();
    for (const n of [0, -1, 1.5, 1001, Number.NaN]) expect(() => s.setTimesteps(n), `n=${n}`).toThrow(/numInferenceSteps/);
  });
});

describe('beta schedules', () => {
  it('linear: diffusers default endpoints and even spacing', () => {
    const s = new DDIMScheduler();
    expect(s.betas[0]).toBe(0.0001);
    expect(s.betas[999]).toBe(0.02);
    expect(s.betas[500] - s.betas[499]).toBeCloseTo((0.02 - 0.0001) / 999, 15);
  });

  it('linspace matches torch.linspace endpoints and midpoints', () => {
    expect([...linspace(0, 1, 5)]).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect([...linspace(2, 3, 1)]).toEqual([2]);
  });

  it('squaredcos_cap_v2: betas from the cosine alpha-bar, capped at 0.999', () => {
    const b = betasForAlphaBar(1000);
    const ab = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    // Independent restatement (Nichol & Dhariwal 2021, eq. 17): prod(1 - beta) telescopes to abar(t)/abar(0).
    const s = new DDIMScheduler({ betaSchedule: 'squaredcos_cap_v2' });
    expect(s.alphasCumprod[499]).toBeCloseTo(ab(0.5) / ab(0), 12);
    expect(b[999]).toBe(0.999);
    expect(b.every((x) => x > 0 && x <= 0.999)).toBe(true);
  });

  it('rescaleBetasZeroSnr: terminal alpha-bar 0, first alpha-bar unchanged', () => {
    const base = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);
    const z = new DDIMScheduler({ ...STABLE_DIFFUSION_V1_CONFIG, rescaleBetasZeroSnr: true });
    expect(z.alphasCumprod[999]).toBe(0);
    expect(z.alphasCumprod[0]).toBeCloseTo(base.alphasCumprod[0], 14);
  });

  it('trainedBetas override the named schedule', () => {
    const s = new DDIMScheduler({ numTrainTimesteps: 3, trainedBetas: [0.5, 0.5, 0.5] });
    expect([...s.alphasCumprod]).toEqual([0.5, 0.25, 0.125]);
  });
});

describe('config', () => {
  it("has diffusers' defaults (clipSample true, setAlphaToOne true)", () => {
    const s = new DDIMScheduler();
    expect(s.config).toEqual(DDIM_DEFAULTS);
    expect(s.config.clipSample).toBe(true);
    expect(s.finalAlphaCumprod).toBe(1);
    expect([...s.timesteps].slice(0, 2)).toEqual([999, 998]);
  });

  it('round-trips through the diffusers snake_case form', () => {
    const json = toDiffusersConfig(STABLE_DIFFUSION_V1_CONFIG);
    expect(json.steps_offset).toBe(1);
    expect(json.clip_sample).toBe(false);
    expect(DDIMScheduler.fromDiffusersConfig(JSON.parse(JSON.stringify(json))).config).toEqual(STABLE_DIFFUSION_V1_CONFIG);
    // Keys other schedulers' configs carry (SD v1's PNDM config) are ignored, as from_config does.
    expect(fromDiffusersConfig({ _class_name: 'PNDMScheduler', skip_prk_steps: true, beta_schedule: 'scaled_linear' }).betaSchedule).toBe('scaled_linear');
  });

  it.each([
    [{ numTrainTimesteps: 0 }, 'numTrainTimesteps'],
    [{ betaStart: 0 }, 'betaStart'],
    [{ betaEnd: 1.5 }, 'betaEnd'],
    [{ betaSchedule: 'cosine' as never }, 'betaSchedule'],
    [{ predictionType: 'eps' as never }, 'predictionType'],
    [{ timestepSpacing: 'even' as never }, 'timestepSpacing'],
    [{ stepsOffset: -1 }, 'stepsOffset'],
    [{ clipSample: 'no' as never }, 'clipSample'],
    [{ clipSampleRange: 0 }, 'clipSampleRange'],
    [{ numTrainTimesteps: 3, trainedBetas: [0.1, 0.2] }, 'trainedBetas'],
    [{ clip_sample: false } as never, 'clip_sample'],
  ])('rejects %j naming the field', (cfg, field) => {
    expect(() => new DDIMScheduler(cfg)).toThrow(SchedulerConfigError);
    expect(() => new DDIMScheduler(cfg)).toThrow(field);
  });

  it('rejects thresholding (not implemented) and leading timesteps past T', () => {
    expect(() => fromDiffusersConfig({ thresholding: true })).toThrow(/thresholding/);
    const s = new DDIMScheduler({ stepsOffset: 1 });
    expect(() => s.setTimesteps(1000)).toThrow(/timestep 1000/);
  });
});
