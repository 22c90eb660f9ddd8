// Config layering for train/compare: --set pairs, merging, config files.
import { describe, expect, it } from 'vitest';
import { mergeConfig, parseSetPairs, UsageError } from '@ddpo/cli';

describe('config layers', () => {
  it('--set parses JSON values and dotted fields', () => {
    expect(parseSetPairs(['trainClipRange=2e-4', 'trainCfg=false', 'perPromptStatTracking.minCount=8', 'prompts=["red circle"]', 'name=x'])).toEqual({
      trainClipRange: 2e-4,
      trainCfg: false,
      perPromptStatTracking: { minCount: 8 },
      prompts: ['red circle'],
      name: 'x',
    });
    expect(() => parseSetPairs(['novalue'])).toThrow(UsageError);
  });

  it('later layers win, nested objects merge, undefined is skipped', () => {
    expect(mergeConfig({ a: 1, n: { x: 1, y: 1 } }, { n: { y: 2 } }, { a: undefined, b: 3 })).toEqual({ a: 1, n: { x: 1, y: 2 }, b: 3 });
  });
});
