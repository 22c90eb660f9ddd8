// The CI smoke test of the main job: `ddpo compare --quick` end to end on the embedded model (or
// freshly initialised weights while none are shipped), then `ddpo report` rebuilding the report.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-compare-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe('ddpo compare --quick', () => {
  it('trains DDPO_IS and RWR and writes summary.json, report.html and the plots', async () => {
    const r = await runCli(['compare', '--quick', '--out', out, '--no-progress', '--threads', '2']);
    expect(r.err).not.toMatch(/Error:/);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`report: ${path.join(out, 'report.html')}`);

    // summary.json in the exact shape
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    // compare's default reward: the shipped aesthetic stand-in (docs/results.md, study 2)
    expect(summary.reward).toBe('shapes32_aesthetic');
    expect(Object.keys(summary.methods).sort()).toEqual(['ddpo-is', 'rwr']);
    for (const m of Object.values(summary.methods) as { runs: Record<string, unknown>[] }[]) {
      expect(m.runs).toHaveLength(1);
      const run = m.runs[0] as { seed: number; curve: { queries: number; meanReward: number }[]; finalMeanReward: number; wallSeconds: number };
      expect(run.seed).toBe(0);
      expect(typeof run.finalMeanReward).toBe('number');
      expect(run.wallSeconds).toBeGreaterThan(0);
      // quick preset: 2 epochs of 4 samples -> points at 0, 4 and 8 queries
      expect(run.curve.map((p) => p.queries)).toEqual([0, 4, 8]);
      // the stand-in's scores are ratings on a 1-10 scale
      for (const p of run.curve) {
        expect(p.meanReward).toBeGreaterThan(1);
        expect(p.meanReward).toBeLessThan(10);
      }
    }
    // prompt fidelity of the evaluation samples at start and end, per run, and per method over seeds
    for (const m of Object.values(summary.methods) as { runs: Record<string, number>[]; stats: Record<string, { mean: number; sem: number; n: number }> }[]) {
      for (const k of ['initialPromptFidelity', 'finalPromptFidelity']) {
        expect(m.runs[0][k], k).toBeGreaterThanOrEqual(0);
        expect(m.runs[0][k], k).toBeLessThanOrEqual(1);
        expect(m.stats[k].mean).toBe(m.runs[0][k]);
        expect(m.stats[k].sem).toBe(0);
      }
      expect(m.stats.finalMeanReward.mean).toBe(m.runs[0].finalMeanReward);
    }
    // the same initial model and evaluation samples: the same start fidelity for both methods
    expect(summary.methods['ddpo-is'].runs[0].initialPromptFidelity).toBe(summary.methods.rwr.runs[0].initialPromptFidelity);
    // both methods start from the same weights and the same seed: the first curve point agrees
    expect(summary.methods['ddpo-is'].runs[0].curve[0].meanReward).toBe(summary.methods.rwr.runs[0].curve[0].meanReward);

    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('<th>final prompt fidelity</th>');
    expect(html).toContain('data:image/png;base64,');
    expect(html).not.toMatch(/<script|https?:\/\/(?!vega\.github\.io|www\.w3\.org)/); // viewable offline
    for (const f of ['curves.png', 'final.png', 'ddpo-is/seed-0/samples/eval-end.png', 'rwr/seed-0/metrics.jsonl']) {
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    }
    const png = PNG.sync.read(fs.readFileSync(path.join(out, 'curves.png')));
    expect(png.width).toBeGreaterThan(400);
  });

  it('ddpo report rebuilds the report from summary.json', async () => {
    fs.rmSync(path.join(out, 'report.html'));
    const r = await runCli(['report', out]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(out, 'report.html'))).toBe(true);
  });
});
