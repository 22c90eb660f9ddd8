// The default aesthetic reward when no CLIP files are given: fixed hand-made features of a shapes-32
// image (`shapes32Features`: pooled chroma, colour and edge maps, colour statistics, histograms) and
// a linear ridge head fitted with @ddpo/rewards' trainRewardHead on the PROCEDURAL ratings of
// rater.ts. It is a stand-in trained on procedural ratings, not LAION's aesthetic predictor, and it
// says so once per process when first used.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyHead, defineReward, headFromSafetensors, type RewardFn, type RewardHead } from '@ddpo/rewards';
import { DdpoError, HostTensor } from '@ddpo/tensor';
import { checkShapes32Images, pixelStats } from './rater.js';

/** Default location of the shipped reward head. */
export const SHAPES32_REWARD_HEAD_WEIGHTS = fileURLToPath(new URL('../weights/shapes32-reward-head.safetensors', import.meta.url));

/** The notice printed once when the default reward is first used. */
export const SHAPES32_REWARD_NOTICE =
  "shapes32_aesthetic: this is a stand-in reward model trained on PROCEDURAL ratings of shapes-32 images (a rater that prefers large, " +
  "centred, saturated, high-contrast shapes on flat backgrounds), not LAION's aesthetic predictor; give CLIP encoder and head files for that.";

/** The reward head file is missing or unreadable. */
export class RewardModelError extends DdpoError {}

const S = 32;
const PLANE = S * S;
/** Width of the feature vector. */
export const SHAPES32_FEATURE_DIM = 64 + 48 + 16 + 12 + 24 + 6 + 2;

/** Mean of v over k x k blocks of the 32 x 32 plane, row-major [32/k * 32/k]. */
function pool(v: Float64Array, k: number): number[] {
  const n = S / k;
  const out = new Array<number>(n * n).fill(0);
  for (let p = 0; p < PLANE; p++) out[Math.floor(Math.floor(p / S) / k) * n + Math.floor((p % S) / k)] += v[p] / (k * k);
  return out;
}

function meanStd(v: Float64Array): [number, number] {
  const m = v.reduce((a, x) => a + x, 0) / v.length;
  return [m, Math.sqrt(v.reduce((a, x) => a + (x - m) * (x - m), 0) / v.length)];
}

/** Share of values in each of `bins` equal bins of [0, 1]. */
function histogram(v: Float64Array, bins: number): number[] {
  const h = new Array<number>(bins).fill(0);
  for (const x of v) h[Math.min(bins - 1, Math.floor(x * bins))] += 1 / v.length;
  return h;
}

/** Luma gradient magnitude (central differences, edges clamped). */
function gradientMagnitude(luma: Float64Array): Float64Array {
  const at = (x: number, y: number) => luma[Math.min(S - 1, Math.max(0, y)) * S + Math.min(S - 1, Math.max(0, x))];
  const out = new Float64Array(PLANE);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) out[y * S + x] = Math.hypot(at(x + 1, y) - at(x - 1, y), at(x, y + 1) - at(x, y - 1)) / 2;
  return out;
}

/** Share of the image's chroma in 6 rings around the centre (width 4 px; the last takes the corners). */
function radialProfile(chroma: Float64Array): number[] {
  const out = new Array<number>(6).fill(0);
  let total = 1e-9;
  for (let p = 0; p < PLANE; p++) {
    const r = Math.hypot((p % S) - 15.5, Math.floor(p / S) - 15.5);
    out[Math.min(5, Math.floor(r / 4))] += chroma[p];
    total += chroma[p];
  }
  return out.map((v) => v / total);
}

/** Std of the 124 border pixels (mean over channels) and their mean chroma. */
function borderStats(px: ReturnType<typeof pixelStats>): number[] {
  const idx: number[] = [];
  for (let k = 0; k < S; k++) idx.push(k, (S - 1) * S + k, k * S, k * S + S - 1);
  const pick = (v: Float64Array) => Float64Array.from(new Set(idx), (p) => v[p]);
  const std = (meanStd(pick(px.r))[1] + meanStd(pick(px.g))[1] + meanStd(pick(px.b))[1]) / 3;
  return [std, meanStd(pick(px.chroma))[0]];
}

