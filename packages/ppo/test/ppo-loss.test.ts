// DDPO_IS / DDPO_SF losses: the reference's PPO block (fixtures/ppo_loss.json) in float64 and float32,
// gradients w.r.t. logProb against finite differences (zero in the clipped region), and the SF mode.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, evaluate, grad, tensor } from '@ddpo/tensor';
import { DDPO_ALGORITHMS, PpoConfigError, policyLoss, policyLossGraph, ppoLoss, ppoLossGraph, type DdpoAlgorithm } from '@ddpo/ppo';

interface PpoCase {
  id: string;
  note: string;
  log_prob: number[];
  old_log_prob: number[];
  advantages: number[];
  clip_range: number;
  adv_clip_max: number;
  loss: number;
  approx_kl: number;
  clipfrac: number;
  clipfrac_count: number;
  derived: { ratio: number[] };
}
const cases = (JSON.parse(readFileSync(new URL('./fixtures/ppo_loss.json', import.meta.url), 'utf8')) as { cases: PpoCase[] }).cases;

/** |got - want| / |want| (the denominator floored at 1e-12, so an exact zero must be matched to ~1e-24). */
const relErr = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);

const inputsOf = (c: PpoCase) => ({ logProb: c.log_prob, oldLogProb: c.old_log_prob, advantages: c.advantages, clipRange: c.clip_range, advClipMax: c.adv_clip_max });

