// `ddpo sweep`: a grid of trainer settings x algorithms x seeds at an equal reward-query budget, run
// one after another with progress lines on stdout; writes sweep.json and sweep.md as runs finish and
// picks up where it stopped when re-run with the same --out.
import { parseTrainerConfig, samplesPerEpoch } from '@ddpo/trainer';
import { COMPARE_PRESETS } from '../compare.js';
import { numberFlag } from '../config-file.js';
import { UsageError } from '../errors.js';
import { shapes32Fidelity } from '../fidelity.js';
import { createAdapter, loadModel } from '../model-spec.js';
import { resolveReward, rewardLabel } from '../reward-spec.js';
import { parseGrid, runSweep } from '../sweep.js';
import { progressFor, promptNamesFor, trainingConfig, type TrainingFlags } from '../training-flags.js';
import { parseAlgos, parseSeeds } from './compare.js';
import type { CliIO } from '../program.js';

/** Flags of `ddpo sweep`. */
export interface SweepFlags extends TrainingFlags {
  grid?: string[];
  algos?: string;
  seeds?: string;
  numSeeds?: string;
  budget?: string;
  evalSamples?: string;
  minFidelity?: string;
  saveEvery?: string;
  keepCheckpoints?: boolean;
  quick?: boolean;
}

/**
 * Runs `ddpo sweep`.
 *
 * @example
 * await sweepCommand({ grid: ['trainLearningRate=1e-5,3e-5'], algos: 'ddpo-is,rwr', numSeeds: '2', budget: '512', reward: 'compressibility', out: 'runs/sweep', device: 'cpu', progress: false }, io);
 */
export async function sweepCommand(f: SweepFlags, io: CliIO): Promise<void> {
  if (f.epochs !== undefined) throw new UsageError('--epochs: a sweep sets the epochs of each cell from --budget (reward queries per run)');
  const preset = COMPARE_PRESETS[f.quick === true ? 'quick' : 'default'];
  const algorithms = f.algos !== undefined ? parseAlgos(f.algos) : preset.algorithms;
  const seeds = parseSeeds(f.seeds, f.numSeeds) ?? preset.seeds;
  const grid = parseGrid(f.grid ?? []);
  const base = trainingConfig(f, preset.config);
  delete base.seed;
  const probe = parseTrainerConfig({ ...base, algorithm: 'ddpo-is' });
  const budget = f.budget !== undefined ? numberFlag('--budget', f.budget, { integer: true, min: 1 }) : probe.numEpochs * samplesPerEpoch(probe);
  delete base.numEpochs;
  const evalSamples = f.evalSamples !== undefined ? numberFlag('--eval-samples', f.evalSamples, { integer: true, min: 1 }) : samplesPerEpoch(probe);
  const minFidelity = f.minFidelity !== undefined ? numberFlag('--min-fidelity', f.minFidelity, { min: 0 }) : undefined;
  if (minFidelity !== undefined && minFidelity > 1) throw new UsageError(`--min-fidelity: expected a share in [0, 1], got '${f.minFidelity}'`);
  const saveEvery = f.saveEvery !== undefined ? numberFlag('--save-every', f.saveEvery, { integer: true, min: 1 }) : 1;
  const reward = await resolveReward(f.reward, { clipEncoder: f.clipEncoder, aestheticHead: f.aestheticHead });
  const { model, params, source } = loadModel(f.weights, 0, (l) => io.err(l + '\n'));
  const adapter = await createAdapter(f.device, f.threads, undefined, { spin: f.spin });
  try {
    const fidelity = shapes32Fidelity(model, adapter, (l) => io.err(l + '\n'));
    if (minFidelity !== undefined && fidelity === undefined) throw new UsageError('--min-fidelity: this model has no prompt-fidelity classifier (shapes-32 models only)');
    const res = await runSweep({
      algorithms,
      seeds,
      grid,
      base,
      budget,
      evalSamples,
      minFidelity,
      saveEvery,
      keepCheckpoints: f.keepCheckpoints === true,
      reward,
      rewardLabel: rewardLabel(f.reward, reward),
      model,
      params,
      weightsSource: source,
      promptNames: promptNamesFor(model.numPrompts),
      adapter,
      progress: progressFor(f.progress),
      log: (l) => io.err(l + '\n'),
      fidelity,
      outDir: f.out,
      say: (l) => io.out(l + '\n'),
    });
    for (const [algo, b] of Object.entries(res.summary.best)) {
      if (b.byReward !== undefined) io.out(`best ${algo}: ${b.byReward.cell} (final reward ${b.byReward.finalMeanReward.mean.toFixed(4)})\n`);
      if (b.withinFidelity !== undefined) io.out(`best ${algo} with fidelity >= ${minFidelity}: ${b.withinFidelity.cell} (final reward ${b.withinFidelity.finalMeanReward.mean.toFixed(4)})\n`);
    }
    io.out(`sweep: ${res.jsonPath}\ntable: ${res.markdownPath}\n`);
  } finally {
    await adapter.dispose();
  }
}
