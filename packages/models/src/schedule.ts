// The noise schedule tiny-unet-32 is trained with (docs/tiny-unet-32.md): 1000 timesteps of
// Stable Diffusion v1's scaled_linear betas, and the forward (noising) process
// q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) (DDPM, Ho et al. 2020, eq. 4).

/** Number of training timesteps. */
export const NUM_TRAIN_TIMESTEPS = 1000;

/**
 * alphas_cumprod of the scaled_linear schedule: betas = linspace(sqrt(b0), sqrt(b1), T)^2,
 * abar_t = prod_{s <= t} (1 - beta_s), in float64.
 *
 * @example
 * const abar = scaledLinearAlphasCumprod(); // abar[0] = 0.99915, abar[999] ~ 0.0047
 */
export function scaledLinearAlphasCumprod(betaStart = 0.00085, betaEnd = 0.012, steps = NUM_TRAIN_TIMESTEPS): Float64Array {
  const out = new Float64Array(steps);
  const a = Math.sqrt(betaStart), b = Math.sqrt(betaEnd);
  let prod = 1;
  for (let i = 0; i < steps; i++) {
    const s = steps === 1 ? a : a + ((b - a) * i) / (steps - 1);
    prod *= 1 - s * s;
    out[i] = prod;
  }
  return out;
}

/**
 * Noises a batch in place of a new array: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, one
 * timestep per example (DDPM eq. 4).
 *
 * @example
 * const xt = addNoise(x0.data, eps.data, [999, 10], scaledLinearAlphasCumprod());
 */
export function addNoise(x0: Float32Array, noise: Float32Array, timesteps: ArrayLike<number>, alphasCumprod: Float64Array): Float32Array<ArrayBuffer> {
  const n = timesteps.length;
  const per = x0.length / n;
  const out = new Float32Array(x0.length);
  for (let i = 0; i < n; i++) {
    const abar = alphasCumprod[timesteps[i]];
    const a = Math.sqrt(abar), s = Math.sqrt(1 - abar);
    for (let j = i * per; j < (i + 1) * per; j++) out[j] = a * x0[j] + s * noise[j];
  }
  return out;
}
