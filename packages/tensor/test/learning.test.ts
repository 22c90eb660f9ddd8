// End to end: the engine learns. A small conv net (conv, GroupNorm, SiLU, linear) is trained with
// valueAndGrad and plain SGD on a toy regression, on the reference interpreter, and must reduce its
// loss at least tenfold. This exercises every VJP in the chain together, not op by op.
import { describe, expect, it } from 'vitest';
import {
  HostTensor,
  Rng,
  conv2dBias,
  evaluate,
  full,
  groupNorm,
  linear,
  mean,
  reshape,
    silu,
  square,
  sub,
  valueAndGrad,
  zeros,
  type Sym,
} from '@ddpo/tensor';

const N = 64;
const C = 4;
const S = 6;
/** Head inputs: C channels of the stride-2 conv's 3x3 output, fewer than N, so the head alone cannot interpolate. */
const F = C * (S / 2) * (S / 2);

/** PyTorch-style uniform(-bound, bound) init from the seeded Rng. */
function uniformInit(rng: Rng, shape: number[], bound: number): HostTensor<'float32'> {
  const u = rng.uniform(shape);
  return new HostTensor('float32', shape, u.data.map((v) => (2 * v - 1) * bound));
}

function net({ x, w1, b1, g1, be1, w2, b2 }: Record<string, Sym>): Sym {
  const h = silu(groupNorm(conv2dBias(x, w1, b1, { stride: 2, padding: 1 }), g1, be1, 2));
  return linear(reshape(h, [N, F]), w2, b2);
}

/**
 * Toy target: (top-half sum - bottom-half sum) / ||x||, a spatial contrast made scale-free, since
 * GroupNorm removes each sample's scale.
 */
function targets(x: HostTensor<'float32'>): HostTensor<'float32'> {
  const t = new Float32Array(N);
  const P = S * S;
  for (let n = 0; n < N; n++) {
    let contrast = 0;
    let norm2 = 0;
    for (let k = 0; k < P; k++) {
      const v = x.data[n * P + k];
      contrast += k < P / 2 ? v : -v;
      norm2 += v * v;
    }
    t[n] = contrast / Math.sqrt(norm2);
  }
  return new HostTensor('float32', [N, 1], t);
}

describe('learning', () => {
  it('SGD on a conv + GroupNorm + SiLU + linear net cuts a toy regression loss at least 10x', () => {
    const shapes: Record<string, number[]> = { w1: [C, 1, 3, 3], b1: [C], g1: [C], be1: [C], w2: [1, F], b2: [1] };
    const graph = valueAndGrad(
      (s) => mean(square(sub(net(s), s.t))),
      { x: { shape: [N, 1, S, S] }, t: { shape: [N, 1] }, ...Object.fromEntries(Object.entries(shapes).map(([k, v]) => [k, { shape: v }])) },
      Object.keys(shapes),
    );
    const rng = new Rng(2023);
    const x = rng.normal([N, 1, S, S]);
    const params: Record<string, HostTensor> = {
      w1: uniformInit(rng, shapes.w1, 1 / 3),
      b1: zeros([C]),
      g1: full([C], 1),
      be1: zeros([C]),
      w2: uniformInit(rng, shapes.w2, 1 / 6),
      b2: zeros([1]),
    };
    const feeds = { x, t: targets(x) };
    const lr = 0.05;
    const losses: number[] = [];
    for (let step = 0; step < 150; step++) {
      const out = evaluate(graph, { ...feeds, ...params });
      losses.push(Number(out.value.data[0]));
      for (const name of Object.keys(params)) {
        const g = out[`grad:${name}`].data as Float32Array;
        params[name] = new HostTensor('float32', params[name].shape, (params[name].data as Float32Array).map((p, i) => p - lr * g[i]));
      }
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    // Measured: 1.22 -> 0.0145 (84x). Training the head alone (conv and GroupNorm frozen) reaches
    // only 0.157 (7.8x), so passing needs the conv and GroupNorm gradients too.
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 10);
  });
});
