// Rasterisation for shapes-32: muted backgrounds (flat, two-colour gradient, light texture) and one
// anti-aliased shape, its coverage measured by 4x4 supersampling of an inside test per pixel.
// Planes are CHW float32 in [0, 1]; every random choice comes in as uniforms from the caller.
import type { Rng } from '@ddpo/tensor';
import type { ShapeKind } from './prompts.js';

/** An RGB colour in [0, 1]. */
export type RGB = [number, number, number];

const SUB = 4; // supersampling factor per axis: 16 samples per pixel

/** A muted colour: any hue, saturation <= 0.22, brightness in [0.12, 0.82], so shapes stand out. */
function mutedColour(u0: number, u1: number, u2: number): RGB {
  const h = u0 * 6;
  const s = 0.22 * u1;
  const v = 0.12 + 0.7 * u2;
  // HSV to RGB, inlined to keep this file free of the generator's imports.
  const c = v * s;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const k = Math.floor(h) % 6;
  const t: RGB = k === 0 ? [c, x, 0] : k === 1 ? [x, c, 0] : k === 2 ? [0, c, x] : k === 3 ? [0, x, c] : k === 4 ? [x, 0, c] : [c, 0, x];
  return [t[0] + v - c, t[1] + v - c, t[2] + v - c];
}

function fill(plane: Float32Array, S: number, at: (x: number, y: number, ch: number) => number): void {
  for (let ch = 0; ch < 3; ch++) {
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) plane[(ch * S + y) * S + x] = at(x, y, ch);
  }
}

/** Bilinear value noise on a (G+1)^2 lattice of uniforms, amplitude 1 around 0. */
function valueNoise(rng: Rng, S: number, G: number): Float32Array {
  const lattice = rng.uniform([(G + 1) * (G + 1)]).data as Float32Array;
  const out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const gx = ((x + 0.5) / S) * G, gy = ((y + 0.5) / S) * G;
      const ix = Math.min(G - 1, Math.floor(gx)), iy = Math.min(G - 1, Math.floor(gy));
      const fx = gx - ix, fy = gy - iy;
      const at = (a: number, b: number) => lattice[(iy + b) * (G + 1) + ix + a];
      const v = (1 - fy) * ((1 - fx) * at(0, 0) + fx * at(1, 0)) + fy * ((1 - fx) * at(0, 1) + fx * at(1, 1));
      out[y * S + x] = 2 * v - 1;
    }
  }
  return out;
}

/**
 * Paints the background into `plane` ([3, S, S], values [0, 1]) from 11 uniforms `u`: flat (40%),
 * two-colour linear gradient (35%) or lightly textured (25%, value noise from `rng`).
 */
export function drawBackground(plane: Float32Array, S: number, u: Float32Array, rng: Rng): void {
  const a = mutedColour(u[1], u[2], u[3]);
  if (u[0] < 0.4) {
    fill(plane, S, (_x, _y, ch) => a[ch]);
  } else if (u[0] < 0.75) {
    const b = mutedColour(u[4], u[5], u[6]);
    const ang = 2 * Math.PI * u[7];
    const dx = Math.cos(ang), dy = Math.sin(ang);
    // Project each pixel on the gradient direction, normalised to [0, 1] over the image.
    const half = (Math.abs(dx) + Math.abs(dy)) * (S / 2);
    fill(plane, S, (x, y, ch) => {
      const t = ((x + 0.5 - S / 2) * dx + (y + 0.5 - S / 2) * dy + half) / (2 * half);
      return a[ch] * (1 - t) + b[ch] * t;
    });
  } else {
    const coarse = valueNoise(rng, S, 4);
    const fine = valueNoise(rng, S, 16);
    const amp = 0.05 + 0.07 * u[8];
    fill(plane, S, (x, y, ch) => {
      const n = amp * (coarse[y * S + x] + 0.5 * fine[y * S + x]);
      return Math.min(1, Math.max(0, a[ch] + n));
    });
  }
}

/** Inside test of a shape centred at the origin, in its own (unrotated, y-up) frame. */
function insideTest(shape: ShapeKind, r: number, inner: number): (x: number, y: number) => boolean {
  const s3 = Math.sqrt(3);
  switch (shape) {
    case 'circle':
      return (x, y) => x * x + y * y <= r * r;
    case 'ring':
      return (x, y) => {
        const d2 = x * x + y * y;
        return d2 <= r * r && d2 >= inner * inner;
      };
    case 'square':
      return (x, y) => Math.abs(x) <= r && Math.abs(y) <= r;
    case 'triangle':
      // Equilateral, circumradius r, apex up: vertices (0, r), (+-r*sqrt(3)/2, -r/2).
      return (x, y) => y >= -r / 2 && s3 * x + y <= r && -s3 * x + y <= r;
    default:
      return shape satisfies never;
  }
}

/** Size of the shape (its test's r) and its extent (max distance of a point from the centre). */
function geometry(shape: ShapeKind, size: number): { r: number; extent: number } {
  switch (shape) {
    case 'circle':
    case 'ring':
      return { r: size, extent: size };
    case 'square':
      return { r: 0.82 * size, extent: 0.82 * size * Math.SQRT2 };
    case 'triangle':
      return { r: 1.15 * size, extent: 1.15 * size };
    default:
      return shape satisfies never;
  }
}

/**
 * Paints one shape of colour `rgb` over `plane`, from 7 uniforms `u`: size (radius 5..11 px),
 * centre (anywhere it fits whole), rotation (+-20 degrees for squares and triangles), ring width.
 */
export function drawShape(plane: Float32Array, S: number, shape: ShapeKind, rgb: RGB, u: Float32Array): void {
  const size = 5 + 6 * u[0];
  const { r, extent } = geometry(shape, size);
  const lo = extent + 0.5, hi = S - 0.5 - extent;
  const cx = lo + (hi - lo) * u[1], cy = lo + (hi - lo) * u[2];
  const rot = shape === 'square' || shape === 'triangle' ? ((u[3] - 0.5) * 40 * Math.PI) / 180 : 0;
  const cos = Math.cos(rot), sin = Math.sin(rot);
  const inside = insideTest(shape, r, r * (0.5 + 0.15 * u[4]));
  const y0 = Math.max(0, Math.floor(cy - extent - 1)), y1 = Math.min(S - 1, Math.ceil(cy + extent + 1));
  const x0 = Math.max(0, Math.floor(cx - extent - 1)), x1 = Math.min(S - 1, Math.ceil(cx + extent + 1));
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      let hits = 0;
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          const dx = px + (sx + 0.5) / SUB - cx, dy = -(py + (sy + 0.5) / SUB - cy);
          if (inside(cos * dx + sin * dy, -sin * dx + cos * dy)) hits++;
        }
      }
      if (hits === 0) continue;
      const cov = hits / (SUB * SUB);
      for (let ch = 0; ch < 3; ch++) {
        const k = (ch * S + py) * S + px;
        plane[k] = plane[k] * (1 - cov) + rgb[ch] * cov;
      }
    }
  }
}
