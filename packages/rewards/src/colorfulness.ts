// The colourfulness metric of Hasler & Süsstrunk (2003, "Measuring colourfulness in natural images",
// Proc. SPIE 5007): on 8-bit RGB, rg = R - G and yb = (R + G) / 2 - B per pixel, then
// M = sqrt(std(rg)^2 + std(yb)^2) + 0.3 * sqrt(mean(rg)^2 + mean(yb)^2) (population statistics).
// Used here as a held-out validation reward: it was not used to choose any training setting.
import { checkImages, imagesToUint8, type Images, type RgbImage } from './images.js';
import { defineReward, type RewardFn } from './reward.js';
import type { RewardEntry } from './registry.js';

/**
 * Hasler–Süsstrunk colourfulness of one 8-bit RGB image, on the 0..255 scale (0 for any grey image;
 * the paper's "highly colourful" begins near 82).
 *
 * @example
 * colorfulnessOf({ width: 1, height: 1, data: Uint8Array.of(255, 0, 0) }); // 0.3 * sqrt(255^2 + 127.5^2)
 */
export function colorfulnessOf(image: RgbImage): number {
  const n = image.width * image.height;
  const d = image.data;
  let srg = 0, syb = 0, srg2 = 0, syb2 = 0;
  for (let i = 0; i < n; i++) {
    const r = d[3 * i], g = d[3 * i + 1], b = d[3 * i + 2];
    const rg = r - g;
    const yb = 0.5 * (r + g) - b;
    srg += rg;
    syb += yb;
    srg2 += rg * rg;
    syb2 += yb * yb;
  }
  const mrg = srg / n, myb = syb / n;
  const vrg = Math.max(0, srg2 / n - mrg * mrg), vyb = Math.max(0, syb2 / n - myb * myb);
  return Math.sqrt(vrg + vyb) + 0.3 * Math.sqrt(mrg * mrg + myb * myb);
}

/**
 * Colourfulness reward: Hasler–Süsstrunk M of each image after the same uint8 rounding as the JPEG
 * rewards, divided by 100 so rewards are O(1) like the other built-ins.
 *
 * @example
 * const r = colorfulness(); (await r(images, prompts))[0]; // 0 for a grey image, ~0.5 for a saturated shape on grey
 */
export function colorfulness(): RewardFn {
  return defineReward('colorfulness', (images: Images) => {
    checkImages(images, 'colorfulness');
    return imagesToUint8(images).map((img) => colorfulnessOf(img) / 100);
  });
}

/** `--reward colorfulness`. */
export const colorfulnessEntry: RewardEntry = {
  name: 'colorfulness',
  help: 'Hasler–Süsstrunk colourfulness / 100',
  create: () => colorfulness(),
};
