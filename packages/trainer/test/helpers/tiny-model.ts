// A tiny EpsilonModel for fast trainer tests: one 3x3 convolution, a per-prompt bias (embedding
// table with a null-prompt row) and a timestep scale, on 3 x 8 x 8 samples.
import { add, conv2d, div, gather, mul, reshape, type HostTensor, type Sym, Rng, tensor } from '@ddpo/tensor';
import type { EpsilonModel } from '@ddpo/policy';

export const TINY_PROMPTS = ['red circle', 'green square', 'blue ring'] as const;

/** eps(x, t, c) = conv3x3(x) + b + emb[c] + s * t / 1000. */
export function tinyModel(): EpsilonModel {
  const P = TINY_PROMPTS.length;
  return {
    name: 'tiny-test-model',
    numPrompts: P,
    sampleShape: [3, 8, 8],
    paramShapes: { 'conv.weight': [3, 3, 3, 3], 'conv.bias': [3], 'emb.weight': [P + 1, 3], 'time.scale': [1] },
    apply(p: Record<string, Sym>, x: Sym, t: Sym, c: Sym): Sym {
      const B = x.shape[0];
      const h = conv2d(x, p['conv.weight'], { padding: 1 });
      const bias = reshape(p['conv.bias'], [1, 3, 1, 1]);
      const emb = reshape(gather(p['emb.weight'], c), [B, 3, 1, 1]);
      const ts = reshape(mul(div(t, 1000), p['time.scale']), [B, 1, 1, 1]);
      return add(add(add(h, bias), emb), ts);
    },
  };
}

/** Small random initial parameters (seeded). */
export function tinyParams(seed = 0): Record<string, HostTensor> {
  const rng = new Rng(seed);
  const scaled = (shape: number[], s: number) => {
    const t = rng.normal(shape);
    for (let i = 0; i < t.data.length; i++) t.data[i] *= s;
    return t;
  };
  return {
    'conv.weight': scaled([3, 3, 3, 3], 0.1),
    'conv.bias': scaled([3], 0.1),
    'emb.weight': scaled([TINY_PROMPTS.length + 1, 3], 0.3),
    'time.scale': tensor([0.5], [1]),
  };
}
