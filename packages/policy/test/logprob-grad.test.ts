// The gradient that training takes through logProbGraph, checked against central finite
// differences in float64 on the reference interpreter (network + guidance + DDIM step + log-prob).
import { describe, expect, it } from 'vitest';
import { castHost, evaluate, GraphBuilder, grad, ReferenceAdapter, Rng, sum, tensor, type HostTensor } from '@ddpo/tensor';
import { DDIMScheduler, STABLE_DIFFUSION_V1_CONFIG } from '@ddpo/scheduler';
import { DiffusionPolicy, paramInputName, paramInputs } from '@ddpo/policy';
import { TinyConvModel } from './tiny-models.js';

describe('d logProb / d params (float64, reference interpreter)', () => {
  it('matches central finite differences along a random direction', () => {
    const model = new TinyConvModel();
    const policy = new DiffusionPolicy({ model, scheduler: new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG), adapter: new ReferenceAdapter() });
    const rng = new Rng(9);
    const B = 2;
    const shape = [B, ...model.sampleShape];
    const b = new GraphBuilder();
    const p = paramInputs(b, model, 'float64');
    const x = { sample: b.input('sample', shape, 'float64'), timestep: b.input('timestep', [B], 'int64'), prompt: b.input('prompt', [B], 'int64'), prevSample: b.input('prev', shape, 'float64') };
    const lp = sum(policy.logProbGraph(p, x, { eta: 1, guidanceScale: 2.5, numInferenceSteps: 10 }));
    const names = Object.keys(p);
    const grads = grad(lp, names.map((k) => p[k]));
    b.output('lp', lp);
    names.forEach((k, i) => b.output(`g:${k}`, grads[i]));
    const graph = b.build();

    const params = Object.fromEntries(Object.entries(model.initParams(4)).map(([k, v]) => [k, castHost(v, 'float64')]));
    const data = { sample: rng.normal(shape, 'float64'), timestep: tensor([901n, 401n], [B], 'int64'), prompt: tensor([1n, 3n], [B], 'int64'), prev: rng.normal(shape, 'float64') };
    const run = (ps: Record<string, HostTensor>) => evaluate(graph, { ...data, ...Object.fromEntries(Object.entries(ps).map(([k, v]) => [paramInputName(k), v])) });
    const base = run(params);
    const dir = Object.fromEntries(names.map((k) => [k, rng.normal(model.paramShapes[k as keyof typeof model.paramShapes], 'float64')]));
    const shifted = (h: number) =>
      Object.fromEntries(names.map((k) => [k, tensor((params[k].data as Float64Array).map((v, i) => v + h * (dir[k].data[i] as number)), params[k].shape)]));
    const h = 1e-5;
    const fd = (Number(run(shifted(h)).lp.data[0]) - Number(run(shifted(-h)).lp.data[0])) / (2 * h);
    const analytic = names.reduce((acc, k) => acc + base[`g:${k}`].toArray().reduce((s, g, i) => s + g * (dir[k].data[i] as number), 0), 0);
    expect(Math.abs(analytic)).toBeGreaterThan(1e-3);
    expect(Math.abs(fd - analytic) / Math.abs(analytic)).toBeLessThan(1e-6);
  });
});
