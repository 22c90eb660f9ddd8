// `ddpo compare`: the main job. Picks a preset (default, --quick, --full), applies --algos, --seeds
// and the training flags, runs the comparison and prints where the report is.
import { ALGORITHMS, parseTrainerConfig, type Algorithm } from '@ddpo/trainer';
import { COMPARE_PRESETS, runCompare } from '../compare.js';
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
  quick?: boolean;
  full?: boolean;
}

/** Parses `--algos a,b`. */
export function parseAlgos(raw: string): Algorithm[] {
  const algos = listFlag(raw);
  for (const a of algos) {
    if (!(ALGORITHMS as readonly string[]).includes(a)) throw new UsageError(`--algos: unknown algorithm '${a}'; expected some of ${ALGORITHMS.join(', ')}`);
  }
  if (algos.length === 0) throw new UsageError('--algos: expected at least one algorithm');
  return algos as Algorithm[];
}

/** Parses `--seeds N` (seeds 0..N-1) or `--seeds a,b,c`. */
export function parseSeeds(raw: string): number[] {
  if (!raw.includes(',')) return Array.from({ length: numberFlag('--seeds', raw, { integer: true, min: 1 }) }, (_, i) => i);
  return listFlag(raw).map((s) => numberFlag('--seeds', s, { integer: true, min: 0 }));
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
  const seeds = f.seeds !== undefined ? parseSeeds(f.seeds) : preset.seeds;
  const config = trainingConfig(f, preset.config);
  delete config.seed;
  for (const algorithm of algorithms) parseTrainerConfig({ ...config, algorithm }); // fail on a bad field before loading anything
  const reward = await resolveReward(f.reward, { clipEncoder: f.clipEncoder, aestheticHead: f.aestheticHead });
  const { model, params, source } = loadModel(f.weights, 0, (l) => io.err(l + '\n'));
  const adapter = await createAdapter(f.device, f.threads, (l) => io.err(l + '\n'));
  try {
    io.err(`compare: ${algorithms.join(' vs ')} on ${reward.rewardName}, seeds ${seeds.join(', ')}, weights: ${source}, device: ${adapter.name}\n`);
    const res = await runCompare({
      algorithms,
      seeds,
      config,
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
      io.out(`${algo}: final mean reward per seed ${finals}${fid}\n`);
    }
    io.out(`summary: ${res.summaryPath}\nreport: ${res.report.html}\n`);
  } finally {
    await adapter.dispose();
  }
}
