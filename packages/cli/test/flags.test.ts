// Flags a new user misread: compare's --seeds is always a list (--num-seeds is the count), sample's -n
// is per prompt (the help says so), --log-with formats.
import { describe, expect, it } from 'vitest';
import { parseSeeds } from '../src/commands/compare.js';
import { logWithTensorboard } from '../src/training-flags.js';
import { UsageError } from '../src/errors.js';
import { runCli } from './helpers.js';

describe('compare --seeds / --num-seeds', () => {
  it('--seeds lists the seeds, even a single 0; --num-seeds counts from 0', () => {
    expect(parseSeeds('0', undefined)).toEqual([0]);
    expect(parseSeeds('3', undefined)).toEqual([3]);
    expect(parseSeeds('0, 1,2', undefined)).toEqual([0, 1, 2]);
    expect(parseSeeds(undefined, '3')).toEqual([0, 1, 2]);
    expect(parseSeeds(undefined, undefined)).toBeUndefined();
  });

  it('bad values are named', () => {
    expect(() => parseSeeds('0', '2')).toThrow(/exclude each other/);
    expect(() => parseSeeds('0,0', undefined)).toThrow(/repeats a seed/);
    expect(() => parseSeeds('-1', undefined)).toThrow(UsageError);
    expect(() => parseSeeds(',', undefined)).toThrow(/expected a comma-separated list/);
    expect(() => parseSeeds(undefined, '0')).toThrow(/--num-seeds: expected a value >= 1/);
  });

  it('the command line exits 2 on both flags at once', async () => {
    const r = await runCli(['compare', '--seeds', '0', '--num-seeds', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--seeds (a list of seeds) and --num-seeds (a count) exclude each other');
  });
});

describe('help texts', () => {
  it('sample -n says it is per prompt', async () => {
    const r = await runCli(['sample', '--help']);
    expect(r.out.replace(/\s+/g, ' ')).toContain('images per prompt: the grid has n x (number of prompts) images');
  });

  it('compare --help shows --seeds as a list and --num-seeds as a count', async () => {
    const r = await runCli(['compare', '--help']);
    expect(r.out).toContain('--seeds <list>');
    expect(r.out).toContain('--num-seeds <n>');
  });
});

describe('--log-with', () => {
  it('accepts jsonl and tensorboard in any combination, names anything else', () => {
    expect(logWithTensorboard('jsonl')).toBe(false);
    expect(logWithTensorboard('tensorboard')).toBe(true);
    expect(logWithTensorboard('tensorboard,jsonl')).toBe(true);
    expect(() => logWithTensorboard('')).toThrow(UsageError);
    expect(() => logWithTensorboard('jsonl,csv')).toThrow(/got 'jsonl,csv'/);
  });
});
