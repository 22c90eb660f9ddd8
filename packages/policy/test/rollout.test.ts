// DiffusionPolicy.rollout on the reference interpreter: the golden sampling trajectory (analytic
// model, float64, injected noise), seeded determinism, one compiled graph reused for every step,
// batched classifier-free guidance, and input errors.
import { describe, expect, it } from 'vitest';
import { evaluate, GraphBuilder, ReferenceAdapter, tensor, type HostTensor } from '@ddpo/tensor';
import { DDIMScheduler, EtaError, STABLE_DIFFUSION_V1_CONFIG, ddimStepWithLogprob } from '@ddpo/scheduler';
import { DiffusionPolicy, ParamsError, PolicyInputError, paramFeeds, paramInputs } from '@ddpo/policy';
import { AnalyticModel, TinyConvModel } from './tiny-models.js';
import { expectClose, fixture } from './helpers.js';

const sd = () => new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);

describe('golden sampling_trajectory.json through rollout (float64, reference interpreter)', () => {
  const g = fixture('sampling_trajectory.json');
  const f64 = (v: number[]) => tensor(Float64Array.from(v), g.shape);

  it('reproduces every latent and the [B, T] log-probs to 1e-10 relative', async () => {
    const policy = new DiffusionPolicy({ model: new AnalyticModel(g.shape.slice(1)), scheduler: sd(), adapter: new ReferenceAdapter() });
    const r = await policy.rollout({
      prompts: [0, 0], seed: 0, numInferenceSteps: g.num_inference_steps, eta: g.eta, guidanceScale: 1, params: {}, dtype: 'float64',
      noise: { initialLatent: f64(g.initial_latent), variance: g.variance_noise.map(f64) },
    });
    expect(r.timesteps).toEqual(g.timesteps);
    expect(r.latents.length).toBe(11);
    r.latents.forEach((x, i) => expectClose(`latents[${i}]`, x.data, g.latents[i]));
    expect(r.logProbs.shape).toEqual([2, 10]);
    // Golden log_probs are step-major [T][B]; the rollout's are example-major [B, T].
    const want = [0, 1].flatMap((b) => g.log_probs.map((step: number[]) => step[b]));
    expectClose('log_probs', r.logProbs.data, want);
    expectClose('final_sample', r.finalSample.data, g.final_sample);
  });
});

