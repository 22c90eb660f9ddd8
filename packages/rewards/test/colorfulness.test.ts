// The Hasler–Süsstrunk colourfulness reward against values worked out by hand from the paper's
// definition (rg = R - G, yb = (R + G)/2 - B; M = sigma_rgyb + 0.3 mu_rgyb, population statistics).
import { HostTensor } from '@ddpo/tensor';
import { describe, expect, it } from 'vitest';
import { colorfulness, colorfulnessOf, InvalidImagesError } from '@ddpo/rewards';

const img = (px: number[][]) => ({ width: px.length, height: 1, data: Uint8Array.from(px.flat()) });

describe('colorfulnessOf', () => {
  it('is 0 for any grey image', () => {
    expect(colorfulnessOf(img([[0, 0, 0], [128, 128, 128], [255, 255, 255]]))).toBe(0);
  });

  it('a flat pure red image: only the mean term, 0.3 * sqrt(255^2 + 127.5^2)', () => {
    expect(colorfulnessOf(img([[255, 0, 0], [255, 0, 0]]))).toBeCloseTo(0.3 * Math.hypot(255, 127.5), 12);
  });

  it('half red, half green: rg = +/-255 (std 255, mean 0), yb = 127.5 (std 0): M = 255 + 0.3 * 127.5', () => {
    expect(colorfulnessOf(img([[255, 0, 0], [0, 255, 0]]))).toBeCloseTo(255 + 0.3 * 127.5, 12);
  });

  it('black and blue: rg = 0; yb = 0 and -255 (std 127.5, mean -127.5): M = 127.5 + 0.3 * 127.5', () => {
    expect(colorfulnessOf(img([[0, 0, 0], [0, 0, 255]]))).toBeCloseTo(127.5 * 1.3, 12);
  });
});

describe('colorfulness reward', () => {
  it('scores a [B, 3, H, W] batch in [0, 1] on the /100 scale, after uint8 rounding', async () => {
    // image 0: grey; image 1: pixel 0 red, pixel 1 green (values 1.0 and 0.0 round exactly).
    const data = Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, /* image 1: R */ 1, 0, /* G */ 0, 1, /* B */ 0, 0]);
    const r = await colorfulness()(new HostTensor('float32', [2, 3, 1, 2], data), ['a', 'b']);
    expect(r[0]).toBe(0);
    expect(r[1]).toBeCloseTo((255 + 0.3 * 127.5) / 100, 10);
  });

  it('rejects images that are not [B, 3, H, W]', async () => {
    await expect(colorfulness()(new HostTensor('float32', [1, 1, 2, 2], new Float32Array(4)), ['a'])).rejects.toBeInstanceOf(InvalidImagesError);
  });
});
