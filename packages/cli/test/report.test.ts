// Statistics over seeds and the report built from a hand-written summary.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { curveBands, methodStats, seedStats, summaryTable, writeReport, type CompareSummary } from '@ddpo/cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-report-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (seed: number, rewards: number[], final: number) => ({
  seed,
  curve: rewards.map((meanReward, i) => ({ queries: 16 * i, meanReward })),
  finalMeanReward: final,
  initialMeanReward: rewards[0],
  wallSeconds: 100 + seed,
});
const SUMMARY: CompareSummary = {
  reward: 'jpeg-compressibility',
  budget: 32,
  methods: {
    'ddpo-is': { runs: [run(0, [-1.2, -1.0, -0.8], -0.7), run(1, [-1.0, -0.9, -0.6], -0.5)] },
    rwr: { runs: [run(0, [-1.2, -1.15, -1.1], -1.05)] },
  },
};

describe('seed statistics', () => {
  it('mean, sample std, standard error', () => {
    const s = seedStats([1, 3]);
    expect(s.mean).toBe(2);
    expect(s.std).toBeCloseTo(Math.SQRT2, 15); // sqrt(((1-2)^2 + (3-2)^2) / (2 - 1))
    expect(s.sem).toBeCloseTo(1, 15); // sqrt(2) / sqrt(2)
    expect(seedStats([5]).std).toBe(0);
  });

  it('curve bands: mean +/- s.e. over seeds at each query count', () => {
    const rows = curveBands(SUMMARY).filter((r) => r.method === 'ddpo-is');
    expect(rows.map((r) => r.queries)).toEqual([0, 16, 32]);
    // queries 16: rewards -1.0 and -0.9 -> mean -0.95, std 0.0707..., s.e. 0.05
    expect(rows[1].mean).toBeCloseTo(-0.95, 12);
    expect(rows[1].hi - rows[1].mean).toBeCloseTo(0.05, 12);
    expect(rows[1].seeds).toBe(2);
  });

  it('summary table: initial, final and gain per method', () => {
    const t = summaryTable(SUMMARY);
    const ddpo = t.find((r) => r.method === 'ddpo-is')!;
    expect(ddpo.final.mean).toBeCloseTo(-0.6, 12);
    expect(ddpo.gain.mean).toBeCloseTo(0.5, 12); // (-0.7 - -1.2 + -0.5 - -1.0) / 2
    expect(t.find((r) => r.method === 'rwr')!.seeds).toBe(1);
  });
});

describe('prompt fidelity over seeds', () => {
  const withFidelity = (r: ReturnType<typeof run>, start: number, end: number) => ({ ...r, initialPromptFidelity: start, finalPromptFidelity: end });
  const runs = [withFidelity(run(0, [-1.2, -1.0], -0.7), 0.875, 0.5), withFidelity(run(1, [-1.0, -0.9], -0.5), 0.875, 0.75)];

  it('methodStats: mean and standard error of the start and end fidelity, and of the reward', () => {
    const s = methodStats(runs);
    expect(s.initialPromptFidelity!.mean).toBe(0.875);
    expect(s.initialPromptFidelity!.sem).toBe(0);
    expect(s.finalPromptFidelity!.mean).toBeCloseTo(0.625, 15);
    // std of [0.5, 0.75] = 0.1768 (n - 1), s.e. = std / sqrt 2 = 0.125
    expect(s.finalPromptFidelity!.sem).toBeCloseTo(0.125, 15);
    expect(s.gain.mean).toBeCloseTo(0.5, 12);
    // a run without fidelity: no fidelity statistics rather than a mean over some of the seeds
    expect(methodStats([runs[0], run(2, [-1, -1], -1)]).finalPromptFidelity).toBeUndefined();
  });

  it("the report's table shows start and end fidelity per method", async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-report-fid-'));
    try {
      const files = await writeReport(d, { reward: 'jpeg-compressibility', budget: 32, methods: { 'ddpo-is': { runs } } });
      const html = fs.readFileSync(files.html, 'utf8');
      expect(html).toContain('<th>initial prompt fidelity</th><th>final prompt fidelity</th>');
      // 0.875 -> 88% (std 0); final 62.5% +/- std 17.7 -> '63% &plusmn; 18'
      expect(html).toContain('<td>88% &plusmn; 0</td><td>63% &plusmn; 18</td>');
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('writeReport', () => {
  it('writes a self-contained report.html and the plots as PNG and SVG', async () => {
    const files = await writeReport(dir, SUMMARY);
    const html = fs.readFileSync(files.html, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('ddpo-is');
    expect(html).toContain('-0.600 &plusmn; 0.141'); // ddpo-is final: mean -0.6, std 0.1414
    expect(html).not.toContain('<script');
    // the curve (per-epoch training batches) and the final evaluation (paired, fixed stream) are explained as different
    expect(html.replace(/\s+/g, ' ')).toMatch(/Two different measurements.*curve.*paired evaluation/);
    for (const f of ['curves.png', 'curves.svg', 'final.png', 'final.svg']) expect(fs.statSync(path.join(dir, f)).size).toBeGreaterThan(1000);
    expect(files.plots).toHaveLength(2);
  });
});
