// An algorithm registered from outside the package: one AlgorithmModule plus registerAlgorithm. It gets
// its own config field (validated, with a default), config validation and createTrainer accept it, and it
// trains an epoch through Trainer's one update loop (parameters move, steps are counted, the log line
// leaves out the statistics it does not declare). Names are checked: unknown, taken and malformed ones
// are typed errors naming what was wrong.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guidedEpsilon, paramInputs, trainableParamNames } from '@ddpo/policy';
import { defineReward } from '@ddpo/rewards';
import { GraphBuilder, HostTensor, ReferenceAdapter, grad, mean, mul, reshape, square } from '@ddpo/tensor';
import {
  algorithmNames, ConfigError, createTrainer, finalLatents, getAlgorithm, parseTrainerConfig, registerAlgorithm, Trainer, TrainerError,
  UnknownAlgorithmError, ddpoUpdate, rwrUpdate, type AlgorithmModule, type Progress, type UpdateContext,
} from '@ddpo/trainer';
import { tinyModel, tinyParams, TINY_PROMPTS } from './helpers/tiny-model.js';

interface ToyBatch {
  x0: HostTensor<'float32'>;
  prompt: HostTensor<'int64'>;
  adv: HostTensor<'float32'>;
}

/** Advantage-weighted shrinking of the predicted noise at the final samples, at one fixed timestep. */
const toy: AlgorithmModule<void, ToyBatch> = {
  name: 'toy-shrink',
  family: 'toy',
  description: 'advantage-weighted |eps(x_0, t)|^2 (a test algorithm)',
  configFields: { toyTimestep: z.number().min(0).max(999).default(500) },
  validate: (c) => (c.trainNumInnerEpochs > 2 ? [{ field: 'trainNumInnerEpochs', message: `at most 2 for toy-shrink; got ${c.trainNumInnerEpochs}` }] : []),
  trainingGraph({ model, config }) {
    const B = config.trainBatchSize;
    const b = new GraphBuilder();
    const params = paramInputs(b, model);
    const eps = guidedEpsilon(model, params, b.input('x0', [B, ...model.sampleShape]), b.input('timestep', [B]), b.input('prompt', [B], 'int64'), 1);
    const loss = mean(mul(square(eps), reshape(b.input('adv', [B]), [B, 1, 1, 1])));
    const names = trainableParamNames(model);
    const grads = grad(loss, names.map((n) => params[n]));
    b.output('loss', loss);
    names.forEach((n, i) => b.output(`grad:${n}`, grads[i]));
    return b.build();
  },
  planEpoch: () => undefined,
  order: ({ config }, samples) => {
    const B = config.trainBatchSize;
    return {
      batches: samples.n / B,
      batch: (bi) => {
        const idx = Array.from({ length: B }, (_, k) => bi * B + k);
        return {
          x0: finalLatents(samples, idx),
          prompt: new HostTensor('int64', [B], BigInt64Array.from(idx, (i) => BigInt(samples.prompts[i]))),
          adv: new HostTensor('float32', [B], Float32Array.from(idx, (i) => samples.advantages[i])),
        };
      },
    };
  },
  stepFeeds: ({ config }, { x0, prompt, adv }) => ({ x0, prompt, adv, timestep: new HostTensor('float32', [adv.size], new Float32Array(adv.size).fill(config.toyTimestep as number)) }),
};

registerAlgorithm(toy);

const redness = defineReward('redness', (images) => {
  const [B, , H, W] = images.shape;
  const d = images.data as Float32Array;
  return Array.from({ length: B }, (_, b) => d.subarray(b * 3 * H * W, b * 3 * H * W + H * W).reduce((s, v) => s + v, 0) / (H * W));
});

describe('an algorithm registered from outside @ddpo/trainer', () => {
  it('joins the names, the config schema (its own field, default and rule) and validation', () => {
    expect(algorithmNames()).toEqual(['ddpo-is', 'ddpo-sf', 'rwr', 'rwr-sparse', 'toy-shrink']);
    const c = parseTrainerConfig({ algorithm: 'toy-shrink' }) as ReturnType<typeof parseTrainerConfig> & { toyTimestep: number };
    expect(c.toyTimestep).toBe(500);
    expect(() => parseTrainerConfig({ algorithm: 'toy-shrink', toyTimestep: 2000 })).toThrow(/toyTimestep/);
    expect(() => parseTrainerConfig({ algorithm: 'toy-shrink', trainNumInnerEpochs: 3 })).toThrow(/at most 2 for toy-shrink; got 3/);
    expect(() => parseTrainerConfig({ algorithm: 'toy-shrinks' })).toThrow(ConfigError);
    expect(() => parseTrainerConfig({ algorithm: 'toy-shrinks' })).toThrow(/algorithm: unknown algorithm; expected one of ddpo-is, ddpo-sf, rwr, rwr-sparse, toy-shrink \(got "toy-shrinks"\)/);
  });

  it('trains an epoch through the one update loop', async () => {
    const lines: string[] = [];
    const progress: Progress = { begin: () => {}, tick: () => {}, end: () => {}, log: (l) => lines.push(l) };
    const adapter = new ReferenceAdapter();
    const t = await createTrainer({
      model: tinyModel(), params: tinyParams(), reward: redness, promptNames: [...TINY_PROMPTS], adapter, progress,
      config: { algorithm: 'toy-shrink', numEpochs: 1, seed: 3, sampleBatchSize: 4, sampleNumBatchesPerEpoch: 1, sampleNumSteps: 2, trainBatchSize: 2, trainLearningRate: 1e-2, toyTimestep: 250 } as never,
    });
    expect(t).toBeInstanceOf(Trainer);
    expect(t.algorithm).toBe(getAlgorithm('toy-shrink'));
    const [m] = await t.train();
    expect(m.algorithm).toBe('toy-shrink');
    expect(Number.isFinite(m.loss)).toBe(true);
    expect(m.optimizerSteps).toBe(2); // 4 samples / (batch 2 x accumulation 1)
    expect([m.approxKl, m.clipFraction]).toEqual([0, 0]);
    const before = tinyParams();
    expect(t.params['conv.weight'].toArray()).not.toEqual(before['conv.weight'].toArray());
    const epochLine = lines.find((l) => l.startsWith('epoch 0:'));
    expect(epochLine).toMatch(/\|g\| /);
    expect(epochLine).not.toMatch(/kl |clipfrac/);
    await t.dispose();
  });

  it('refuses a taken name, a malformed one, and an unknown one by name', () => {
    expect(() => registerAlgorithm({ ...toy })).toThrow(/'toy-shrink' is already registered/);
    expect(() => registerAlgorithm({ ...toy, name: 'Toy Shrink' })).toThrow(TrainerError);
    expect(() => getAlgorithm('nope')).toThrow(UnknownAlgorithmError);
    expect(() => getAlgorithm('nope')).toThrow(/unknown algorithm 'nope'; registered: ddpo-is, ddpo-sf, rwr, rwr-sparse, toy-shrink/);
  });

  it('ddpoUpdate and rwrUpdate run the one loop only with an algorithm of their family', async () => {
    const ctx = { config: parseTrainerConfig({ algorithm: 'toy-shrink' }) } as unknown as UpdateContext;
    await expect(ddpoUpdate(ctx, undefined as never, undefined as never, undefined as never)).rejects.toThrow(/ddpoUpdate: config.algorithm is 'toy-shrink' \(family 'toy'\), expected an algorithm of family 'ddpo'/);
    await expect(rwrUpdate(ctx, undefined as never, undefined as never, undefined as never)).rejects.toThrow(TrainerError);
  });
});
