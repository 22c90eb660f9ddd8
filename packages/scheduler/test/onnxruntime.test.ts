// The same step graph on ONNX Runtime (CPU) in float32, against the float64 golden vectors with
// the golden README's float32 tolerances: the math is written once and any adapter evaluates it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, tensor, type Graph, type TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { DDIMScheduler, STABLE_DIFFUSION_V1_CONFIG, ddimStepWithLogprobGraph } from '@ddpo/scheduler';
import { expectClose, fixture } from './helpers.js';

const cases: any[] = fixture('ddim_step.json').cases;
let adapter: TensorAdapter;
beforeAll(async () => {
  adapter = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: 1 });
});
afterAll(async () => {
  await adapter?.dispose();
});

/** One graph per (N, shape): sampling and scoring outputs, per-example int64 timesteps. */
function stepGraph(s: DDIMScheduler, shape: number[], eta: number): Graph {
  const b = new GraphBuilder();
  const x = b.input('sample', shape);
  const eps = b.input('model_output', shape);
  const t = b.input('timestep', [shape[0]], 'int64');
  const draw = ddimStepWithLogprobGraph(s, { sample: x, modelOutput: eps, timestep: t, eta, varianceNoise: b.input('noise', shape) });
  const score = ddimStepWithLogprobGraph(s, { sample: x, modelOutput: eps, timestep: t, eta, prevSample: b.input('prev', shape) });
  b.output('prev_sample', draw.prevSample);
  b.output('log_prob', draw.logProb);
  b.output('std_dev_t', draw.stdDevT);
  b.output('score_log_prob', score.logProb);
  return b.build();
}

describe('float32 on onnxruntime-cpu (golden README float32 tolerances)', () => {
  it.each(cases.map((c) => [c.id, c] as [string, any]))('%s', async (_id, c) => {
    const s = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);
    s.setTimesteps(c.num_inference_steps);
    const compiled = await adapter.compile(stepGraph(s, c.shape, c.eta));
    const f32 = (v: number[]) => tensor(Float32Array.from(v), c.shape);
    const r = await compiled.run({
      sample: f32(c.sample), model_output: f32(c.model_output), timestep: tensor(c.timestep.map(BigInt), [c.shape[0]], 'int64'),
      noise: f32(c.sampling.variance_noise), prev: f32(c.scoring.prev_sample),
    });
    await compiled.dispose();
    const lp = c.kind === 'far' ? { rtol: 5e-5, atol: 0 } : { rtol: 0, atol: 5e-5 };
    expect(r.prev_sample.dtype).toBe('float32');
    expectClose('prev_sample', r.prev_sample.data, c.sampling.prev_sample, { rtol: 0, atol: 1e-5 });
    expectClose('std_dev_t', r.std_dev_t.data, c.std_dev_t, { rtol: 1e-5, atol: 0 });
    expectClose('log_prob', r.log_prob.data, c.sampling.log_prob, lp);
    expectClose('score_log_prob', r.score_log_prob.data, c.scoring.log_prob, lp);
  });
});
