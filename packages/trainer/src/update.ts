// The one update loop of every algorithm (runUpdate) as a function of an UpdateContext (the algorithm's
// context plus the parameters and the optimizer step), so Trainer and a browser page (examples/web) run
// the very same code. No file system here: this module and what it imports are the trainer's browser entry.
import { GradientAccumulator, type Adam } from '@ddpo/optim';
import { paramFeeds } from '@ddpo/policy';
import type { CompiledGraph, HostTensor, Rng } from '@ddpo/tensor';
import type { AlgorithmContext, AlgorithmModule } from './algorithm.js';
import { numTrainTimesteps } from './config.js';
import type { EpochSamples } from './samples.js';
import { guardedStep, gradsOf, StatMeans } from './step.js';

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

/** What an update needs from its trainer (or page): the algorithm's context, the parameters, the optimizer step. */
export interface UpdateContext extends AlgorithmContext {
  /** The current parameters (updated in place by `applyStep`'s optimizer). */
  params: Record<string, HostTensor>;
  /** One guarded optimizer step on accumulated gradients (applyUpdateStep with the run's optimizer). */
  applyStep(grads: Record<string, HostTensor>, lossFinite: boolean, out: UpdateStats, stats: StatMeans): void;
}

/**
 * The one update loop, on one epoch's samples (advantages filled in): per inner epoch the module's
 * batch order, per batch numTrainTimesteps(config) steps of its feeds through the compiled graph,
 * gradients accumulated over trainGradientAccumulationSteps x those steps, then one guarded step.
 *
 * @example
 * const stats = await runUpdate(getAlgorithm(ctx.config.algorithm), ctx, compiled, samples, rng);
 */
export async function runUpdate(algo: AlgorithmModule, ctx: UpdateContext, compiled: CompiledGraph, samples: EpochSamples, rng: Rng): Promise<UpdateStats> {
  const c = ctx.config;
  const T = numTrainTimesteps(c);
  const plan = algo.planEpoch(ctx, samples);
  const acc = new GradientAccumulator(c.trainGradientAccumulationSteps * T);
  const feeds = paramFeeds(ctx.model, ctx.params);
  const stats = new StatMeans();
  const declared = Object.entries(algo.statistics ?? {}) as ['approxKl' | 'clipFraction', string][];
  const out: UpdateStats = { loss: 0, approxKl: 0, clipFraction: 0, gradNorm: 0, optimizerSteps: 0, skippedSteps: 0 };
  let lossFinite = true;
  for (let inner = 0; inner < c.trainNumInnerEpochs; inner++) {
    const order = algo.order(ctx, samples, plan, rng);
    ctx.progress.begin(`epoch ${ctx.epoch}.${inner} training`, order.batches * T);
    for (let bi = 0; bi < order.batches; bi++) {
      const batch = order.batch(bi);
      for (let j = 0; j < T; j++) {
        const res = await compiled.run({ ...feeds, ...algo.stepFeeds(ctx, batch, j, rng) });
        const loss = Number(res.loss.data[0]);
        lossFinite &&= Number.isFinite(loss);
        stats.add('loss', loss);
        for (const [key, output] of declared) stats.add(key, Number(res[output].data[0]));
        if (acc.add(gradsOf(res))) {
          ctx.applyStep(acc.take(), lossFinite, out, stats);
          lossFinite = true;
        }
        ctx.progress.tick();
      }
    }
    ctx.progress.end();
  }
  const mean = (key: 'approxKl' | 'clipFraction') => (algo.statistics?.[key] !== undefined ? stats.mean(key) : 0);
  return { ...out, loss: stats.mean('loss'), approxKl: mean('approxKl'), clipFraction: mean('clipFraction'), gradNorm: stats.mean('gradNorm') };
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
