// The RewardFn interface: an async function from images [B, 3, H, W] in [0, 1] and prompts to one
// finite reward per image, carrying a name and an optional preferred batch size. `defineReward` builds
// one; `callReward` splits a batch into preferred sizes and validates what comes back.
import { checkImages, sliceImages, type Images } from './images.js';
import { InvalidRewardError } from './errors.js';

/** Per-image metadata (one entry per image, e.g. the prompt's questions for a VQA reward). */
export type RewardMetadata = readonly unknown[];

/**
 * A reward function: `(images, prompts, metadata?) => Promise<Float64Array>`, one finite value per
 * image, plus `rewardName` (for logs and errors) and an optional preferred `batchSize`.
 *
 * @example
 * const r: RewardFn = jpegCompressibility();
 * const rewards = await callReward(r, images, prompts);
 */
export interface RewardFn {
  (images: Images, prompts: readonly string[], metadata?: RewardMetadata): Promise<Float64Array>;
  readonly rewardName: string;
  readonly batchSize?: number;
}

/** What a reward body may return: a Float64Array or plain numbers (converted). */
export type RewardBody = (images: Images, prompts: readonly string[], metadata?: RewardMetadata) => Promise<Float64Array | readonly number[]> | Float64Array | readonly number[];

/** Options of defineReward. */
export interface DefineRewardOptions {
  /** Preferred number of images per call; callReward splits larger batches. */
  batchSize?: number;
}

/**
 * Makes a RewardFn from a name and a body. The result validates its own output (length, finite
 * values) and throws InvalidRewardError naming the reward and the offending indices.
 *
 * @example
 * const brightness = defineReward('brightness', (images) => {
 *   const [b] = images.shape; const per = images.size / b;
 *   return Array.from({ length: b }, (_, i) => images.data.subarray(i * per, (i + 1) * per).reduce((s, v) => s + Number(v), 0) / per);
 * });
 */
export function defineReward(name: string, body: RewardBody, opts: DefineRewardOptions = {}): RewardFn {
  if (opts.batchSize !== undefined && !(Number.isInteger(opts.batchSize) && opts.batchSize > 0)) {
    throw new InvalidRewardError(name, 'type', `batchSize ${opts.batchSize} is not a positive integer`);
  }
  const fn = async (images: Images, prompts: readonly string[], metadata?: RewardMetadata): Promise<Float64Array> => {
    const { batch } = checkImages(images, `reward '${name}'`);
    const out = await body(images, prompts, metadata);
    return checkRewards(name, out, batch);
  };
  return Object.defineProperties(fn, {
    rewardName: { value: name, enumerable: true },
    batchSize: { value: opts.batchSize, enumerable: true },
  }) as RewardFn;
}

/**
 * Validates a reward's output: a Float64Array (or number array) of `expected` finite values.
 * Returns it as a Float64Array; throws InvalidRewardError otherwise. `offset` shifts the reported
 * indices (for a sub-batch starting at `offset`).
 *
 * @example
 * checkRewards('r', new Float64Array([1, NaN]), 2); // throws: non-finite values at indices [1]
 */
export function checkRewards(name: string, out: unknown, expected: number, offset = 0): Float64Array {
  let values: Float64Array;
  if (out instanceof Float64Array) values = out;
  else if (Array.isArray(out) && out.every((v) => typeof v === 'number')) values = Float64Array.from(out as number[]);
  else throw new InvalidRewardError(name, 'type', `returned ${describeValue(out)}, expected a Float64Array of ${expected} rewards`);
  if (values.length !== expected) {
    throw new InvalidRewardError(name, 'length', `returned ${values.length} rewards for ${expected} images (images ${offset}..${offset + expected - 1})`);
  }
  const bad: number[] = [];
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) bad.push(offset + i);
  });
  if (bad.length > 0) {
    const shown = bad.slice(0, 16).map((i) => `${i}: ${values[i - offset]}`).join(', ');
    throw new InvalidRewardError(name, 'non-finite', `returned non-finite rewards at indices [${bad.join(', ')}] (${shown})`, bad);
  }
  return values;
}

/**
 * Calls a reward on a whole batch: checks images and prompts, splits into the reward's preferred
 * `batchSize` (one call after another), validates every sub-batch and concatenates the rewards.
 *
 * @example
 * const rewards = await callReward(aesthetic, images, prompts); // Float64Array [B]
 */
export async function callReward(reward: RewardFn, images: Images, prompts: readonly string[], metadata?: RewardMetadata): Promise<Float64Array> {
  const name = reward.rewardName ?? '(unnamed)';
  const { batch } = checkImages(images, `reward '${name}'`);
  if (prompts.length !== batch) throw new InvalidRewardError(name, 'length', `got ${prompts.length} prompts for ${batch} images`);
  if (metadata !== undefined && metadata.length !== batch) throw new InvalidRewardError(name, 'length', `got ${metadata.length} metadata entries for ${batch} images`);
  const size = reward.batchSize !== undefined && reward.batchSize > 0 ? reward.batchSize : Math.max(batch, 1);
  const out = new Float64Array(batch);
  for (let start = 0; start < batch; start += size) {
    const end = Math.min(batch, start + size);
    const part = batch === end - start ? images : sliceImages(images, start, end);
    let values: unknown;
    try {
      values = await reward(part, prompts.slice(start, end), metadata?.slice(start, end));
    } catch (err) {
      throw start > 0 ? shiftIndices(err, start, end) : err;
    }
    out.set(checkRewards(name, values, end - start, start), start);
  }
  return out;
}

/** A reward that validated its own sub-batch reports local indices; make them batch indices. */
function shiftIndices(err: unknown, start: number, end: number): unknown {
  if (!(err instanceof InvalidRewardError) || err.kind !== 'non-finite') return err;
  const indices = err.indices.map((i) => i + start);
  return new InvalidRewardError(err.rewardName, err.kind, `returned non-finite rewards at indices [${indices.join(', ')}] (in the sub-batch of images ${start}..${end - 1})`, indices);
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array holding ${v.find((x) => typeof x !== 'number') === undefined ? 'numbers' : 'non-numbers'}`;
  return typeof v === 'object' ? `a ${(v as object).constructor?.name ?? 'object'}` : `${typeof v} ${String(v)}`;
}
