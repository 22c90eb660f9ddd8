// Beta schedules (diffusers' `linear`, `scaled_linear`, `squaredcos_cap_v2`), the zero-terminal-SNR
// rescale, and alpha-bar = cumprod(1 - beta). Everything in float64: the DDPO golden vectors use the
// float64 schedule (diffusers builds it in float32, which differs by ~1e-7 relative).
import type { DDIMSchedulerConfig } from './config.js';

/**
 * `n` evenly spaced values from `start` to `end` inclusive, as torch.linspace computes them: the
 * first half counted up from `start`, the second half down from `end`, so both ends are exact.
 *
 * @example
 * linspace(0, 1, 5); // Float64Array [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (n - 1);
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? start + step * i : end - step * (n - i - 1);
  return out;
}

/** Glide's cosine alpha-bar (Nichol & Dhariwal 2021, eq. 17 with s = 0.008). */
function cosineAlphaBar(t: number): number {
  const c = Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2));
  return c * c;
}

/**
 * Betas that discretise the cosine alpha-bar: beta_i = min(1 - abar((i+1)/n) / abar(i/n), maxBeta)
 * (diffusers' `betas_for_alpha_bar`, the `squaredcos_cap_v2` schedule).
 *
 * @example
 * betasForAlphaBar(1000)[999]; // 0.999 (capped)
 */
export function betasForAlphaBar(n: number, maxBeta = 0.999): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(1 - cosineAlphaBar((i + 1) / n) / cosineAlphaBar(i / n), maxBeta);
  return out;
}

/**
 * Rescales betas to zero terminal SNR: shift sqrt(alpha-bar) so its last value is 0, scale so its
 * first is unchanged (Lin et al. 2023, arXiv:2305.08891, Algorithm 1).
 *
 * @example
 * const b = rescaleZeroTerminalSnr(betaSchedule(STABLE_DIFFUSION_V1_CONFIG)); // b[999] === 1
 */
export function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const n = betas.length;
  const sqrtAbar = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    prod *= 1 - betas[i];
    sqrtAbar[i] = Math.sqrt(prod);
  }
  const first = sqrtAbar[0];
  const last = sqrtAbar[n - 1];
  const scale = first / (first - last);
  const abar = sqrtAbar.map((s) => (s - last) * scale).map((s) => s * s);
  const out = new Float64Array(n);
  out[0] = 1 - abar[0];
  for (let i = 1; i < n; i++) out[i] = 1 - abar[i] / abar[i - 1];
  return out;
}

/**
 * The betas of a config, in float64: `trainedBetas` if given, else the named schedule, then the
 * optional zero-SNR rescale.
 *
 * @example
 * betaSchedule(STABLE_DIFFUSION_V1_CONFIG)[0]; // 0.00085 (= linspace(sqrt(0.00085), sqrt(0.012), 1000)[0] ** 2)
 */
export function betaSchedule(cfg: DDIMSchedulerConfig): Float64Array {
  const n = cfg.numTrainTimesteps;
  let betas: Float64Array;
  if (cfg.trainedBetas !== null) {
    betas = Float64Array.from(cfg.trainedBetas);
  } else {
    switch (cfg.betaSchedule) {
      case 'linear':
        betas = linspace(cfg.betaStart, cfg.betaEnd, n);
        break;
      case 'scaled_linear':
        // "very specific to the latent diffusion model" (diffusers): linear in sqrt(beta).
        betas = linspace(Math.sqrt(cfg.betaStart), Math.sqrt(cfg.betaEnd), n).map((b) => b * b);
        break;
      case 'squaredcos_cap_v2':
        betas = betasForAlphaBar(n);
        break;
      default:
        return cfg.betaSchedule satisfies never;
    }
  }
  return cfg.rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : betas;
}

/**
 * alpha-bar_t = prod_{s <= t} (1 - beta_s) (DDPM eq. 4 notation; DDIM writes it alpha_t).
 *
 * @example
 * cumprodAlphas(new Float64Array([0.5, 0.5])); // Float64Array [0.5, 0.25]
 */
export function cumprodAlphas(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let prod = 1;
  for (let i = 0; i < betas.length; i++) {
    prod *= 1 - betas[i];
    out[i] = prod;
  }
  return out;
}
