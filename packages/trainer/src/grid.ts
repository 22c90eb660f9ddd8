// Sample grids: images [B, 3, H, W] in [0, 1] laid out in rows, each enlarged (nearest neighbour)
// and captioned below with text lines (prompt, reward), written as PNG with pngjs. Text is drawn
// with the built-in bitmap font, so the trainer needs no font or SVG renderer.
import { DdpoError, type HostTensor } from '@ddpo/tensor';
import { PNG } from 'pngjs';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphCoverage } from './font.js';

/** Layout options of {@link renderSampleGrid}. */
export interface GridOptions {
  /** Images per row (default: ceil(sqrt(B)), at most 8). */
  columns?: number;
  /** Integer enlargement of each image (default 4: 32 px -> 128 px). */
  scale?: number;
  /** Pixels between cells (default 6). */
  gap?: number;
}

/** Bad grid input (shape, caption count). */
export class GridError extends DdpoError {}

interface Canvas {
  width: number;
  height: number;
  data: Buffer;
}

function fill(c: Canvas, rgb: readonly [number, number, number]): void {
  for (let i = 0; i < c.width * c.height; i++) {
    c.data[4 * i] = rgb[0];
    c.data[4 * i + 1] = rgb[1];
    c.data[4 * i + 2] = rgb[2];
    c.data[4 * i + 3] = 255;
  }
}

function drawImage(c: Canvas, images: HostTensor, b: number, x0: number, y0: number, scale: number): void {
  const [, ch, h, w] = images.shape;
  const d = images.data as Float32Array | Float64Array;
  for (let y = 0; y < h * scale; y++) {
    for (let x = 0; x < w * scale; x++) {
      const src = Math.floor(y / scale) * w + Math.floor(x / scale);
      const dst = 4 * ((y0 + y) * c.width + x0 + x);
      for (let k = 0; k < 3; k++) {
        const v = d[(b * ch + Math.min(k, ch - 1)) * h * w + src];
        c.data[dst + k] = Math.round(Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * 255);
      }
    }
  }
}

/**
 * Draws a line of text in black at (x0, y0), clipped to `maxWidth` pixels (a cut line ends in '~').
 *
 * @example
 * drawText(canvas, 'red circle', 4, 100, 128);
 */
function drawText(c: Canvas, text: string, x0: number, y0: number, maxWidth: number): void {
  const fit = Math.max(1, Math.floor(maxWidth / GLYPH_WIDTH));
  const shown = text.length > fit ? text.slice(0, fit - 1) + '~' : text;
  for (let i = 0; i < shown.length; i++) {
    for (let y = 0; y < GLYPH_HEIGHT; y++) {
      for (let x = 0; x < GLYPH_WIDTH; x++) {
        const a = glyphCoverage(shown[i], x, y);
        const px = x0 + i * GLYPH_WIDTH + x;
        if (a === 0 || px >= c.width || y0 + y >= c.height) continue;
        const dst = 4 * ((y0 + y) * c.width + px);
        for (let k = 0; k < 3; k++) c.data[dst + k] = Math.round(c.data[dst + k] * (1 - a));
      }
    }
  }
}

/**
 * Renders images [B, 3, H, W] (floats in [0, 1]) as a captioned grid PNG; `captions[b]` holds the
 * text lines under image b (e.g. its prompt and reward).
 *
 * @example
 * const png = renderSampleGrid(images, prompts.map((p, i) => [p, `r=${rewards[i].toFixed(3)}`]));
 * fs.writeFileSync('samples.png', png);
 */
export function renderSampleGrid(images: HostTensor, captions: readonly (readonly string[])[], opts: GridOptions = {}): Uint8Array {
  if (images.shape.length !== 4) throw new GridError(`renderSampleGrid: images must be [B, C, H, W]; got [${images.shape.join(', ')}]`);
  const [n, , h, w] = images.shape;
  if (captions.length !== n) throw new GridError(`renderSampleGrid: ${n} images but ${captions.length} captions`);
  const scale = opts.scale ?? 4;
  const gap = opts.gap ?? 6;
  const cols = Math.max(1, Math.min(n, opts.columns ?? Math.min(8, Math.ceil(Math.sqrt(n)))));
  const rows = Math.ceil(n / cols);
  const lines = Math.max(0, ...captions.map((c) => c.length));
  const cellW = w * scale;
  const cellH = h * scale + lines * GLYPH_HEIGHT + 2;
  const canvas: Canvas = { width: gap + cols * (cellW + gap), height: gap + rows * (cellH + gap), data: Buffer.alloc(0) };
  canvas.data = Buffer.alloc(canvas.width * canvas.height * 4);
  fill(canvas, [255, 255, 255]);
  for (let b = 0; b < n; b++) {
    const x0 = gap + (b % cols) * (cellW + gap);
    const y0 = gap + Math.floor(b / cols) * (cellH + gap);
    drawImage(canvas, images, b, x0, y0, scale);
    captions[b].forEach((line, k) => drawText(canvas, line, x0, y0 + h * scale + 2 + k * GLYPH_HEIGHT, cellW));
  }
  const png = new PNG({ width: canvas.width, height: canvas.height });
  canvas.data.copy(png.data);
  return new Uint8Array(PNG.sync.write(png));
}