/**
 * Fixed features of shapes-32 images ([N, 3, 32, 32] in [-1, 1]) -> float64 [N, 172]: 8x8-pooled
 * chroma (64), 4x4-pooled RGB (48), 4x4-pooled luma gradient magnitude (16), mean and std of R, G,
 * B, chroma, saturation and luma (12), 8-bin histograms of chroma, saturation and luma (24), the
 * radial chroma profile (6) and border statistics (2). No learned part: the reward head is linear on these.
 *
 * @example
 * const x = shapes32Features(generateShapes32({ seed: 0, count: 4 }).images); // [4, 172]
 */
export function shapes32Features(images: HostTensor): HostTensor<'float64'> {
  const n = checkShapes32Images(images, 'shapes32Features');
  const out = new Float64Array(n * SHAPES32_FEATURE_DIM);
  for (let i = 0; i < n; i++) {
    const px = pixelStats(images, i);
    const row = [
      ...pool(px.chroma, 4),
      ...pool(px.r, 8), ...pool(px.g, 8), ...pool(px.b, 8),
      ...pool(gradientMagnitude(px.luma), 8),
      ...[px.r, px.g, px.b, px.chroma, px.sat, px.luma].flatMap(meanStd),
      ...histogram(px.chroma, 8), ...histogram(px.sat, 8), ...histogram(px.luma, 8),
      ...radialProfile(px.chroma),
      ...borderStats(px),
    ];
    out.set(row, i * SHAPES32_FEATURE_DIM);
  }
  return new HostTensor('float64', [n, SHAPES32_FEATURE_DIM], out);
}

/**
 * Reads the reward head (default: the shipped file).
 *
 * @example
 * const head = loadShapes32RewardHead();
 */
export function loadShapes32RewardHead(path: string = SHAPES32_REWARD_HEAD_WEIGHTS): RewardHead {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new RewardModelError(`loadShapes32RewardHead: cannot read '${path}' (${(e as Error).message}); train it with 'npx tsx packages/models/src/bin/train-reward-model.ts'`);
  }
  const head = headFromSafetensors(bytes);
  if (head.layers[0].weight.shape[1] !== SHAPES32_FEATURE_DIM) {
    throw new RewardModelError(`loadShapes32RewardHead: the head in '${path}' takes ${head.layers[0].weight.shape[1]} features, expected ${SHAPES32_FEATURE_DIM}`);
  }
  return head;
}

/** Options of {@link shapes32AestheticReward}. */
export interface Shapes32AestheticRewardOptions {
  /** Head file (default: the shipped one) or a head. */
  head?: string | RewardHead;
  /** Where the one-time notice goes (default console.warn, once per process; a function hears it once per reward); false silences it. */
  notice?: false | ((message: string) => void);
}

let noticeShown = false;

/**
 * The shapes-32 aesthetic reward (a RewardFn: images [B, 3, H, W] in [0, 1] -> ratings, about 1..10):
 * `head(shapes32Features(2 x - 1))`. A STAND-IN trained on procedural ratings, not LAION's aesthetic
 * predictor; on first use it prints a notice that says so (once per process).
 *
 * @example
 * const reward = shapes32AestheticReward();
 * const scores = await reward(images01, prompts); // Float64Array, higher = closer to the rater's taste
 */
export function shapes32AestheticReward(opts: Shapes32AestheticRewardOptions = {}): RewardFn {
  let head: RewardHead | undefined = typeof opts.head === 'object' ? opts.head : undefined;
  let told = false;
  return defineReward('shapes32_aesthetic', (images) => {
    // A custom sink hears the notice once per reward; the console once per process.
    if (opts.notice !== undefined && opts.notice !== false && !told) opts.notice(SHAPES32_REWARD_NOTICE);
    else if (opts.notice === undefined && !noticeShown) console.warn(SHAPES32_REWARD_NOTICE);
    told = true;
    if (opts.notice === undefined) noticeShown = true;
    head ??= loadShapes32RewardHead(typeof opts.head === 'string' ? opts.head : undefined);
    const src = images.data as Float32Array | Float64Array;
    const scaled = new HostTensor('float32', images.shape, Float32Array.from(src, (v) => 2 * v - 1));
    return applyHead(head, shapes32Features(scaled));
  });
}
