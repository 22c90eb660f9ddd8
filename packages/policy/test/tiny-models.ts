// Small EpsilonModels for the tests: a tiny network (one 3x3 conv, a time scaling and a prompt
// embedding, so guidance matters and parameters have gradients) and the golden trajectory's analytic
// model eps(x, t) = 0.5 * t / 1000 * x. Each records the batch sizes it was applied to.
import { add, conv2dBias, div, gather, mul, reshape, Rng, type HostTensor, type Sym } from '@ddpo/tensor';
import type { EpsilonModel } from '@ddpo/policy';

/** eps = conv3x3(x) * (1 + s * t / 1000) + emb[prompt] (per channel). */
export class TinyConvModel implements EpsilonModel {
  readonly name = 'tiny-conv';
  readonly numPrompts = 4;
  readonly sampleShape = [3, 8, 8] as const;
  readonly paramShapes = { 'conv.weight': [3, 3, 3, 3], 'conv.bias': [3], 'time.scale': [1], emb: [5, 3] } as const;
  readonly appliedBatches: number[] = [];

  apply(p: Record<string, Sym>, sample: Sym, timestep: Sym, prompt: Sym): Sym {
    const B = sample.shape[0];
    this.appliedBatches.push(B);
    const h = conv2dBias(sample, p['conv.weight'], p['conv.bias'], { padding: 1 });
    const scale = add(mul(reshape(div(timestep, 1000), [B, 1, 1, 1]), reshape(p['time.scale'], [1, 1, 1, 1])), 1);
    return add(mul(h, scale), reshape(gather(p.emb, prompt), [B, 3, 1, 1]));
  }

  /** Seeded small random parameters. */
  initParams(seed = 1): Record<string, HostTensor> {
    const rng = new Rng(seed);
    return Object.fromEntries(
      Object.entries(this.paramShapes).map(([k, shape]) => {
        const t = rng.normal(shape);
        for (let i = 0; i < t.size; i++) t.data[i] *= 0.2;
        return [k, t];
      }),
    );
  }
}

/** The golden sampling_trajectory.json model: eps(x, t) = c(t) x, c(t) = 0.5 * t / 1000. No parameters. */
export class AnalyticModel implements EpsilonModel {
  readonly name = 'analytic';
  readonly numPrompts = 1;
  readonly paramShapes = {};
  constructor(readonly sampleShape: readonly number[]) {}

  apply(_p: Record<string, Sym>, sample: Sym, timestep: Sym): Sym {
    const c = div(mul(timestep, 0.5), 1000);
    return mul(sample, reshape(c, [sample.shape[0], ...this.sampleShape.map(() => 1)]));
  }
}
