// The procedural rater: a STAND-IN FOR HUMAN RATINGS, not a model of human taste. It is a documented,
// deterministic function of a shapes-32 image that prefers a large, centred, saturated, high-contrast
// shape on a flat background, plus seeded per-image rater noise, giving 1..10 ratings like the
// AVA-style scores the LAION aesthetic predictor was fitted to. It exists so that the seed workflow
// (ratings -> reward model -> DDPO) runs offline end to end; see README-classifier-and-rewards.md.
import { DdpoError, HostTensor, Rng } from '@ddpo/tensor';
import { generateShapes32 } from './shapes32.js';

/** The five rated properties of one image, each in [0, 1] (1 = what the rater likes). */
export interface Shapes32RaterComponents {
  /** Shape area: 0 below 2% of the image, 1 from 30% to 45%, back to 0 at 80% (a shape, not a filled frame). */
  size: number;
  /** Closeness of the shape's centroid to the image centre: 1 at the centre, 0 from 11 px away. */
  centred: number;
  /** Mean HSV saturation of the shape: 0 at <= 0.4, 1 at 1. */
  saturation: number;
  /** |luminance(shape) - luminance(background)|: 0 at 0, 1 from 0.5. */
  contrast: number;
  /** Flat background: 1 at pixel std 0, 0 from std 0.12 (gradients and texture score lower). 0 with no background. */
  flatness: number;
}

/** Weights of the components in the quality score (they sum to 1). */
export const RATER_WEIGHTS: Readonly<Shapes32RaterComponents> = Object.freeze({ size: 0.3, centred: 0.25, saturation: 0.15, contrast: 0.15, flatness: 0.15 });

/** Images that are not [N, 3, 32, 32] float. */
export class RaterInputError extends DdpoError {}

const S = 32;
const PLANE = S * S;
const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Checks [N, 3, 32, 32] float images; returns N. */
export function checkShapes32Images(images: HostTensor, where: string): number {
  const s = images.shape;
  if (s.length !== 4 || s[1] !== 3 || s[2] !== S || s[3] !== S || (images.dtype !== 'float32' && images.dtype !== 'float64')) {
    throw new RaterInputError(`${where}: images are ${images.dtype} [${s.join(', ')}], expected float [N, 3, 32, 32] in [-1, 1]`);
  }
  return s[0];
}

/** Per-pixel RGB in [0, 1] (from [-1, 1]), chroma max - min, HSV saturation and luminance of image i. */
export function pixelStats(images: HostTensor, i: number): { r: Float64Array; g: Float64Array; b: Float64Array; chroma: Float64Array; sat: Float64Array; luma: Float64Array } {
  const d = images.data as Float32Array | Float64Array;
  const o = i * 3 * PLANE;
  const r = new Float64Array(PLANE), g = new Float64Array(PLANE), b = new Float64Array(PLANE);
  const chroma = new Float64Array(PLANE), sat = new Float64Array(PLANE), luma = new Float64Array(PLANE);
  for (let p = 0; p < PLANE; p++) {
    r[p] = clamp01((d[o + p] + 1) / 2);
    g[p] = clamp01((d[o + PLANE + p] + 1) / 2);
    b[p] = clamp01((d[o + 2 * PLANE + p] + 1) / 2);
    const mx = Math.max(r[p], g[p], b[p]), mn = Math.min(r[p], g[p], b[p]);
    chroma[p] = mx - mn;
    sat[p] = mx > 1e-6 ? (mx - mn) / mx : 0;
    luma[p] = 0.299 * r[p] + 0.587 * g[p] + 0.114 * b[p]; // ITU-R BT.601 luma
  }
  return { r, g, b, chroma, sat, luma };
}

/**
 * Soft shape mask from chroma: shapes-32 backgrounds are muted (chroma <= 0.18) and shapes
 * saturated (chroma >= 0.49), so the mask ramps from 0 at chroma 0.22 to 1 at 0.42.
 */
export function shapeMask(chroma: Float64Array): Float64Array {
  return chroma.map((c) => clamp01((c - 0.22) / 0.2));
}

