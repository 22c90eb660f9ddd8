// The algorithms' per-epoch updates as functions of an UpdateContext (model, parameters, config,
// progress, the optimizer step), so DDPOTrainer/RWRTrainer and a browser page (examples/web) run the
// very same code. No file system here: this module and what it imports are the trainer's browser entry.
import type { Adam } from '@ddpo/optim';
import type { EpsilonModel } from '@ddpo/policy';
import type { HostTensor } from '@ddpo/tensor';
import type { TrainerConfig } from './config.js';
import type { Progress } from './progress.js';
import { guardedStep, type StatMeans } from './step.js';

/** Statistics of one epoch's update, filled by the algorithm. */
export interface UpdateStats {
  loss: number;
  approxKl: number;
  clipFraction: number;
  gradNorm: number;
  optimizerSteps: number;
  skippedSteps: number;
  skipped?: string;
}

/** What an update needs from its trainer (or page). */
export interface UpdateContext {
  model: EpsilonModel;
  /** The current parameters (updated in place by `applyStep`'s optimizer). */
  params: Record<string, HostTensor>;
  config: TrainerConfig;
  progress: Progress;
  /** Used in progress labels. */
  epoch: number;
  /** The DDIM scheduler's alphas_cumprod (RWR re-noises with them). */
  alphasCumprod: Float64Array;
  /** One guarded optimizer step on accumulated gradients (applyUpdateStep with the run's optimizer). */
  applyStep(grads: Record<string, HostTensor>, lossFinite: boolean, out: UpdateStats, stats: StatMeans): void;
}

/**
 * One guarded optimizer step (guardedStep), counted in `out` and `stats`; a refused step is counted,
 * described in `out.skipped` and reported through `log`.
 *
 * @example
 * applyUpdateStep(optimizer, 1.0, acc.take(), lossFinite, out, stats, (reason) => console.warn(reason));
 */
export function applyUpdateStep(
  optimizer: Adam,
  maxGradNorm: number,
  grads: Record<string, HostTensor>,
  lossFinite: boolean,
  out: UpdateStats,
  stats: StatMeans,
  log: (reason: string) => void,
): void {
  const r = guardedStep(optimizer, grads, maxGradNorm, lossFinite);
  if (r.applied) {
    out.optimizerSteps++;
    stats.add('gradNorm', r.gradNorm);
  } else {
    out.skippedSteps++;
    out.skipped = `${out.skippedSteps} optimizer step(s) refused (last: ${r.reason}); parameters left unchanged`;
    log(r.reason!);
  }
}
