// PNG grids of image batches ([N, 3, H, W] in [-1, 1]) for looking at data and samples: images
// tiled row-major with a 1-pixel gutter, optionally enlarged by nearest-neighbour scaling.
import { writeFileSync } from 'node:fs';
import { DdpoError, type HostTensor } from '@ddpo/tensor';
import { PNG } from 'pngjs';

/** Layout of a PNG grid. */
export interface GridOptions {
  /** Images per row (default: ceil(sqrt(N))). */
  cols?: number;
  /** Integer enlargement (default 1). */
  scale?: number;
  /** Gutter grey level in [0, 255] (default 255). */
  gutter?: number;
}

/** A batch that is not [N, 3, H, W] float. */
export class ImageBatchError extends DdpoError {}

/**
 * Encodes a batch [N, 3, H, W] with values in [-1, 1] as one PNG grid.
 *
 * @example
 * const png = encodePngGrid(generateShapes32({ seed: 0, count: 16 }).images, { cols: 4, scale: 4 });
 */
export function encodePngGrid(images: HostTensor, opts: GridOptions = {}): Buffer {
  if (images.shape.length !== 4 || images.shape[1] !== 3 || (images.dtype !== 'float32' && images.dtype !== 'float64')) {
    throw new ImageBatchError(`encodePngGrid: images must be float [N, 3, H, W], got ${images.dtype} [${images.shape.join(', ')}]`);
  }
  const [n, , h, w] = images.shape;
  const cols = Math.max(1, opts.cols ?? Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / cols));
  const sc = Math.max(1, Math.floor(opts.scale ?? 1));
  const cw = w * sc + 1, ch = h * sc + 1;
  const png = new PNG({ width: cols * cw + 1, height: rows * ch + 1 });
  png.data.fill(opts.gutter ?? 255);
  const data = images.data as Float32Array | Float64Array;
  for (let i = 0; i < n; i++) {
    const ox = (i % cols) * cw + 1, oy = Math.floor(i / cols) * ch + 1;
    for (let y = 0; y < h * sc; y++) {
      for (let x = 0; x < w * sc; x++) {
        const o = ((oy + y) * png.width + ox + x) * 4;
        for (let c = 0; c < 3; c++) {
          const v = data[((i * 3 + c) * h + Math.floor(y / sc)) * w + Math.floor(x / sc)];
          png.data[o + c] = Math.round(Math.min(1, Math.max(0, (v + 1) / 2)) * 255);
        }
        png.data[o + 3] = 255;
      }
    }
  }
  return PNG.sync.write(png);
}

/**
 * Writes a PNG grid of a batch to `path`.
 *
 * @example
 * writePngGrid('shapes.png', generateShapes32({ seed: 0, count: 64 }).images, { cols: 8, scale: 3 });
 */
export function writePngGrid(path: string, images: HostTensor, opts: GridOptions = {}): void {
  writeFileSync(path, encodePngGrid(images, opts));
}
