// `ddpo sweep` as a library function: a grid of trainer settings x algorithms x seeds, every run with
// the same budget of reward queries, each run evaluated at start and end (reward and prompt
// fidelity) by `trainAndEvaluate`, the code `ddpo compare` runs. Built to run unattended: runs go
// one after another, each finished run's result is written atomically at once, and a re-run with
// the same output directory skips finished runs and resumes an interrupted one from its checkpoint.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@ddpo/optim';
import { ConfigError, getAlgorithm, listAlgorithms, parseTrainerConfig, samplesPerEpoch, type Algorithm, type TrainerConfig } from '@ddpo/trainer';
import { trainAndEvaluate, writeJsonAtomic, type RunContext } from './compare.js';
import { mergeConfig, parseSetPairs } from './config-file.js';
import { UsageError } from './errors.js';
import { methodStats, type MethodStats, type RunEvaluation, type RunSummary, type SeedStats } from './summary.js';

/** One swept field and its values, e.g. `{ field: 'trainLearningRate', values: [1e-5, 3e-5] }`. */
export interface GridAxis {
  /** A trainer field; dotted for nested ones (`perPromptStatTracking.minCount`). */
  field: string;
  values: unknown[];
}

/** One cell of the grid: a value for every axis. */
export interface SweepCell {
  /** `field=value` pairs joined by ', ' ('base' for an empty grid). */
  id: string;
  /** Directory name under the output directory, derived from the settings alone (stable across re-runs). */
  dir: string;
  settings: Record<string, unknown>;
}

/** The results of one algorithm in one cell. */
export interface SweepCellResult {
  runs: RunSummary[];
  stats?: MethodStats;
  /** Why this algorithm cannot run with this cell's settings (a ConfigError); no runs then. */
  invalid?: string;
}

/** The best cell of one algorithm by mean final evaluation reward over its seeds. */
export interface SweepBest {
  cell: string;
  seeds: number;
  finalMeanReward: SeedStats;
  gain: SeedStats;
  finalPromptFidelity?: SeedStats;
}

/** `sweep.json`. */
export interface SweepSummary {
  reward: string;
  model: string;
  /** Reward queries every run spends on training. */
  budget: number;
  evalSamples: number;
  algorithms: Algorithm[];
  seeds: number[];
  grid: GridAxis[];
  minFidelity?: number;
  /** Settings shared by every cell (before the cell's own). */
  base: Record<string, unknown>;
  cells: (SweepCell & { numEpochs: number; results: Record<string, SweepCellResult> })[];
  /** Per algorithm: the best cell by mean final reward, and the best among cells whose mean final prompt fidelity is >= minFidelity. */
  best: Record<string, { byReward?: SweepBest; withinFidelity?: SweepBest }>;
  runsDone: number;
  runsTotal: number;
  createdAt: string;
  updatedAt: string;
}