/** Background pixels: no pixel of the 3x3 neighbourhood is touched by the mask (anti-aliased edges excluded). */
function backgroundWeights(mask: Float64Array): Float64Array {
  const w = new Float64Array(PLANE);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let touched = false;
      for (let dy = -1; dy <= 1 && !touched; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < S && xx >= 0 && xx < S && mask[yy * S + xx] > 0) {
            touched = true;
            break;
          }
        }
      }
      w[y * S + x] = touched ? 0 : 1;
    }
  }
  return w;
}

function weightedMean(v: Float64Array, w: Float64Array): number {
  let s = 0, n = 0;
  for (let p = 0; p < PLANE; p++) {
    s += v[p] * w[p];
    n += w[p];
  }
  return n > 0 ? s / n : 0;
}

function weightedStd(v: Float64Array, w: Float64Array): number {
  const m = weightedMean(v, w);
  return Math.sqrt(weightedMean(v.map((x) => (x - m) * (x - m)), w));
}

/**
 * The five rated properties of each image (images [N, 3, 32, 32] in [-1, 1]).
 *
 * @example
 * const [c] = shapes32RaterComponents(generateShapes32({ seed: 0, count: 1 }).images); // c.size, c.centred, ...
 */
export function shapes32RaterComponents(images: HostTensor): Shapes32RaterComponents[] {
  const n = checkShapes32Images(images, 'shapes32RaterComponents');
  const out: Shapes32RaterComponents[] = [];
  for (let i = 0; i < n; i++) {
    const px = pixelStats(images, i);
    const m = shapeMask(px.chroma);
    const area = m.reduce((a, v) => a + v, 0) / PLANE;
    let cx = 0, cy = 0;
    for (let p = 0; p < PLANE; p++) {
      cx += m[p] * (p % S);
      cy += m[p] * Math.floor(p / S);
    }
    const present = area > 0.005;
    const dist = present ? Math.hypot(cx / (area * PLANE) - (S - 1) / 2, cy / (area * PLANE) - (S - 1) / 2) : Infinity;
    const bg = backgroundWeights(m);
    const flatStd = (weightedStd(px.r, bg) + weightedStd(px.g, bg) + weightedStd(px.b, bg)) / 3;
    // Contrast and flatness need a background to measure: at least 5% of the image.
    const hasBg = bg.reduce((a, v) => a + v, 0) >= 0.05 * PLANE;
    out.push({
      size: area <= 0.45 ? clamp01((area - 0.02) / 0.28) : clamp01((0.8 - area) / 0.35),
      centred: present ? clamp01(1 - dist / 11) : 0,
      saturation: present ? clamp01((weightedMean(px.sat, m) - 0.4) / 0.6) : 0,
      contrast: present && hasBg ? clamp01(Math.abs(weightedMean(px.luma, m) - weightedMean(px.luma, bg)) / 0.5) : 0,
      flatness: hasBg ? clamp01(1 - flatStd / 0.12) : 0,
    });
  }
  return out;
}

/**
 * Noise-free quality in [0, 1]: the RATER_WEIGHTS-weighted sum of the components.
 *
 * @example
 * const q = shapes32Quality(images); // Float64Array [N]
 */
export function shapes32Quality(images: HostTensor): Float64Array {
  const w = RATER_WEIGHTS;
  return Float64Array.from(shapes32RaterComponents(images), (c) =>
    w.size * c.size + w.centred * c.centred + w.saturation * c.saturation + w.contrast * c.contrast + w.flatness * c.flatness);
}

/** Options of {@link rateShapes32}. */
export interface RateShapes32Options {
  /** Seed of the rater noise (default 0). Image i's noise comes from stream `start + i`. */
  seed?: number;
  /** Stream index of the first image (default 0). */
  start?: number;
  /** Virtual raters averaged per image (default 5), as AVA scores are means of many votes. */
  raters?: number;
  /** Std of each rater's disagreement, in rating points (default 1.2). */
  noise?: number;
}

/**
 * Procedural ratings in [1, 10] (a stand-in for human ratings): each of `raters` virtual raters
 * votes round(clamp(1 + 9 q + N(0, noise^2), 1, 10)) with q = shapes32Quality, and the rating is
 * their mean. Deterministic for (seed, start + i); noise 0 gives the rounded 1 + 9 q.
 *
 * @example
 * const ratings = rateShapes32(generateShapes32({ seed: 3, count: 8 }).images, { seed: 1 }); // values in [1, 10]
 */
