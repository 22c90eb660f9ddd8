// PNG files of 8-bit RGB images (pngjs). Node only: pngjs needs Node's Buffer and zlib.
import { PNG } from 'pngjs';
import { InvalidImagesError } from './errors.js';
import type { RgbImage } from './images.js';

/**
 * Encodes one 8-bit RGB image as a PNG file (8-bit truecolour, no alpha).
 *
 * @example
 * fs.writeFileSync('sample.png', encodePng(imagesToUint8(images)[0]));
 */
export function encodePng(image: RgbImage): Uint8Array {
  if (image.data.length !== image.width * image.height * 3) {
    throw new InvalidImagesError(`encodePng: data holds ${image.data.length} bytes, expected ${image.width}x${image.height}x3 = ${image.width * image.height * 3}`);
  }
  const png = { width: image.width, height: image.height, data: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength) } as PNG;
  // colorType 2 = truecolour; the input is RGB without alpha.
  const bytes = PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
