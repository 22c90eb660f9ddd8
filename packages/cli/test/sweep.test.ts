// `ddpo sweep` on tiny settings (the compare --quick preset, 8 reward queries per run): the grid,
// sweep.json and sweep.md, one start evaluation per seed, invalid pairs skipped, finished runs
// skipped on a re-run, and an interrupted run resumed from its checkpoint with the same result.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gridCells, parseGrid, sweepMarkdown, bestCells, sameTraining, type SweepSummary } from '@ddpo/cli';
import { parseTrainerConfig, type TrainerConfig } from '@ddpo/trainer';
import { runCli } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-sweep-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// A reward module that logs every call (one line per batch) and fails on its 3rd call while a marker
// file exists: the 3rd call of a sweep is the first run's second epoch (after the start evaluation
// and epoch 0), by which time epoch 0's checkpoint is on disk.
const calls = path.join(tmp, 'calls.log');
const marker = path.join(tmp, 'fail');
const rewardModule = path.join(tmp, 'brightness.mjs');
fs.writeFileSync(
  rewardModule,
  `import fs from 'node:fs';
export default function brightness(images) {
  fs.appendFileSync(${JSON.stringify(calls)}, images.shape[0] + '\\n');
  const n = fs.readFileSync(${JSON.stringify(calls)}, 'utf8').trim().split('\\n').length;
  if (fs.existsSync(${JSON.stringify(marker)}) && n === 3) throw new Error('interrupted on purpose');
  const per = images.data.length / images.shape[0];
  return Array.from({ length: images.shape[0] }, (_, b) => images.data.slice(b * per, (b + 1) * per).reduce((a, v) => a + v, 0) / per);
}
`,
);
const callCount = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n').length : 0);
const sweep = (out: string, extra: string[]) => runCli(['sweep', '--quick', '--reward', rewardModule, '--num-seeds', '1', '--out', out, '--no-progress', '--threads', '2', ...extra]);
const FIRST = ['--grid', 'trainNumInnerEpochs=1,2', '--algos', 'rwr,ddpo-sf', '--min-fidelity', '0.5'];
const SECOND = ['--grid', 'trainLearningRate=1e-4,1e-3', '--algos', 'rwr'];
const read = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8')) as SweepSummary;
const finals = (s: SweepSummary) => s.cells.flatMap((c) => Object.values(c.results).flatMap((r) => r.runs.map((x) => x.finalMeanReward)));

describe('grid parsing', () => {
  it('splits values at top-level commas, reads JSON, and names bad flags', () => {
    const axes = parseGrid(['trainLearningRate=1e-5,3e-5', 'prompts=["red circle","blue ring"],["green square"]', 'rwrRewardScale=raw,normalized', 'perPromptStatTracking.minCount=4,8']);
    expect(axes[0]).toEqual({ field: 'trainLearningRate', values: [1e-5, 3e-5] });
    expect(axes[1].values).toEqual([['red circle', 'blue ring'], ['green square']]);
    expect(axes[2].values).toEqual(['raw', 'normalized']);
    const cells = gridCells(axes);
    expect(cells).toHaveLength(16);
    expect(cells[0].id).toBe('trainLearningRate=0.00001, prompts=["red circle","blue ring"], rwrRewardScale=raw, perPromptStatTracking.minCount=4');
    expect(cells[0].settings).toEqual({ trainLearningRate: 1e-5, prompts: ['red circle', 'blue ring'], rwrRewardScale: 'raw', perPromptStatTracking: { minCount: 4 } });
    expect(cells[0].dir).toMatch(/^[A-Za-z0-9._=+-]+$/);
    expect(new Set(cells.map((c) => c.dir)).size).toBe(16);
    expect(gridCells([]).map((c) => c.id)).toEqual(['base']);
    expect(() => parseGrid(['trainLearningRate'])).toThrow(/expected field=value1,value2/);
    expect(() => parseGrid(['numEpochs=1,2'])).toThrow(/--budget/);
    expect(() => parseGrid(['a=1,,2'])).toThrow(/empty value/);
  });

  it('best cell: highest mean final reward, optionally among cells with enough prompt fidelity', () => {
    const st = (mean: number) => ({ n: 2, mean, std: 0, sem: 0, min: mean, max: mean });
    const cell = (id: string, reward: number, fidelity: number) => ({
      id, dir: id, settings: {}, numEpochs: 2,
      results: { rwr: { runs: [0, 1].map((seed) => ({ seed, curve: [], finalMeanReward: reward, wallSeconds: 1 })), stats: { initialMeanReward: st(0), finalMeanReward: st(reward), gain: st(reward), finalPromptFidelity: st(fidelity) } } },
    });
    const s = { algorithms: ['rwr' as const], seeds: [0, 1], minFidelity: 0.7, cells: [cell('a', -0.9, 0.2), cell('b', -1.0, 0.8), cell('c', -1.1, 0.9)] };
    const best = bestCells(s);
    expect(best.rwr.byReward?.cell).toBe('a');
    expect(best.rwr.withinFidelity?.cell).toBe('b');
    expect(sweepMarkdown({ ...s, best, reward: 'r', model: 'm', budget: 8, evalSamples: 4, grid: [], base: {}, runsDone: 6, runsTotal: 6, createdAt: '', updatedAt: '' }))
      .toContain('| rwr | `a` | -0.9000 ± 0.0000 | -0.9000 ± 0.0000 | 0.200 ± 0.000 | `b` | -1.0000 ± 0.0000 | 0.800 ± 0.000 |');
  });
});

