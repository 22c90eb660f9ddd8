// Drawing in the page: a grid of sample images (float [n, 3, 32, 32] in [0, 1]) and the reward curve.
import type { HostTensor } from '@ddpo/tensor';

/**
 * Draws images [n, 3, h, w] in [0, 1] as a grid of `cols` columns, each scaled to fill its cell.
 *
 * @example
 * drawGrid(canvas, samples.images, 8);
 */
export function drawGrid(canvas: HTMLCanvasElement, images: HostTensor, cols: number): void {
  const [n, , h, w] = images.shape;
  const rows = Math.ceil(n / cols);
  const ctx = canvas.getContext('2d')!;
  const tile = document.createElement('canvas');
  tile.width = w;
  tile.height = h;
  const tctx = tile.getContext('2d')!;
  const cell = Math.floor(Math.min(canvas.width / cols, canvas.height / rows));
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const data = images.data as Float32Array;
  for (let i = 0; i < n; i++) {
    const rgba = tctx.createImageData(w, h);
    for (let p = 0; p < h * w; p++) {
      for (let c = 0; c < 3; c++) rgba.data[4 * p + c] = Math.round(Math.min(1, Math.max(0, data[((i * 3 + c) * h * w) + p])) * 255);
      rgba.data[4 * p + 3] = 255;
    }
    tctx.putImageData(rgba, 0, 0);
    ctx.drawImage(tile, (i % cols) * cell, Math.floor(i / cols) * cell, cell - 2, cell - 2);
  }
}

/**
 * Plots one or more series of per-epoch values (epoch on x) with axes labelled by their range (or `range`).
 *
 * @example
 * drawCurve(canvas, [{ label: 'DDPO_IS', values: [-1.2, -1.1], colour: '#c33' }]);
 */
export function drawCurve(canvas: HTMLCanvasElement, series: readonly { label: string; values: readonly number[]; colour: string }[], range?: readonly [number, number]): void {
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  const pad = { l: 52, r: 10, t: 10, b: 24 };
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const len = Math.max(2, ...series.map((s) => s.values.length));
  let lo = range?.[0] ?? (all.length > 0 ? Math.min(...all) : 0);
  let hi = range?.[1] ?? (all.length > 0 ? Math.max(...all) : 1);
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  const x = (i: number) => pad.l + (i / (len - 1)) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - ((v - lo) / (hi - lo)) * (H - pad.t - pad.b);
  ctx.strokeStyle = '#888';
  ctx.strokeRect(pad.l, pad.t, W - pad.l - pad.r, H - pad.t - pad.b);
  ctx.fillStyle = '#444';
  ctx.font = '11px sans-serif';
  ctx.fillText(hi.toFixed(3), 4, pad.t + 8);
  ctx.fillText(lo.toFixed(3), 4, H - pad.b);
  ctx.fillText('epoch 0', pad.l, H - 8);
  ctx.fillText(String(len - 1), W - pad.r - 16, H - 8);
  series.forEach((s, k) => {
    ctx.strokeStyle = s.colour;
    ctx.fillStyle = s.colour;
    ctx.beginPath();
    s.values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
    ctx.stroke();
    s.values.forEach((v, i) => ctx.fillRect(x(i) - 2, y(v) - 2, 4, 4));
    ctx.fillText(s.label, pad.l + 8, pad.t + 14 + 13 * k);
  });
}
