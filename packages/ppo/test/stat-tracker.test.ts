// PerPromptStatTracker and globalNormalize against ddpo-pytorch's stat_tracking.py / train.py
// (fixtures/stat_tracker.json), state round trips, input checks, and NumPy's summation order.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PerPromptStatTracker, PpoConfigError, globalNormalize, npMean, npStd, pairwiseSum } from '@ddpo/ppo';

interface Call {
  prompts: string[];
  rewards: number[];
  advantages: number[];
  derived: { stats_after: Record<string, { mean: number; std: number; count: number }> };
}
interface Scenario {
  id: string;
  buffer_size: number;
  min_count: number;
  calls: Call[];
}
const golden = JSON.parse(readFileSync(new URL('./fixtures/stat_tracker.json', import.meta.url), 'utf8')) as {
  scenarios: Scenario[];
  global_normalization: { cases: { rewards: number[]; advantages: number[] }[] };
};

/** Relative error, the denominator floored at 1e-12 (advantages can be exactly 0). */
const relErr = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);

describe('PerPromptStatTracker against the reference (fixtures/stat_tracker.json)', () => {
  it('has the 5 scenarios of the golden README', () => expect(golden.scenarios.map((s) => s.id).length).toBe(5));

  for (const s of golden.scenarios) {
    it(`${s.id}: advantages to 1e-12 (in fact bit-identical) and get_stats() after every call`, () => {
      const tracker = new PerPromptStatTracker({ bufferSize: s.buffer_size, minCount: s.min_count });
      let worst = 0;
      let identical = 0;
      let total = 0;
      for (const call of s.calls) {
        const adv = tracker.update(call.prompts, call.rewards);
        call.advantages.forEach((want, i) => {
          worst = Math.max(worst, relErr(adv[i], want));
          identical += adv[i] === want ? 1 : 0;
          total++;
        });
        const stats = tracker.getStats();
        expect(Object.keys(stats).sort()).toEqual(Object.keys(call.derived.stats_after).sort());
        for (const [prompt, want] of Object.entries(call.derived.stats_after)) {
          expect(stats[prompt].count).toBe(want.count);
          expect(relErr(stats[prompt].mean, want.mean)).toBeLessThan(1e-12);
          expect(relErr(stats[prompt].std, want.std)).toBeLessThan(1e-12);
        }
      }
      expect(worst).toBeLessThan(1e-12);
      // NumPy's pairwise summation order is reproduced, so every advantage has the reference's bits.
      expect(identical).toBe(total);
    });
  }

  it('resumes from a JSON state mid-scenario with identical results', () => {
    const s = golden.scenarios.find((x) => x.id === 'buffer4_min2_overflow')!;
    const tracker = new PerPromptStatTracker({ bufferSize: s.buffer_size, minCount: s.min_count });
    s.calls.slice(0, 3).forEach((c) => tracker.update(c.prompts, c.rewards));
    const again = PerPromptStatTracker.fromState(JSON.parse(JSON.stringify(tracker.state())));
    for (const c of s.calls.slice(3)) expect(Array.from(again.update(c.prompts, c.rewards))).toEqual(c.advantages);
  });
});

describe('globalNormalize (train.py without per-prompt tracking)', () => {
  it('matches (r - mean) / (std + 1e-8) of the reference to 1e-12', () => {
    expect(golden.global_normalization.cases.length).toBe(4);
    for (const c of golden.global_normalization.cases) {
      const adv = globalNormalize(c.rewards);
      c.advantages.forEach((want, i) => expect(relErr(adv[i], want)).toBeLessThan(1e-12));
    }
  });

  it('is worked by hand on [1, 3]: mean 2, std 1', () => {
    expect(Array.from(globalNormalize([1, 3]))).toEqual([-1 / (1 + 1e-8), 1 / (1 + 1e-8)]);
  });
});

describe('tracker semantics and checks', () => {
  it('puts rewards in the buffer before the min-count test, then uses the buffer', () => {
    const t = new PerPromptStatTracker({ bufferSize: 4, minCount: 2 });
    // 'a' has 2 rewards after this call -> its own stats (mean 2, std 1); 'b' has 1 -> whole-batch stats.
    const adv = t.update(['a', 'a', 'b'], [1, 3, 8]);
    expect(adv[0]).toBeCloseTo(-1 / (1 + 1e-6), 15);
    const batchMean = 4;
    const batchStd = Math.sqrt(((1 - 4) ** 2 + (3 - 4) ** 2 + (8 - 4) ** 2) / 3);
    expect(adv[2]).toBeCloseTo((8 - batchMean) / (batchStd + 1e-6), 14);
    // Overflow: only the newest 4 are kept.
    t.update(['a', 'a', 'a'], [10, 20, 30]);
    expect(t.getStats().a).toEqual({ mean: 15.75, std: npStd([3, 10, 20, 30]), count: 4 });
  });

  it('rejects bad options and bad batches without changing its state', () => {
    expect(() => new PerPromptStatTracker({ bufferSize: 0, minCount: 1 })).toThrow(/bufferSize is 0/);
    expect(() => new PerPromptStatTracker({ bufferSize: 2, minCount: -1 })).toThrow(PpoConfigError);
    const t = new PerPromptStatTracker({ bufferSize: 4, minCount: 1 });
    t.update(['a'], [1]);
    const before = JSON.stringify(t.state());
    expect(() => t.update(['a', 'b'], [1])).toThrow(/got 2 prompts but 1 rewards/);
    expect(() => t.update(['a', 'b'], [1, NaN])).toThrow(/reward 1 \(prompt "b"\) is NaN/);
    expect(JSON.stringify(t.state())).toBe(before);
    expect(() => PerPromptStatTracker.fromState({ bufferSize: 1, minCount: 1, buffers: [{ prompt: 'a', rewards: [1, 2] }] })).toThrow(/more than bufferSize/);
    t.clear();
    expect(t.getStats()).toEqual({});
  });
});

describe("NumPy's summation", () => {
  it('reproduces np.sum / np.mean / np.std (values from NumPy 2.4.6)', () => {
    // np.sum([1e16, 1, 1, 1, 1, 1, 1, 1, 1, -1e16]) == 8.0 (pairwise), where a left-to-right sum gives 0.
    const a = [1e16, 1, 1, 1, 1, 1, 1, 1, 1, -1e16];
    expect(pairwiseSum(a)).toBe(8);
    expect(a.reduce((s, x) => s + x, 0)).toBe(0);
    const b = Array.from({ length: 300 }, (_, i) => 0.1 * i);
    expect(pairwiseSum(b)).toBe(4485);
    expect(npMean(b)).toBe(14.95);
    expect(npStd(b)).toBe(8.660205925188308);
  });
});
