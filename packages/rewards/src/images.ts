// Reward inputs: float [B, 3, H, W] host tensors in [0, 1]. Checks them, slices them into batches and
// converts them to 8-bit RGB images the way the reference does before any encoder sees them
// (ddpo-pytorch rewards.py: `(images * 255).round().clamp(0, 255).to(torch.uint8)`). PNG writing
// (pngjs, Node's Buffer) is in png.ts, so this file runs in a browser too.
import { HostTensor, isFloat } from '@ddpo/tensor';
import { InvalidImagesError } from './errors.js';

/** A batch of images: a float32 or float64 host tensor [B, 3, H, W] with values in [0, 1]. */
export type Images = HostTensor<'float32' | 'float64'>;

/** One 8-bit RGB image, interleaved rows (HWC order: `data[(y * width + x) * 3 + c]`). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * Checks that `images` is a float [B, 3, H, W] host tensor and returns its dimensions.
 *
 * @example
 * const { batch, height, width } = checkImages(zeros([2, 3, 32, 32]), 'myReward');
 */
export function checkImages(images: HostTensor, where: string): { batch: number; height: number; width: number } {
  if (!(images instanceof HostTensor)) throw new InvalidImagesError(`${where}: images must be a HostTensor [B, 3, H, W], got ${typeof images}`);
  if (!isFloat(images.dtype)) throw new InvalidImagesError(`${where}: images have dtype ${images.dtype}, expected float32 or float64 in [0, 1]`);
  const s = images.shape;
  if (s.length !== 4 || s[1] !== 3) {
    throw new InvalidImagesError(`${where}: images have shape [${s.join(', ')}], expected rank 4 [B, 3, H, W] with 3 channels`);
  }
  return { batch: s[0], height: s[2], width: s[3] };
}

/** Round half to even, as torch.round / numpy.round do (Math.round rounds halves up). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Converts float images [B, 3, H, W] in [0, 1] to 8-bit RGB images exactly as the reference:
 * `(x * 255)` in the tensor's own precision (float32 for float32 input), rounded half to even,
 * clamped to [0, 255]. NaN pixels are an error (the reference would cast them to an undefined byte).
 *
 * @example
 * const [img] = imagesToUint8(tensor([0.5, 0.5, 0.5], [1, 3, 1, 1])); // img.data = [128, 128, 128] (127.5 -> 128, even)
 */
export function imagesToUint8(images: Images): RgbImage[] {
  const { batch, height, width } = checkImages(images, 'imagesToUint8');
  const plane = height * width;
  const out: RgbImage[] = [];
  for (let b = 0; b < batch; b++) {
    const data = new Uint8Array(plane * 3);
    for (let c = 0; c < 3; c++) {
      const src = images.data.subarray((b * 3 + c) * plane, (b * 3 + c + 1) * plane);
      const bad = images.dtype === 'float32' ? toBytes32(src as Float32Array, data, c) : toBytes64(src as Float64Array, data, c);
      if (bad >= 0) throw new InvalidImagesError(`imagesToUint8: image ${b} channel ${c} pixel ${bad} is NaN`);
    }
    out.push({ width, height, data });
  }
  return out;
}

/** One float32 channel into every third byte of `out`; returns the index of a NaN, or -1. */
function toBytes32(src: Float32Array, out: Uint8Array, c: number): number {
  for (let p = 0; p < src.length; p++) {
    // float32 * 255 is exact in double, so fround gives torch's correctly rounded float32 product.
    const v = Math.fround(src[p] * 255);
    if (v !== v) return p;
    out[p * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : roundHalfEven(v);
  }
  return -1;
}

/** One float64 channel into every third byte of `out`; returns the index of a NaN, or -1. */
function toBytes64(src: Float64Array, out: Uint8Array, c: number): number {
  for (let p = 0; p < src.length; p++) {
    const v = src[p] * 255;
    if (v !== v) return p;
    out[p * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : roundHalfEven(v);
  }
  return -1;
}

/**
 * Images `start` (inclusive) to `end` (exclusive) of a batch, as a view on the same memory.
 *
 * @example
 * const firstTwo = sliceImages(images, 0, 2);
 */
export function sliceImages(images: Images, start: number, end: number): Images {
  const [, c, h, w] = images.shape;
  const per = c * h * w;
  return new HostTensor(images.dtype, [end - start, c, h, w], images.data.subarray(start * per, end * per) as never);
}