export function rateShapes32(images: HostTensor, opts: RateShapes32Options = {}): Float64Array {
  const raters = opts.raters ?? 5;
  const noise = opts.noise ?? 1.2;
  if (!Number.isInteger(raters) || raters < 1 || !(noise >= 0)) {
    throw new RaterInputError(`rateShapes32: raters ${raters} must be a positive integer and noise ${noise} >= 0`);
  }
  const q = shapes32Quality(images);
  const root = new Rng(opts.seed ?? 0);
  return q.map((qi, i) => {
    const eps = root.fork((opts.start ?? 0) + i).normal([raters], 'float64').data;
    let s = 0;
    for (let k = 0; k < raters; k++) s += Math.round(Math.min(10, Math.max(1, 1 + 9 * qi + noise * eps[k])));
    return s / raters;
  });
}

/** Options of {@link shapes32RatingsDataset}. */
export interface Shapes32RatingsOptions {
  /** Seed of the images and of their random variation. */
  seed: number;
  count: number;
  /** Seed of the rater noise (default: `seed`). */
  raterSeed?: number;
  /** Apply the random variation (default true); false rates plain generator images. */
  vary?: boolean;
}

/** Box blur 3x3 of the CHW image at offset `o` of `x`, in place (edges average the pixels that exist). */
export function blur3(x: Float32Array, o: number): void {
  const src = x.slice(o, o + 3 * PLANE);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < S; y++) {
      for (let xx = 0; xx < S; xx++) {
        let s = 0, n = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xq = xx + dx;
          if (yy >= 0 && yy < S && xq >= 0 && xq < S) {
            s += src[c * PLANE + yy * S + xq];
            n++;
          }
        }
        x[o + c * PLANE + y * S + xx] = s / n;
      }
    }
  }
}

/**
 * Random variation of image i (in [-1, 1], in place), each part with probability 1/2 except noise
 * (0.35) and blur (0.2): desaturation/oversaturation toward the pixel's luma (factor 0.3..1.3),
 * contrast 0.6..1.2 and brightness +-0.1, Gaussian noise (std up to 0.08 in [0, 1] units), 3x3 blur.
 * So the ratings cover images a generator or a fine-tuned model may make, not only clean ones.
 */
function vary(x: Float32Array, i: number, rng: Rng): void {
  const u = rng.uniform([9], 'float64').data;
  const o = i * 3 * PLANE;
  const satK = u[0] < 0.5 ? 0.3 + u[1] : 1;
  const con = u[2] < 0.5 ? 0.6 + 0.6 * u[3] : 1;
  const bri = u[2] < 0.5 ? 0.2 * (u[4] - 0.5) : 0;
  const sigma = u[5] < 0.35 ? 0.08 * u[6] : 0;
  const noise = sigma > 0 ? (rng.normal([3 * PLANE], 'float64').data as Float64Array) : null;
  for (let p = 0; p < PLANE; p++) {
    const rgb = [0, 1, 2].map((c) => (x[o + c * PLANE + p] + 1) / 2);
    const y = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
    for (let c = 0; c < 3; c++) {
      let v = y + satK * (rgb[c] - y);
      v = (v - 0.5) * con + 0.5 + bri + (noise ? sigma * noise[c * PLANE + p] : 0);
      x[o + c * PLANE + p] = 2 * clamp01(v) - 1;
    }
  }
  if (u[7] < 0.2) blur3(x, o);
}

/**
 * The procedural ratings data set: `count` shapes-32 images (generator seed `seed`) with random
 * variation, each rated by {@link rateShapes32}. Ratings come from the procedural rater, a stand-in
 * for human ratings.
 *
 * @example
 * const { images, ratings } = shapes32RatingsDataset({ seed: 11, count: 4000 });
 */
export function shapes32RatingsDataset(opts: Shapes32RatingsOptions): { images: HostTensor<'float32'>; prompts: Int32Array; ratings: Float64Array } {
  const { images, prompts } = generateShapes32({ seed: opts.seed, count: opts.count });
  if (opts.vary ?? true) {
    const root = new Rng(opts.seed).fork(3_000_000_000);
    for (let i = 0; i < opts.count; i++) vary(images.data, i, root.fork(i));
  }
  return { images, prompts, ratings: rateShapes32(images, { seed: opts.raterSeed ?? opts.seed }) };
}
