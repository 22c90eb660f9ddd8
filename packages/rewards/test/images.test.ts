// imagesToUint8 (the reference's rounding), image checks and batch slicing, and PNG encoding
// (decoded back with pngjs).
import { HostTensor, tensor } from '@ddpo/tensor';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { checkImages, encodePng, imagesToUint8, InvalidImagesError, roundHalfEven, sliceImages } from '@ddpo/rewards';

describe('roundHalfEven', () => {
  it('rounds halves to the even neighbour, like torch.round / numpy.round', () => {
    // numpy.round([0.5, 1.5, 2.5, -0.5, -1.5, 127.5, 128.5, 2.4999, 2.5001]) = [0, 2, 2, -0, -2, 128, 128, 2, 3]
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 127.5, 128.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 128, 128, 2, 3]);
  });
});

describe('imagesToUint8', () => {
  it('scales by 255, rounds half to even, clamps and interleaves channels (HWC)', () => {
    // pixel 0: R 0.5 -> 127.5 -> 128, G 1.2 -> 255 (clamped), B -0.1 -> 0; pixel 1: R 0.1 -> 25.5 -> 26 (float64: 25.500000000000004), G 1 -> 255, B 0 -> 0
    const x = tensor(new Float64Array([0.5, 0.1, 1.2, 1, -0.1, 0]), [1, 3, 1, 2]);
    const [img] = imagesToUint8(x);
    expect(img.width).toBe(2);
    expect(img.height).toBe(1);
    expect(Array.from(img.data)).toEqual([128, 255, 0, 26, 255, 0]);
  });

  it('multiplies in float32 for float32 images, as torch does', () => {
    // float32(0.1) = 0.100000001490116; * 255 in float32 = 25.5 exactly -> half to even -> 26;
    // float32(0.3) * 255 = 76.5 in float32 -> 76 (even), whereas the float64 product 76.50000114 would give 77.
    const x = new HostTensor('float32', [1, 3, 1, 1], Float32Array.from([0.1, 0.3, 0.3]));
    expect(Math.fround(Math.fround(0.3) * 255)).toBe(76.5);
    expect(Array.from(imagesToUint8(x)[0].data)).toEqual([26, 76, 76]);
  });

  it('rejects NaN pixels, wrong ranks, channel counts and integer dtypes', () => {
    expect(() => imagesToUint8(tensor([NaN, 0, 0], [1, 3, 1, 1]))).toThrow(/image 0 channel 0 pixel 0 is NaN/);
    expect(() => imagesToUint8(tensor([0, 0, 0], [3, 1, 1]))).toThrow(InvalidImagesError);
    expect(() => checkImages(tensor([0, 0], [1, 2, 1, 1]), 'x')).toThrow(/expected rank 4 \[B, 3, H, W\]/);
    expect(() => checkImages(tensor([0, 0, 0], [1, 3, 1, 1], 'int32'), 'x')).toThrow(/dtype int32/);
  });
});

describe('sliceImages', () => {
  it('takes whole images from the batch', () => {
    const x = tensor(Float32Array.from({ length: 4 * 3 * 2 * 2 }, (_, i) => i), [4, 3, 2, 2]);
    const s = sliceImages(x, 1, 3);
    expect(s.shape).toEqual([2, 3, 2, 2]);
    expect(s.data[0]).toBe(12);
    expect(s.data[s.size - 1]).toBe(35);
  });
});

describe('encodePng', () => {
  it('writes an 8-bit RGB PNG that decodes to the same pixels', () => {
    const data = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const file = encodePng({ width: 5, height: 3, data });
    expect(Array.from(file.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const png = PNG.sync.read(Buffer.from(file));
    expect([png.width, png.height]).toEqual([5, 3]);
    const rgb = Array.from({ length: 15 }, (_, p) => [0, 1, 2].map((c) => png.data[p * 4 + c])).flat();
    expect(rgb).toEqual(Array.from(data));
  });

  it('rejects data of the wrong size', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(11) })).toThrow(/holds 11 bytes, expected 2x2x3 = 12/);
  });
});
