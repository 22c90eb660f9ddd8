// Adam / AdamW against torch.optim's own steps (fixtures/adam.json, 1e-12 relative in float64), hand-worked
// steps, float32 storage, failed steps that must leave everything unchanged, and the state dict.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostTensor, tensor } from '@ddpo/tensor';
import { Adam, AdamW, NonFiniteGradientError, OptimizerConfigError, ParamMismatchError, ParamStore, clipGradNorm } from '@ddpo/optim';

interface GoldenStep {
  grads: number[][];
  total_norm_before_clip: number | null;
  params_after: number[][];
  exp_avg: number[][];
  exp_avg_sq: number[][];
}
interface GoldenCase {
  id: string;
  optimizer: 'Adam' | 'AdamW';
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  max_grad_norm: number | null;
  shapes: number[][];
  params_init: number[][];
  steps: GoldenStep[];
}
const golden = JSON.parse(readFileSync(new URL('./fixtures/adam.json', import.meta.url), 'utf8')) as { cases: GoldenCase[] };

/** Max relative error over an array (the golden README's tolerance is 1e-12 relative). */
function maxRelErr(got: ArrayLike<number>, want: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-300));
  return worst;
}

const f64 = (values: readonly number[], shape: readonly number[]) => tensor(Float64Array.from(values), shape, 'float64');
const names = ['p0', 'p1'];

describe('Adam / AdamW against torch.optim (fixtures/adam.json)', () => {
  it('has the 8 cases of the golden README', () => {
    expect(golden.cases.length).toBe(8);
  });

  for (const c of golden.cases) {
    it(`${c.id}: five steps match to 1e-12 relative`, () => {
      const params = Object.fromEntries(names.map((n, k) => [n, f64(c.params_init[k], c.shapes[k])]));
      const options = { lr: c.lr, betas: c.betas, eps: c.eps, weightDecay: c.weight_decay };
      const opt = c.optimizer === 'AdamW' ? new AdamW(params, options) : new Adam(params, options);
      let worst = 0;
      c.steps.forEach((s, t) => {
        const grads = Object.fromEntries(names.map((n, k) => [n, f64(s.grads[k], c.shapes[k])]));
        if (c.max_grad_norm !== null) {
          const total = clipGradNorm(grads, c.max_grad_norm);
          expect(Math.abs(total - (s.total_norm_before_clip as number)) / (s.total_norm_before_clip as number)).toBeLessThan(1e-12);
        }
        opt.step(grads);
        const state = opt.stateDict().state;
        names.forEach((n, k) => {
          worst = Math.max(worst, maxRelErr(params[n].data as Float64Array, s.params_after[k]));
          worst = Math.max(worst, maxRelErr(state[n].expAvg.data as Float64Array, s.exp_avg[k]));
          worst = Math.max(worst, maxRelErr(state[n].expAvgSq.data as Float64Array, s.exp_avg_sq[k]));
          expect(state[n].step).toBe(t + 1);
        });
      });
      expect(worst).toBeLessThan(1e-12);
    });
  }
});

describe('Adam / AdamW worked by hand', () => {
  it('Adam step 1: bias correction makes the first update lr * g / (|g| + eps)', () => {
    const w = f64([1], [1]);
    new Adam({ w }, { lr: 0.1 }).step({ w: f64([2], [1]) });
    // m = 0.2, v = 0.004, m_hat = 2, sqrt(v)/sqrt(1 - 0.999) = 2: w = 1 - 0.1 * 2 / (2 + 1e-8)
    expect(w.data[0]).toBeCloseTo(0.9000000004999999975, 15);
  });

  it("Adam's weight decay is an L2 term added to the gradient", () => {
    const w = f64([2], [1]);
    new Adam({ w }, { lr: 0.1, betas: [0.5, 0.75], eps: 0, weightDecay: 0.5 }).step({ w: f64([1], [1]) });
    // g = 1 + 0.5 * 2 = 2; m_hat = 2, sqrt(v_hat) = 2: w = 2 - 0.1
    expect(w.data[0]).toBeCloseTo(1.9, 15);
  });

  it('AdamW decays the parameter first, then steps (two steps)', () => {
    const w = f64([2], [1]);
    const opt = new AdamW({ w }, { lr: 0.1, betas: [0.5, 0.75], eps: 0, weightDecay: 0.5 });
    opt.step({ w: f64([1], [1]) });
    // w = 2 * (1 - 0.05) = 1.9; m = 0.5, v = 0.25, bc1 = 0.5, bc2 = 0.25 -> update 0.1 * 1 / 1: w = 1.8
    expect(w.data[0]).toBeCloseTo(1.8, 15);
    opt.step({ w: f64([-1], [1]) });
    // w = 1.8 * 0.95 = 1.71; m = 0.25 - 0.5 = -0.25, v = 0.1875 + 0.25 = 0.4375 = bc2, bc1 = 0.75:
    // w = 1.71 + (0.1 / 0.75) * 0.25 = 1.71 + 1/30
    expect(w.data[0]).toBeCloseTo(1.71 + 1 / 30, 14);
    expect(opt.stepOf('w')).toBe(2);
  });

  it('defaults are torch.optim.Adam / AdamW defaults', () => {
    const w = f64([1], [1]);
    expect(new Adam({ w }).hyper).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupled: false });
    expect(new AdamW({ w }).hyper).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, decoupled: true });
    expect(new Adam({ w }, { decoupled: true }).decoupled).toBe(true);
  });
});

