// Optimizer state in a checkpoint, through @ddpo/optim's codec: Adam's moments as tensors named
// `exp_avg/<param>` and `exp_avg_sq/<param>` (torch's names) in optimizer.safetensors, its
// hyperparameters and per-parameter step counts as JSON in state.json.
import { adamStateFromParts, adamStateToParts, type Adam, type AdamHyperparams } from '@ddpo/optim';
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
  const { tensors, steps, hyper } = adamStateToParts(opt.stateDict());
  return { tensors, state: { hyper, steps } };
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
  const { dict, missing } = adamStateFromParts({ tensors: saved.tensors, steps: json.steps, hyper: json.hyper });
  if (missing.length > 0) throw new CheckpointError(`optimizer state: moments of '${missing[0]}' are missing from optimizer.safetensors`);
  opt.loadStateDict(dict);
}
