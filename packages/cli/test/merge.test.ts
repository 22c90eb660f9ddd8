// `mergeSummaries` and `ddpo report --merge`: compare directories run one cell each (an algorithm and
// a seed) become one summary with recomputed statistics, rebased paths, and refusals that name the
// part and the field when the parts were not run alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, mergeSummaries, UsageError, type CompareSummary } from '@ddpo/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-merge-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SETTINGS = { numEpochs: 2, sampleBatchSize: 4, trainClipRange: 1e-4 };
// As `ddpo compare` writes them: the top-level settings carry the (first) algorithm's own fields too.
const OWN: Record<string, Record<string, unknown>> = { rwr: { useLora: true, trainLearningRate: 3e-4 }, 'ddpo-is': { useLora: false, trainLearningRate: 3e-5 } };
function cell(algo: string, seed: number, initial: number, final: number, extra: Record<string, unknown> = {}): CompareSummary {
  return {
    reward: 'colorfulness',
    budget: 8,
    model: 'tiny-unet-32 (shipped)',
    settings: { ...SETTINGS, ...OWN[algo], algorithms: [algo], seeds: [seed], device: 'cpu', perAlgorithm: { [algo]: OWN[algo] }, ...extra },
    methods: {
      [algo]: {
        runs: [{
          seed, curve: [{ queries: 0, meanReward: initial }, { queries: 8, meanReward: final }], finalMeanReward: final, initialMeanReward: initial,
          initialPromptFidelity: 0.9, finalPromptFidelity: 0.8, wallSeconds: 1, dir: `${algo}/seed-${seed}`,
          grids: { start: `${algo}/seed-${seed}/samples/eval-start.png`, end: `${algo}/seed-${seed}/samples/eval-end.png` },
        }],
      },
    },
  };
}

describe('mergeSummaries', () => {
  const out = path.join(tmp, 'study');
  const parts = [
    { summary: cell('rwr', 1, 0.5, 0.4), dir: path.join(out, 'rwr-seed-1') },
    { summary: cell('ddpo-is', 0, 0.5, 0.7), dir: path.join(out, 'ddpo-is-seed-0') },
    { summary: cell('rwr', 0, 0.5, 0.6), dir: path.join(out, 'rwr-seed-0') },
  ];

  it('joins the runs per algorithm, ordered by seed, with statistics over all of them', () => {
    const m = mergeSummaries(parts, out);
    expect(Object.keys(m.methods)).toEqual(['rwr', 'ddpo-is']);
    expect(m.methods.rwr.runs.map((r) => r.seed)).toEqual([0, 1]);
    // rwr gains: seed 0 0.6-0.5 = 0.1, seed 1 0.4-0.5 = -0.1 -> mean 0, std sqrt(0.02) = 0.1414, s.e. 0.1
    expect(m.methods.rwr.stats?.gain.mean).toBeCloseTo(0, 12);
    expect(m.methods.rwr.stats?.gain.sem).toBeCloseTo(0.1, 12);
    expect(m.methods['ddpo-is'].stats?.gain.mean).toBeCloseTo(0.2, 12);
    expect(m.settings).toEqual({ ...SETTINGS, algorithms: ['rwr', 'ddpo-is'], seeds: [0, 1], perAlgorithm: OWN });
    // The per-algorithm fields live under perAlgorithm only, not at the top level as one method's value.
    expect(m.settings?.trainLearningRate).toBeUndefined();
    expect(m.mergedFrom).toEqual(['rwr-seed-1', 'ddpo-is-seed-0', 'rwr-seed-0']);
  });

  it('rebases run directories and grids to the merged directory', () => {
    const m = mergeSummaries(parts, out);
    expect(m.methods.rwr.runs[0].dir).toBe(path.join('rwr-seed-0', 'rwr', 'seed-0'));
    expect(m.methods.rwr.runs[0].grids?.end).toBe(path.join('rwr-seed-0', 'rwr', 'seed-0', 'samples', 'eval-end.png'));
  });

  it('refuses parts that were not run alike, naming the part and the field', () => {
    const odd = { summary: cell('rwr', 2, 0.5, 0.5, { trainClipRange: 2e-4 }), dir: path.join(out, 'odd') };
    expect(() => mergeSummaries([...parts, odd], out)).toThrow(/'.*odd' differs from the first part in settings\.trainClipRange \(0\.0001 vs 0\.0002\)/);
    const otherReward = { summary: { ...cell('rwr', 3, 0, 0), reward: 'aesthetic' }, dir: 'x' };
    expect(() => mergeSummaries([parts[0], otherReward], out)).toThrow(UsageError);
    const twice = { summary: cell('rwr', 1, 0.5, 0.4), dir: path.join(out, 'again') };
    expect(() => mergeSummaries([...parts, twice], out)).toThrow(/rwr seed 1 appears twice/);
    const otherLora = cell('rwr', 5, 0.5, 0.4, { perAlgorithm: { rwr: { useLora: false, trainLearningRate: 3e-4 } } });
    expect(() => mergeSummaries([parts[0], { summary: otherLora, dir: 'y' }], out)).toThrow(/trained rwr with \{"useLora":false,"trainLearningRate":0\.0003\}/);
    expect(() => mergeSummaries([], out)).toThrow(/no summaries/);
  });
});

describe('ddpo report --merge', () => {
  function io() {
    const o = { out: '', err: '' };
    return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
  }
  const root = path.join(tmp, 'cli');
  const cells = [cell('ddpo-is', 0, 0.5, 0.7), cell('rwr', 0, 0.5, 0.4)];
  cells.forEach((c, i) => {
    fs.mkdirSync(path.join(root, `c${i}`), { recursive: true });
    fs.writeFileSync(path.join(root, `c${i}`, 'summary.json'), JSON.stringify(c));
  });

  it('writes the merged summary and its report, and rebuilds it on a second call', async () => {
    for (let k = 0; k < 2; k++) {
      const { o, io: cliIo } = io();
      const code = await main(['node', 'ddpo', 'report', path.join(root, 'all'), '--merge', path.join(root, 'c0'), path.join(root, 'c1')], cliIo);
      expect(code, o.err).toBe(0);
      const merged = JSON.parse(fs.readFileSync(path.join(root, 'all', 'summary.json'), 'utf8')) as CompareSummary;
      expect(Object.keys(merged.methods)).toEqual(['ddpo-is', 'rwr']);
      expect(fs.existsSync(path.join(root, 'all', 'report.html'))).toBe(true);
    }
  });

  it("never replaces a comparison's own summary", async () => {
    const { o, io: cliIo } = io();
    const code = await main(['node', 'ddpo', 'report', path.join(root, 'c0'), '--merge', path.join(root, 'c1')], cliIo);
    expect(code).toBe(2);
    expect(o.err).toMatch(/is a comparison's own summary/);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'c0', 'summary.json'), 'utf8')).methods['ddpo-is']).toBeDefined();
  });
});
