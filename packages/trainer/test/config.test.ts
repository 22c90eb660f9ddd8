// Configuration validation: defaults follow ddpo-pytorch where they are not scaled down, and every
// bad field is reported by name with what was seen.
import { describe, expect, it } from 'vitest';
import { ConfigError, numTrainTimesteps, parseTrainerConfig, samplesPerEpoch } from '@ddpo/trainer';

function issuesOf(input: unknown): { field: string; message: string }[] {
  try {
    parseTrainerConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('parseTrainerConfig', () => {
  it('fills ddpo-pytorch defaults (config/base.py) where they are not scaled down', () => {
    const c = parseTrainerConfig({});
    expect(c.algorithm).toBe('ddpo-is');
    expect(c.trainClipRange).toBe(1e-4);
    expect(c.trainAdvClipMax).toBe(5);
    expect(c.trainAdamBeta1).toBe(0.9);
    expect(c.trainAdamBeta2).toBe(0.999);
    expect(c.trainAdamWeightDecay).toBe(1e-4);
    expect(c.trainAdamEpsilon).toBe(1e-8);
    expect(c.trainMaxGradNorm).toBe(1.0);
    expect(c.sampleEta).toBe(1.0);
    expect(c.perPromptStatTracking).toEqual({ bufferSize: 16, minCount: 16 });
  });

  it('names a field with a bad value and shows what was given', () => {
    const issues = issuesOf({ trainLearningRate: -1 });
    expect(issues).toHaveLength(1);
    expect(issues[0].field).toBe('trainLearningRate');
    expect(issues[0].message).toContain('-1');
  });

  it('reports every bad field at once, nested ones by path', () => {
    const issues = issuesOf({ sampleBatchSize: 2.5, algorithm: 'ppo', perPromptStatTracking: { bufferSize: 0, minCount: 4 } });
    const fields = issues.map((i) => i.field).sort();
    expect(fields).toContain('sampleBatchSize');
    expect(fields).toContain('algorithm');
    expect(fields.some((f) => f.startsWith('perPromptStatTracking'))).toBe(true);
  });

  it('rejects unknown (misspelt) fields', () => {
    const issues = issuesOf({ trainLearningRat: 1e-4 });
    expect(issues[0].message).toContain('trainLearningRat');
  });

  it('checks the batch bookkeeping of scripts/train.py', () => {
    expect(issuesOf({ sampleBatchSize: 6, trainBatchSize: 4 })[0].field).toBe('trainBatchSize');
    const acc = issuesOf({ sampleBatchSize: 4, sampleNumBatchesPerEpoch: 3, trainBatchSize: 4, trainGradientAccumulationSteps: 2 });
    expect(acc[0].field).toBe('trainGradientAccumulationSteps');
    expect(issuesOf({ sampleNumSteps: 4, trainTimestepFraction: 0.1 })[0].field).toBe('trainTimestepFraction');
  });

  it('derives samples per epoch and trained timesteps as the reference does', () => {
    const c = parseTrainerConfig({ sampleBatchSize: 4, sampleNumBatchesPerEpoch: 3, trainBatchSize: 2, sampleNumSteps: 10, trainTimestepFraction: 0.3 });
    expect(samplesPerEpoch(c)).toBe(12);
    // int(10 * 0.3) in Python is 3 (0.3 * 10 = 3.0000000000000004).
    expect(numTrainTimesteps(c)).toBe(3);
  });

  it('rejects ddpo-sf with more than one inner epoch (its gradient is only unbiased on-policy)', () => {
    const issues = issuesOf({ algorithm: 'ddpo-sf', trainNumInnerEpochs: 2 });
    expect(issues).toHaveLength(1);
    expect(issues[0].field).toBe('trainNumInnerEpochs');
    expect(issues[0].message).toMatch(/ddpo-sf.*got 2/);
    expect(parseTrainerConfig({ algorithm: 'ddpo-is', trainNumInnerEpochs: 2 }).trainNumInnerEpochs).toBe(2);
  });

  it('RWR defaults to the raw reward scale of the paper, beta 0.2, softmax over the epoch', () => {
    const c = parseTrainerConfig({ algorithm: 'rwr' });
    expect([c.rwrRewardScale, c.rwrBeta, c.rwrPerPrompt, c.rwrPercentile, c.rwrPercentileMinCount]).toEqual(['raw', 0.2, false, 90, undefined]);
    expect(issuesOf({ rwrRewardScale: 'zscore' })[0].field).toBe('rwrRewardScale');
    expect(issuesOf({ rwrPercentileMinCount: 0 })[0].field).toBe('rwrPercentileMinCount');
  });

  it('accepts disabling per-prompt stat tracking', () => {
    expect(parseTrainerConfig({ perPromptStatTracking: false }).perPromptStatTracking).toBe(false);
  });
});
