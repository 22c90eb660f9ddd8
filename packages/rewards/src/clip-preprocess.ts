// CLIP's image preprocessing as openai/clip-vit-large-patch14's CLIPImageProcessor does it
// (transformers 4.30, as pinned by ddpo-pytorch): uint8 images, shortest edge resized to 224 with
// Pillow BICUBIC, center crop 224x224, rescale by 1/255 to float32, normalise with CLIP's mean/std
// (in float32, as numpy does on a float32 array). Output: `pixel_values` [B, 3, 224, 224].
import { HostTensor } from '@ddpo/tensor';
import { imagesToUint8, type Images, type RgbImage } from './images.js';
import { resizeBicubic } from './resize.js';

/** CLIP's per-channel normalisation mean (OpenAI CLIP, RGB). */
export const CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
/** CLIP's per-channel normalisation std (OpenAI CLIP, RGB). */
export const CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/**
 * Output size of transformers' `get_resize_output_image_size(image, size, default_to_square=False)`:
 * the short side becomes `size`, the long side `int(size * long / short)` (truncated).
 *
 * @example
 * shortestEdgeSize(32, 48, 224); // { width: 224, height: 336 }
 */
export function shortestEdgeSize(width: number, height: number, size: number): { width: number; height: number } {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  if (short === size) return { width, height };
  const newLong = Math.trunc((size * long) / short);
  return width <= height ? { width: size, height: newLong } : { width: newLong, height: size };
}

/**
 * Center crop as transformers' `center_crop`: top = (H - h) // 2, left = (W - w) // 2.
 *
 * @example
 * centerCrop(img, 224, 224);
 */
export function centerCrop(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return image;
  const top = Math.floor((image.height - height) / 2);
  const left = Math.floor((image.width - width) / 2);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}

/**
 * CLIP `pixel_values` [B, 3, size, size] (float32) from images [B, 3, H, W] in [0, 1]: the
 * reference's uint8 rounding, Pillow-exact bicubic resize of the shortest edge, center crop,
 * `x / 255` and `(x - mean) / std` per channel.
 *
 * @example
 * const pixelValues = clipPreprocess(images); // HostTensor float32 [B, 3, 224, 224]
 */
export function clipPreprocess(images: Images, size = 224): HostTensor<'float32'> {
  const rgb = imagesToUint8(images);
  const plane = size * size;
  const out = new Float32Array(rgb.length * 3 * plane);
  const mean = CLIP_MEAN.map(Math.fround);
  const std = CLIP_STD.map(Math.fround);
  rgb.forEach((img, b) => {
    const target = shortestEdgeSize(img.width, img.height, size);
    const crop = centerCrop(resizeBicubic(img, target.width, target.height), size, size);
    for (let c = 0; c < 3; c++) {
      const base = (b * 3 + c) * plane;
      for (let p = 0; p < plane; p++) {
        // rescale: uint8 * (1/255) in float64, then cast to float32; normalise in float32.
        const x = Math.fround(crop.data[p * 3 + c] * (1 / 255));
        out[base + p] = Math.fround(Math.fround(x - mean[c]) / std[c]);
      }
    }
  });
  return new HostTensor('float32', [rgb.length, 3, size, size], out);
}
