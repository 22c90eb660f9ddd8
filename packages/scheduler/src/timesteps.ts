// Inference timesteps of DDIM (`setTimesteps`): diffusers' `leading` (plus stepsOffset), `trailing`
// and `linspace` spacings, reproducing NumPy's arithmetic (float arange, round half to even).
import type { DDIMSchedulerConfig } from './config.js';
import { SchedulerConfigError } from './errors.js';

/** NumPy's `round`: to the nearest integer, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** np.arange(start, stop, step) for floats: length ceil((stop - start) / step), values start + i * delta. */
function floatArange(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  // NumPy fills two values, then extrapolates with the delta between them.
  const delta = start + step - start;
  return Array.from({ length: n }, (_, i) => start + i * delta);
}

/** np.linspace(start, stop, n) (endpoint included, last value exact). */
function numpyLinspace(start: number, stop: number, n: number): number[] {
  if (n === 1) return [start];
  const step = (stop - start) / (n - 1);
  const out = Array.from({ length: n }, (_, i) => i * step + start);
  out[n - 1] = stop;
  return out;
}

/**
 * The descending inference timesteps for `n` steps under a config's `timestepSpacing`:
 * `leading`: (arange(n) * (T // n)) reversed + stepsOffset (SD v1, n = 50: 981, 961, ..., 1);
 * `trailing`: round(arange(T, 0, -T / n)) - 1 (999, ...); `linspace`: round(linspace(0, T - 1, n)) reversed.
 * Throws SchedulerConfigError if n is not an integer in [1, T] or a timestep falls outside [0, T).
 *
 * @example
 * inferenceTimesteps(STABLE_DIFFUSION_V1_CONFIG, 10); // [901, 801, 701, ..., 101, 1]
 */
export function inferenceTimesteps(cfg: DDIMSchedulerConfig, n: number): number[] {
  const T = cfg.numTrainTimesteps;
  if (!Number.isInteger(n) || n < 1 || n > T) {
    throw new SchedulerConfigError('numInferenceSteps', `got ${n}, expected an integer in [1, numTrainTimesteps = ${T}]`);
  }
  let ts: number[];
  switch (cfg.timestepSpacing) {
    case 'leading': {
      const ratio = Math.floor(T / n);
      ts = Array.from({ length: n }, (_, i) => (n - 1 - i) * ratio + cfg.stepsOffset);
      break;
    }
    case 'trailing':
      ts = floatArange(T, 0, -T / n).map((v) => roundHalfEven(v) - 1);
      break;
    case 'linspace':
      ts = numpyLinspace(0, T - 1, n).map(roundHalfEven).reverse();
      break;
    default:
      return cfg.timestepSpacing satisfies never;
  }
  const bad = ts.find((t) => t < 0 || t >= T);
  if (bad !== undefined) {
    throw new SchedulerConfigError(
      'stepsOffset',
      `${cfg.timestepSpacing} spacing with ${n} steps and stepsOffset ${cfg.stepsOffset} gives timestep ${bad}, outside [0, ${T - 1}]`,
    );
  }
  return ts;
}
