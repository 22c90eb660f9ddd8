// Metrics JSONL files and captioned sample grids.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { tensor } from '@ddpo/tensor';
import { GridError, MetricsWriter, readMetrics, renderSampleGrid, rewardStats } from '@ddpo/trainer';

describe('metrics', () => {
  it('rewardStats: mean, population std, min, max', () => {
    const s = rewardStats(new Float64Array([1, 2, 3, 6]));
    expect(s.mean).toBe(3);
    // population variance of [1,2,3,6] = (4 + 1 + 0 + 9) / 4 = 3.5
    expect(s.std).toBeCloseTo(Math.sqrt(3.5), 14);
    expect(s.min).toBe(1);
    expect(s.max).toBe(6);
  });

  it('writes one JSON line per record, non-finite numbers as null, and resets', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-m-'));
    const file = path.join(dir, 'sub', 'metrics.jsonl');
    const w = new MetricsWriter(file);
    w.reset([{ epoch: 0, loss: 1 }]);
    w.append({ epoch: 1, loss: Number.NaN });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toBe('{"epoch":0,"loss":1}\n{"epoch":1,"loss":null}\n');
    expect(readMetrics(file).map((m) => m.epoch)).toEqual([0, 1]);
    w.reset([{ epoch: 0, loss: 1 }]);
    expect(readMetrics(file)).toHaveLength(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('renderSampleGrid', () => {
  it('lays out enlarged images with captions in a PNG', () => {
    const n = 5;
    const data = new Float32Array(n * 3 * 4 * 4);
    // image b is a flat colour: red channel b/4, green 1, blue 0
    for (let b = 0; b < n; b++) for (let i = 0; i < 16; i++) {
      data[(b * 3) * 16 + i] = b / 4;
      data[(b * 3 + 1) * 16 + i] = 1;
    }
    const png = PNG.sync.read(Buffer.from(renderSampleGrid(tensor(data, [n, 3, 4, 4]), Array.from({ length: n }, (_, b) => [`img ${b}`, 'r=1.0']), { columns: 3, scale: 2, gap: 1 })));
    // 3 columns of 8 px + 4 gaps; rows: 8 px image + 2 caption lines of 12 px + 2 px, two rows + 3 gaps
    expect(png.width).toBe(1 + 3 * (8 + 1));
    expect(png.height).toBe(1 + 2 * (8 + 24 + 2 + 1));
    const px = (x: number, y: number) => [...png.data.subarray(4 * (y * png.width + x), 4 * (y * png.width + x) + 3)];
    expect(px(1, 1)).toEqual([0, 255, 0]); // image 0 at (1, 1)
    expect(px(1 + 2 * 9 + 7, 1 + 7)).toEqual([128, 255, 0]); // image 2, last pixel: round(0.5 * 255) = 128
    expect(px(0, 0)).toEqual([255, 255, 255]); // gap
    // caption text darkens some pixels of the caption band under image 0
    let dark = 0;
    for (let y = 11; y < 11 + 24; y++) for (let x = 1; x < 9; x++) if (px(x, y)[0] < 128) dark++;
    expect(dark).toBeGreaterThan(5);
  });

  it('rejects a caption count that does not match', () => {
    expect(() => renderSampleGrid(tensor(new Float32Array(2 * 3 * 2 * 2), [2, 3, 2, 2]), [['a']])).toThrow(GridError);
  });
});
