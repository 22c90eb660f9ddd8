// ddimStepWithLogprob against the PyTorch reference (golden ddim_step.json, 22 cases): float64 on the
// reference interpreter to 1e-10 relative; float32 within the golden README's float32 tolerances;
// the graph-level function with float and shared ([]) timesteps.
import { describe, expect, it } from 'vitest';
import { evaluate, GraphBuilder, tensor, type HostTensor } from '@ddpo/tensor';
import { DDIMScheduler, STABLE_DIFFUSION_V1_CONFIG, ddimStepWithLogprob, ddimStepWithLogprobGraph } from '@ddpo/scheduler';
import { expectClose, fixture } from './helpers.js';

interface GoldenCase {
  id: string; kind: string; num_inference_steps: number; eta: number; shape: number[]; timestep: number[];
  sample: number[]; model_output: number[]; std_dev_t: number[];
  sampling: { timestep_call: string; variance_noise: number[]; prev_sample: number[]; log_prob: number[] };
  scoring: { prev_sample: number[]; log_prob: number[] };
  derived: { pred_original_sample: number[]; prev_sample_mean: number[] };
}
const cases: GoldenCase[] = fixture('ddim_step.json').cases;

const schedulers = new Map<number, DDIMScheduler>();
function sched(n: number): DDIMScheduler {
  if (!schedulers.has(n)) {
    const s = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);
    s.setTimesteps(n);
    schedulers.set(n, s);
  }
  return schedulers.get(n)!;
}

const f64 = (v: number[], shape: number[]): HostTensor => tensor(Float64Array.from(v), shape);
const f32 = (v: number[], shape: number[]): HostTensor => tensor(Float32Array.from(v), shape);
/** The reference's sampling call passes a 0-dim timestep (one number) unless the case says batched. */
const timestepOf = (c: GoldenCase): number | number[] => (c.sampling.timestep_call.startsWith('scalar') ? c.timestep[0] : c.timestep);

it('fixture holds the 22 cases of the golden README inventory', () => {
  expect(cases.length).toBe(22);
  expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(['grid', 'shape', 'per_example', 'far']));
});

describe.each(cases.map((c) => [c.id, c] as const))('float64, reference interpreter: %s', (_id, c) => {
  it('sampling with the injected variance noise: prev_sample, log_prob, std, mean, x0', () => {
    const r = ddimStepWithLogprob(sched(c.num_inference_steps), {
      sample: f64(c.sample, c.shape), modelOutput: f64(c.model_output, c.shape), timestep: timestepOf(c),
      eta: c.eta, varianceNoise: f64(c.sampling.variance_noise, c.shape),
    });
    expect(r.prevSample.dtype).toBe('float64');
    expect(r.logProb.shape).toEqual([c.shape[0]]);
    expectClose('prev_sample', r.prevSample.data, c.sampling.prev_sample);
    expectClose('log_prob', r.logProb.data, c.sampling.log_prob);
    expectClose('std_dev_t', r.stdDevT.data, c.std_dev_t);
    expectClose('prev_sample_mean', r.prevSampleMean.data, c.derived.prev_sample_mean);
    expectClose('pred_original_sample', r.predOriginalSample.data, c.derived.pred_original_sample);
  });

  it('scoring a given prev_sample with a [B] timestep', () => {
    const r = ddimStepWithLogprob(sched(c.num_inference_steps), {
      sample: f64(c.sample, c.shape), modelOutput: f64(c.model_output, c.shape), timestep: c.timestep,
      eta: c.eta, prevSample: f64(c.scoring.prev_sample, c.shape),
    });
    expectClose('log_prob', r.logProb.data, c.scoring.log_prob);
    expect(r.prevSample.toArray()).toEqual(c.scoring.prev_sample);
  });
});

// Golden README, "Recommended tolerances" for a float32 implementation: 1e-5 absolute for
// latents/means/x0, 5e-5 absolute for log_prob (5e-5 relative for the `far` cases), 1e-5 relative for std.
describe('float32, reference interpreter, within the float32 tolerances', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const s = sched(c.num_inference_steps);
    const base = { sample: f32(c.sample, c.shape), modelOutput: f32(c.model_output, c.shape), timestep: c.timestep, eta: c.eta };
    const r = ddimStepWithLogprob(s, { ...base, varianceNoise: f32(c.sampling.variance_noise, c.shape) });
    const lp = c.kind === 'far' ? { rtol: 5e-5, atol: 0 } : { rtol: 0, atol: 5e-5 };
    expect(r.prevSample.dtype).toBe('float32');
    expectClose('prev_sample', r.prevSample.data, c.sampling.prev_sample, { rtol: 0, atol: 1e-5 });
    expectClose('prev_sample_mean', r.prevSampleMean.data, c.derived.prev_sample_mean, { rtol: 0, atol: 1e-5 });
    expectClose('pred_original_sample', r.predOriginalSample.data, c.derived.pred_original_sample, { rtol: 0, atol: 1e-5 });
    expectClose('std_dev_t', r.stdDevT.data, c.std_dev_t, { rtol: 1e-5, atol: 0 });
    expectClose('log_prob', r.logProb.data, c.sampling.log_prob, lp);
    const scored = ddimStepWithLogprob(s, { ...base, prevSample: f32(c.scoring.prev_sample, c.shape) });
    expectClose('scoring log_prob', scored.logProb.data, c.scoring.log_prob, lp);
  });
});

describe('graph level', () => {
  const c = cases.find((k) => k.kind === 'per_example')!;
  const s = sched(c.num_inference_steps);

  it.each(['float32', 'float64', 'int32'] as const)('per-example timesteps given as a %s [B] input', (tDtype) => {
    const b = new GraphBuilder();
    const o = ddimStepWithLogprobGraph(s, {
      sample: b.input('x', c.shape, 'float64'), modelOutput: b.input('eps', c.shape, 'float64'),
      timestep: b.input('t', [c.shape[0]], tDtype), eta: c.eta, prevSample: b.input('prev', c.shape, 'float64'),
    });
    b.output('log_prob', o.logProb);
    const t = tDtype === 'int32' ? tensor(Int32Array.from(c.timestep), [2]) : tensor(c.timestep, [2], tDtype);
    const r = evaluate(b.build(), { x: f64(c.sample, c.shape), eps: f64(c.model_output, c.shape), t, prev: f64(c.scoring.prev_sample, c.shape) });
    expectClose('log_prob', r.log_prob.data, c.scoring.log_prob);
  });

  it('a shared [] timestep broadcasts over the batch', () => {
    const g = cases.find((k) => k.kind === 'grid' && k.timestep[0] === 1)!;
    const b = new GraphBuilder();
    const o = ddimStepWithLogprobGraph(sched(g.num_inference_steps), {
      sample: b.input('x', g.shape, 'float64'), modelOutput: b.input('eps', g.shape, 'float64'),
      timestep: b.input('t', [], 'int64'), eta: g.eta, varianceNoise: b.input('z', g.shape, 'float64'),
    });
    b.output('prev', o.prevSample);
    b.output('log_prob', o.logProb);
    b.output('std', o.stdDevT);
    const r = evaluate(b.build(), {
      x: f64(g.sample, g.shape), eps: f64(g.model_output, g.shape), t: tensor([1n], [], 'int64'), z: f64(g.sampling.variance_noise, g.shape),
    });
    expect(r.std.shape).toEqual([]);
    expectClose('prev_sample', r.prev.data, g.sampling.prev_sample);
    expectClose('log_prob', r.log_prob.data, g.sampling.log_prob);
  });
});
