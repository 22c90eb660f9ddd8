// Checkpoints: one directory `checkpoint-<epoch>` per save, written atomically, holding everything a
// resumed run needs to continue bit-identically: parameters and optimizer state (safetensors), and
// the random-generator state, stat-tracker state, epoch, config and metrics so far (state.json).
// A LoRA run saves its adapters only, with the identity of the frozen base weights.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DdpoError, decodeSafetensors, encodeSafetensors, type HostTensor } from '@ddpo/tensor';
import { writeDirAtomic } from './atomic.js';
import { MANIFEST_NAME, verifyCheckpoint, withManifest } from './checkpoint-manifest.js';
import type { EpochMetrics } from './metrics.js';

/** Format version written into state.json; bumped when the layout changes. */
export const CHECKPOINT_VERSION = 1;

/** Everything saved at the end of an epoch. */
export interface CheckpointData {
  /** Epochs completed (the resumed run starts at this epoch index). */
  epoch: number;
  params: Record<string, HostTensor>;
  /** Optimizer tensors (moments) and its JSON-safe scalars (step counts, hyper-parameters). */
  optimizer: { tensors: Record<string, HostTensor>; state: unknown };
  /** The trainer's random generator, `Rng.getState()`. */
  rng: unknown;
  /** `PerPromptStatTracker.state()`, or null without per-prompt tracking. */
  statTracker: unknown;
  rewardQueries: number;
  config: unknown;
  metrics: EpochMetrics[];
  /** LoRA runs: `params` holds the adapters only; these are their settings and the base weights' hashParams. */
  lora?: { rank: number; alpha: number; targets: string[]; baseSha256: string };
}

/** A checkpoint directory is missing, incomplete or of another format. */
export class CheckpointError extends DdpoError {}

/**
 * Directory name of the checkpoint taken after `epoch` epochs.
 *
 * @example
 * checkpointName(3); // 'checkpoint-3'
 */
export function checkpointName(epoch: number): string {
  return `checkpoint-${epoch}`;
}

/**
 * Writes a checkpoint to `<runDir>/checkpoint-<epoch>` atomically, with a manifest.json (size and
 * SHA-256 of each file) written last; returns its path.
 *
 * @example
 * const dir = saveCheckpoint('runs/a', { epoch: 2, params, optimizer, rng: rng.getState(), ... });
 */
export function saveCheckpoint(runDir: string, data: CheckpointData): string {
  const dir = path.join(runDir, checkpointName(data.epoch));
  const state = {
    version: CHECKPOINT_VERSION,
    epoch: data.epoch,
    rng: data.rng,
    statTracker: data.statTracker,
    optimizer: data.optimizer.state,
    rewardQueries: data.rewardQueries,
    config: data.config,
    metrics: data.metrics,
    ...(data.lora !== undefined ? { lora: data.lora } : {}),
  };
  writeDirAtomic(dir, withManifest({
    'params.safetensors': encodeSafetensors(data.params, { format: 'ddpo-params' }),
    'optimizer.safetensors': encodeSafetensors(data.optimizer.tensors, { format: 'ddpo-optimizer' }),
    'state.json': JSON.stringify(state, null, 1),
  }));
  return dir;
}

/**
 * Reads a checkpoint directory back, verifying its manifest first. Throws a {@link CheckpointError}
 * naming the missing or bad file.
 *
 * @example
 * const ck = loadCheckpoint('runs/a/checkpoint-2');
 * ck.epoch; // 2
 */
export function loadCheckpoint(dir: string): CheckpointData {
  const broken = verifyCheckpoint(dir);
  if (broken !== null) throw new CheckpointError(`checkpoint ${dir} is broken: ${broken}`);
  const read = (name: string): Buffer => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new CheckpointError(`checkpoint ${dir}: missing ${name} (expected params.safetensors, optimizer.safetensors, state.json)`);
    return fs.readFileSync(file);
  };
  const state = JSON.parse(read('state.json').toString('utf8')) as Record<string, unknown>;
  if (state.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`checkpoint ${dir}: state.json version ${String(state.version)}, expected ${CHECKPOINT_VERSION}`);
  }
  return {
    epoch: state.epoch as number,
    params: decodeSafetensors(new Uint8Array(read('params.safetensors'))).tensors,
    optimizer: { tensors: decodeSafetensors(new Uint8Array(read('optimizer.safetensors'))).tensors, state: state.optimizer },
    rng: state.rng,
    statTracker: state.statTracker,
    rewardQueries: state.rewardQueries as number,
    config: state.config,
    metrics: state.metrics as EpochMetrics[],
    ...(state.lora !== undefined ? { lora: state.lora as CheckpointData['lora'] } : {}),
  };
}

/**
 * The newest intact checkpoint under a run directory (highest epoch whose manifest verifies), or
 * undefined. Newer broken ones (truncated, corrupted, unfinished) are skipped, each reported to
 * `onBroken` with what is wrong. `path` may also be a checkpoint directory itself (returned as is;
 * loading it verifies it).
 *
 * @example
 * latestCheckpoint('runs/a', (dir, why) => console.warn(`skipping ${dir}: ${why}`)); // 'runs/a/checkpoint-7'
 */
export function latestCheckpoint(runOrCheckpointDir: string, onBroken?: (dir: string, problem: string) => void): string | undefined {
  const isCheckpoint = (d: string) => fs.existsSync(path.join(d, 'state.json')) || fs.existsSync(path.join(d, MANIFEST_NAME));
  if (isCheckpoint(runOrCheckpointDir)) return runOrCheckpointDir;
  if (!fs.existsSync(runOrCheckpointDir)) return undefined;
  const epochs = fs
    .readdirSync(runOrCheckpointDir)
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  for (const e of epochs) {
    const dir = path.join(runOrCheckpointDir, checkpointName(e));
    const problem = verifyCheckpoint(dir);
    if (problem === null) return dir;
    onBroken?.(dir, problem);
  }
  return undefined;
}

/**
 * Deletes the oldest `checkpoint-<epoch>` directories of a run so that at most `keep` remain.
 *
 * @example
 * pruneCheckpoints('runs/a', 5);
 */
export function pruneCheckpoints(runDir: string, keep: number): void {
  const epochs = fs
    .readdirSync(runDir)
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  for (const e of epochs.slice(keep)) fs.rmSync(path.join(runDir, checkpointName(e)), { recursive: true, force: true });
}

/**
 * A SHA-256 over parameter names, dtypes, shapes and bytes (names sorted): equal hashes mean
 * bit-identical parameters.
 *
 * @example
 * hashParams(paramsA) === hashParams(paramsB); // true after an exact resume
 */
export function hashParams(params: Record<string, HostTensor>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(params).sort()) {
    const t = params[name];
    h.update(`${name}:${t.dtype}:[${t.shape.join(',')}];`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}
