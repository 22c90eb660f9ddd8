// `ddpo compare` as a library function: trains each algorithm with each seed on the same reward and
// the same reward-query budget, evaluates every run before and after training on the same prompts
// and noise (reward and, for shapes-32 models, prompt fidelity), and writes summary.json plus the
// report. Presets: default, --quick, --full. `trainAndEvaluate`, one such run, is shared with `ddpo sweep`.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@ddpo/optim';
import type { EpsilonModel } from '@ddpo/policy';
import type { RewardFn } from '@ddpo/rewards';
import type { HostTensor, TensorAdapter } from '@ddpo/tensor';
import {
  ALGORITHMS, createTrainer, latestCheckpoint, listAlgorithms, parseTrainerConfig, samplesPerEpoch, type Algorithm, type Evaluation, type FidelityFn,
  type Progress, type Trainer,
} from '@ddpo/trainer';
import { writeReport, type ReportFiles } from './report.js';
import { methodStats, type CompareSummary, type CurvePoint, type RunEvaluation, type RunSummary } from './summary.js';

/** A preset: algorithms, seeds, trainer fields, and per-algorithm fields on top of them. */
export interface ComparePreset {
  algorithms: Algorithm[];
  seeds: number[];
  config: Record<string, unknown>;
  /** Fields of one algorithm only (its tuned learning rate and LoRA setting), applied over `config`. */
  perAlgorithm?: Partial<Record<Algorithm, Record<string, unknown>>>;
}

/**
 * The per-run trainer settings of the default comparison, fixed by the protocol of docs/results.md
 * (study 2): 16 epochs x 32 samples = 512 reward queries per run; 10 DDIM steps at eta 1 with
 * classifier-free guidance 3 in sampling and training (without guidance the shipped model draws its
 * prompt's shape in 56% of samples, with it 91%); every timestep trained, train batch 16 (two
 * optimizer steps per epoch), PPO clip 1e-4, per-prompt stat tracking 16/16 (ddpo-pytorch's
 * config/dgx.py); RWR from the raw reward with beta 0.2 (the paper's).
 */
const DEFAULT_RUN: Record<string, unknown> = {
  numEpochs: 16,
  sampleBatchSize: 16,
  sampleNumBatchesPerEpoch: 2,
  sampleNumSteps: 10,
  sampleEta: 1,
  sampleGuidanceScale: 3,
  trainCfg: true,
  trainBatchSize: 16,
  trainGradientAccumulationSteps: 1,
  trainTimestepFraction: 1,
  trainNumInnerEpochs: 1,
  trainClipRange: 1e-4,
  trainAdvClipMax: 5,
  perPromptStatTracking: { bufferSize: 16, minCount: 16 },
  rwrRewardScale: 'raw',
  rwrBeta: 0.2,
  rwrPercentile: 90,
  saveFreq: 0,
};

/**
 * Each method's setting as chosen by the study's tuning on the two JPEG rewards (docs/results.md), as its
 * registered module declares it (`tuned`): DDPO_IS full fine-tuning at lr 3e-5 (ddpo-pytorch
 * config/dgx.py); RWR LoRA rank 4 on the attention projections at lr 3e-4 (config/base.py), the only RWR
 * cell that kept the prompt (fidelity >= 70%). DDPO_SF and sparse RWR were not tuned and take their
 * family's setting.
 */
const TUNED: Partial<Record<Algorithm, Record<string, unknown>>> = Object.fromEntries(
  listAlgorithms().flatMap((m) => (m.tuned === undefined ? [] : [[m.name, { ...m.tuned }]])),
);

