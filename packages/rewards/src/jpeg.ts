// The paper's compressibility rewards (DDPO section 6.1): the size of the image saved as a JPEG at
// quality 95, in kilobytes (bytes / 1000), negated for compressibility. Encoded with sharp's
// libjpeg-turbo-compatible path (4:2:0, baseline, standard Huffman tables) plus the JFIF APP0 segment
// libjpeg writes by default, so files are the ones Pillow writes (ddpo-pytorch rewards.py).
import sharp from 'sharp';
import { imagesToUint8, type Images, type RgbImage } from './images.js';
import { defineReward, type RewardFn } from './reward.js';
import type { RewardEntry } from './registry.js';

/** The JFIF APP0 segment libjpeg (and so Pillow) writes by default: JFIF 1.01, no density units, 1:1, no thumbnail. */
const JFIF_APP0 = Uint8Array.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);

/**
 * Encodes one 8-bit RGB image as a baseline JPEG the way Pillow's `save(format="JPEG", quality=q)`
 * does: 4:2:0 chroma subsampling, standard (not optimised) Huffman tables, JFIF header.
 *
 * @example
 * const bytes = await encodeJpeg(imagesToUint8(images)[0]); // bytes.length / 1000 = incompressibility
 */
export async function encodeJpeg(image: RgbImage, quality = 95): Promise<Uint8Array> {
  const raw = { width: image.width, height: image.height, channels: 3 as const };
  const body = await sharp(image.data, { raw })
    .jpeg({ quality, chromaSubsampling: '4:2:0', mozjpeg: false, optimiseCoding: false, progressive: false })
    .toBuffer();
  // sharp drops the JFIF marker (it keeps no metadata); put it back right after SOI (FF D8).
  const hasApp0 = body[2] === 0xff && body[3] === 0xe0;
  if (hasApp0) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  const out = new Uint8Array(body.length + JFIF_APP0.length);
  out.set(body.subarray(0, 2), 0);
  out.set(JFIF_APP0, 2);
  out.set(body.subarray(2), 2 + JFIF_APP0.length);
  return out;
}

/**
 * JPEG file sizes in bytes (quality 95 by default) of a batch [B, 3, H, W] in [0, 1], after the
 * reference's uint8 rounding; the batch is encoded concurrently.
 *
 * @example
 * const sizes = await jpegSizes(images); // e.g. [643, 1847]
 */
export async function jpegSizes(images: Images, quality = 95): Promise<number[]> {
  const files = await Promise.all(imagesToUint8(images).map((img) => encodeJpeg(img, quality)));
  return files.map((f) => f.length);
}

/** Options of the JPEG rewards. */
export interface JpegRewardOptions {
  /** JPEG quality (default 95, as in the paper). */
  quality?: number;
  /** Preferred batch size for callReward (default: the whole batch). */
  batchSize?: number;
}

/**
 * Incompressibility reward: JPEG size in kilobytes (bytes / 1000) at quality 95.
 *
 * @example
 * const r = jpegIncompressibility(); (await r(images, prompts))[0]; // 1.847 for 32x32 RGB noise
 */
export function jpegIncompressibility(opts: JpegRewardOptions = {}): RewardFn {
  const quality = opts.quality ?? 95;
  return defineReward('jpeg_incompressibility', async (images) => (await jpegSizes(images, quality)).map((n) => n / 1000), {
    batchSize: opts.batchSize,
  });
}

/**
 * Compressibility reward (the reference's default): minus the JPEG size in kilobytes at quality 95.
 *
 * @example
 * const r = jpegCompressibility(); (await r(images, prompts))[0]; // -0.643 for a flat 32x32 image
 */
export function jpegCompressibility(opts: JpegRewardOptions = {}): RewardFn {
  const quality = opts.quality ?? 95;
  return defineReward('jpeg_compressibility', async (images) => (await jpegSizes(images, quality)).map((n) => -n / 1000), {
    batchSize: opts.batchSize,
  });
}

/** `--reward compressibility`: the reference's default reward. */
export const compressibilityEntry: RewardEntry = {
  name: 'compressibility',
  aliases: ['jpeg-compressibility'],
  label: 'jpeg-compressibility',
  help: 'minus the JPEG size in kB at quality 95 (the paper\'s compressibility)',
  create: () => jpegCompressibility(),
};

/** `--reward incompressibility`. */
export const incompressibilityEntry: RewardEntry = {
  name: 'incompressibility',
  aliases: ['jpeg-incompressibility'],
  label: 'jpeg-incompressibility',
  help: 'the JPEG size in kB at quality 95 (the paper\'s incompressibility)',
  create: () => jpegIncompressibility(),
};
