// Every failure mode of the step has a named error whose message names the argument, what was seen
// and what was expected: eta <= 0, bad timesteps, shapes and dtypes, missing or conflicting noise.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, tensor, zeros } from '@ddpo/tensor';
import {
  DDIMScheduler, EtaError, STABLE_DIFFUSION_V1_CONFIG, StepInputError, TimestepError, ddimStepGraph, ddimStepWithLogprob, ddimStepWithLogprobGraph,
} from '@ddpo/scheduler';

const s = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);
s.setTimesteps(50);
const x = zeros([2, 3, 4, 4], 'float64');
const ok = { sample: x, modelOutput: x, timestep: 981, eta: 1, varianceNoise: x };

describe('eta', () => {
  it.each([0, -0.5, Number.NaN, Infinity])('eta = %s is an EtaError (log-prob undefined)', (eta) => {
    expect(() => ddimStepWithLogprob(s, { ...ok, eta })).toThrow(EtaError);
    const b = new GraphBuilder();
    const v = b.input('x', [2, 3], 'float64');
    expect(() => ddimStepWithLogprobGraph(s, { sample: v, modelOutput: v, timestep: b.input('t', [2], 'int64'), eta, varianceNoise: v })).toThrow(EtaError);
  });

  it('the message says why', () => {
    expect(() => ddimStepWithLogprob(s, { ...ok, eta: 0 })).toThrow(/eta must be a finite number > 0.*deterministic/);
  });

  it('plain step accepts eta = 0 but not eta < 0', () => {
    expect(s.step(x, 981, x).prevSample.shape).toEqual([2, 3, 4, 4]);
    expect(() => s.step(x, 981, x, { eta: -1 })).toThrow(/eta is -1/);
  });
});

describe('timesteps', () => {
  it.each([
    [1000, /timestep\[0\] = 1000 is not an integer in \[0, 999\]/],
    [-1, /timestep\[0\] = -1/],
    [2.5, /timestep\[0\] = 2.5/],
    [[981, 961, 941], /3 timesteps given for a batch of 2/],
    [[981, 5000], /timestep\[1\] = 5000/],
  ])('%j is a TimestepError', (timestep, msg) => {
    expect(() => ddimStepWithLogprob(s, { ...ok, timestep: timestep as never })).toThrow(TimestepError);
    expect(() => ddimStepWithLogprob(s, { ...ok, timestep: timestep as never })).toThrow(msg);
  });

  it('accepts int and float tensors, rejects bool and rank-2 tensors', () => {
    expect(ddimStepWithLogprob(s, { ...ok, timestep: tensor([981n, 1n], [2], 'int64') }).logProb.shape).toEqual([2]);
    expect(ddimStepWithLogprob(s, { ...ok, timestep: tensor([981, 1], [2]) }).logProb.shape).toEqual([2]);
    expect(() => ddimStepWithLogprob(s, { ...ok, timestep: tensor(new Uint8Array([1, 0]), [2]) })).toThrow(/dtype bool/);
    expect(() => ddimStepWithLogprob(s, { ...ok, timestep: tensor([1, 2], [1, 2]) })).toThrow(/shape \[1, 2\]/);
  });

  it('stepping before setTimesteps is a TimestepError', () => {
    const fresh = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);
    expect(() => ddimStepWithLogprob(fresh, ok)).toThrow(/setTimesteps/);
    expect(() => fresh.step(x, 981, x)).toThrow(TimestepError);
  });

  it('graph: timestep must be [] or [B]', () => {
    const b = new GraphBuilder();
    const v = b.input('x', [2, 3], 'float64');
    expect(() => ddimStepWithLogprobGraph(s, { sample: v, modelOutput: v, timestep: b.input('t', [3], 'int64'), eta: 1, varianceNoise: v })).toThrow(/timestep has shape \[3\], expected \[\] or \[B\] = \[2\]/);
    expect(() => ddimStepWithLogprobGraph(s, { sample: v, modelOutput: v, timestep: b.input('tb', [2], 'bool'), eta: 1, varianceNoise: v })).toThrow(/dtype bool/);
  });
});

describe('shapes, dtypes and noise', () => {
  it.each([
    [{ modelOutput: zeros([2, 3, 4, 5], 'float64') }, /modelOutput has shape \[2, 3, 4, 5\], expected sample's shape \[2, 3, 4, 4\]/],
    [{ modelOutput: zeros([2, 3, 4, 4], 'float32') }, /modelOutput has dtype float32, expected sample's dtype float64/],
    [{ varianceNoise: zeros([1, 3, 4, 4], 'float64') }, /varianceNoise has shape \[1, 3, 4, 4\]/],
    [{ sample: zeros([2, 3], 'int32'), modelOutput: zeros([2, 3], 'int32') }, /sample has dtype int32/],
    [{ sample: zeros([], 'float64') }, /sample has shape \[\]/],
    [{ prevSample: x }, /prevSample is scored, so varianceNoise and generator must not be given/],
    [{ varianceNoise: undefined }, /give prevSample .*, varianceNoise or generator/],
  ])('%#: StepInputError', (patch, msg) => {
    expect(() => ddimStepWithLogprob(s, { ...ok, ...patch })).toThrow(StepInputError);
    expect(() => ddimStepWithLogprob(s, { ...ok, ...patch })).toThrow(msg);
  });

  it('graph: exactly one of prevSample / varianceNoise; plain step refuses prevSample and needs noise for eta > 0', () => {
    const b = new GraphBuilder();
    const v = b.input('x', [2, 3], 'float64');
    const t = b.input('t', [2], 'int64');
    expect(() => ddimStepWithLogprobGraph(s, { sample: v, modelOutput: v, timestep: t, eta: 1 })).toThrow(/exactly one of prevSample/);
    expect(() => ddimStepWithLogprobGraph(s, { sample: v, modelOutput: v, timestep: t, eta: 1, prevSample: v, varianceNoise: v })).toThrow(/exactly one/);
    expect(() => ddimStepGraph(s, { sample: v, modelOutput: v, timestep: t, eta: 1 })).toThrow(/needs varianceNoise/);
    expect(() => ddimStepGraph(s, { sample: v, modelOutput: v, timestep: t, eta: 0, prevSample: v })).toThrow(/only accepted by ddimStepWithLogprobGraph/);
  });
});