describe('float32 parameters', () => {
  it('stay float32 (moments too) and track the float64 run to float32 precision', () => {
    const c = golden.cases[6];
    const p32 = Object.fromEntries(names.map((n, k) => [n, tensor(Float32Array.from(c.params_init[k]), c.shapes[k])]));
    const opt = new AdamW(p32, { lr: c.lr, betas: c.betas, eps: c.eps, weightDecay: c.weight_decay });
    for (const s of c.steps) opt.step(Object.fromEntries(names.map((n, k) => [n, tensor(Float32Array.from(s.grads[k]), c.shapes[k])])));
    const last = c.steps[c.steps.length - 1];
    names.forEach((n, k) => {
      expect(p32[n].data).toBeInstanceOf(Float32Array);
      expect(opt.stateDict().state[n].expAvg.dtype).toBe('float32');
      const err = Math.max(...last.params_after[k].map((v, i) => Math.abs((p32[n].data[i] as number) - v)));
      expect(err).toBeLessThan(1e-6);
    });
  });
});

describe('failed steps leave parameters and state unchanged', () => {
  function setup() {
    const params = new ParamStore({ a: f64([1, 2, 3], [3]), b: tensor(new Float32Array([4, 5]), [2]) });
    const opt = new Adam(params, { lr: 0.01, weightDecay: 0.1 });
    opt.step({ a: f64([0.1, 0.2, 0.3], [3]), b: tensor(new Float32Array([1, -1]), [2]) });
    return { params, opt, before: params.clone(), state: opt.stateDict() };
  }
  function expectUnchanged({ params, opt, before, state }: ReturnType<typeof setup>) {
    for (const [n, t] of before.entries()) expect(params.get(n).data).toEqual(t.data);
    expect(opt.stateDict()).toEqual(state);
  }

  it('NaN or Inf gradient: NonFiniteGradientError naming the parameter and element', () => {
    const ctx = setup();
    const grads = { a: f64([0.1, 0.2, 0.3], [3]), b: tensor(new Float32Array([1, NaN]), [2]) };
    expect(() => ctx.opt.step(grads)).toThrow(NonFiniteGradientError);
    expect(() => ctx.opt.step(grads)).toThrow(/parameter 'b' is NaN at element 1/);
    expectUnchanged(ctx);
    expect(() => ctx.opt.step({ a: f64([Infinity, 0, 0], [3]) })).toThrow(/'a' is Infinity at element 0/);
    expectUnchanged(ctx);
  });

  it('an update that overflows float32 is refused the same way', () => {
    const ctx = setup();
    const err = (() => {
      try {
        ctx.opt.step({ b: tensor(new Float32Array([1e30, 0]), [2]) });
      } catch (e) {
        return e as NonFiniteGradientError;
      }
    })();
    expect(err).toBeInstanceOf(NonFiniteGradientError);
    expect(err?.param).toBe('b');
    expect(err?.message).toMatch(/exp_avg_sq of parameter 'b' is Infinity/);
    expectUnchanged(ctx);
  });

  it('unknown names, wrong shapes and non-float gradients: ParamMismatchError, nothing changed', () => {
    const ctx = setup();
    expect(() => ctx.opt.step({ a: f64([1, 1, 1], [3]), c: f64([1], [1]) })).toThrow(/gradient for unknown parameter 'c'/);
    expect(() => ctx.opt.step({ a: f64([1, 1], [2]) })).toThrow(ParamMismatchError);
    expect(() => ctx.opt.step({ a: tensor(new Int32Array(3), [3]) })).toThrow(/gradient of 'a' is int32 \[3\]/);
    expectUnchanged(ctx);
  });

  it('a parameter without a gradient is skipped and its step does not advance (torch: grad is None)', () => {
    const { params, opt, before } = setup();
    opt.step({ a: f64([0.1, 0.2, 0.3], [3]) });
    expect(opt.stepOf('a')).toBe(2);
    expect(opt.stepOf('b')).toBe(1);
    expect(params.get('b').data).toEqual(before.get('b').data);
  });
});

