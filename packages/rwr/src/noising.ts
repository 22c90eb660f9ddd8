// Host-side preparation of an RWR (or any epsilon-prediction) training batch: draw t uniformly in
// [0, numTrainTimesteps) and eps ~ N(0, I) from a seeded Rng, and form
// x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps (DDPM, Ho et al. 2020, eq. (4); diffusers' `add_noise`).
import { HostTensor, allocate, type Rng } from '@ddpo/tensor';
import { RwrConfigError } from './errors.js';

/** Options of prepareNoisedBatch. */
export interface NoisedBatchOptions {
  /** The schedule's cumulative alpha products abar_t, t = 0..T-1 (e.g. a scheduler's `alphasCumprod`). */
  alphasCumprod: Float64Array;
  /** Source of t and eps. Draw order: timesteps first, then the noise. */
  rng: Rng;
  /** t is drawn in [0, numTrainTimesteps); default alphasCumprod.length. */
  numTrainTimesteps?: number;
  /** dtype of the returned `timesteps` tensor (tiny-unet's `timestep` input is float32). Default float32. */
  timestepDtype?: 'float32' | 'int32' | 'int64';
}

/** A noised batch: feeds for the network (xt, timesteps) and the regression target (noise). */
export interface NoisedBatch {
  xt: HostTensor;
  noise: HostTensor;
  timesteps: HostTensor;
}

/**
 * Noises clean samples x0 [B, ...] (float32 or float64) at uniformly drawn timesteps. x_t is computed
 * in float64 and stored in x0's dtype; the noise has x0's dtype.
 *
 * @example
 * const { xt, noise, timesteps } = prepareNoisedBatch(x0, { alphasCumprod, rng: new Rng(0) });
 */
export function prepareNoisedBatch(x0: HostTensor, options: NoisedBatchOptions): NoisedBatch {
  const { alphasCumprod: abar, rng } = options;
  const T = options.numTrainTimesteps ?? abar.length;
  if (!Number.isInteger(T) || T < 1 || T > abar.length) throw new RwrConfigError(`numTrainTimesteps is ${T}, expected an integer in [1, ${abar.length}] (alphasCumprod length)`);
  if (x0.dtype !== 'float32' && x0.dtype !== 'float64') throw new RwrConfigError(`x0 has dtype ${x0.dtype}, expected float32 or float64`);
  if (x0.shape.length < 1) throw new RwrConfigError('x0 is a scalar, expected [B, ...]');
  for (let t = 0; t < T; t++) {
    if (!(abar[t] > 0 && abar[t] <= 1)) throw new RwrConfigError(`alphasCumprod[${t}] is ${abar[t]}, expected a number in (0, 1]`);
  }
  const B = x0.shape[0];
  const t = rng.randint([B], T).data;
  const noise = rng.normal(x0.shape, x0.dtype);
  const per = B === 0 ? 0 : x0.size / B;
  const xt = allocate(x0.dtype, x0.size);
  for (let b = 0; b < B; b++) {
    const s = Math.sqrt(abar[t[b]]);
    const sn = Math.sqrt(1 - abar[t[b]]);
    for (let i = b * per; i < (b + 1) * per; i++) xt[i] = s * (x0.data[i] as number) + sn * (noise.data[i] as number);
  }
  const tt = options.timestepDtype ?? 'float32';
  const ts = allocate(tt, B);
  for (let b = 0; b < B; b++) (ts as { [k: number]: number | bigint })[b] = tt === 'int64' ? BigInt(t[b]) : t[b];
  return { xt: new HostTensor(x0.dtype, x0.shape, xt), noise, timesteps: new HostTensor(tt, [B], ts) };
}