describe('rollout with a tiny conv network (float32, reference interpreter)', () => {
  const model = new TinyConvModel();
  const params = model.initParams();

  it('same seed, same trajectory; another seed, another; one compiled graph for all steps', async () => {
    const adapter = new ReferenceAdapter();
    const policy = new DiffusionPolicy({ model, scheduler: sd(), adapter });
    const opts = { prompts: [0, 3, 1], numInferenceSteps: 4, eta: 1, guidanceScale: 1, params };
    const a = await policy.rollout({ ...opts, seed: 11 });
    const b = await policy.rollout({ ...opts, seed: 11 });
    const c = await policy.rollout({ ...opts, seed: 12 });
    expect(adapter.compiledCount).toBe(1);
    expect(a.finalSample.toArray()).toEqual(b.finalSample.toArray());
    expect(a.logProbs.toArray()).toEqual(b.logProbs.toArray());
    expect(a.finalSample.toArray()).not.toEqual(c.finalSample.toArray());
    expect(a.logProbs.shape).toEqual([3, 4]);
    expect(a.latents.map((x) => x.shape)).toEqual(new Array(5).fill([3, 3, 8, 8]));
    expect(a.timesteps).toEqual([751, 501, 251, 1]);
    expect(a.images.toArray().every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(a.prompts.toArray()).toEqual([0, 3, 1]);
  });

  it('guidance: one network call on [2B] (cond + null prompt), eps = eps_u + g (eps_c - eps_u)', async () => {
    const m = new TinyConvModel();
    const policy = new DiffusionPolicy({ model: m, scheduler: sd(), adapter: new ReferenceAdapter() });
    const g = 3.5;
    const B = 2;
    const r = await policy.rollout({ prompts: [1, 2], seed: 5, numInferenceSteps: 3, eta: 1, guidanceScale: g, params });
    expect(m.appliedBatches).toEqual([2 * B]);
    await policy.rollout({ prompts: [1, 2], seed: 5, numInferenceSteps: 3, eta: 1, guidanceScale: 1, params });
    expect(m.appliedBatches).toEqual([2 * B, B]);
    // Independent check of each step: the network evaluated alone for the prompts and the null prompt,
    // combined on the host, then scored by the scheduler's host call.
    const s = policy.schedulerFor(3);
    for (let i = 0; i < 3; i++) {
      const epsC = evalModel(m, params, r.latents[i], r.timesteps[i], [1, 2]);
      const epsU = evalModel(m, params, r.latents[i], r.timesteps[i], [4, 4]);
      const guided = tensor(Float32Array.from(epsC.data as Float32Array, (c, k) => epsU.data[k] as number + g * (c - (epsU.data[k] as number))), epsC.shape);
      const lp = ddimStepWithLogprob(s, { sample: r.latents[i], modelOutput: guided, timestep: r.timesteps[i], eta: 1, prevSample: r.latents[i + 1] });
      expectClose(`step ${i} log_prob`, lp.logProb.data, [0, 1].map((b) => r.logProbs.data[b * 3 + i]), { rtol: 0, atol: 2e-5 });
    }
  });

  it('rejects bad prompts, params, eta, guidance and injected noise, naming them', async () => {
    const policy = new DiffusionPolicy({ model, scheduler: sd(), adapter: new ReferenceAdapter() });
    const ok = { prompts: [0, 1], seed: 1, numInferenceSteps: 2, eta: 1, guidanceScale: 1, params };
    await expect(policy.rollout({ ...ok, prompts: [0, 5] })).rejects.toThrow(/prompts\[1\] = 5 is not an integer in \[0, 4\]/);
    await expect(policy.rollout({ ...ok, prompts: [] })).rejects.toThrow(PolicyInputError);
    await expect(policy.rollout({ ...ok, eta: 0 })).rejects.toThrow(EtaError);
    await expect(policy.rollout({ ...ok, guidanceScale: Number.NaN })).rejects.toThrow(/guidanceScale is NaN/);
    const { emb: _drop, ...missing } = params;
    await expect(policy.rollout({ ...ok, params: missing })).rejects.toThrow(/parameter 'emb' is missing/);
    await expect(policy.rollout({ ...ok, params: { ...params, extra: tensor([1]) } })).rejects.toThrow(ParamsError);
    await expect(policy.rollout({ ...ok, params: { ...params, emb: tensor(new Float32Array(4), [4, 1]) } })).rejects.toThrow(/'emb' has shape \[4, 1\], expected \[5, 3\]/);
    await expect(policy.rollout({ ...ok, noise: { initialLatent: tensor(new Float32Array(3), [3]) } })).rejects.toThrow(/noise.initialLatent/);
    const noSteps = new DiffusionPolicy({ model, scheduler: sd(), adapter: new ReferenceAdapter() });
    await expect(noSteps.rollout({ ...ok, numInferenceSteps: undefined })).rejects.toThrow(/numInferenceSteps/);
  });
});

/** The model alone, evaluated on the reference interpreter (no guidance, no scheduler). */
function evalModel(m: TinyConvModel, params: Record<string, HostTensor>, x: HostTensor, t: number, prompts: number[]): HostTensor {
  const b = new GraphBuilder();
  const B = x.shape[0];
  b.output('eps', m.apply(paramInputs(b, m), b.input('x', x.shape), b.input('t', [B]), b.input('p', [B], 'int64')));
  return evaluate(b.build(), { ...paramFeeds(m, params), x, t: tensor(new Array(B).fill(t), [B]), p: tensor(prompts.map(BigInt), [B], 'int64') }).eps;
}
