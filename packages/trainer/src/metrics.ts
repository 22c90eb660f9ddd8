// Per-epoch metrics: one JSON object per line (JSONL) in `metrics.jsonl`, appended as each epoch
// ends, so a crashed run keeps every finished epoch and any tool can read the file line by line.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@ddpo/optim';

/** What one epoch logs (ddpo-pytorch logs the same quantities to wandb). */
export interface EpochMetrics {
  epoch: number;
  algorithm: string;
  rewardMean: number;
  rewardStd: number;
  rewardMin: number;
  rewardMax: number;
  /** Mean training loss over the epoch's gradient computations (NaN when no step was taken). */
  loss: number;
  /** 0.5 * mean((logp - logp_old)^2) (DDPO only; 0 for RWR). */
  approxKl: number;
  /** Fraction of ratios outside [1 - clipRange, 1 + clipRange] (DDPO_IS only). */
  clipFraction: number;
  learningRate: number;
  /** Gradient norm before clipping, mean over optimizer steps. */
  gradNorm: number;
  optimizerSteps: number;
  /** Optimizer steps refused because a loss or gradient was NaN/Inf. */
  skippedSteps: number;
  /** Why the epoch or some of its steps were refused, when they were. */
  skipped?: string;
  secondsSampling: number;
  secondsRewarding: number;
  secondsTraining: number;
  /** Reward queries (images scored) so far, this epoch's included. */
  rewardQueries: number;
  /** Prompt fidelity of this epoch's samples (only when the trainer has a FidelityFn). */
  promptFidelity?: number;
}

/**
 * Summary statistics of rewards: mean, population std, min, max (NaN-free input expected).
 *
 * @example
 * rewardStats(new Float64Array([1, 2, 3])); // { mean: 2, std: 0.816..., min: 1, max: 3 }
 */
export function rewardStats(r: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < r.length; i++) {
    sum += r[i];
    min = Math.min(min, r[i]);
    max = Math.max(max, r[i]);
  }
  const mean = sum / r.length;
  let sq = 0;
  for (let i = 0; i < r.length; i++) sq += (r[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / r.length), min, max };
}

/** JSON.stringify that writes non-finite numbers as null (JSON has no NaN) . */
function toJsonLine(m: object): string {
  return JSON.stringify(m, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

/**
 * Appends one JSON line per epoch to a file.
 *
 * @example
 * const w = new MetricsWriter('runs/a/metrics.jsonl');
 * w.reset([]);                 // start a fresh file
 * w.append({ epoch: 0, ... }); // one line
 */
export class MetricsWriter {
  constructor(readonly file: string) {}

  /** Rewrites the file with exactly these records (used on start and on resume). */
  reset(records: readonly object[]): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomicSync(this.file, Buffer.from(records.map((r) => toJsonLine(r) + '\n').join(''), 'utf8'));
  }

  /** Appends one record as one line. */
  append(record: object): void {
    fs.appendFileSync(this.file, toJsonLine(record) + '\n');
  }
}

/**
 * Reads a JSONL metrics file (nulls stay null: they were non-finite numbers).
 *
 * @example
 * const epochs = readMetrics('runs/a/metrics.jsonl');
 * epochs.map((e) => e.rewardMean);
 */
export function readMetrics(file: string): EpochMetrics[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as EpochMetrics);
}