/** Splits at commas outside brackets, braces and double quotes, so JSON values can hold commas. */
function splitTopLevel(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (quoted) {
      if (ch === '\\') {
        cur += ch + (raw[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/**
 * Parses `--grid field=v1,v2,...` flags. Values are JSON when they parse (numbers, booleans, arrays,
 * objects; commas inside brackets or quotes do not split), else strings.
 *
 * @example
 * parseGrid(['trainLearningRate=1e-5,3e-5', 'useLora=true,false']);
 * // [{ field: 'trainLearningRate', values: [1e-5, 3e-5] }, { field: 'useLora', values: [true, false] }]
 */
export function parseGrid(flags: readonly string[]): GridAxis[] {
  const axes: GridAxis[] = [];
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new UsageError(`--grid: expected field=value1,value2,..., got '${flag}'`);
    const field = flag.slice(0, eq).trim();
    if (['algorithm', 'seed', 'numEpochs'].includes(field)) {
      throw new UsageError(`--grid: '${field}' is not a grid field (use --algos, --seeds and --budget)`);
    }
    if (axes.some((a) => a.field === field)) throw new UsageError(`--grid: field '${field}' is given twice`);
    const parts = splitTopLevel(flag.slice(eq + 1));
    if (parts.some((p) => p.length === 0)) throw new UsageError(`--grid ${field}: empty value in '${flag.slice(eq + 1)}'`);
    const values = parts.map((p) => (parseSetPairs([`v=${p}`]) as { v: unknown }).v);
    axes.push({ field, values });
  }
  return axes;
}

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Every combination of the axes' values, the first axis varying slowest. An empty grid is one cell.
 *
 * @example
 * gridCells(parseGrid(['a=1,2', 'b=x'])).map((c) => c.id); // ['a=1, b=x', 'a=2, b=x']
 */
export function gridCells(axes: readonly GridAxis[]): SweepCell[] {
  let combos: [string, unknown][][] = [[]];
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => [...c, [axis.field, v] as [string, unknown]]));
  return combos.map((pairs) => {
    const id = pairs.length === 0 ? 'base' : pairs.map(([f, v]) => `${f}=${valueText(v)}`).join(', ');
    const settings = mergeConfig(...pairs.map(([f, v]) => parseSetPairs([`${f}=${JSON.stringify(v)}`])));
    let dir = pairs.length === 0 ? 'base' : pairs.map(([f, v]) => `${f}=${valueText(v)}`.replace(/[^A-Za-z0-9._=+-]/g, '_')).join('__');
    if (dir.length > 120) dir = `${dir.slice(0, 100)}-${createHash('sha256').update(id).digest('hex').slice(0, 12)}`;
    return { id, dir, settings };
  });
}

/** The trainer fields the start evaluation depends on (besides the weights, seed and sample count). */
const EVAL_FIELDS = ['sampleBatchSize', 'sampleNumSteps', 'sampleEta', 'sampleGuidanceScale', 'prompts'] as const;

function evalKey(c: TrainerConfig, evalSamples: number): string {
  return JSON.stringify({ seed: c.seed, evalSamples, ...Object.fromEntries(EVAL_FIELDS.map((k) => [k, c[k] ?? null])) });
}

/** Fields that may differ between a finished run's record and the sweep re-running it (bookkeeping only). */
const BOOKKEEPING = new Set(['saveFreq', 'numCheckpointLimit']);

function settingsDiff(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return Object.keys({ ...a, ...b }).filter((k) => !BOOKKEEPING.has(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/**
 * Trainer fields an algorithm does not read: two cells that differ only in these train that algorithm
 * identically, so the sweep runs it once and records the result under both cells.
 */
export const UNUSED_FIELDS: Readonly<Record<Algorithm, readonly string[]>> = Object.fromEntries(
  listAlgorithms().map((m) => [m.name, m.unusedFields ?? []]),
) as Record<Algorithm, readonly string[]>;

/**
 * Whether two resolved configs train the same way: equal but for fields their algorithm does not
 * read ({@link UNUSED_FIELDS}; lora* when useLora is false) and checkpoint bookkeeping.
 *
 * @example
 * sameTraining({ ...ddpo, rwrBeta: 0.2 }, { ...ddpo, rwrBeta: 20 }); // true
 */
export function sameTraining(a: TrainerConfig, b: TrainerConfig): boolean {
  return trainingKey(a) === trainingKey(b);
}

function trainingKey(c: TrainerConfig): string {
  const unused = new Set([...(getAlgorithm(c.algorithm).unusedFields ?? []), ...BOOKKEEPING]);
  // Without LoRA (useLora false), its rank, alpha and targets are not read either.
  const noLora = (c as Record<string, unknown>).useLora === false;
  return JSON.stringify(Object.entries(c).filter(([k]) => !unused.has(k) && !(noLora && /^lora[A-Z]/.test(k))));
}

/** What a finished run leaves in its directory: the resolved config, the start-evaluation key and the result. */
interface RunRecord {
  config: Record<string, unknown>;
  evalKey: string;
  run: RunSummary;
  /** The cell whose run this is, when this cell differs from it only in fields the algorithm does not read. */
  sameAs?: string;
}

/** Everything one sweep needs. */
export interface SweepOptions extends RunContext {
  algorithms: readonly Algorithm[];
  seeds: readonly number[];
  grid: readonly GridAxis[];
  /** Trainer fields shared by every cell (the cell's own win). */
  base: Record<string, unknown>;
  /** Reward queries each run spends on training; every cell's samples per epoch must divide it. */
  budget: number;
  /** Evaluation samples per evaluation (the same for every cell). */
  evalSamples: number;
  /** Best cell subject to mean final prompt fidelity >= this (optional). */
  minFidelity?: number;
  /** Checkpoint every this many epochs, so an interrupted run resumes (default 1). */
  saveEvery?: number;
  /** Keep each finished run's last checkpoint (default: deleted once its result is written). */
  keepCheckpoints?: boolean;
  rewardLabel: string;
  weightsSource: string;
  outDir: string;
  /** Progress lines (one per run started and finished). */
  say: (line: string) => void;
}

/** What a sweep returns. */
export interface SweepResult {
  summary: SweepSummary;
  jsonPath: string;
  markdownPath: string;
}

function bestOf(cells: SweepSummary['cells'], algorithm: string, seeds: number, minFidelity?: number): SweepBest | undefined {
  let best: SweepBest | undefined;
  for (const cell of cells) {
    const r = cell.results[algorithm];
    if (r?.stats === undefined || r.runs.length < seeds) continue;
    const fid = r.stats.finalPromptFidelity;
    if (minFidelity !== undefined && (fid === undefined || fid.mean < minFidelity)) continue;
    if (best === undefined || r.stats.finalMeanReward.mean > best.finalMeanReward.mean) {
      best = { cell: cell.id, seeds: r.runs.length, finalMeanReward: r.stats.finalMeanReward, gain: r.stats.gain, ...(fid !== undefined ? { finalPromptFidelity: fid } : {}) };
    }
  }
  return best;
}

/**
 * The best cell per algorithm among cells with every seed finished: by mean final evaluation reward,
 * and (with `minFidelity`) among the cells whose mean final prompt fidelity is at least that.
 *
 * @example
 * bestCells(summary).rwr.byReward?.cell; // 'trainLearningRate=3e-05'
 */
export function bestCells(s: Pick<SweepSummary, 'cells' | 'algorithms' | 'seeds' | 'minFidelity'>): SweepSummary['best'] {
  const out: SweepSummary['best'] = {};
  for (const a of s.algorithms) {
    const byReward = bestOf(s.cells, a, s.seeds.length);
    const withinFidelity = s.minFidelity === undefined ? undefined : bestOf(s.cells, a, s.seeds.length, s.minFidelity);
    out[a] = { ...(byReward ? { byReward } : {}), ...(withinFidelity ? { withinFidelity } : {}) };
  }
  return out;
}

const num = (v: number | undefined, d = 4) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));
const pm = (s: SeedStats | undefined, d = 4) => (s === undefined ? 'n/a' : s.n > 1 ? `${s.mean.toFixed(d)} ± ${s.sem.toFixed(d)}` : s.mean.toFixed(d));
const signed = (s: SeedStats) => `${s.mean >= 0 ? '+' : ''}${pm(s)}`;

/**
 * `sweep.md`: the best cell per algorithm, per cell the mean ± s.e. over seeds, and every run.
 *
 * @example
 * fs.writeFileSync('sweep.md', sweepMarkdown(summary));
 */
export function sweepMarkdown(s: SweepSummary): string {
  const lines: string[] = [];
  lines.push(`# ddpo sweep: ${s.reward}`, '');
  lines.push(
    `${s.model}; ${s.budget} reward queries per run; ${s.evalSamples} evaluation samples (the same prompts and noise at start and end); ` +
      `seeds ${s.seeds.join(', ')}; ${s.runsDone} of ${s.runsTotal} runs done. Values are mean ± standard error over seeds; ` +
      'prompt fidelity is the share of evaluation samples the shapes-32 classifier assigns to their own prompt.',
    '',
  );
  lines.push('## Best cell per algorithm', '');
  const fidHead = s.minFidelity !== undefined ? ` | best with final fidelity >= ${s.minFidelity} | its final reward | its final fidelity` : '';
  lines.push(`| algorithm | best cell (by mean final reward) | final reward | gain | final fidelity${fidHead} |`);
  lines.push(`| --- | --- | --- | --- | ---${s.minFidelity !== undefined ? ' | --- | --- | ---' : ''} |`);
  for (const a of s.algorithms) {
    const b = s.best[a]?.byReward;
    const w = s.best[a]?.withinFidelity;
    const fid = s.minFidelity !== undefined ? ` | ${w ? `\`${w.cell}\`` : 'none'} | ${w ? pm(w.finalMeanReward) : ''} | ${w ? pm(w.finalPromptFidelity, 3) : ''}` : '';
    lines.push(b ? `| ${a} | \`${b.cell}\` | ${pm(b.finalMeanReward)} | ${signed(b.gain)} | ${pm(b.finalPromptFidelity, 3)}${fid} |` : `| ${a} | (no cell with every seed done) | | | ${fid} |`);
  }
  lines.push('', '## Cells', '');
  lines.push('| algorithm | cell | seeds | initial reward | final reward | gain | initial fidelity | final fidelity |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const a of s.algorithms) {
    for (const c of s.cells) {
      const r = c.results[a];
      if (r?.invalid !== undefined) lines.push(`| ${a} | \`${c.id}\` | invalid: ${r.invalid.replace(/\|/g, '/')} | | | | | |`);
      else if (r?.stats !== undefined) {
        const st = r.stats;
        lines.push(`| ${a} | \`${c.id}\` | ${r.runs.length} | ${pm(st.initialMeanReward)} | ${pm(st.finalMeanReward)} | ${signed(st.gain)} | ${pm(st.initialPromptFidelity, 3)} | ${pm(st.finalPromptFidelity, 3)} |`);
      }
    }
  }
  lines.push('', '## Runs', '');
  lines.push('| algorithm | cell | seed | initial reward | final reward | initial fidelity | final fidelity | wall s | directory |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const a of s.algorithms) {
    for (const c of s.cells) {
      for (const run of c.results[a]?.runs ?? []) {
        lines.push(
          `| ${a} | \`${c.id}\` | ${run.seed} | ${num(run.initialMeanReward)} | ${num(run.finalMeanReward)} | ${num(run.initialPromptFidelity, 3)} | ` +
            `${num(run.finalPromptFidelity, 3)} | ${run.wallSeconds.toFixed(0)} | ${run.dir ?? ''} |`,
        );
      }
    }
  }
  return lines.join('\n') + '\n';
}

function checkpointDirs(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => /^checkpoint-\d+$/.test(d)).map((d) => path.join(dir, d)) : [];
}

