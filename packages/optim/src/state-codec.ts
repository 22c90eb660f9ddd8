// The one codec of Adam's state for files: moments as tensors named with torch's names
// (`exp_avg/<param>`, `exp_avg_sq/<param>`), per-parameter step counts and hyperparameters as JSON-safe
// values. Parameter files (io.ts, under the `__optim__/` prefix, steps as int64 scalars) and the
// trainer's checkpoints (optimizer.safetensors + state.json) both write and read through it.
import type { HostTensor } from '@ddpo/tensor';
import type { AdamHyperparams, AdamParamState, AdamStateDict } from './adam.js';

/** Adam's state split for storage: tensors by name, and the JSON-safe rest. */
export interface AdamStateParts {
  /** `exp_avg/<param>` and `exp_avg_sq/<param>` for every parameter with state. */
  tensors: Record<string, HostTensor>;
  /** Optimizer steps taken per parameter. */
  steps: Record<string, number>;
  hyper: AdamHyperparams;
}

/**
 * Splits a state dict into moment tensors (torch's names) and JSON-safe steps and hyperparameters.
 *
 * @example
 * const { tensors, steps, hyper } = adamStateToParts(adam.stateDict());
 */
export function adamStateToParts(dict: AdamStateDict): AdamStateParts {
  const tensors: Record<string, HostTensor> = {};
  const steps: Record<string, number> = {};
  for (const [name, s] of Object.entries(dict.state)) {
    tensors[`exp_avg/${name}`] = s.expAvg;
    tensors[`exp_avg_sq/${name}`] = s.expAvgSq;
    steps[name] = s.step;
  }
  return { tensors, steps, hyper: dict.hyper };
}

/**
 * Joins stored parts back into a state dict; the parameters whose moments are missing are listed
 * instead (the caller raises its own typed error naming the file). Adam.loadStateDict checks the rest.
 *
 * @example
 * const { dict, missing } = adamStateFromParts({ tensors, steps, hyper });
 */
export function adamStateFromParts(parts: AdamStateParts): { dict: AdamStateDict; missing: string[] } {
  const state: Record<string, AdamParamState> = {};
  const missing: string[] = [];
  for (const [name, step] of Object.entries(parts.steps)) {
    const expAvg = parts.tensors[`exp_avg/${name}`];
    const expAvgSq = parts.tensors[`exp_avg_sq/${name}`];
    if (expAvg === undefined || expAvgSq === undefined) missing.push(name);
    else state[name] = { step, expAvg, expAvgSq };
  }
  return { dict: { hyper: parts.hyper, state }, missing };
}
