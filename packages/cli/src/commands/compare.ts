// `ddpo compare`: the main job. Picks a preset (default, --quick, --full), applies --algos, --seeds
// and the training flags, runs the comparison and prints where the report is.
import { algorithmNames, parseTrainerConfig, type Algorithm } from '@ddpo/trainer';
import { COMPARE_PRESETS, configFor, runCompare, type ComparePreset } from '../compare.js';
import { listFlag, numberFlag } from '../config-file.js';
import { UsageError } from '../errors.js';
import { shapes32Fidelity } from '../fidelity.js';
import { createAdapter, loadModel } from '../model-spec.js';
import { resolveReward, rewardLabel } from '../reward-spec.js';
import { progressFor, promptNamesFor, trainingConfig, type TrainingFlags } from '../training-flags.js';
import type { CliIO } from '../program.js';

/** Flags of `ddpo compare`. */
export interface CompareFlags extends TrainingFlags {
  algos?: string;
  seeds?: string;
  numSeeds?: string;
  quick?: boolean;
  full?: boolean;
}

/** Parses `--algos a,b`. */
export function parseAlgos(raw: string): Algorithm[] {
  const algos = listFlag(raw);
  for (const a of algos) {
    if (!algorithmNames().includes(a)) throw new UsageError(`--algos: unknown algorithm '${a}'; expected some of ${algorithmNames().join(', ')}`);
  }
  if (algos.length === 0) throw new UsageError('--algos: expected at least one algorithm');
  return algos as Algorithm[];
}

/**
 * `--seeds 0` or `--seeds 0,1,2`: always the seeds themselves; `--num-seeds N`: seeds 0..N-1; neither: undefined.
 *
 * @example
 * parseSeeds('0', undefined); // [0]
 * parseSeeds(undefined, '3'); // [0, 1, 2]
 */
export function parseSeeds(list: string | undefined, count: string | undefined): number[] | undefined {
  if (list !== undefined && count !== undefined) throw new UsageError('--seeds (a list of seeds) and --num-seeds (a count) exclude each other');
  if (count !== undefined) return Array.from({ length: numberFlag('--num-seeds', count, { integer: true, min: 1 }) }, (_, i) => i);
  if (list === undefined) return undefined;
  const seeds = listFlag(list).map((s) => numberFlag('--seeds', s, { integer: true, min: 0 }));
  if (seeds.length === 0) throw new UsageError(`--seeds: expected a comma-separated list of seeds, e.g. 0 or 0,1,2; got '${list}'`);
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds: '${list}' repeats a seed`);
  return seeds;
}

/**
 * The preset's per-algorithm fields for these algorithms, less every field the user set (config file,
 * --set, flags): what the user says wins over the preset's per-algorithm choice.
 *
 * @example
 * presetPerAlgorithm(COMPARE_PRESETS.default, ['rwr'], ['trainLearningRate']).rwr; // { useLora: true, loraRank: 4, loraTargets: 'attention' }
 */
export function presetPerAlgorithm(preset: ComparePreset, algorithms: readonly Algorithm[], userFields: readonly string[]): Partial<Record<Algorithm, Record<string, unknown>>> {
  const mine = new Set(userFields);
  return Object.fromEntries(algorithms.map((a) => [a, Object.fromEntries(Object.entries(preset.perAlgorithm?.[a] ?? {}).filter(([k]) => !mine.has(k)))]));
}

/**
 * Runs `ddpo compare`.
 *
 * @example
 * await compareCommand({ quick: true, reward: 'compressibility', out: 'runs/q', device: 'cpu', progress: false }, io);
 */
export async function compareCommand(f: CompareFlags, io: CliIO): Promise<void> {
  if (f.quick === true && f.full === true) throw new UsageError('--quick and --full exclude each other');
  const preset = COMPARE_PRESETS[f.quick === true ? 'quick' : f.full === true ? 'full' : 'default'];
  const algorithms = f.algos !== undefined ? parseAlgos(f.algos) : preset.algorithms;
  const seeds = parseSeeds(f.seeds, f.numSeeds) ?? preset.seeds;
  const config = trainingConfig(f, preset.config);
  delete config.seed;
  const perAlgorithm = presetPerAlgorithm(preset, algorithms, Object.keys(trainingConfig(f)));
  for (const algorithm of algorithms) parseTrainerConfig({ ...configFor({ config, perAlgorithm }, algorithm), algorithm }); // fail on a bad field before loading anything
  const reward = await resolveReward(f.reward, { clipEncoder: f.clipEncoder, aestheticHead: f.aestheticHead });
  const { model, params, source } = loadModel(f.weights, 0, (l) => io.err(l + '\n'));
  const adapter = await createAdapter(f.device, f.threads, (l) => io.err(l + '\n'), { spin: f.spin });
  try {
    io.err(`compare: ${algorithms.join(' vs ')} on ${reward.rewardName}, seeds ${seeds.join(', ')}, weights: ${source}, device: ${adapter.name}\n`);
    const res = await runCompare({
      algorithms,
      seeds,
      config,
      perAlgorithm,
      reward,
      rewardLabel: rewardLabel(f.reward, reward),
      model,
      params,
      weightsSource: source,
      promptNames: promptNamesFor(model.numPrompts),
      adapter,
      outDir: f.out,
      progress: progressFor(f.progress),
      log: (l) => io.err(l + '\n'),
      fidelity: shapes32Fidelity(model, adapter, (l) => io.err(l + '\n')),
    });
    for (const [algo, m] of Object.entries(res.summary.methods)) {
      const finals = m.runs.map((r) => r.finalMeanReward.toFixed(4)).join(', ');
      const fid = m.runs.every((r) => r.finalPromptFidelity !== undefined) ? `; final prompt fidelity ${m.runs.map((r) => r.finalPromptFidelity!.toFixed(3)).join(', ')}` : '';
      io.out(`${algo}: final evaluation (fixed prompts and noise; not the curve's last batch) mean reward per seed ${finals}${fid}\n`);
    }
    io.out(`summary: ${res.summaryPath}\nreport: ${res.report.html}\n`);
  } finally {
    await adapter.dispose();
  }
}
