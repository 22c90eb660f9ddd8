// RWRTrainer: reward-weighted regression, the baseline of the DDPO paper (sec. 4.1 and 6.1), on the
// same sampling, rewards, logging and checkpoints as DDPOTrainer. The policy's own final samples
// x_0 are re-noised at uniformly drawn t and regressed with the denoising loss weighted by
// softmax(beta * A) * N ('rwr') or by a 0/1 mask keeping the top percentile ('rwr-sparse').
import { GradientAccumulator } from '@ddpo/optim';
import { paramFeeds, paramInputs, trainableParamNames } from '@ddpo/policy';
import { prepareNoisedBatch, rwrLossGraph, rwrWeights, sparseRwrWeights } from '@ddpo/rwr';
import { GraphBuilder, HostTensor, grad, type CompiledGraph, type Rng } from '@ddpo/tensor';
import { numTrainTimesteps } from './config.js';
import { finalLatents, type EpochSamples } from './samples.js';
import { StatMeans, gradsOf } from './step.js';
import { Trainer, type TrainerOptions, type UpdateStats } from './trainer.js';

/**
 * The per-sample weights of an epoch and the training order they imply. Weights are computed from
 * the advantages (rewards normalised per prompt, as for DDPO), so `rwrBeta` means the same for every
 * reward scale. Sparse RWR trains only on the kept samples, cycled to fill the epoch, so every
 * algorithm takes the same number of gradient steps per epoch.
 *
 * @example
 * const { weights, pool } = rwrPlan('rwr-sparse', advantages, { beta: 0.2, percentile: 90 });
 */
export function rwrPlan(algorithm: 'rwr' | 'rwr-sparse', advantages: Float64Array, o: { beta: number; percentile: number }): { weights: Float64Array; pool: number[] } {
  if (algorithm === 'rwr') return { weights: rwrWeights(advantages, { beta: o.beta }), pool: Array.from({ length: advantages.length }, (_, i) => i) };
  const weights = sparseRwrWeights(advantages, { percentile: o.percentile });
  const kept = [...weights.keys()].filter((i) => weights[i] > 0);
  return { weights, pool: Array.from({ length: advantages.length }, (_, k) => kept[k % kept.length]) };
}

/**
 * RWR trainer (algorithm 'rwr' or 'rwr-sparse').
 *
 * @example
 * const trainer = await RWRTrainer.create({ model, params, reward, promptNames: PROMPTS, config: { algorithm: 'rwr' } });
 * await trainer.train();
 */
export class RWRTrainer extends Trainer {
  private compiled: CompiledGraph | undefined;

  /** Validates the config, compiles the graphs and (optionally) resumes. */
  static async create(opts: TrainerOptions): Promise<RWRTrainer> {
    return Trainer.build(opts, (adapter, owned) => new RWRTrainer(opts, adapter, owned), ['rwr', 'rwr-sparse'], 'use DDPOTrainer for DDPO');
  }

  /** Graph inputs: param:*, xt, timestep (float32), prompt (int64), noise, weights. */
  protected async compileTraining(): Promise<void> {
    const B = this.config.trainBatchSize;
    const model = this.model;
    const b = new GraphBuilder();
    const shape = [B, ...model.sampleShape];
    const params = paramInputs(b, model);
    const pred = model.apply(params, b.input('xt', shape), b.input('timestep', [B]), b.input('prompt', [B], 'int64'));
    const loss = rwrLossGraph({ predictedNoise: pred, noise: b.input('noise', shape), weights: b.input('weights', [B]) });
    const names = trainableParamNames(model); // under LoRA the adapters only
    const grads = grad(loss, names.map((n) => params[n]));
    b.output('loss', loss);
    names.forEach((n, i) => b.output(`grad:${n}`, grads[i]));
    this.compiled = await this.adapter.compile(b.build());
  }

  protected async update(samples: EpochSamples, rng: Rng): Promise<UpdateStats> {
    const c = this.config;
    const T = numTrainTimesteps(c);
    const B = c.trainBatchSize;
    const { weights, pool } = rwrPlan(c.algorithm as 'rwr' | 'rwr-sparse', samples.advantages, { beta: c.rwrBeta, percentile: c.rwrPercentile });
    const abar = this.sampler.scheduler.alphasCumprod;
    const acc = new GradientAccumulator(c.trainGradientAccumulationSteps * T);
    const feeds = paramFeeds(this.model, this.params);
    const stats = new StatMeans();
    const out: UpdateStats = { loss: 0, approxKl: 0, clipFraction: 0, gradNorm: 0, optimizerSteps: 0, skippedSteps: 0 };
    let lossFinite = true;
    for (let inner = 0; inner < c.trainNumInnerEpochs; inner++) {
      const perm = rng.permutation(pool.length).data;
      this.progress.begin(`epoch ${this.epoch}.${inner} training`, (pool.length / B) * T);
      for (let bi = 0; bi < pool.length / B; bi++) {
        const idx = Array.from(perm.subarray(bi * B, (bi + 1) * B), (k) => pool[k]);
        const x0 = finalLatents(samples, idx);
        const w = new HostTensor('float32', [B], Float32Array.from(idx, (i) => weights[i]));
        const prompt = new HostTensor('int64', [B], BigInt64Array.from(idx, (i) => BigInt(samples.prompts[i])));
        // As many noised regressions per sample as DDPO trains timesteps: equal compute per epoch.
        for (let j = 0; j < T; j++) {
          const nb = prepareNoisedBatch(x0, { alphasCumprod: abar, rng });
          const res = await this.compiled!.run({ ...feeds, xt: nb.xt, timestep: nb.timesteps, prompt, noise: nb.noise, weights: w });
          const loss = Number(res.loss.data[0]);
          lossFinite &&= Number.isFinite(loss);
          stats.add('loss', loss);
          if (acc.add(gradsOf(res))) {
            this.applyStep(acc.take(), lossFinite, out, stats);
            lossFinite = true;
          }
          this.progress.tick();
        }
      }
      this.progress.end();
    }
    return { ...out, loss: stats.mean('loss'), approxKl: 0, clipFraction: 0, gradNorm: stats.mean('gradNorm') };
  }
}
