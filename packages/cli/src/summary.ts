// The shape of `summary.json` that `ddpo compare` writes (the exact shape, plus extra
// fields), and the statistics over seeds that the report, its charts and `ddpo sweep` show.

/** One point of a learning curve: mean reward of the samples drawn after `queries` training queries. */
export interface CurvePoint {
  /** Reward queries spent on training before these samples were drawn (0 = the initial model). */
  queries: number;
  meanReward: number;
  /** Population std of the rewards of these samples. */
  stdReward?: number;
  /** Share of these samples the shapes-32 classifier assigns to their own prompt (when measured). */
  promptFidelity?: number;
}

/** An evaluation of a run's model: mean reward and prompt fidelity of the fixed evaluation samples. */
export interface RunEvaluation {
  meanReward: number;
  promptFidelity?: number;
  /** The sample grid, relative to the output directory. */
  grid?: string;
}

/** One training run (one algorithm, one seed). */
export interface RunSummary {
  seed: number;
  curve: CurvePoint[];
  /** Mean reward of the evaluation samples after the last epoch. */
  finalMeanReward: number;
  wallSeconds: number;
  /** Mean reward of the initial model's evaluation samples (same prompts and noise as the final ones). */
  initialMeanReward?: number;
  /** Prompt fidelity of the initial and the final evaluation samples (shapes-32 models only). */
  initialPromptFidelity?: number;
  finalPromptFidelity?: number;
  /** Where the run's files are, relative to the compare output directory. */
  dir?: string;
  /** Sample grids of the initial and the final evaluation, relative paths. */
  grids?: { start: string; end: string };
}

/** `summary.json`: `{ reward, methods: { <algo>: { runs: [...], stats } } }` plus the settings used. */
export interface CompareSummary {
  reward: string;
  methods: Record<string, { runs: RunSummary[]; stats?: MethodStats }>;
  /** Reward queries each run spent on training. */
  budget?: number;
  model?: string;
  settings?: Record<string, unknown>;
  createdAt?: string;
  /** Set by `ddpo report --merge`: the compare directories this summary was merged from, relative to it. */
  mergedFrom?: string[];
}

/** Mean, sample std (n - 1; 0 for one value) and standard error of numbers. */
export interface SeedStats {
  n: number;
  mean: number;
  std: number;
  sem: number;
  min: number;
  max: number;
}

/**
 * Statistics over seeds: mean, sample standard deviation, standard error of the mean.
 *
 * @example
 * seedStats([1, 3]); // { n: 2, mean: 2, std: 1.414..., sem: 1, min: 1, max: 3 }
 */
export function seedStats(values: readonly number[]): SeedStats {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
  const std = Math.sqrt(variance);
  return { n, mean, std, sem: std / Math.sqrt(n), min: Math.min(...values), max: Math.max(...values) };
}

/** A method's statistics over seeds (mean, std, s.e.): evaluation reward and prompt fidelity at start and end. */
export interface MethodStats {
  initialMeanReward: SeedStats;
  finalMeanReward: SeedStats;
  /** finalMeanReward - initialMeanReward per seed, then summarised. */
  gain: SeedStats;
  /** Present when every run measured it. */
  initialPromptFidelity?: SeedStats;
  finalPromptFidelity?: SeedStats;
}

/**
 * Statistics over the runs (seeds) of one method or sweep cell.
 *
 * @example
 * methodStats(summary.methods['ddpo-is'].runs).finalPromptFidelity?.mean; // e.g. 0.81
 */
export function methodStats(runs: readonly RunSummary[]): MethodStats {
  const initial = runs.map((r) => r.initialMeanReward ?? r.curve[0]?.meanReward ?? Number.NaN);
  const final = runs.map((r) => r.finalMeanReward);
  const all = (k: 'initialPromptFidelity' | 'finalPromptFidelity') =>
    runs.length > 0 && runs.every((r) => typeof r[k] === 'number') ? seedStats(runs.map((r) => r[k] as number)) : undefined;
  const fi = all('initialPromptFidelity');
  const ff = all('finalPromptFidelity');
  return {
    initialMeanReward: seedStats(initial),
    finalMeanReward: seedStats(final),
    gain: seedStats(final.map((f, i) => f - initial[i])),
    ...(fi !== undefined ? { initialPromptFidelity: fi } : {}),
    ...(ff !== undefined ? { finalPromptFidelity: ff } : {}),
  };
}

/** One row of the band chart: a method's mean curve over seeds with a +/- 1 standard error band. */
export interface BandRow {
  method: string;
  queries: number;
  mean: number;
  lo: number;
  hi: number;
  seeds: number;
}

/**
 * Averages each method's curves over seeds at every query count that all its runs share, with a band of
 * +/- one standard error of the mean over seeds.
 *
 * @example
 * const rows = curveBands(summary); // [{ method: 'ddpo-is', queries: 0, mean: -1.2, lo: -1.25, hi: -1.15, seeds: 2 }, ...]
 */
export function curveBands(summary: CompareSummary): BandRow[] {
  const rows: BandRow[] = [];
  for (const [method, { runs }] of Object.entries(summary.methods)) {
    if (runs.length === 0) continue;
    const queries = runs[0].curve.map((p) => p.queries).filter((q) => runs.every((r) => r.curve.some((p) => p.queries === q)));
    for (const q of queries) {
      const s = seedStats(runs.map((r) => r.curve.find((p) => p.queries === q)!.meanReward));
      rows.push({ method, queries: q, mean: s.mean, lo: s.mean - s.sem, hi: s.mean + s.sem, seeds: s.n });
    }
  }
  return rows;
}

/** One row of the summary table. */
export interface TableRow {
  method: string;
  seeds: number;
  initial: SeedStats;
  final: SeedStats;
  /** Final minus initial evaluation reward, per seed, then summarised. */
  gain: SeedStats;
  wallSeconds: SeedStats;
  /** Prompt fidelity of the initial and final evaluation samples, when every run measured it. */
  initialFidelity?: SeedStats;
  finalFidelity?: SeedStats;
}

/**
 * The summary table: per method, initial and final evaluation reward, the gain and prompt fidelity, over seeds.
 *
 * @example
 * summaryTable(summary).map((r) => `${r.method}: ${r.final.mean.toFixed(3)} +/- ${r.final.std.toFixed(3)}`);
 */
export function summaryTable(summary: CompareSummary): TableRow[] {
  return Object.entries(summary.methods)
    .filter(([, m]) => m.runs.length > 0)
    .map(([method, { runs }]) => {
      const s = methodStats(runs);
      return {
        method,
        seeds: runs.length,
        initial: s.initialMeanReward,
        final: s.finalMeanReward,
        gain: s.gain,
        wallSeconds: seedStats(runs.map((r) => r.wallSeconds)),
        ...(s.initialPromptFidelity !== undefined ? { initialFidelity: s.initialPromptFidelity } : {}),
        ...(s.finalPromptFidelity !== undefined ? { finalFidelity: s.finalPromptFidelity } : {}),
      };
    });
}
