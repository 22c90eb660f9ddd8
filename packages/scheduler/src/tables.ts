// Per-timestep coefficient tables of one DDIM step, computed on the host in float64 and baked into
// step graphs as constants that are gathered by timestep (so each batch element may sit at its own
// timestep, as in DDPO training). Computing them in float64 keeps float32 graphs close to the
// float64 reference: 1 - a_t / a_prev cancels badly in float32 at the last steps.

/** How the previous alpha-bar of a step is found from t - T // N. */
export type PrevAlphaRule =
  /** ddpo-pytorch: clamp the previous timestep to [0, T - 1] first, so the last step uses alphasCumprod[0]. */
  | 'clamped'
  /** Stock diffusers: alphasCumprod[t - T // N] if that is >= 0, else finalAlphaCumprod. */
  | 'final';

/** Coefficients indexed by the training timestep t in [0, T). */
export interface StepTables {
  /** alpha-bar_t (DDIM's alpha_t). */
  readonly alphaProdT: Float64Array;
  /** alpha-bar of the previous timestep. */
  readonly alphaProdTPrev: Float64Array;
  /** sqrt(alpha-bar_t). */
  readonly sqrtAlphaProdT: Float64Array;
  /** sqrt(1 - alpha-bar_t). */
  readonly sqrtBetaProdT: Float64Array;
  /** sqrt(alpha-bar_{t-1}). */
  readonly sqrtAlphaProdTPrev: Float64Array;
  /** sigma_t(eta) = eta * sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)) (DDIM eq. 16). */
  readonly stdDevT: Float64Array;
  /** sqrt(1 - a_prev - sigma_t^2): the weight of eps in the "direction pointing to x_t" (DDIM eq. 12). */
  readonly dirCoef: Float64Array;
  /** log(sigma_t) (-Infinity when eta = 0). */
  readonly logStdDevT: Float64Array;
  /** -1 / (2 sigma_t^2) (-Infinity when eta = 0). */
  readonly negHalfInvVar: Float64Array;
}

/** What the tables are computed from (a DDIMScheduler after setTimesteps satisfies it). */
export interface ScheduleSource {
  readonly alphasCumprod: Float64Array;
  readonly finalAlphaCumprod: number;
  /** T // N: the distance to the previous timestep. */
  readonly stepRatio: number;
}

/**
 * Builds the tables for one eta and one previous-alpha rule; formulas and their order follow
 * ddpo-pytorch's `ddim_step_with_logprob` / diffusers' `_get_variance`, so float64 values agree to
 * the last bits.
 *
 * @example
 * const s = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG); s.setTimesteps(50);
 * stepTables(s, 1.0, 'clamped').stdDevT[981]; // 0.45446327241359896
 */
export function stepTables(src: ScheduleSource, eta: number, rule: PrevAlphaRule): StepTables {
  const ac = src.alphasCumprod;
  const T = ac.length;
  const cols = ['alphaProdT', 'alphaProdTPrev', 'sqrtAlphaProdT', 'sqrtBetaProdT', 'sqrtAlphaProdTPrev', 'stdDevT', 'dirCoef', 'logStdDevT', 'negHalfInvVar'] as const;
  const out = Object.fromEntries(cols.map((c) => [c, new Float64Array(T)])) as Record<(typeof cols)[number], Float64Array>;
  for (let t = 0; t < T; t++) {
    const a = ac[t];
    const prevRaw = t - src.stepRatio;
    let aPrev: number;
    switch (rule) {
      case 'clamped':
        aPrev = ac[Math.min(Math.max(prevRaw, 0), T - 1)];
        break;
      case 'final':
        aPrev = prevRaw >= 0 ? ac[prevRaw] : src.finalAlphaCumprod;
        break;
      default:
        return rule satisfies never;
    }
    // torch's pow(x, 0.5) and pow(x, 2) are sqrt and x * x; Math.pow is not always correctly rounded.
    // DDIM eq. (16): sigma_t^2 = (1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev), times eta^2.
    const variance = ((1 - aPrev) / (1 - a)) * (1 - a / aPrev);
    const std = eta * Math.sqrt(variance);
    out.alphaProdT[t] = a;
    out.alphaProdTPrev[t] = aPrev;
    out.sqrtAlphaProdT[t] = Math.sqrt(a);
    out.sqrtBetaProdT[t] = Math.sqrt(1 - a);
    out.sqrtAlphaProdTPrev[t] = Math.sqrt(aPrev);
    out.stdDevT[t] = std;
    out.dirCoef[t] = Math.sqrt(1 - aPrev - std * std);
    out.logStdDevT[t] = Math.log(std);
    out.negHalfInvVar[t] = -1 / (2 * (std * std));
  }
  return out;
}
