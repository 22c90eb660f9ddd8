// The training-side log-prob on ONNX Runtime (CPU, float32) with a tiny network: a rollout's stored
// transitions re-scored by `logProbGraph` under unchanged parameters give PPO ratio 1 within 1e-5,
// all T steps at once (per-example timesteps), with the gradient in the same graph; the same seed
// gives the same trajectory on the reference interpreter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exp, GraphBuilder, grad, ReferenceAdapter, sub, sum, tensor, type HostTensor, type TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { DDIMScheduler, STABLE_DIFFUSION_V1_CONFIG } from '@ddpo/scheduler';
import { DiffusionPolicy, paramFeeds, paramInputs, type Rollout } from '@ddpo/policy';
import { TinyConvModel } from './tiny-models.js';
import { expectClose } from './helpers.js';

const model = new TinyConvModel();
const params = model.initParams(3);
const opts = { eta: 1, guidanceScale: 4, numInferenceSteps: 6 };
let ort: TensorAdapter;
let policy: DiffusionPolicy;
let rollout: Rollout;

beforeAll(async () => {
  ort = await createOnnxRuntimeAdapter({ device: 'cpu' });
  policy = new DiffusionPolicy({ model, scheduler: new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG), adapter: ort });
  rollout = await policy.rollout({ prompts: [0, 2, 3], seed: 2024, ...opts, params });
});
afterAll(async () => {
  await ort?.dispose();
});

/** All B x T transitions of a rollout as one batch [B*T, ...] (example-major, like logProbs [B, T]). */
function flatten(r: Rollout) {
  const B = r.prompts.shape[0];
  const T = r.timesteps.length;
  const per = r.latents[0].size / B;
  const sample = new Float32Array(B * T * per);
  const prev = new Float32Array(B * T * per);
  const timestep: bigint[] = [];
  const prompt: bigint[] = [];
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T; i++) {
      const row = b * T + i;
      sample.set((r.latents[i].data as Float32Array).subarray(b * per, (b + 1) * per), row * per);
      prev.set((r.latents[i + 1].data as Float32Array).subarray(b * per, (b + 1) * per), row * per);
      timestep.push(BigInt(r.timesteps[i]));
      prompt.push(r.prompts.data[b] as bigint);
    }
  }
  const shape = [B * T, ...model.sampleShape];
  return { sample: tensor(sample, shape), prevSample: tensor(prev, shape), timestep: tensor(timestep, [B * T], 'int64'), prompt: tensor(prompt, [B * T], 'int64') };
}

describe('logProbGraph on onnxruntime-cpu (float32)', () => {
  it('unchanged parameters: ratio exp(new - old) = 1 within 1e-5 for all B x T transitions, with gradients', async () => {
    const batch = flatten(rollout);
    const n = batch.sample.shape[0];
    const b = new GraphBuilder();
    const p = paramInputs(b, model);
    const x = {
      sample: b.input('sample', batch.sample.shape), timestep: b.input('timestep', [n], 'int64'),
      prompt: b.input('prompt', [n], 'int64'), prevSample: b.input('prev_sample', batch.sample.shape),
    };
    const lp = policy.logProbGraph(p, x, opts);
    const oldLp = b.input('old_log_prob', [n]);
    const ratio = exp(sub(lp, oldLp));
    const grads = grad(sum(lp), Object.values(p));
    b.output('ratio', ratio);
    b.output('log_prob', lp);
    Object.keys(p).forEach((k, i) => b.output(`grad:${k}`, grads[i]));
    const compiled = await ort.compile(b.build());
    const out = await compiled.run({ ...paramFeeds(model, params), sample: batch.sample, timestep: batch.timestep, prompt: batch.prompt, prev_sample: batch.prevSample, old_log_prob: rollout.logProbs.reshape([n]) });
    expectClose('ratio', out.ratio.data, new Array(n).fill(1), { rtol: 0, atol: 1e-5 });
    for (const k of Object.keys(p)) {
      const g = out[`grad:${k}`].toArray();
      expect(g.every(Number.isFinite), k).toBe(true);
      expect(g.some((v) => v !== 0), `${k} has a gradient`).toBe(true);
    }
  });

  it('the host convenience logProb agrees step by step', async () => {
    for (const i of [0, 5]) {
      const lp = await policy.logProb(params, { sample: rollout.latents[i], timestep: [rollout.timesteps[i], rollout.timesteps[i], rollout.timesteps[i]], prompt: [0, 2, 3], prevSample: rollout.latents[i + 1] }, opts);
      expectClose(`step ${i}`, lp.data, [0, 1, 2].map((b) => rollout.logProbs.data[b * 6 + i]), { rtol: 0, atol: 1e-5 });
    }
  });

  it('same seed on the reference interpreter: same trajectory within float32 tolerance', async () => {
    const ref = new DiffusionPolicy({ model, scheduler: new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG), adapter: new ReferenceAdapter() });
    const r = await ref.rollout({ prompts: [0, 2, 3], seed: 2024, ...opts, params });
    r.latents.forEach((x: HostTensor, i: number) => expectClose(`latents[${i}]`, x.data, rollout.latents[i].data, { rtol: 1e-4, atol: 1e-4 }));
    expectClose('logProbs', r.logProbs.data, rollout.logProbs.data, { rtol: 0, atol: 1e-4 });
    expect(ort.compiledCount).toBeGreaterThanOrEqual(1);
  });
});
