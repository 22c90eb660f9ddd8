// Bicubic resizing of 8-bit RGB images, bit-exact with Pillow's `Image.resize(size, BICUBIC)`
// (libImaging/Resample.c, Pillow 9.x): a separable filter (Keys cubic, a = -0.5) widened by the scale
// factor when shrinking (antialiasing), coefficients normalised then turned to 22-bit fixed point,
// horizontal pass first, each pass rounded and clipped to uint8. CLIP's image processor resizes this way.
import type { RgbImage } from './images.js';

/** Pillow's PRECISION_BITS for 8-bit images: 32 - 8 - 2. */
const PRECISION_BITS = 22;
const FIXED_ONE = 2 ** PRECISION_BITS;
const BICUBIC_SUPPORT = 2;

/** Keys' cubic convolution kernel with a = -0.5 (Pillow's bicubic_filter). */
function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** Per output pixel: first input index, tap count and fixed-point weights (Pillow's precompute_coeffs + normalize_coeffs_8bpc). */
interface Coeffs {
  ksize: number;
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
}

function precomputeCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * ksize);
  // Pillow multiplies by the reciprocal (ss = 1.0 / filterscale); dividing would round differently.
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    const k = new Float64Array(xmax);
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = bicubic((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * FIXED_ONE : 0.5 + w * FIXED_ONE);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, start, count, weights };
}

/** Pillow's clip8: round-down of the fixed-point sum (which started at one half), clipped to [0, 255]. */
function clip8(v: number): number {
  if (v >= 256 * FIXED_ONE) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / FIXED_ONE);
}

/** One separable pass along x (stride 3 bytes) or y (stride width * 3 bytes); locals keep the inner loop monomorphic. */
function resamplePass(src: RgbImage, outW: number, outH: number, horizontal: boolean): RgbImage {
  const { ksize, start, count, weights } = precomputeCoeffs(horizontal ? src.width : src.height, horizontal ? outW : outH);
  const inData = src.data;
  const inRow = src.width * 3;
  const out = new Uint8Array(outW * outH * 3);
  const step = horizontal ? 3 : inRow;
  const half = FIXED_ONE / 2;
  let q = 0;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const o = horizontal ? x : y;
      const first = horizontal ? y * inRow + start[o] * 3 : start[o] * inRow + x * 3;
      const taps = count[o];
      const kOff = o * ksize;
      let s0 = half;
      let s1 = half;
      let s2 = half;
      for (let i = 0, at = first; i < taps; i++, at += step) {
        const k = weights[kOff + i];
        s0 += inData[at] * k;
        s1 += inData[at + 1] * k;
        s2 += inData[at + 2] * k;
      }
      out[q++] = clip8(s0);
      out[q++] = clip8(s1);
      out[q++] = clip8(s2);
    }
  }
  return { width: outW, height: outH, data: out };
}

/**
 * Resizes an 8-bit RGB image with Pillow's BICUBIC filter, bit for bit (horizontal pass, then vertical).
 *
 * @example
 * const big = resizeBicubic(imagesToUint8(images)[0], 224, 224);
 */
export function resizeBicubic(image: RgbImage, width: number, height: number): RgbImage {
  let img = image;
  if (width !== img.width) img = resamplePass(img, width, img.height, true);
  if (height !== img.height) img = resamplePass(img, width, height, false);
  return img === image ? { width, height, data: image.data.slice() } : img;
}
