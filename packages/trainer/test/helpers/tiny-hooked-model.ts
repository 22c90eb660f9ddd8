// A tiny EpsilonModel that declares its layers and calls layer hooks (what LoRA's hook path needs):
// a 3x3 convolution ('conv') then a per-pixel linear map over channels ('att.q', an attention
// projection), plus the per-prompt bias and timestep scale of tiny-model.ts, on 3 x 8 x 8 samples.
import { add, conv2dBias, div, gather, linear, mul, reshape, tensor, transpose, type HostTensor, type Sym } from '@ddpo/tensor';
import type { EpsilonModel, LayerHooks } from '@ddpo/policy';
import { TINY_PROMPTS, tinyParams } from './tiny-model.js';

/** eps(x, t, c) = att.q(conv3x3(x)) + emb[c] + s * t / 1000, att.q applied to every pixel's channels. */
export function tinyHookedModel(): EpsilonModel {
  const P = TINY_PROMPTS.length;
  return {
    name: 'tiny-hooked-model',
    numPrompts: P,
    sampleShape: [3, 8, 8],
    paramShapes: { 'conv.weight': [3, 3, 3, 3], 'conv.bias': [3], 'att.q.weight': [3, 3], 'att.q.bias': [3], 'emb.weight': [P + 1, 3], 'time.scale': [1] },
    layers: { conv: { kind: 'conv2d' }, 'att.q': { kind: 'linear', attention: true } },
    apply(p: Record<string, Sym>, x: Sym, t: Sym, c: Sym, hooks?: LayerHooks): Sym {
      const B = x.shape[0];
      const conv = { stride: 1, padding: 1 };
      let h = conv2dBias(x, p['conv.weight'], p['conv.bias'], conv);
      if (hooks?.conv2d) h = hooks.conv2d('conv', x, h, conv);
      const tokens = transpose(reshape(h, [B, 3, 64]), [0, 2, 1]);
      let q = linear(tokens, p['att.q.weight'], p['att.q.bias']);
      if (hooks?.linear) q = hooks.linear('att.q', tokens, q);
      const emb = reshape(gather(p['emb.weight'], c), [B, 3, 1, 1]);
      const ts = reshape(mul(div(t, 1000), p['time.scale']), [B, 1, 1, 1]);
      return add(add(reshape(transpose(q, [0, 2, 1]), [B, 3, 8, 8]), emb), ts);
    },
  };
}

/** tinyParams plus an identity-like att.q (seeded). */
export function tinyHookedParams(seed = 0): Record<string, HostTensor> {
  const p = tinyParams(seed);
  return { ...p, 'att.q.weight': tensor([1, 0.1, 0, 0, 1, 0.1, 0.1, 0, 1], [3, 3]), 'att.q.bias': tensor([0, 0.05, -0.05], [3]) };
}