/**
 * Runs the sweep: seeds (outermost), then cells, then algorithms, one run at a time. Invalid
 * (cell, algorithm) pairs are recorded with their ConfigError and skipped; an unknown field fails
 * the sweep before any run. Writes `sweep.json` and `sweep.md` after every run.
 *
 * @example
 * const { markdownPath } = await runSweep({ ...ctx, algorithms: ['ddpo-is', 'rwr'], seeds: [0, 1], grid: parseGrid(['trainLearningRate=1e-5,3e-5']), base, budget: 512, evalSamples: 32, ... });
 */
export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  if (!Number.isInteger(o.budget) || o.budget < 1) throw new UsageError(`--budget: expected a positive integer number of reward queries, got ${o.budget}`);
  if (o.seeds.length === 0 || o.algorithms.length === 0) throw new UsageError('sweep: expected at least one seed and one algorithm');
  const saveEvery = o.saveEvery ?? 1;
  const cells = gridCells(o.grid);
  // Resolve and validate every (cell, algorithm) before any run.
  const resolved = new Map<string, TrainerConfig | string>();
  const sweepCells: SweepSummary['cells'] = [];
  for (const cell of cells) {
    const probe = parseTrainerConfig(mergeConfig(o.base, cell.settings, { numEpochs: 1, algorithm: o.algorithms[0], seed: o.seeds[0] }));
    const spe = samplesPerEpoch(probe);
    if (o.budget % spe !== 0) {
      throw new UsageError(`--budget ${o.budget} is not a whole number of epochs for cell '${cell.id}' (${spe} samples per epoch); every cell must spend the same budget`);
    }
    const numEpochs = o.budget / spe;
    const results: Record<string, SweepCellResult> = {};
    for (const algorithm of o.algorithms) {
      try {
        resolved.set(`${cell.dir}/${algorithm}`, parseTrainerConfig(mergeConfig(o.base, cell.settings, { numEpochs, algorithm, seed: o.seeds[0], saveFreq: saveEvery, numCheckpointLimit: 1 })));
        results[algorithm] = { runs: [] };
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        if (e.issues.some((i) => i.message.startsWith('unknown field'))) throw e;
        resolved.set(`${cell.dir}/${algorithm}`, e.issues.map((i) => `${i.field}: ${i.message}`).join('; '));
        results[algorithm] = { runs: [], invalid: e.issues.map((i) => `${i.field}: ${i.message}`).join('; ') };
      }
    }
    sweepCells.push({ ...cell, numEpochs, results });
  }
  const invalid = sweepCells.flatMap((c) => Object.entries(c.results).flatMap(([a, r]) => (r.invalid !== undefined ? [`${a} in '${c.id}': ${r.invalid}`] : [])));
  if (invalid.length === sweepCells.length * o.algorithms.length) throw new UsageError(`sweep: no runnable (cell, algorithm) pair:\n  ${invalid.join('\n  ')}`);
  const runsTotal = sweepCells.reduce((n, c) => n + Object.values(c.results).filter((r) => r.invalid === undefined).length, 0) * o.seeds.length;
  const first = [...resolved.values()].find((v): v is TrainerConfig => typeof v !== 'string');
  const { algorithm: _a, seed: _s, numEpochs: _n, saveFreq: _f, numCheckpointLimit: _l, ...base } = (first ?? {}) as Record<string, unknown>;
  for (const axis of o.grid) delete base[axis.field.split('.')[0]];
  const summary: SweepSummary = {
    reward: o.rewardLabel,
    model: `${o.model.name} (${o.weightsSource})`,
    budget: o.budget,
    evalSamples: o.evalSamples,
    algorithms: [...o.algorithms],
    seeds: [...o.seeds],
    grid: o.grid.map((a) => ({ field: a.field, values: [...a.values] })),
    ...(o.minFidelity !== undefined ? { minFidelity: o.minFidelity } : {}),
    base: { ...base, device: o.adapter.name },
    cells: sweepCells,
    best: {},
    runsDone: 0,
    runsTotal,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  fs.mkdirSync(o.outDir, { recursive: true });
  const jsonPath = path.join(o.outDir, 'sweep.json');
  const markdownPath = path.join(o.outDir, 'sweep.md');
  const write = () => {
    for (const c of summary.cells) for (const r of Object.values(c.results)) if (r.runs.length > 0) r.stats = methodStats(r.runs);
    summary.best = bestCells(summary);
    summary.updatedAt = new Date().toISOString();
    writeJsonAtomic(jsonPath, summary);
    writeFileAtomicSync(markdownPath, Buffer.from(sweepMarkdown(summary), 'utf8'));
  };
  o.say(`sweep: ${cells.length} cell(s) x ${o.algorithms.length} algorithm(s) x ${o.seeds.length} seed(s) = ${runsTotal} run(s) of ${o.budget} reward queries; results in ${path.resolve(jsonPath)}`);
  for (const c of sweepCells) for (const [a, r] of Object.entries(c.results)) if (r.invalid !== undefined) o.say(`sweep: skipping ${a} in cell '${c.id}': ${r.invalid}`);

  const starts = new Map<string, RunEvaluation>();
  const trained = new Map<string, { cell: string; run: RunSummary }>();
  let done = 0;
  let ranSeconds = 0;
  let ran = 0;
  write();
  for (const seed of o.seeds) {
    for (const cell of sweepCells) {
      for (const algorithm of o.algorithms) {
        const result = cell.results[algorithm];
        if (result.invalid !== undefined) continue;
        const config = { ...(resolved.get(`${cell.dir}/${algorithm}`) as TrainerConfig), seed };
        const key = evalKey(config, o.evalSamples);
        const dir = path.join(o.outDir, cell.dir, algorithm, `seed-${seed}`);
        const recordFile = path.join(dir, 'result.json');
        const tag = `[${done + 1}/${runsTotal}] ${algorithm} seed ${seed} cell '${cell.id}'`;
        if (fs.existsSync(recordFile)) {
          const rec = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as RunRecord;
          const diff = settingsDiff(rec.config, config as unknown as Record<string, unknown>);
          if (diff.length > 0) {
            throw new UsageError(`sweep: ${dir} holds a finished run with other settings (${diff.join(', ')}); use another --out or remove that directory`);
          }
          result.runs.push(rec.run);
          if (!trained.has(trainingKey(config))) trained.set(trainingKey(config), { cell: rec.sameAs ?? cell.id, run: rec.run });
          if (!starts.has(rec.evalKey) && rec.run.initialMeanReward !== undefined) {
            starts.set(rec.evalKey, { meanReward: rec.run.initialMeanReward, ...(rec.run.initialPromptFidelity !== undefined ? { promptFidelity: rec.run.initialPromptFidelity } : {}), ...(rec.run.grids ? { grid: rec.run.grids.start } : {}) });
          }
          done++;
          o.say(`${tag}: already done (final reward ${num(rec.run.finalMeanReward)}), skipped`);
          continue;
        }
        const twin = trained.get(trainingKey(config));
        if (twin !== undefined) {
          // The same training as a finished run of another cell (they differ only in fields this algorithm does not read).
          writeJsonAtomic(recordFile, { config, evalKey: key, run: twin.run, sameAs: twin.cell } satisfies RunRecord);
          result.runs.push(twin.run);
          done++;
          summary.runsDone = done;
          write();
          o.say(`${tag}: the same training as cell '${twin.cell}' (it differs only in fields ${algorithm} does not read); result reused`);
          continue;
        }
        const resuming = checkpointDirs(dir).length > 0 && fs.existsSync(path.join(dir, 'eval-start.json'));
        o.say(`${tag}: ${resuming ? 'resuming from its checkpoint' : 'starting'}`);
        const run = await trainAndEvaluate(o, {
          algorithm,
          seed,
          config,
          root: o.outDir,
          dir,
          resume: true,
          start: starts.get(key),
          evalSamples: o.evalSamples,
          finalCurvePoint: false,
        });
        if (!starts.has(key) && run.initialMeanReward !== undefined) {
          starts.set(key, { meanReward: run.initialMeanReward, ...(run.initialPromptFidelity !== undefined ? { promptFidelity: run.initialPromptFidelity } : {}), ...(run.grids ? { grid: run.grids.start } : {}) });
        }
        const record: RunRecord = { config: config as unknown as Record<string, unknown>, evalKey: key, run };
        writeJsonAtomic(recordFile, record);
        trained.set(trainingKey(config), { cell: cell.id, run });
        if (o.keepCheckpoints !== true) for (const ck of checkpointDirs(dir)) fs.rmSync(ck, { recursive: true, force: true });
        result.runs.push(run);
        done++;
        ran++;
        ranSeconds += run.wallSeconds;
        summary.runsDone = done;
        write();
        const eta = ((runsTotal - done) * ranSeconds) / ran;
        const fid = run.finalPromptFidelity !== undefined ? `, fidelity ${num(run.initialPromptFidelity, 3)} -> ${num(run.finalPromptFidelity, 3)}` : '';
        o.say(`${tag}: reward ${num(run.initialMeanReward)} -> ${num(run.finalMeanReward)}${fid} in ${run.wallSeconds.toFixed(0)} s; about ${formatDuration(eta)} left`);
      }
    }
  }
  summary.runsDone = done;
  write();
  return { summary, jsonPath: path.resolve(jsonPath), markdownPath: path.resolve(markdownPath) };
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const m = Math.round(seconds / 60);
  return m < 1 ? `${Math.round(seconds)} s` : m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
