// `ddpo compare` as a library function: trains each algorithm with each seed on the same reward and
// the same reward-query budget, evaluates every run before and after training on the same prompts
// and noise, and writes summary.json plus the report. Presets: default, --quick, --full.
import fs from 'node:fs';
import path from 'node:path';
import type { RewardFn } from '@ddpo/rewards';
import type { HostTensor, TensorAdapter } from '@ddpo/tensor';
import { createTrainer, parseTrainerConfig, samplesPerEpoch, type Algorithm, type EpsilonModel, type Progress, type Trainer } from '@ddpo/trainer';
import { writeReport, type ReportFiles } from './report.js';
import type { CompareSummary, CurvePoint, RunSummary } from './summary.js';

/** A preset: algorithms, seeds and trainer fields. */
export interface ComparePreset {
  algorithms: Algorithm[];
  seeds: number[];
  config: Record<string, unknown>;
}

/**
 * The per-run trainer settings of the default comparison: 16 epochs x 32 samples = 512 reward
 * queries per run, sized so that 2 algorithms x 2 seeds of tiny-unet-32 (4 runs, plus 3 evaluation
 * samplings each) finish well within 15 minutes on a 2-core CPU (measured: about 150 CPU-seconds per
 * run). Learning rate 1e-4: at 3e-4 the first AdamW steps moved every parameter by the full rate and
 * made samples noisier (less compressible) for every algorithm.
 */
const DEFAULT_RUN: Record<string, unknown> = {
  numEpochs: 16,
  sampleBatchSize: 16,
  sampleNumBatchesPerEpoch: 2,
  sampleNumSteps: 10,
  sampleGuidanceScale: 1,
  trainBatchSize: 8,
  trainGradientAccumulationSteps: 2,
  trainTimestepFraction: 0.5,
  trainNumInnerEpochs: 1,
  trainLearningRate: 1e-4,
  trainClipRange: 1e-4,
  perPromptStatTracking: false,
  saveFreq: 0,
};

/** Presets by name. */
export const COMPARE_PRESETS: Readonly<Record<'default' | 'quick' | 'full', ComparePreset>> = {
  default: { algorithms: ['ddpo-is', 'rwr'], seeds: [0, 1], config: DEFAULT_RUN },
  full: { algorithms: ['ddpo-is', 'ddpo-sf', 'rwr', 'rwr-sparse'], seeds: [0, 1, 2], config: DEFAULT_RUN },
  quick: {
    algorithms: ['ddpo-is', 'rwr'],
    seeds: [0],
    config: {
      numEpochs: 2,
      sampleBatchSize: 4,
      sampleNumBatchesPerEpoch: 1,
      sampleNumSteps: 4,
      sampleGuidanceScale: 1,
      trainBatchSize: 4,
      trainTimestepFraction: 0.5,
      trainLearningRate: 1e-4,
      perPromptStatTracking: false,
      saveFreq: 0,
    },
  },
};

/** Everything one comparison needs. */
export interface CompareOptions {
  algorithms: readonly Algorithm[];
  seeds: readonly number[];
  /** Trainer fields shared by every run (algorithm and seed are set per run). */
  config: Record<string, unknown>;
  reward: RewardFn;
  /** The reward's name in the summary (e.g. 'jpeg-compressibility'). */
  rewardLabel: string;
  model: EpsilonModel;
  params: Record<string, HostTensor>;
  /** Where the initial weights came from (for the report). */
  weightsSource: string;
  promptNames: readonly string[];
  adapter: TensorAdapter;
  outDir: string;
  progress: Progress;
  log: (line: string) => void;
}

/** What a comparison returns: the summary and the report's files. */
export interface CompareResult {
  summary: CompareSummary;
  summaryPath: string;
  report: ReportFiles;
}

async function oneRun(o: CompareOptions, algorithm: Algorithm, seed: number): Promise<RunSummary> {
  const rel = path.join(algorithm, `seed-${seed}`);
  const dir = path.join(o.outDir, rel);
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const trainer: Trainer = await createTrainer({
    model: o.model,
    params: o.params,
    reward: o.reward,
    config: { ...o.config, algorithm, seed },
    promptNames: o.promptNames,
    adapter: o.adapter,
    outDir: dir,
    progress: o.progress,
  });
  const start = await trainer.evaluate();
  trainer.writeGrid(start, 'eval-start.png');
  const metrics = await trainer.train();
  const end = await trainer.evaluate();
  trainer.writeGrid(end, 'eval-end.png');
  // The last curve point: the samples that epoch E would draw (RNG stream E), so the curve is one
  // kind of estimate throughout; `finalMeanReward` is the paired evaluation (fixed stream).
  const E = trainer.epoch;
  const next = await trainer.evaluate({ stream: E });
  const q = samplesPerEpoch(trainer.config);
  const curve: CurvePoint[] = metrics.map((m, e) => ({ queries: e * q, meanReward: m.rewardMean, stdReward: m.rewardStd }));
  curve.push({ queries: E * q, meanReward: next.meanReward });
  const wallSeconds = (performance.now() - t0) / 1000;
  await trainer.dispose();
  o.log(`${algorithm} seed ${seed}: eval reward ${start.meanReward.toFixed(4)} -> ${end.meanReward.toFixed(4)} in ${wallSeconds.toFixed(0)} s`);
  return {
    seed,
    curve,
    finalMeanReward: end.meanReward,
    wallSeconds,
    initialMeanReward: start.meanReward,
    dir: rel,
    grids: { start: path.join(rel, 'samples', 'eval-start.png'), end: path.join(rel, 'samples', 'eval-end.png') },
  };
}

/**
 * Runs every algorithm x seed, then writes `summary.json`, `report.html` and the plots to outDir.
 *
 * @example
 * const { summaryPath, report } = await runCompare({ ...COMPARE_PRESETS.quick, config: COMPARE_PRESETS.quick.config, reward, ... });
 */
export async function runCompare(o: CompareOptions): Promise<CompareResult> {
  // Validate once up front (ConfigError names the field) so a typo fails before any training.
  const resolved = parseTrainerConfig({ ...o.config, algorithm: o.algorithms[0], seed: o.seeds[0] });
  fs.mkdirSync(o.outDir, { recursive: true });
  const summary: CompareSummary = {
    reward: o.rewardLabel,
    methods: {},
    budget: resolved.numEpochs * samplesPerEpoch(resolved),
    model: `${o.model.name} (${o.weightsSource})`,
    settings: { ...resolved, algorithm: undefined, seed: undefined, algorithms: o.algorithms, seeds: o.seeds, device: o.adapter.name },
    createdAt: new Date().toISOString(),
  };
  const summaryPath = path.join(o.outDir, 'summary.json');
  for (const algorithm of o.algorithms) {
    summary.methods[algorithm] = { runs: [] };
    for (const seed of o.seeds) {
      summary.methods[algorithm].runs.push(await oneRun(o, algorithm, seed));
      // Written after every run, so an interrupted comparison still leaves its finished runs.
      fs.writeFileSync(summaryPath, JSON.stringify(summary, null, 2));
    }
  }
  const report = await writeReport(o.outDir, summary);
  return { summary, summaryPath: path.resolve(summaryPath), report };
}
