// The RWR training objective as a graph: the diffusion model's denoising loss (Ho et al. 2020, eq. (14),
// epsilon prediction) with one weight per sample, as in the DDPO paper's RWR baseline (Black et al.
// 2023, eq. (2)): loss = mean_i [ w_i * mean_elements (eps_pred_i - eps_i)^2 ].
import { ShapeError, mean, mul, square, stopGradient, sub, type Sym } from '@ddpo/tensor';

/** Graph inputs of the weighted denoising loss. */
export interface RwrLossInputs {
  /** The network's epsilon prediction at (x_t, t, c), [B, ...]. */
  predictedNoise: Sym;
  /** The noise that made x_t, same shape. */
  noise: Sym;
  /** Per-sample weights [B] (rwrWeights or sparseRwrWeights). */
  weights: Sym;
}

/**
 * mean over the batch of weight_i * mean over the other axes of (predictedNoise - noise)^2. `noise`
 * and `weights` go through stopGradient: only the prediction carries a gradient.
 *
 * @example
 * const b = new GraphBuilder();
 * const loss = rwrLossGraph({ predictedNoise: epsPred, noise: b.input('noise', [4, 3, 32, 32]), weights: b.input('w', [4]) });
 */
export function rwrLossGraph({ predictedNoise, noise, weights }: RwrLossInputs): Sym {
  const shape = predictedNoise.shape;
  const same = noise.shape.length === shape.length && noise.shape.every((d, k) => d === shape[k]);
  if (!same || shape.length < 1) {
    throw new ShapeError('rwrLossGraph', [shape, noise.shape], 'predictedNoise and noise must have the same shape [B, ...]');
  }
  if (weights.shape.length !== 1 || weights.shape[0] !== shape[0]) {
    throw new ShapeError('rwrLossGraph', [shape, weights.shape], `weights must be [B] = [${shape[0]}]`);
  }
  const sq = square(sub(predictedNoise, stopGradient(noise)));
  const perSample = shape.length > 1 ? mean(sq, shape.slice(1).map((_, k) => k + 1)) : sq;
  return mean(mul(stopGradient(weights), perSample));
}