describe('hyperparameters and state dict', () => {
  it('rejects invalid hyperparameters as torch does', () => {
    const w = f64([1], [1]);
    expect(() => new Adam({ w }, { lr: -1 })).toThrow(OptimizerConfigError);
    expect(() => new Adam({ w }, { betas: [1, 0.9] })).toThrow(/betas\[0\] is 1, expected a finite number >= 0 and < 1/);
    expect(() => new Adam({ w }, { eps: NaN })).toThrow(/eps is NaN/);
    expect(() => new Adam({ i: tensor(new Int32Array(2), [2]) })).toThrow(/'i' is int32 \[2\], expected float32 or float64/);
  });

  /** Golden case 2 (Adam with weight decay): fresh parameters, step t's gradients, the optimizer options. */
  function goldenCase2() {
    const c = golden.cases[2];
    return {
      init: () => Object.fromEntries(names.map((n, k) => [n, f64(c.params_init[k], c.shapes[k])])),
      grads: (t: number) => Object.fromEntries(names.map((n, k) => [n, f64(c.steps[t].grads[k], c.shapes[k])])),
      options: { lr: c.lr, betas: c.betas, eps: c.eps, weightDecay: c.weight_decay },
    };
  }

  it('a refused step in the middle of a run changes nothing: the run goes on bit for bit as without it', () => {
    // Steps stage into arrays they reuse from step to step; a refused step must not leave them aliased to the state.
    const { init, grads, options } = goldenCase2();
    const straight = init();
    const a = new Adam(straight, options);
    for (let t = 0; t < 5; t++) a.step(grads(t));
    const interrupted = init();
    const b = new Adam(interrupted, options);
    for (let t = 0; t < 5; t++) {
      if (t === 3) {
        const bad = grads(t);
        const last = names[names.length - 1];
        const data = (bad[last].data as Float64Array).slice();
        data[0] = 1e200; // finite, but its square overflows: refused after the update was staged
        bad[last] = f64([...data], bad[last].shape);
        expect(() => b.step(bad)).toThrow(NonFiniteGradientError);
      }
      b.step(grads(t));
    }
    for (const n of names) expect(interrupted[n].data).toEqual(straight[n].data);
    expect(b.stateDict()).toEqual(a.stateDict());
  });

  it('resuming from a state dict reproduces an uninterrupted run bit for bit', () => {
    const { init, grads, options } = goldenCase2();
    const straight = init();
    const a = new Adam(straight, options);
    for (let t = 0; t < 5; t++) a.step(grads(t));

    const first = init();
    const b = new Adam(first, options);
    b.step(grads(0));
    b.step(grads(1));
    const saved = b.stateDict();
    const resumed = Object.fromEntries(Object.entries(first).map(([n, t]) => [n, t.clone()]));
    const c2 = new Adam(resumed, { lr: 123 });
    c2.loadStateDict(saved);
    expect(c2.lr).toBe(options.lr);
    for (let t = 2; t < 5; t++) c2.step(grads(t));
    for (const n of names) expect(resumed[n].data).toEqual(straight[n].data);
  });

  it('loadStateDict checks everything first and changes nothing on a mismatch', () => {
    const w = f64([1, 2], [2]);
    const opt = new Adam({ w }, { lr: 0.5 });
    const good = new Adam({ w: w.clone() });
    good.step({ w: f64([1, 1], [2]) });
    const dict = good.stateDict();
    const bad = { ...dict, state: { ...dict.state, w: { ...dict.state.w, expAvg: tensor(new Float64Array(3), [3]) }, z: dict.state.w } };
    expect(() => opt.loadStateDict(bad)).toThrow(/exp_avg of 'w' is float64 \[3\], expected float64 \[2\].*state for unknown parameter 'z'/);
    expect(opt.lr).toBe(0.5);
    expect(opt.stepOf('w')).toBe(0);
    expect(() => new AdamW({ w }).loadStateDict(dict)).toThrow(/state is for Adam but this optimizer is AdamW/);
    const stepZero = { ...dict, state: { w: { ...dict.state.w, step: 0 } } };
    expect(() => opt.loadStateDict(stepZero)).toThrow(/step of 'w' is 0/);
  });

  it('stateDict is a deep copy', () => {
    const w = f64([1], [1]);
    const opt = new Adam({ w });
    opt.step({ w: f64([1], [1]) });
    const dict = opt.stateDict();
    (dict.state.w.expAvg.data as Float64Array)[0] = 99;
    expect(opt.stateDict().state.w.expAvg.data[0]).toBeCloseTo(0.1, 15);
    expect(dict.state.w.expAvg).toBeInstanceOf(HostTensor);
  });
});
