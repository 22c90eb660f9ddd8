// The optimizer-state codec: a state dict splits into torch-named moment tensors plus JSON steps and
// hyperparameters, joins back to an equal dict that an optimizer accepts, and names a parameter whose
// moments are missing.
import { describe, expect, it } from 'vitest';
import { tensor } from '@ddpo/tensor';
import { adamStateFromParts, adamStateToParts, AdamW, ParamStore } from '@ddpo/optim';

describe('adam state codec', () => {
  it('round-trips a state dict through tensors and JSON', () => {
    const store = new ParamStore({ w: tensor([1, 2], [2]), b: tensor([0.5], [1]) });
    const opt = new AdamW(store, { lr: 0.1 });
    opt.step({ w: tensor([0.1, -0.2], [2]), b: tensor([0.3], [1]) });
    const parts = adamStateToParts(opt.stateDict());
    expect(Object.keys(parts.tensors).sort()).toEqual(['exp_avg/b', 'exp_avg/w', 'exp_avg_sq/b', 'exp_avg_sq/w']);
    expect(parts.steps).toEqual({ w: 1, b: 1 });
    const json = JSON.parse(JSON.stringify({ steps: parts.steps, hyper: parts.hyper }));
    const { dict, missing } = adamStateFromParts({ tensors: parts.tensors, ...json });
    expect(missing).toEqual([]);
    const again = new AdamW(new ParamStore({ w: tensor([1, 2], [2]), b: tensor([0.5], [1]) }), { lr: 0.1 });
    again.loadStateDict(dict);
    expect(again.stateDict().state.w.expAvg.toArray()).toEqual(opt.stateDict().state.w.expAvg.toArray());
    expect(again.stateDict().state.b.step).toBe(1);
  });

  it('lists the parameters whose moments are missing', () => {
    const { missing } = adamStateFromParts({ tensors: { 'exp_avg/w': tensor([0], [1]) }, steps: { w: 3, b: 1 }, hyper: {} as never });
    expect(missing).toEqual(['w', 'b']);
  });
});