describe('ppoLoss against the reference PPO block (fixtures/ppo_loss.json)', () => {
  it('has the 15 cases of the golden README', () => expect(cases.length).toBe(15));

  for (const c of cases) {
    it(`${c.id} (${c.note}): loss and approxKl to 1e-12, clip count exact, clipfrac as float32`, () => {
      const r = ppoLoss(inputsOf(c));
      expect(relErr(r.loss, c.loss)).toBeLessThan(1e-12);
      expect(relErr(r.approxKl, c.approx_kl)).toBeLessThan(1e-12);
      expect(r.clipCount).toBe(c.clipfrac_count);
      // The float32 mean of 0/1 values is exact up to its one rounding: equal to the reference's bits.
      expect(r.clipfrac).toBe(c.clipfrac);
    });
  }

  it('the graph ratio matches the reference intermediate', () => {
    let worst = 0;
    for (const c of cases) {
      const b = new GraphBuilder();
      const n = c.log_prob.length;
      const out = ppoLossGraph({
        logProb: b.input('lp', [n], 'float64'),
        oldLogProb: b.input('old', [n], 'float64'),
        advantages: b.input('adv', [n], 'float64'),
        clipRange: c.clip_range,
        advClipMax: c.adv_clip_max,
      });
      b.output('ratio', out.ratio);
      const f = (a: number[]) => tensor(Float64Array.from(a), [n], 'float64');
      const { ratio } = evaluate(b.build(), { lp: f(c.log_prob), old: f(c.old_log_prob), adv: f(c.advantages) });
      c.derived.ratio.forEach((v, i) => (worst = Math.max(worst, relErr(ratio.data[i] as number, v))));
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('the same graph in float32 (as trained) is within the README float32 tolerance (1e-5)', () => {
    for (const c of cases) {
      const b = new GraphBuilder();
      const n = c.log_prob.length;
      const out = ppoLossGraph({ logProb: b.input('lp', [n]), oldLogProb: b.input('old', [n]), advantages: b.input('adv', [n]), clipRange: c.clip_range, advClipMax: c.adv_clip_max });
      b.output('loss', out.loss);
      b.output('kl', out.approxKl);
      const f = (a: number[]) => tensor(Float32Array.from(a), [n]);
      const r = evaluate(b.build(), { lp: f(c.log_prob), old: f(c.old_log_prob), adv: f(c.advantages) });
      expect(r.loss.dtype).toBe('float32');
      // Absolute: float32 log-probs near -1.2 carry ~1e-7 rounding, large next to 5e-5 log-prob differences.
      expect(Math.abs((r.loss.data[0] as number) - c.loss), c.id).toBeLessThan(1e-5 * Math.max(1, Math.abs(c.loss)));
      expect(Math.abs((r.kl.data[0] as number) - c.approx_kl), c.id).toBeLessThan(1e-5);
    }
  });
});

/** d loss / d logProb from the graph (reverse mode) and by central differences of the host call. */
function gradients(mode: DdpoAlgorithm, lp: number[], old: number[], adv: number[], clipRange: number, advClipMax = 5) {
  const n = lp.length;
  const b = new GraphBuilder();
  const x = b.input('lp', [n], 'float64');
  const out = policyLossGraph(mode, { logProb: x, oldLogProb: b.input('old', [n], 'float64'), advantages: b.input('adv', [n], 'float64'), clipRange, advClipMax });
  b.output('g', grad(out.loss, [x])[0]);
  const f = (a: number[]) => tensor(Float64Array.from(a), [n], 'float64');
  const g = Array.from(evaluate(b.build(), { lp: f(lp), old: f(old), adv: f(adv) }).g.data as Float64Array);
  const h = 1e-6;
  const fd = lp.map((_, i) => {
    const at = (d: number) => policyLoss(mode, { logProb: lp.map((v, k) => (k === i ? v + d : v)), oldLogProb: old, advantages: adv, clipRange, advClipMax }).loss;
    return (at(h) - at(-h)) / (2 * h);
  });
  return { g, fd };
}

describe('gradient of the PPO loss w.r.t. logProb', () => {
  // Element by element: inside the clip range; ratio > 1 + eps with A > 0 (clipped: zero gradient);
  // ratio < 1 - eps with A > 0 (unclipped); ratio > 1 + eps with A < 0 (unclipped); ratio < 1 - eps with
  // A < 0 (clipped: zero); an advantage beyond advClipMax (clamped to 5).
  const old = [-1.0, -1.0, -1.0, -1.0, -1.0, -1.0];
  const lp = [-0.98, -0.5, -1.6, -0.7, -1.4, -1.01];
  const adv = [1.5, 2.0, 0.7, -1.2, -0.4, -9];
  const clipRange = 0.2;

  it('matches finite differences, including exact zeros where the clipped term is active', () => {
    const { g, fd } = gradients('ddpo-is', lp, old, adv, clipRange);
    for (let i = 0; i < lp.length; i++) expect(Math.abs(g[i] - fd[i]), `element ${i}`).toBeLessThan(1e-8);
    expect(Math.abs(g[1])).toBe(0);
    expect(Math.abs(g[4])).toBe(0);
  });

  it('equals -A * ratio / B in the unclipped elements (PPO, Schulman et al. 2017, eq. (7))', () => {
    const { g } = gradients('ddpo-is', lp, old, adv, clipRange);
    for (const i of [0, 2, 3, 5]) {
      const A = Math.max(-5, Math.min(5, adv[i]));
      expect(g[i]).toBeCloseTo((-A * Math.exp(lp[i] - old[i])) / lp.length, 14);
    }
  });
});

describe('DDPO_SF (score function)', () => {
  it('loss = -mean(clamp(A) * logProb), worked by hand', () => {
    const r = policyLoss('ddpo-sf', { logProb: [-1, -2], oldLogProb: [-1, -2], advantages: [3, -8], clipRange: 1e-4, advClipMax: 5 });
    // -( 3 * -1 + (-5) * -2 ) / 2 = -(-3 + 10) / 2
    expect(r.loss).toBe(-3.5);
    expect(r.approxKl).toBe(0);
    expect(r.clipCount).toBe(0);
  });

  it('has the DDPO_IS gradient on-policy (logProb == oldLogProb), and matches finite differences', () => {
    const lp = [-1.3, -0.2, -2.5, -0.9];
    const adv = [0.5, -1.5, 7, -0.1];
    const sf = gradients('ddpo-sf', lp, lp, adv, 1e-4);
    const is = gradients('ddpo-is', lp, lp, adv, 1e-4);
    for (let i = 0; i < lp.length; i++) {
      expect(sf.g[i]).toBeCloseTo(-Math.max(-5, Math.min(5, adv[i])) / lp.length, 15);
      expect(Math.abs(sf.g[i] - sf.fd[i])).toBeLessThan(1e-8);
      expect(is.g[i]).toBeCloseTo(sf.g[i], 15);
    }
  });
});

describe('modes and argument checks', () => {
  it('names both algorithms; only DDPO_IS takes several inner epochs', () => {
    expect(Object.keys(DDPO_ALGORITHMS).sort()).toEqual(['ddpo-is', 'ddpo-sf']);
    expect(DDPO_ALGORITHMS['ddpo-is'].multipleInnerEpochs).toBe(true);
    expect(DDPO_ALGORITHMS['ddpo-sf'].multipleInnerEpochs).toBe(false);
  });

  it('rejects unknown modes, bad clip values and mismatched lengths', () => {
    const ok = { logProb: [-1], oldLogProb: [-1], advantages: [1], clipRange: 0.1, advClipMax: 5 };
    expect(() => policyLoss('ppo' as DdpoAlgorithm, ok)).toThrow(/algorithm is "ppo", expected one of ddpo-is, ddpo-sf/);
    expect(() => ppoLoss({ ...ok, clipRange: -0.1 })).toThrow(PpoConfigError);
    expect(() => ppoLoss({ ...ok, advClipMax: NaN })).toThrow(/advClipMax is NaN/);
    expect(() => ppoLoss({ ...ok, advantages: [1, 2] })).toThrow(/advantages has 2 elements, expected 1/);
    expect(() => ppoLoss({ ...ok, logProb: [], oldLogProb: [], advantages: [] })).toThrow(/empty/);
  });
});
