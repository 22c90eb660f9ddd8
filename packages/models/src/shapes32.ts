// shapes-32: procedural 32x32 RGB images of one anti-aliased shape on a muted background
// (docs/tiny-unet-32.md). Image k of a seed is a pure function of (seed, k): it draws from its own
// Philox stream `new Rng(seed).fork(k)`, so any slice of the infinite data set can be regenerated.
import { DdpoError, HostTensor, Rng } from '@ddpo/tensor';
import { drawBackground, drawShape, type RGB } from './raster.js';
import { COLOURS, PROMPTS, promptIndex, promptParts, type Colour } from './prompts.js';

/** Side of a shapes-32 image, in pixels. */
export const SHAPES32_SIZE = 32;

/** Options of {@link generateShapes32}. */
export interface Shapes32Options {
  /** Seed of the data set. */
  seed: number;
  /** Number of images. */
  count: number;
  /** Index of the first image in the seed's stream (default 0): image i is stream image start + i. */
  start?: number;
  /**
   * Prompts (indices or strings), cycled over the images: `[0]` gives only red circles. Default:
   * each image draws its prompt uniformly from the 16.
   */
  prompts?: readonly (number | string)[];
}

/** A batch of shapes-32: images [N, 3, 32, 32] float32 in [-1, 1] and their prompt indices. */
export interface Shapes32Batch {
  images: HostTensor<'float32'>;
  prompts: Int32Array;
}

/** Invalid options given to the shapes-32 generator. */
export class Shapes32Error extends DdpoError {}

// Hue (degrees) of each colour: yellow sits at 52 so that hue jitter never reaches green or red.
const BASE_HUE: Record<Colour, number> = { red: 0, green: 122, blue: 222, yellow: 52 };

/** HSV (h in degrees, s and v in [0, 1]) to RGB in [0, 1]. */
export function hsvToRgb(h: number, s: number, v: number): RGB {
  const hh = (((h % 360) + 360) % 360) / 60;
  const c = v * s;
  const x = c * (1 - Math.abs((hh % 2) - 1));
  const m = v - c;
  const k = Math.floor(hh);
  const [r, g, b] = k === 0 ? [c, x, 0] : k === 1 ? [x, c, 0] : k === 2 ? [0, c, x] : k === 3 ? [0, x, c] : k === 4 ? [x, 0, c] : [c, 0, x];
  return [r + m, g + m, b + m];
}

/** The shape's colour: the prompt colour with hue, saturation and brightness jitter. */
function shapeColour(colour: Colour, u: Float32Array): RGB {
  const hue = BASE_HUE[colour] + (u[0] - 0.5) * 16;
  const sat = colour === 'yellow' ? 0.8 + 0.2 * u[1] : 0.7 + 0.3 * u[1];
  const val = colour === 'yellow' ? 0.85 + 0.15 * u[2] : 0.7 + 0.3 * u[2];
  return hsvToRgb(hue, sat, val);
}

/** Resolves the prompt of stream image k. */
function promptOf(opts: Shapes32Options, i: number, u: number): number {
  if (opts.prompts === undefined) return Math.min(PROMPTS.length - 1, Math.floor(u * PROMPTS.length));
  const p = opts.prompts[i % opts.prompts.length];
  const idx = typeof p === 'string' ? promptIndex(p) : p;
  promptParts(idx); // validates the index
  return idx;
}

function checkOptions(opts: Shapes32Options): void {
  if (!Number.isInteger(opts.count) || opts.count < 0) throw new Shapes32Error(`generateShapes32: count must be a non-negative integer, got ${opts.count}`);
  const start = opts.start ?? 0;
  if (!Number.isInteger(start) || start < 0) throw new Shapes32Error(`generateShapes32: start must be a non-negative integer, got ${start}`);
  if (opts.prompts !== undefined && opts.prompts.length === 0) throw new Shapes32Error('generateShapes32: prompts is empty; omit it to draw prompts at random');
}

/**
 * Draws `count` shapes-32 images, deterministic for (seed, start + i).
 *
 * @example
 * const { images, prompts } = generateShapes32({ seed: 1, count: 8 });
 * images.shape; // [8, 3, 32, 32], values in [-1, 1]
 * const reds = generateShapes32({ seed: 1, count: 4, prompts: ['red circle'] });
 */
export function generateShapes32(opts: Shapes32Options): Shapes32Batch {
  checkOptions(opts);
  const n = opts.count;
  const S = SHAPES32_SIZE;
  const images = new Float32Array(n * 3 * S * S);
  const prompts = new Int32Array(n);
  const root = new Rng(opts.seed);
  for (let i = 0; i < n; i++) {
    const rng = root.fork((opts.start ?? 0) + i);
    const u = rng.uniform([32]).data as Float32Array;
    const p = promptOf(opts, i, u[0]);
    prompts[i] = p;
    const { colour, shape } = promptParts(p);
    const plane = images.subarray(i * 3 * S * S, (i + 1) * 3 * S * S);
    drawBackground(plane, S, u.subarray(1, 12), rng);
    drawShape(plane, S, shape, shapeColour(colour, u.subarray(12, 15)), u.subarray(15, 22));
    for (let j = 0; j < plane.length; j++) plane[j] = plane[j] * 2 - 1;
  }
  return { images: new HostTensor('float32', [n, 3, S, S], images), prompts };
}

/** Colour names, re-exported for grids and docs. */
export const SHAPES32_COLOURS = COLOURS;