describe('sameTraining', () => {
  it('ignores only the fields the algorithm does not read', () => {
    const is = parseTrainerConfig({ algorithm: 'ddpo-is' });
    const rwr = parseTrainerConfig({ algorithm: 'rwr' });
    expect(sameTraining({ ...is, rwrBeta: 20 }, is)).toBe(true);
    expect(sameTraining({ ...is, trainClipRange: 0.2 }, is)).toBe(false);
    expect(sameTraining({ ...rwr, trainClipRange: 0.2 }, rwr)).toBe(true);
    expect(sameTraining({ ...rwr, rwrBeta: 20 }, rwr)).toBe(false);
    expect(sameTraining({ ...is, saveFreq: 3 }, is)).toBe(true);
    // LoRA's settings matter only with LoRA on
    const lora = (on: boolean, rank: number) => ({ ...is, useLora: on, loraRank: rank }) as TrainerConfig;
    expect(sameTraining(lora(false, 4), lora(false, 8))).toBe(true);
    expect(sameTraining(lora(true, 4), lora(true, 8))).toBe(false);
  });
});

describe('ddpo sweep', () => {
  const out = path.join(tmp, 'sweep');
  it('runs every cell x algorithm x seed at the same budget and writes sweep.json and sweep.md', async () => {
    const r = await sweep(out, FIRST);
    expect(r.err).not.toMatch(/Error:/);
    expect(r.code).toBe(0);
    // 2 cells x 2 algorithms, less ddpo-sf with 2 inner epochs (a ConfigError): 3 runs
    expect(r.out).toMatch(/2 cell\(s\) x 2 algorithm\(s\) x 1 seed\(s\) = 3 run\(s\) of 8 reward queries/);
    expect(r.out).toMatch(/skipping ddpo-sf in cell 'trainNumInnerEpochs=2': trainNumInnerEpochs: must be 1/);
    expect(r.out).toContain('[3/3] ');
    const s = read(out);
    expect(s.budget).toBe(8);
    expect(s.runsDone).toBe(3);
    expect(s.cells.map((c) => c.numEpochs)).toEqual([2, 2]);
    expect(s.cells[1].results['ddpo-sf'].invalid).toMatch(/trainNumInnerEpochs/);
    for (const c of s.cells) {
      for (const [algo, res] of Object.entries(c.results)) {
        if (res.invalid !== undefined) continue;
        const run = res.runs[0];
        expect(run.curve.map((p) => p.queries), `${c.id} ${algo}`).toEqual([0, 4]);
        for (const k of ['initialMeanReward', 'finalMeanReward', 'initialPromptFidelity', 'finalPromptFidelity'] as const) expect(typeof run[k], k).toBe('number');
        expect(res.stats?.finalPromptFidelity?.n).toBe(1);
        // every run of seed 0 starts from the same evaluation samples
        expect(run.initialMeanReward).toBe(s.cells[0].results.rwr.runs[0].initialMeanReward);
      }
    }
    // the start evaluation is sampled once per seed: 1 + 3 runs x (2 epochs + end evaluation) reward calls
    expect(callCount()).toBe(1 + 3 * 3);
    expect(Object.keys(s.best).sort()).toEqual(['ddpo-sf', 'rwr']);
    const md = fs.readFileSync(path.join(out, 'sweep.md'), 'utf8');
    expect(md).toContain('## Best cell per algorithm');
    expect(md).toContain('best with final fidelity >= 0.5');
    expect(md).toContain(`| rwr | \`${s.best.rwr.byReward!.cell}\` |`);
    // finished runs leave no checkpoints behind (only their result)
    const runDir = path.join(out, s.cells[0].dir, 'rwr', 'seed-0');
    expect(fs.readdirSync(runDir).filter((f) => f.startsWith('checkpoint-'))).toEqual([]);
    expect(fs.existsSync(path.join(runDir, 'result.json'))).toBe(true);

    // a re-run with the same --out skips every finished run and samples nothing
    const before = callCount();
    const again = await sweep(out, FIRST);
    expect(again.code).toBe(0);
    expect(again.out.match(/already done/g)).toHaveLength(3);
    expect(callCount()).toBe(before);
    expect(finals(read(out))).toEqual(finals(s));
  });

  it('resumes an interrupted run from its checkpoint, with the same result as an uninterrupted one', async () => {
    const whole = path.join(tmp, 'whole');
    expect((await sweep(whole, SECOND)).code).toBe(0);
    const expected = finals(read(whole));

    const cut = path.join(tmp, 'cut');
    fs.rmSync(calls, { force: true });
    fs.writeFileSync(marker, '');
    const failed = await sweep(cut, SECOND);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('interrupted on purpose');
    const first = read(cut);
    expect(first.runsDone).toBe(0);
    const runDir = path.join(cut, first.cells[0].dir, 'rwr', 'seed-0');
    expect(fs.existsSync(path.join(runDir, 'checkpoint-1'))).toBe(true);
    expect(fs.existsSync(path.join(runDir, 'result.json'))).toBe(false);

    fs.rmSync(marker);
    const resumed = await sweep(cut, SECOND);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/\[1\/2\] rwr seed 0 cell 'trainLearningRate=0.0001': resuming from its checkpoint/);
    expect(finals(read(cut))).toEqual(expected);
    // 3 calls before the interruption; then the resumed run needs only epoch 1 and its end evaluation
    // (2), the second run epochs 0, 1 and its end evaluation (3; its start is the first run's)
    expect(callCount()).toBe(3 + 2 + 3);
  });

  it('runs an algorithm once for cells that differ only in fields it does not read', async () => {
    const out2 = path.join(tmp, 'twins');
    const before = callCount();
    const r = await sweep(out2, ['--grid', 'rwrBeta=0.2,20', '--algos', 'ddpo-is']);
    expect(r.code).toBe(0);
    expect(r.out).toContain("[2/2] ddpo-is seed 0 cell 'rwrBeta=20': the same training as cell 'rwrBeta=0.2'");
    expect(callCount() - before).toBe(1 + 3); // one start evaluation, one run
    const s = read(out2);
    expect(s.cells[1].results['ddpo-is'].runs[0]).toEqual(s.cells[0].results['ddpo-is'].runs[0]);
    expect(JSON.parse(fs.readFileSync(path.join(out2, s.cells[1].dir, 'ddpo-is', 'seed-0', 'result.json'), 'utf8')).sameAs).toBe('rwrBeta=0.2');
  });

  it('rejects a budget that is not a whole number of epochs, --epochs, and unknown fields', async () => {
    const bad = await sweep(path.join(tmp, 'bad'), [...SECOND, '--budget', '6']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--budget 6 is not a whole number of epochs for cell 'trainLearningRate=0.0001' \(4 samples per epoch\)/);
    expect((await sweep(path.join(tmp, 'bad'), [...SECOND, '--epochs', '3'])).err).toMatch(/--epochs: a sweep sets the epochs/);
    const typo = await sweep(path.join(tmp, 'bad'), ['--grid', 'trainLearningRat=1,2']);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain('trainLearningRat');
  });
});
