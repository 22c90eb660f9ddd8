// `ddpo train`: one training run (DDPO_IS, DDPO_SF, RWR or sparse RWR) on a reward, writing
// metrics.jsonl (with each epoch's prompt fidelity for shapes-32 models), per-epoch sample grids and
// checkpoints to --out; --resume continues a run.
import fs from 'node:fs';
import path from 'node:path';
import { createTrainer, parseTrainerConfig } from '@ddpo/trainer';
import { shapes32Fidelity } from '../fidelity.js';
import { createAdapter, loadModel } from '../model-spec.js';
import { resolveReward } from '../reward-spec.js';
import { logWithTensorboard, progressFor, promptNamesFor, trainingConfig, type TrainingFlags } from '../training-flags.js';
import type { CliIO } from '../program.js';

/** Flags of `ddpo train`. */
export interface TrainFlags extends TrainingFlags {
  algo?: string;
  resume?: boolean;
  logWith?: string;
}

/** The trainer fields of a run's config.json (it also records the reward and model names). */
function savedTrainerFields(file: string): Record<string, unknown> {
  const { reward: _reward, model: _model, ...fields } = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  return fields;
}

/**
 * Runs `ddpo train`.
 *
 * @example
 * await trainCommand({ algo: 'ddpo-is', reward: 'compressibility', out: 'runs/a', device: 'cpu', progress: true }, io);
 */
export async function trainCommand(f: TrainFlags, io: CliIO): Promise<void> {
  // On --resume the run's own config.json is the base, so only what changes needs repeating.
  const saved = path.join(f.out, 'config.json');
  const base = f.resume === true && fs.existsSync(saved) ? savedTrainerFields(saved) : {};
  const config = trainingConfig(f, base, (l) => io.err(l + '\n'));
  if (f.algo !== undefined) config.algorithm = f.algo;
  parseTrainerConfig(config); // fail on a bad field before loading anything
  const tensorboard = logWithTensorboard(f.logWith ?? 'jsonl');
  const reward = await resolveReward(f.reward, { clipEncoder: f.clipEncoder, aestheticHead: f.aestheticHead });
  const seed = typeof config.seed === 'number' ? config.seed : 0;
  const { model, params, source } = loadModel(f.weights, seed, (l) => io.err(l + '\n'));
  const adapter = await createAdapter(f.device, f.threads, (l) => io.err(l + '\n'), { spin: f.spin });
  try {
    const trainer = await createTrainer({
      model,
      params,
      reward,
      config,
      promptNames: promptNamesFor(model.numPrompts),
      adapter,
      outDir: f.out,
      resume: f.resume === true,
      tensorboard,
      progress: progressFor(f.progress),
      fidelity: shapes32Fidelity(model, adapter, (l) => io.err(l + '\n')),
    });
    io.err(`train: ${trainer.config.algorithm} on ${reward.rewardName}, ${trainer.config.numEpochs} epochs, weights: ${source}, device: ${adapter.name}${threadNote(adapter)}\n`);
    const metrics = await trainer.train();
    const last = metrics[metrics.length - 1];
    const fidelity = typeof last?.promptFidelity === 'number' ? `, prompt fidelity ${last.promptFidelity.toFixed(3)}` : '';
    io.out(
      `done: ${trainer.epoch} epochs, ${trainer.rewardQueries} reward queries, last epoch reward ${last?.rewardMean.toFixed(4) ?? 'n/a'}${fidelity}\n` +
        `metrics: ${path.resolve(f.out, 'metrics.jsonl')}${tensorboard ? ` (TensorBoard: tensorboard --logdir ${path.resolve(f.out)})` : ''}\ncheckpoint: ${path.resolve(f.out, `checkpoint-${trainer.epoch}`)}\n`,
    );
  } finally {
    await adapter.dispose();
  }
}

/** ', idle threads spin' / ', idle threads sleep' for an ONNX Runtime adapter (see --no-spin); '' for others. */
function threadNote(adapter: object): string {
  return 'spinning' in adapter && typeof adapter.spinning === 'boolean' ? `, idle threads ${adapter.spinning ? 'spin' : 'sleep'}` : '';
}
