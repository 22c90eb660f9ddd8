// compare's presets: the protocol's shared settings plus each method's tuned fields (docs/results.md,
// study 2), with every field the user sets winning over the per-algorithm choice.
import { describe, expect, it } from 'vitest';
import { COMPARE_PRESETS, configFor, presetPerAlgorithm } from '@ddpo/cli';
import { parseTrainerConfig } from '@ddpo/trainer';

describe('compare presets', () => {
  it("the default runs DDPO_IS fully fine-tuned at 3e-5 and RWR with LoRA on attention at 3e-4, on the protocol's shared settings", () => {
    const is = parseTrainerConfig({ ...configFor(COMPARE_PRESETS.default, 'ddpo-is'), algorithm: 'ddpo-is' });
    const rwr = parseTrainerConfig({ ...configFor(COMPARE_PRESETS.default, 'rwr'), algorithm: 'rwr' });
    expect([is.useLora, is.trainLearningRate]).toEqual([false, 3e-5]);
    expect([rwr.useLora, rwr.loraRank, rwr.loraTargets, rwr.trainLearningRate]).toEqual([true, 4, 'attention', 3e-4]);
    for (const c of [is, rwr]) {
      expect(c.sampleGuidanceScale).toBe(3);
      expect(c.trainCfg).toBe(true);
      expect(c.numEpochs * c.sampleBatchSize * c.sampleNumBatchesPerEpoch).toBe(512);
      expect(c.perPromptStatTracking).toEqual({ bufferSize: 16, minCount: 16 });
    }
  });

  it('a field the user sets is dropped from every per-algorithm override, the others stay', () => {
    const per = presetPerAlgorithm(COMPARE_PRESETS.default, ['ddpo-is', 'rwr'], ['trainLearningRate']);
    expect(per['ddpo-is']).toEqual({ useLora: false });
    expect(per.rwr).toEqual({ useLora: true, loraRank: 4, loraTargets: 'attention' });
    const config = { ...COMPARE_PRESETS.default.config, trainLearningRate: 1e-3 };
    expect(configFor({ config, perAlgorithm: per }, 'rwr').trainLearningRate).toBe(1e-3);
  });

  it('a preset without per-algorithm fields gives every algorithm the shared config', () => {
    expect(presetPerAlgorithm(COMPARE_PRESETS.quick, ['ddpo-is'], [])).toEqual({ 'ddpo-is': {} });
    expect(configFor(COMPARE_PRESETS.quick, 'rwr')).toEqual(COMPARE_PRESETS.quick.config);
  });
});
