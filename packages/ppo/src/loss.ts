// The DDPO policy losses, written once over graph values: DDPO_IS (the clipped importance-sampling
// surrogate of PPO, as ddpo-pytorch's train.py "# ppo logic" block) and DDPO_SF (the score-function
// estimator). The training graph uses these Syms directly; `ppoLoss` / `policyLoss` evaluate the same
// graph in float64 on the reference interpreter for host-side numbers.
import {
  GraphBuilder,
  cast,
  clip,
  evaluate,
  exp,
  greater,
  maximum,
  mean,
  mul,
  neg,
  square,
  stopGradient,
  sub,
  sum,
  tensor,
  type Sym,
} from '@ddpo/tensor';
import { PpoConfigError } from './errors.js';

/** The two DDPO algorithms of Black et al. (2023), section 4.2. */
export type DdpoAlgorithm = 'ddpo-is' | 'ddpo-sf';

/** Every algorithm, with how often it may update per sampling round. */
export const DDPO_ALGORITHMS: Readonly<Record<DdpoAlgorithm, { description: string; multipleInnerEpochs: boolean }>> = {
  'ddpo-is': { description: 'clipped importance-sampling surrogate (PPO); several inner epochs per sampling round', multipleInnerEpochs: true },
  'ddpo-sf': { description: 'score function (REINFORCE): loss = -mean(A * logProb); one update per sampling round', multipleInnerEpochs: false },
};

/** Inputs of a policy loss: graph values (training graph) or host arrays (host call). */
export interface PolicyLossInputs<T> {
  /** log pi_theta(x_{t-1} | x_t, c) under the current parameters, [B] (ddpo: mean over C*H*W). */
  logProb: T;
  /** The log-prob recorded at sampling time, [B]. */
  oldLogProb: T;
  /** Advantages (normalised rewards), [B]. */
  advantages: T;
  /** PPO clip range epsilon (ddpo-pytorch default 1e-4). */
  clipRange: number;
  /** Advantages are clamped to [-advClipMax, advClipMax] (ddpo-pytorch default 5). */
  advClipMax: number;
}

/** The loss and the reference's logged diagnostics, as graph values. */
export interface PolicyLossSyms {
  /** Scalar loss to minimise (the input dtype). */
  loss: Sym;
  /** 0.5 * mean((logProb - oldLogProb)^2) (the input dtype). */
  approxKl: Sym;
  /** mean(|ratio - 1| > clipRange) in float32, as the reference's `.float()` mean. */
  clipfrac: Sym;
  /** How many elements had |ratio - 1| > clipRange (float64, exact). */
  clipCount: Sym;
  /** exp(logProb - oldLogProb). */
  ratio: Sym;
}

function checkScalars(clipRange: number, advClipMax: number): void {
  if (!Number.isFinite(clipRange) || clipRange < 0) throw new PpoConfigError(`clipRange is ${clipRange}, expected a finite number >= 0`);
  if (!(advClipMax >= 0)) throw new PpoConfigError(`advClipMax is ${advClipMax}, expected a number >= 0 (Infinity disables the clamp)`);
}

/** Diagnostics shared by both algorithms: ratio, approx KL and clip fraction. */
function diagnostics(logProb: Sym, oldLogProb: Sym, clipRange: number): Omit<PolicyLossSyms, 'loss'> {
  const diff = sub(logProb, stopGradient(oldLogProb));
  const ratio = exp(diff);
  const dev = sub(ratio, 1);
  // |ratio - 1| as max(d, -d): exact, and the primitive set has no abs.
  const clipped = greater(maximum(dev, neg(dev)), clipRange);
  return {
    ratio,
    approxKl: mul(mean(square(diff)), 0.5),
    clipfrac: mean(cast(clipped, 'float32')),
    clipCount: sum(cast(clipped, 'float64')),
  };
}

/**
 * DDPO_IS: the clipped surrogate of train.py's "# ppo logic" block,
 * A = clamp(adv, -advClipMax, advClipMax), ratio = exp(logProb - oldLogProb),
 * loss = mean(max(-A * ratio, -A * clamp(ratio, 1 - clipRange, 1 + clipRange))). oldLogProb and
 * advantages are wrapped in stopGradient: only logProb carries a gradient.
 *
 * @example
 * const b = new GraphBuilder();
 * const { loss } = ppoLossGraph({ logProb: lp, oldLogProb: b.input('old', [8]), advantages: b.input('adv', [8]), clipRange: 1e-4, advClipMax: 5 });
 */
