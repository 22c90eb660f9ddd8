// A full 10-step DDIM sampling loop through the DdimMdp interface against the golden
// sampling_trajectory.json (reference ddim_step_with_logprob with the analytic model
// eps(x, t) = 0.5 * t / 1000 * x), plus the re-scoring of the stored transitions.
import { describe, expect, it } from 'vitest';
import { tensor, type HostTensor } from '@ddpo/tensor';
import { DDIMScheduler, DdimMdp, STABLE_DIFFUSION_V1_CONFIG, StepInputError, EtaError, type DenoisingState } from '@ddpo/scheduler';
import { expectClose, fixture } from './helpers.js';

const g = fixture('sampling_trajectory.json');
const shape: number[] = g.shape;
const f64 = (v: number[]): HostTensor => tensor(Float64Array.from(v), shape);

/** The golden's analytic model: eps(x, t) = c(t) x with c(t) = 0.5 * t / 1000. */
function analyticEps(s: DenoisingState): HostTensor {
  const t = Number(s.timestep.data[0]);
  return tensor((s.latent.data as Float64Array).map((v) => ((0.5 * t) / 1000) * v), shape);
}

describe('golden sampling trajectory (N = 10, eta = 1, [2, 3, 8, 8], float64)', () => {
  const mdp = new DdimMdp(new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG), g.num_inference_steps, g.eta);
  const prompts = tensor([0n, 1n], [2], 'int64');

  it('reproduces every latent and log-prob to 1e-10 relative', () => {
    expect([...mdp.timesteps]).toEqual(g.timesteps);
    let s = mdp.initialState(f64(g.initial_latent), prompts);
    for (let i = 0; !mdp.isTerminal(s); i++) {
      const eps = analyticEps(s);
      expectClose(`model_outputs[${i}]`, eps.data, g.model_outputs[i]);
      const tr = mdp.step(s, eps, f64(g.variance_noise[i]));
      expectClose(`latents[${i + 1}]`, tr.action.data, g.latents[i + 1]);
      expectClose(`log_probs[${i}]`, tr.logProb.data, g.log_probs[i]);
      s = tr.next;
    }
    expect(s.stepIndex).toBe(10);
    expectClose('final_sample', s.latent.data, g.final_sample);
  });

  it('re-scores the stored transitions (log_probs_rescored)', () => {
    for (let i = 0; i < g.num_inference_steps; i++) {
      const state: DenoisingState = { latent: f64(g.latents[i]), timestep: tensor([BigInt(g.timesteps[i]), BigInt(g.timesteps[i])], [2], 'int64'), stepIndex: i, prompt: prompts };
      expectClose(`log_probs_rescored[${i}]`, mdp.logProb(state, analyticEps(state), f64(g.latents[i + 1])).data, g.log_probs_rescored[i]);
    }
  });

  it('rewards only the transition into x_0, and refuses to step past it', () => {
    let s = mdp.initialState(f64(g.initial_latent), prompts);
    const r = tensor([3, 4], [2]);
    for (let i = 0; i < 10; i++) {
      const tr = mdp.step(s, analyticEps(s), f64(g.variance_noise[i]));
      expect(mdp.reward(tr, r).toArray()).toEqual(i === 9 ? [3, 4] : [0, 0]);
      s = tr.next;
    }
    expect(() => mdp.step(s, analyticEps(s), f64(g.variance_noise[0]))).toThrow(StepInputError);
  });

  it('rejects eta <= 0 and mismatched prompts', () => {
    expect(() => new DdimMdp(new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG), 10, 0)).toThrow(EtaError);
    expect(() => mdp.initialState(f64(g.initial_latent), tensor([0n], [1], 'int64'))).toThrow(/prompt has shape \[1\]/);
  });
});
