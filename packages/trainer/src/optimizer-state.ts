// Optimizer state in a checkpoint: Adam's moments as tensors named `exp_avg/<param>` and
// `exp_avg_sq/<param>` (torch's names) in optimizer.safetensors, and its hyperparameters and
// per-parameter step counts as JSON in state.json.
import type { Adam, AdamHyperparams, AdamParamState } from '@ddpo/optim';
import type { HostTensor } from '@ddpo/tensor';
import { CheckpointError } from './checkpoint.js';

/** The JSON part of a saved optimizer. */
export interface OptimizerJson {
  hyper: AdamHyperparams;
  steps: Record<string, number>;
}

/**
 * Splits an optimizer's state dict into tensors and JSON for a checkpoint.
 *
 * @example
 * const { tensors, state } = optimizerToState(adamw);
 */
export function optimizerToState(opt: Adam): { tensors: Record<string, HostTensor>; state: OptimizerJson } {
  const dict = opt.stateDict();
  const tensors: Record<string, HostTensor> = {};
  const steps: Record<string, number> = {};
  for (const [name, s] of Object.entries(dict.state)) {
    tensors[`exp_avg/${name}`] = s.expAvg;
    tensors[`exp_avg_sq/${name}`] = s.expAvgSq;
    steps[name] = s.step;
  }
  return { tensors, state: { hyper: dict.hyper, steps } };
}

/**
 * Restores an optimizer from {@link optimizerToState}'s output (checked by Adam.loadStateDict).
 *
 * @example
 * optimizerFromState(adamw, checkpoint.optimizer);
 */
export function optimizerFromState(opt: Adam, saved: { tensors: Record<string, HostTensor>; state: unknown }): void {
  const json = saved.state as OptimizerJson | undefined;
  if (json === undefined || typeof json !== 'object' || json.hyper === undefined || json.steps === undefined) {
    throw new CheckpointError('optimizer state: state.json has no optimizer { hyper, steps }');
  }
  const state: Record<string, AdamParamState> = {};
  for (const [name, step] of Object.entries(json.steps)) {
    const expAvg = saved.tensors[`exp_avg/${name}`];
    const expAvgSq = saved.tensors[`exp_avg_sq/${name}`];
    if (expAvg === undefined || expAvgSq === undefined) throw new CheckpointError(`optimizer state: moments of '${name}' are missing from optimizer.safetensors`);
    state[name] = { step, expAvg, expAvgSq };
  }
  opt.loadStateDict({ hyper: json.hyper, state });
}
