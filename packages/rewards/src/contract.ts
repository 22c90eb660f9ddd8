// The RewardFn contract (as diffusers' SchedulerCommonTest is for schedulers): every reward must give
// one finite value per image, the same values on every call and from a fresh instance, and values that
// do not depend on which other images share the batch, nor on how callReward splits it. The checks are
// plain async functions, so any test runner can register them (`for (const c of cases) it(c.name, c.run)`).
import { HostTensor, Rng } from '@ddpo/tensor';
import { RewardContractError } from './errors.js';
import { sliceImages, type Images } from './images.js';
import { callReward, type RewardFn, type RewardMetadata } from './reward.js';

/** Options of rewardContract. */
export interface RewardContractOptions {
  /** Images to test with (default: contractImages()). */
  images?: Images;
  /** Prompts (default 'a photo of a cat', 'a photo of a dog', ...). */
  prompts?: readonly string[];
  /** Per-image metadata, if the reward needs some. */
  metadata?: RewardMetadata;
  /** Largest tolerated |difference| between calls that should agree (default 0: exact); float32 encoders may need ~1e-5. */
  tolerance?: number;
}

/** One named contract check; `run` rejects with a RewardContractError on a violation. */
export interface RewardContractCase {
  name: string;
  run: () => Promise<void>;
}

/**
 * Four deterministic test images [4, 3, size, size] (float32): uniform noise, a smooth gradient, a flat
 * mid-grey (127.5: exactly between two bytes) and values outside [0, 1] that must be clamped.
 *
 * @example
 * const images = contractImages(); // HostTensor float32 [4, 3, 32, 32]
 */
export function contractImages(size = 32, seed = 20240611): HostTensor<'float32'> {
  const plane = size * size;
  const noise = new Rng(seed).uniform([2 * 3 * plane]).data;
  const data = new Float32Array(4 * 3 * plane);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < plane; p++) {
      const x = p % size;
      const y = Math.floor(p / size);
      data[(0 * 3 + c) * plane + p] = noise[c * plane + p];
      data[(1 * 3 + c) * plane + p] = (x + y * (c + 1)) / (size * (c + 2));
      data[(2 * 3 + c) * plane + p] = 0.5;
      data[(3 * 3 + c) * plane + p] = 1.5 * noise[(3 + c) * plane + p] - 0.25;
    }
  }
  return new HostTensor('float32', [4, 3, size, size], data);
}

/**
 * The contract checks for a reward; `makeReward` is called for each check (and twice for the
 * fresh-instance check), so stateful rewards are caught.
 *
 * @example
 * describe('my reward', () => { for (const c of rewardContract(() => myReward())) it(c.name, c.run); });
 */
export function rewardContract(makeReward: () => RewardFn, opts: RewardContractOptions = {}): RewardContractCase[] {
  const images = opts.images ?? contractImages();
  const batch = images.shape[0];
  const prompts = opts.prompts ?? Array.from({ length: batch }, (_, i) => `a photo of a ${['cat', 'dog', 'horse', 'llama'][i % 4]}`);
  const ctx: Ctx = { makeReward, images, batch, prompts, metadata: opts.metadata, tol: opts.tolerance ?? 0 };
  return [
    { name: 'has a name and a valid preferred batch size', run: async () => checkIdentity(makeReward()) },
    { name: 'returns one finite value per image (a Float64Array)', run: () => checkOutput(ctx) },
    { name: 'is deterministic (same call twice, and a fresh instance)', run: () => checkDeterminism(ctx) },
    { name: 'is batch-independent (each image alone, and the batch reversed)', run: () => checkBatchIndependence(ctx) },
    {
      name: 'gives the same values through callReward (split into preferred batches)',
      run: async () => {
        const r = makeReward();
        compare(r.rewardName, 'callReward', await direct(ctx, r), await callReward(r, images, prompts, opts.metadata), ctx.tol, 'callReward');
      },
    },
  ];
}

/** What every check needs. */
interface Ctx {
  makeReward: () => RewardFn;
  images: Images;
  batch: number;
  prompts: readonly string[];
  metadata: RewardMetadata | undefined;
  tol: number;
}

/** Calls the reward itself (not callReward) on images from..to-1. */
function direct(ctx: Ctx, r: RewardFn, from = 0, to = ctx.batch): Promise<Float64Array> {
  const part = from === 0 && to === ctx.batch ? ctx.images : sliceImages(ctx.images, from, to);
  return r(part, ctx.prompts.slice(from, to), ctx.metadata?.slice(from, to));
}

async function checkOutput(ctx: Ctx): Promise<void> {
  const r = ctx.makeReward();
  const out: unknown = await direct(ctx, r);
  if (!(out instanceof Float64Array)) throw new RewardContractError(r.rewardName, 'length', `returned ${Object.prototype.toString.call(out)}, expected a Float64Array`);
  if (out.length !== ctx.batch) throw new RewardContractError(r.rewardName, 'length', `returned ${out.length} values for ${ctx.batch} images`);
  const bad = Array.from(out.keys()).filter((i) => !Number.isFinite(out[i]));
  if (bad.length > 0) throw new RewardContractError(r.rewardName, 'finite values', `non-finite values at indices [${bad.join(', ')}]`);
}

async function checkDeterminism(ctx: Ctx): Promise<void> {
  const r = ctx.makeReward();
  const first = await direct(ctx, r);
  compare(r.rewardName, 'determinism', first, await direct(ctx, r), ctx.tol, 'second call');
  compare(r.rewardName, 'determinism', first, await direct(ctx, ctx.makeReward()), ctx.tol, 'fresh instance');
}

async function checkBatchIndependence(ctx: Ctx): Promise<void> {
  const r = ctx.makeReward();
  const full = await direct(ctx, r);
  const alone = new Float64Array(ctx.batch);
  for (let i = 0; i < ctx.batch; i++) alone[i] = (await direct(ctx, r, i, i + 1))[0];
  compare(r.rewardName, 'batch independence', full, alone, ctx.tol, 'images scored one at a time');
  const reversed = await r(reverseBatch(ctx.images), [...ctx.prompts].reverse(), ctx.metadata ? [...ctx.metadata].reverse() : undefined);
  compare(r.rewardName, 'batch independence', full, reversed.slice().reverse(), ctx.tol, 'batch in reverse order');
}

function checkIdentity(r: RewardFn): void {
  if (typeof r !== 'function') throw new RewardContractError(String(r), 'identity', 'is not a function');
  if (typeof r.rewardName !== 'string' || r.rewardName.length === 0) throw new RewardContractError('(unnamed)', 'identity', `rewardName is ${JSON.stringify(r.rewardName)}, expected a non-empty string`);
  if (r.batchSize !== undefined && !(Number.isInteger(r.batchSize) && r.batchSize > 0)) {
    throw new RewardContractError(r.rewardName, 'identity', `batchSize is ${r.batchSize}, expected undefined or a positive integer`);
  }
}

function compare(name: string, check: string, want: Float64Array, got: Float64Array, tol: number, what: string): void {
  if (got.length !== want.length) throw new RewardContractError(name, check, `${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol)) throw new RewardContractError(name, check, `${what}: image ${i} scored ${got[i]}, first ${want[i]} (tolerance ${tol})`);
  }
}

function reverseBatch(images: Images): Images {
  const b = images.shape[0];
  const per = images.size / b;
  const out = images.clone();
  for (let i = 0; i < b; i++) out.data.set(images.data.subarray(i * per, (i + 1) * per) as never, (b - 1 - i) * per);
  return out;
}