/** Presets by name. */
export const COMPARE_PRESETS: Readonly<Record<'default' | 'quick' | 'full', ComparePreset>> = {
  // One seed, so the main job stays within 10 minutes on 2 cores (each run trains every timestep with
  // guidance); `--num-seeds 3` or `--full` for the study's statistics.
  default: { algorithms: ['ddpo-is', 'rwr'], seeds: [0], config: DEFAULT_RUN, perAlgorithm: TUNED },
  full: { algorithms: [...ALGORITHMS], seeds: [0, 1, 2], config: DEFAULT_RUN, perAlgorithm: TUNED },
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

/** What every run of a comparison or a sweep shares: the model, its start, the reward, where graphs run. */
export interface RunContext {
  reward: RewardFn;
  model: EpsilonModel;
  params: Record<string, HostTensor>;
  promptNames: readonly string[];
  adapter: TensorAdapter;
  progress: Progress;
  log: (line: string) => void;
  /** Scores prompt fidelity of the evaluation (and training) samples; none = not measured. */
  fidelity?: FidelityFn;
}

/** One training run: an algorithm and a seed with trainer fields, in a directory. */
export interface RunSpec {
  algorithm: Algorithm;
  seed: number;
  /** Trainer fields (algorithm and seed are set from the fields above). */
  config: Record<string, unknown>;
  /** The run's directory, and the root that the summary's relative paths start from. */
  root: string;
  dir: string;
  /** Continue from the newest checkpoint in `dir` when it has one and its start evaluation is known; default: start afresh. */
  resume?: boolean;
  /** The start evaluation when already made (same seed, weights and evaluation settings): it is not sampled again. */
  start?: RunEvaluation;
  /** Evaluation samples (default: one epoch's worth). */
  evalSamples?: number;
  /** Add the curve's last point (the samples epoch E would draw; one more sampling). Default true. */
  finalCurvePoint?: boolean;
}

const START_FILE = 'eval-start.json';

function evaluationOf(e: Evaluation, grid: string | undefined): RunEvaluation {
  return { meanReward: e.meanReward, ...(e.promptFidelity !== undefined ? { promptFidelity: e.promptFidelity } : {}), ...(grid !== undefined ? { grid } : {}) };
}

/** Writes JSON atomically (a reader never sees half a file, an interrupted write leaves the old one). */
export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomicSync(file, Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8'));
}

/**
 * Trains one run and evaluates it before and after on the same prompts and initial noise (the run
 * seed's evaluation stream): reward, and prompt fidelity when the context has a FidelityFn, both from
 * the evaluation samples (no extra sampling). With `resume`, a run interrupted mid-way continues from
 * its newest checkpoint (its start evaluation is kept in `eval-start.json` in its directory).
 *
 * @example
 * const run = await trainAndEvaluate(ctx, { algorithm: 'rwr', seed: 0, config, root: out, dir: path.join(out, 'rwr/seed-0') });
 */
export async function trainAndEvaluate(ctx: RunContext, spec: RunSpec): Promise<RunSummary> {
  const rel = path.relative(spec.root, spec.dir);
  const saved = path.join(spec.dir, START_FILE);
  let start = spec.start;
  if (start === undefined && fs.existsSync(saved)) start = JSON.parse(fs.readFileSync(saved, 'utf8')) as RunEvaluation;
  const resume = spec.resume === true && start !== undefined && latestCheckpoint(spec.dir) !== undefined;
  if (!resume) fs.rmSync(spec.dir, { recursive: true, force: true });
  const t0 = performance.now();
  const trainer: Trainer = await createTrainer({
    model: ctx.model,
    params: ctx.params,
    reward: ctx.reward,
    config: { ...spec.config, algorithm: spec.algorithm, seed: spec.seed },
    promptNames: ctx.promptNames,
    adapter: ctx.adapter,
    outDir: spec.dir,
    resume,
    progress: ctx.progress,
    fidelity: ctx.fidelity,
  });
  try {
    const n = spec.evalSamples ?? samplesPerEpoch(trainer.config);
    if (start === undefined || (!resume && spec.start === undefined)) {
      const e = await trainer.evaluate({ numSamples: n });
      trainer.writeGrid(e, 'eval-start.png');
      start = evaluationOf(e, path.join(rel, 'samples', 'eval-start.png'));
    }
    writeJsonAtomic(saved, start);
    const metrics = await trainer.train();
    const end = await trainer.evaluate({ numSamples: n });
    trainer.writeGrid(end, 'eval-end.png');
    const q = samplesPerEpoch(trainer.config);
    const curve: CurvePoint[] = metrics.map((m, e) => ({
      queries: e * q,
      meanReward: m.rewardMean,
      stdReward: m.rewardStd,
      ...(m.promptFidelity !== undefined && m.promptFidelity !== null ? { promptFidelity: m.promptFidelity } : {}),
    }));
    if (spec.finalCurvePoint !== false) {
      // The last curve point: the samples that epoch E would draw (RNG stream E), so the curve is one
      // kind of estimate throughout; `finalMeanReward` is the paired evaluation (fixed stream).
      const E = trainer.epoch;
      const next = await trainer.evaluate({ stream: E });
      curve.push({ queries: E * q, meanReward: next.meanReward, ...(next.promptFidelity !== undefined ? { promptFidelity: next.promptFidelity } : {}) });
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    const fid = (v: number | undefined) => (v === undefined ? '' : ` (prompt fidelity ${v.toFixed(3)})`);
    ctx.log(`${spec.algorithm} seed ${spec.seed}: eval reward ${start.meanReward.toFixed(4)}${fid(start.promptFidelity)} -> ${end.meanReward.toFixed(4)}${fid(end.promptFidelity)} in ${wallSeconds.toFixed(0)} s`);
    return {
      seed: spec.seed,
      curve,
      finalMeanReward: end.meanReward,
      wallSeconds,
      initialMeanReward: start.meanReward,
      ...(start.promptFidelity !== undefined ? { initialPromptFidelity: start.promptFidelity } : {}),
      ...(end.promptFidelity !== undefined ? { finalPromptFidelity: end.promptFidelity } : {}),
      dir: rel,
      grids: { start: start.grid ?? path.join(rel, 'samples', 'eval-start.png'), end: path.join(rel, 'samples', 'eval-end.png') },
    };
  } finally {
    await trainer.dispose();
  }
}

/** Everything one comparison needs. */
export interface CompareOptions extends RunContext {
  algorithms: readonly Algorithm[];
  seeds: readonly number[];
  /** Trainer fields shared by every run (algorithm and seed are set per run). */
  config: Record<string, unknown>;
  /** Fields of one algorithm only, applied over `config` (see {@link configFor}). */
  perAlgorithm?: Partial<Record<Algorithm, Record<string, unknown>>>;
  /** The reward's name in the summary (e.g. 'jpeg-compressibility'). */
  rewardLabel: string;
  /** Where the initial weights came from (for the report). */
  weightsSource: string;
  outDir: string;
}

/** What a comparison returns: the summary and the report's files. */
export interface CompareResult {
  summary: CompareSummary;
  summaryPath: string;
  report: ReportFiles;
}

/**
 * Runs every algorithm x seed, then writes `summary.json`, `report.html` and the plots to outDir.
 *
 * @example
 * const { summaryPath, report } = await runCompare({ ...COMPARE_PRESETS.quick, config: COMPARE_PRESETS.quick.config, reward, ... });
 */
export async function runCompare(o: CompareOptions): Promise<CompareResult> {
  // Validate every algorithm up front (ConfigError names the field) so a bad setting fails before any training.
  const resolved = o.algorithms.map((algorithm) => parseTrainerConfig({ ...configFor(o, algorithm), algorithm, seed: o.seeds[0] }))[0];
  fs.mkdirSync(o.outDir, { recursive: true });
  const summary: CompareSummary = {
    reward: o.rewardLabel,
    methods: {},
    budget: resolved.numEpochs * samplesPerEpoch(resolved),
    model: `${o.model.name} (${o.weightsSource})`,
    settings: {
      ...resolved, algorithm: undefined, seed: undefined, algorithms: o.algorithms, seeds: o.seeds, device: o.adapter.name,
      ...(o.perAlgorithm !== undefined ? { perAlgorithm: Object.fromEntries(o.algorithms.map((a) => [a, o.perAlgorithm?.[a] ?? {}])) } : {}),
    },
    createdAt: new Date().toISOString(),
  };
  const summaryPath = path.join(o.outDir, 'summary.json');
  for (const algorithm of o.algorithms) {
    const method: CompareSummary['methods'][string] = { runs: [] };
    summary.methods[algorithm] = method;
    for (const seed of o.seeds) {
      method.runs.push(await trainAndEvaluate(o, { algorithm, seed, config: configFor(o, algorithm), root: o.outDir, dir: path.join(o.outDir, algorithm, `seed-${seed}`) }));
      method.stats = methodStats(method.runs);
      // Written after every run, so an interrupted comparison still leaves its finished runs.
      writeJsonAtomic(summaryPath, summary);
    }
  }
  const report = await writeReport(o.outDir, summary);
  return { summary, summaryPath: path.resolve(summaryPath), report };
}

/**
 * The trainer fields of one algorithm's runs: the shared `config` with the algorithm's own fields over it.
 *
 * @example
 * configFor({ config: { trainLearningRate: 1e-4 }, perAlgorithm: { rwr: { trainLearningRate: 3e-4 } } }, 'rwr'); // { trainLearningRate: 3e-4 }
 */
export function configFor(o: Pick<CompareOptions, 'config' | 'perAlgorithm'>, algorithm: Algorithm): Record<string, unknown> {
  return { ...o.config, ...(o.perAlgorithm?.[algorithm] ?? {}) };
}
