// Advantage normalisation: ddpo-pytorch's PerPromptStatTracker (ddpo_pytorch/stat_tracking.py), which
// normalises each prompt's rewards by the mean/std of that prompt's recent rewards, and train.py's
// global normalisation used when per-prompt tracking is off.
import { PpoConfigError } from './errors.js';
import { npMean, npStd } from './numpy-stats.js';

/** Options of the per-prompt tracker (ddpo-pytorch config `per_prompt_stat_tracking`). */
export interface StatTrackerOptions {
  /** Rewards kept per prompt (a deque of this maxlen; oldest dropped). ddpo-pytorch default 16. */
  bufferSize: number;
  /** Below this many buffered rewards, the whole current batch's mean/std is used. Default 16. */
  minCount: number;
}

/** JSON-safe tracker state, for checkpoints. */
export interface StatTrackerState {
  bufferSize: number;
  minCount: number;
  /** Buffered rewards per prompt, oldest first, in first-seen prompt order. */
  buffers: { prompt: string; rewards: number[] }[];
}

/** What getStats() reports per prompt: buffer mean, population std (without the 1e-6) and count. */
export interface PromptStats {
  mean: number;
  std: number;
  count: number;
}

/**
 * Per-prompt reward normaliser, exactly as the reference: for each distinct prompt, its rewards from
 * this call enter its buffer FIRST; then if the buffer holds fewer than `minCount` rewards, the mean
 * and std of ALL rewards of this call are used, else the buffer's; advantage = (r - mean) / (std + 1e-6),
 * population std. Means and stds use NumPy's summation order, so results are bit-identical.
 *
 * @example
 * const tracker = new PerPromptStatTracker({ bufferSize: 16, minCount: 16 });
 * const adv = tracker.update(['cat', 'dog', 'cat'], [1.0, 0.5, 2.0]); // Float64Array [3]
 */
export class PerPromptStatTracker {
  readonly bufferSize: number;
  readonly minCount: number;
  private buffers = new Map<string, number[]>();

  constructor(options: StatTrackerOptions) {
    const { bufferSize, minCount } = options;
    if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) throw new PpoConfigError(`bufferSize is ${bufferSize}, expected an integer >= 1`);
    if (!Number.isSafeInteger(minCount) || minCount < 0) throw new PpoConfigError(`minCount is ${minCount}, expected an integer >= 0`);
    this.bufferSize = bufferSize;
    this.minCount = minCount;
  }

  /**
   * Advantages for one batch, in input order. Throws PpoConfigError (changing nothing) when the
   * lengths differ or a reward is not finite: a NaN would poison the prompt's buffer for good.
   */
  update(prompts: readonly string[], rewards: ArrayLike<number>): Float64Array {
    checkBatch(prompts, rewards);
    const all = Float64Array.from(rewards);
    const advantages = new Float64Array(all.length);
    for (const prompt of new Set(prompts)) {
      const idx = prompts.flatMap((p, i) => (p === prompt ? [i] : []));
      const buf = this.buffers.get(prompt) ?? [];
      buf.push(...idx.map((i) => all[i]));
      if (buf.length > this.bufferSize) buf.splice(0, buf.length - this.bufferSize);
      this.buffers.set(prompt, buf);
      const source = buf.length < this.minCount ? all : buf;
      const mean = npMean(source);
      const std = npStd(source) + 1e-6;
      for (const i of idx) advantages[i] = (all[i] - mean) / std;
    }
    return advantages;
  }

  /** Per prompt: the buffer's mean, population std and count (reference `get_stats()`). */
  getStats(): Record<string, PromptStats> {
    const out: Record<string, PromptStats> = {};
    for (const [prompt, buf] of this.buffers) {
      Object.defineProperty(out, prompt, { value: { mean: npMean(buf), std: npStd(buf), count: buf.length }, enumerable: true });
    }
    return out;
  }

  /** Forgets every prompt (reference `clear()`). */
  clear(): void {
    this.buffers = new Map();
  }

  /** JSON-safe state (numbers round-trip exactly through JSON). */
  state(): StatTrackerState {
    return { bufferSize: this.bufferSize, minCount: this.minCount, buffers: [...this.buffers].map(([prompt, rewards]) => ({ prompt, rewards: [...rewards] })) };
  }

  /**
   * Restores a tracker saved with `state()`.
   *
   * @example
   * const again = PerPromptStatTracker.fromState(JSON.parse(JSON.stringify(tracker.state())));
   */
  static fromState(state: StatTrackerState): PerPromptStatTracker {
    const t = new PerPromptStatTracker(state);
    if (!Array.isArray(state.buffers)) throw new PpoConfigError('state.buffers is not an array');
    for (const { prompt, rewards } of state.buffers) {
      if (typeof prompt !== 'string' || !Array.isArray(rewards) || !rewards.every(Number.isFinite)) {
        throw new PpoConfigError(`state.buffers entry for ${JSON.stringify(prompt)} is malformed; expected { prompt: string, rewards: finite number[] }`);
      }
      if (rewards.length > t.bufferSize) throw new PpoConfigError(`state.buffers '${prompt}' holds ${rewards.length} rewards, more than bufferSize ${t.bufferSize}`);
      t.buffers.set(prompt, [...rewards]);
    }
    return t;
  }
}

function checkBatch(prompts: readonly string[], rewards: ArrayLike<number>): void {
  if (prompts.length !== rewards.length) throw new PpoConfigError(`got ${prompts.length} prompts but ${rewards.length} rewards; expected one reward per prompt`);
  for (let i = 0; i < rewards.length; i++) {
    if (!Number.isFinite(rewards[i])) throw new PpoConfigError(`reward ${i} (prompt ${JSON.stringify(prompts[i])}) is ${rewards[i]}, expected a finite number`);
    if (typeof prompts[i] !== 'string') throw new PpoConfigError(`prompt ${i} is ${typeof prompts[i]}, expected a string`);
  }
}

/**
 * train.py's normalisation without per-prompt tracking: (r - mean) / (std + 1e-8), population std.
 *
 * @example
 * globalNormalize([1, 3]); // Float64Array [-0.99999999, 0.99999999]
 */
export function globalNormalize(rewards: ArrayLike<number>): Float64Array {
  if (rewards.length === 0) throw new PpoConfigError('globalNormalize: rewards is empty, expected at least one');
  const r = Float64Array.from(rewards);
  const mean = npMean(r);
  const std = npStd(r) + 1e-8;
  return r.map((x) => (x - mean) / std);
}
