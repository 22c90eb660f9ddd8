// Rng (Philox4x32-10): the Random123 known-answer vectors, the documented word-to-number mapping,
// determinism, exact resume from a saved state, forked streams, and moment checks on 1e5 draws.
import { describe, expect, it } from 'vitest';
import { Rng, RngError, philox4x32 } from '@ddpo/tensor';

const hex = (words: Uint32Array) => [...words].map((w) => w.toString(16).padStart(8, '0'));

describe('philox4x32 block function', () => {
  // Random123 tests/kat_vectors (github.com/DEShawResearch/random123), the three "philox4x32 10"
  // lines: counter (4 words), key (2 words) -> expected (4 words).
  it.each([
    [[0, 0, 0, 0], [0, 0], ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']],
  ])('known answer: counter %j key %j', (ctr, key, want) => {
    const out = new Uint32Array(4);
    philox4x32(out, 0, ctr, key);
    expect(hex(out)).toEqual(want);
  });
});

/** The first `blocks` blocks of the stream of `seed`, as words (from the KAT-checked block function). */
function words(seed: bigint, blocks: number): number[] {
  const out = new Uint32Array(4);
  const all: number[] = [];
  for (let b = 0; b < blocks; b++) {
    philox4x32(out, 0, [b, 0, 0, 0], [Number(seed & 0xffffffffn), Number(seed >> 32n)]);
    all.push(...out);
  }
  return all;
}

describe('Rng word mapping (as documented on the class)', () => {
  const seed = 0x123456789abcdefn;
  it('seed 0 block 0 is the Random123 zero vector', () => {
    expect(new Rng(0).uniform([4]).toArray()).toEqual(words(0n, 1).map((w) => (w >>> 8) / 2 ** 24));
  });

  it('uniform float32 uses w >>> 8, float64 uses 27 + 26 bits of two words', () => {
    const w = words(seed, 2);
    expect(new Rng(seed).uniform([5]).toArray()).toEqual(w.slice(0, 5).map((v) => Math.fround((v >>> 8) / 2 ** 24)));
    const u64 = new Rng(seed.toString()).uniform([3], 'float64').toArray();
    expect(u64).toEqual([0, 1, 2].map((i) => ((w[2 * i] >>> 5) * 2 ** 26 + (w[2 * i + 1] >>> 6)) / 2 ** 53));
  });

  it('normal float32 is Box-Muller on word pairs; a call drops the rest of its last block', () => {
    const w = words(seed, 2);
    const bm = (a: number, b: number) => {
      const r = Math.sqrt(-2 * Math.log((a + 1) / 2 ** 32));
      return [r * Math.cos((2 * Math.PI * b) / 2 ** 32), r * Math.sin((2 * Math.PI * b) / 2 ** 32)];
    };
    const rng = new Rng(seed);
    expect(rng.normal([3]).toArray()).toEqual([...bm(w[0], w[1]), bm(w[2], w[3])[0]].map(Math.fround));
    // The second call starts at block 1.
    expect(rng.normal([2]).toArray()).toEqual(bm(w[4], w[5]).map(Math.fround));
  });
});

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(new Rng(7).normal([100]).toArray()).toEqual(new Rng(7).normal([100]).toArray());
    expect(new Rng(7).normal([100]).toArray()).not.toEqual(new Rng(8).normal([100]).toArray());
  });

  it('resumes from a saved (JSON) state exactly as if it had continued', () => {
    const a = new Rng(2024);
    a.normal([10]);
    a.uniform([3], 'float64');
    const saved = JSON.parse(JSON.stringify(a.getState()));
    // 10 float32 normals = 10 words = 3 blocks; 3 float64 uniforms = 6 words = 2 blocks.
    expect(saved).toEqual({ algorithm: 'philox4x32-10', seed: '2024', counter: '5' });
    const cont = [a.normal([7], 'float64').toArray(), a.randint([5], 10).toArray(), a.permutation(6).toArray()];
    const b = Rng.fromState(saved);
    expect([b.normal([7], 'float64').toArray(), b.randint([5], 10).toArray(), b.permutation(6).toArray()]).toEqual(cont);
  });

  it('carries the 128-bit counter across word boundaries', () => {
    const r = Rng.fromState({ algorithm: 'philox4x32-10', seed: '18446744073709551615', counter: (2n ** 64n - 1n).toString() });
    r.uniform([4]);
    expect(r.getState().counter).toBe((2n ** 64n).toString());
    const out = new Uint32Array(4);
    philox4x32(out, 0, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]);
    const last = Rng.fromState({ algorithm: 'philox4x32-10', seed: '18446744073709551615', counter: (2n ** 128n - 1n).toString() });
    expect(last.uniform([4]).toArray()).toEqual([...out].map((w) => (w >>> 8) / 2 ** 24));
    expect(last.getState().counter).toBe('0');
  });

  it('forks independent, reproducible streams', () => {
    const base = new Rng(5);
    const f1 = base.fork(1).normal([50]).toArray();
    expect(base.fork(1).normal([50]).toArray()).toEqual(f1);
    expect(base.fork(2).normal([50]).toArray()).not.toEqual(f1);
    expect(new Rng(6).fork(1).normal([50]).toArray()).not.toEqual(f1);
    expect(base.normal([50]).toArray()).not.toEqual(f1);
    expect(base.fork(1).getState().counter).toBe('0');
  });

  it('draws normals with mean 0 and variance 1 within 4 standard errors (1e5 samples)', () => {
    const n = 100_000;
    for (const dtype of ['float32', 'float64'] as const) {
      const z = new Rng(11).normal([n], dtype).toArray();
      const mean = z.reduce((a, v) => a + v, 0) / n;
      const variance = z.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
      expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
      expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    }
  });

  it('draws uniforms in [0, 1) with mean 1/2 and variance 1/12 within 4 standard errors', () => {
    const n = 100_000;
    for (const dtype of ['float32', 'float64'] as const) {
      const u = new Rng(12).uniform([n], dtype).toArray();
      expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
      const mean = u.reduce((a, v) => a + v, 0) / n;
      expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
      const variance = u.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
      // Var of the sample variance of U(0, 1): (mu4 - sigma^4) / n = (1/80 - 1/144) / n.
      expect(Math.abs(variance - 1 / 12)).toBeLessThan(4 * Math.sqrt((1 / 80 - 1 / 144) / n));
    }
  });

  it('randint covers [0, high) evenly and permutation is a permutation', () => {
    const n = 60_000;
    const k = new Rng(13).randint([n], 6);
    expect(k.dtype).toBe('int32');
    const counts = new Array(6).fill(0);
    for (const v of k.toArray()) counts[v]++;
    // Each count is Binomial(n, 1/6): sd = sqrt(n p (1 - p)).
    const sd = Math.sqrt((n * 5) / 36);
    for (const c of counts) expect(Math.abs(c - n / 6)).toBeLessThan(4 * sd);
    const p = new Rng(14).permutation(1000).toArray();
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('rejects bad seeds, states and arguments with RngError', () => {
    expect(() => new Rng(-1)).toThrow(RngError);
    expect(() => new Rng(2n ** 64n)).toThrow(/out of range/);
    expect(() => new Rng(1.5)).toThrow(RngError);
    expect(() => Rng.fromState({ algorithm: 'mt19937' as 'philox4x32-10', seed: '1', counter: '0' })).toThrow(/philox4x32-10/);
    expect(() => Rng.fromState({ algorithm: 'philox4x32-10', seed: '1', counter: 'x' })).toThrow(RngError);
    expect(() => new Rng(1).randint([2], 0)).toThrow(RngError);
    expect(() => new Rng(1).fork(-1)).toThrow(RngError);
    expect(() => new Rng(1).normal([2, -1])).toThrow(RngError);
  });
});