export function ppoLossGraph(inputs: PolicyLossInputs<Sym>): PolicyLossSyms {
  const { logProb, oldLogProb, advantages, clipRange, advClipMax } = inputs;
  checkScalars(clipRange, advClipMax);
  const d = diagnostics(logProb, oldLogProb, clipRange);
  const negA = neg(clip(stopGradient(advantages), -advClipMax, advClipMax));
  const unclipped = mul(negA, d.ratio);
  const clipped = mul(negA, clip(d.ratio, 1 - clipRange, 1 + clipRange));
  return { ...d, loss: mean(maximum(unclipped, clipped)) };
}

/**
 * DDPO_SF: the score-function estimator, loss = -mean(A * logProb), whose gradient is
 * -mean(A * grad logProb) (Black et al. 2023, eq. (3)). A is clamped to +-advClipMax as in DDPO_IS, so
 * on-policy (logProb = oldLogProb) both losses have the same gradient. Diagnostics as ppoLossGraph.
 *
 * @example
 * const { loss } = scoreFunctionLossGraph({ logProb: lp, oldLogProb: old, advantages: adv, clipRange: 1e-4, advClipMax: 5 });
 */
export function scoreFunctionLossGraph(inputs: PolicyLossInputs<Sym>): PolicyLossSyms {
  const { logProb, oldLogProb, advantages, clipRange, advClipMax } = inputs;
  checkScalars(clipRange, advClipMax);
  const A = clip(stopGradient(advantages), -advClipMax, advClipMax);
  return { ...diagnostics(logProb, oldLogProb, clipRange), loss: neg(mean(mul(A, logProb))) };
}

/**
 * The loss graph of a named algorithm.
 *
 * @example
 * const out = policyLossGraph(config.algorithm, { logProb, oldLogProb, advantages, clipRange: 1e-4, advClipMax: 5 });
 */
export function policyLossGraph(mode: DdpoAlgorithm, inputs: PolicyLossInputs<Sym>): PolicyLossSyms {
  switch (mode) {
    case 'ddpo-is':
      return ppoLossGraph(inputs);
    case 'ddpo-sf':
      return scoreFunctionLossGraph(inputs);
    default:
      throw new PpoConfigError(`algorithm is ${JSON.stringify(mode satisfies never)}, expected one of ${Object.keys(DDPO_ALGORITHMS).join(', ')}`);
  }
}

/** Host-side values of a policy loss. */
export interface PolicyLossValues {
  loss: number;
  approxKl: number;
  /** The float32 mean widened to double (e.g. 1/3 -> 0.3333333432674408), as the reference logs it. */
  clipfrac: number;
  clipCount: number;
}

type HostArray = Float64Array | readonly number[];

/**
 * Evaluates `policyLossGraph(mode, ...)` in float64 on the reference interpreter and returns numbers.
 *
 * @example
 * policyLoss('ddpo-sf', { logProb: [-1.2], oldLogProb: [-1.2], advantages: [1.5], clipRange: 1e-4, advClipMax: 5 }).loss; // -1.5 * -1.2 = 1.8
 */
export function policyLoss(mode: DdpoAlgorithm, inputs: PolicyLossInputs<HostArray>): PolicyLossValues {
  const n = inputs.logProb.length;
  for (const key of ['oldLogProb', 'advantages'] as const) {
    if (inputs[key].length !== n) throw new PpoConfigError(`${key} has ${inputs[key].length} elements, expected ${n} (as logProb)`);
  }
  if (n === 0) throw new PpoConfigError('logProb is empty, expected at least one element');
  const b = new GraphBuilder();
  const sym = (name: string) => b.input(name, [n], 'float64');
  const out = policyLossGraph(mode, { ...inputs, logProb: sym('logProb'), oldLogProb: sym('oldLogProb'), advantages: sym('advantages') });
  for (const key of ['loss', 'approxKl', 'clipfrac', 'clipCount'] as const) b.output(key, out[key]);
  const feed = (a: HostArray) => tensor(Float64Array.from(a), [n], 'float64');
  const r = evaluate(b.build(), { logProb: feed(inputs.logProb), oldLogProb: feed(inputs.oldLogProb), advantages: feed(inputs.advantages) });
  const num = (key: string) => Number(r[key].data[0]);
  return { loss: num('loss'), approxKl: num('approxKl'), clipfrac: num('clipfrac'), clipCount: num('clipCount') };
}

/**
 * DDPO_IS on host arrays: `{ loss, approxKl, clipfrac, clipCount }` from the same graph as training.
 *
 * @example
 * ppoLoss({ logProb: [-1.0], oldLogProb: [-1.1], advantages: [2], clipRange: 0.2, advClipMax: 5 });
 */
export function ppoLoss(inputs: PolicyLossInputs<HostArray>): PolicyLossValues {
  return policyLoss('ddpo-is', inputs);
}
