// The page's rewards: JPEG (in)compressibility measured with the browser's own JPEG encoder
// (canvas.toBlob('image/jpeg', 0.95): the paper's quality, but not Pillow's exact bytes, so values differ
// slightly from @ddpo/rewards' jpegCompressibility in Node), and @ddpo/rewards' colorfulness.
import { colorfulness, defineReward, imagesToUint8, type Images, type RewardFn, type RgbImage } from '@ddpo/rewards';

/** The rewards a user can pick in the page. */
export const PAGE_REWARDS = ['jpeg-compressibility', 'jpeg-incompressibility', 'colorfulness'] as const;
/** One of PAGE_REWARDS. */
export type PageReward = (typeof PAGE_REWARDS)[number];

/** The browser refused to encode a JPEG (canvas.toBlob gave null). */
export class BrowserJpegError extends Error {
  constructor(width: number, height: number) {
    super(`canvas.toBlob('image/jpeg') returned no blob for a ${width}x${height} image`);
    this.name = 'BrowserJpegError';
  }
}

/** The size in bytes of one RGB image as the browser's JPEG at `quality` in [0, 1]. */
async function browserJpegSize(img: RgbImage, quality: number): Promise<number> {
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d')!;
  const rgba = ctx.createImageData(img.width, img.height);
  for (let p = 0; p < img.width * img.height; p++) {
    rgba.data[4 * p] = img.data[3 * p];
    rgba.data[4 * p + 1] = img.data[3 * p + 1];
    rgba.data[4 * p + 2] = img.data[3 * p + 2];
    rgba.data[4 * p + 3] = 255;
  }
  ctx.putImageData(rgba, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  if (blob === null) throw new BrowserJpegError(img.width, img.height);
  return blob.size;
}

/**
 * JPEG size in kilobytes (bytes / 1000) of each image, through the browser's encoder at quality 95,
 * negated for compressibility; as the paper's reward, up to the encoder.
 *
 * @example
 * const r = browserJpegReward('jpeg-compressibility'); await r(images, prompts); // e.g. [-0.84, -1.12]
 */
export function browserJpegReward(kind: 'jpeg-compressibility' | 'jpeg-incompressibility'): RewardFn {
  const sign = kind === 'jpeg-compressibility' ? -1 : 1;
  return defineReward(`browser_${kind.replace('-', '_')}`, async (images: Images) => {
    const sizes = await Promise.all(imagesToUint8(images).map((img) => browserJpegSize(img, 0.95)));
    return sizes.map((n) => (sign * n) / 1000);
  });
}

/**
 * The RewardFn of a page reward name.
 *
 * @example
 * pageReward('colorfulness'); // @ddpo/rewards' colorfulness()
 */
export function pageReward(kind: PageReward): RewardFn {
  return kind === 'colorfulness' ? colorfulness() : browserJpegReward(kind);
}
