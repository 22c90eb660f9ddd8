// Seeded, counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers:
// as easy as 1, 2, 3", SC 2011). The whole state is a 64-bit key (the seed) and a 128-bit block
// counter, so a run saves it as two strings, resumes exactly, and forks independent streams
// without sharing any mutable state. Every draw is specified word by word (see `Rng`), so another
// language can reproduce the numbers bit for bit.
import { DdpoError } from './errors.js';
import { HostTensor, shapeSize } from './host.js';

/** An invalid seed, state, stream or draw argument. */
export class RngError extends DdpoError {}

/** The JSON-safe state of an `Rng`: seed (64-bit key) and block counter (128-bit), as decimal strings. */
export interface RngState {
  algorithm: 'philox4x32-10';
  seed: string;
  counter: string;
}

// Philox4x32 multipliers and Weyl key increments (golden ratio, sqrt(3) - 1), Salmon et al. 2011.
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const ROUNDS = 10;
const TWO_32 = 4294967296;
const TWO_M32 = 1 / TWO_32;
const TWO_M24 = 1 / 16777216;
const TWO_M53 = 1 / 9007199254740992;
/** Word 3 of the counter block that derives a forked key ('fork' in ASCII). */
const FORK_TAG = 0x666f726b;
const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;

/** High 32 bits of the exact 64-bit product a * b of two uint32s, from 16-bit halves (all partial sums < 2^53). */
function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const cross1 = ah * bl;
  const cross2 = al * bh;
  const mid = ((al * bl) >>> 16) + (cross1 & 0xffff) + (cross2 & 0xffff);
  return (ah * bh + Math.floor(cross1 / 65536) + Math.floor(cross2 / 65536) + Math.floor(mid / 65536)) >>> 0;
}

/**
 * One Philox4x32-10 block: 10 rounds of (c0, c1, c2, c3) <- (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2),
 * hi(M0 c0) ^ c3 ^ k1, lo(M0 c0)), the key bumped by the Weyl constants between rounds.
 * Writes four uint32 words to `out[off..off+3]`.
 *
 * @example
 * const out = new Uint32Array(4);
 * philox4x32(out, 0, [0, 0, 0, 0], [0, 0]); // Random123 KAT: 6627e8d5 e169c58d bc57ac4c 9b00dbd8
 */
export function philox4x32(out: Uint32Array, off: number, counter: ArrayLike<number>, key: ArrayLike<number>): void {
  let c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
  let k0 = key[0], k1 = key[1];
  for (let r = 0; r < ROUNDS; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[off] = c0;
  out[off + 1] = c1;
  out[off + 2] = c2;
  out[off + 3] = c3;
}

function parseUint(what: string, v: number | bigint | string, mask: bigint): bigint {
  let b: bigint;
  try {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError();
    b = BigInt(v);
  } catch {
    throw new RngError(`Rng: ${what} ${String(v)} is not an integer; expected an integer in [0, ${mask}]`);
  }
  if (b < 0n || b > mask) throw new RngError(`Rng: ${what} ${String(v)} is out of range; expected an integer in [0, ${mask}]`);
  return b;
}

/** One Box-Muller pair in float64: data[i] = r cos(2 pi u2), data[i + 1] = r sin(2 pi u2) (when i + 1 < n), r = sqrt(-2 ln u1). */
function boxMuller(data: Float32Array | Float64Array, i: number, n: number, u1: number, u2: number): void {
  const r = Math.sqrt(-2 * Math.log(u1));
  data[i] = r * Math.cos(2 * Math.PI * u2);
  if (i + 1 < n) data[i + 1] = r * Math.sin(2 * Math.PI * u2);
}

function checkShape(op: string, shape: readonly number[]): number {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RngError(`Rng.${op}: shape [${shape.join(', ')}] must hold non-negative integers`);
  }
  return shapeSize(shape);
}

/** Sequential reader over the words of consecutive blocks; a call's unused tail words are dropped. */
class WordReader {
  private readonly buf = new Uint32Array(4);
  private pos = 4;
  constructor(private readonly rng: Rng) {}

  next(): number {
    if (this.pos === 4) {
      this.rng.nextBlock(this.buf);
      this.pos = 0;
    }
    return this.buf[this.pos++];
  }

  /** 53 random bits from two words (27 high bits of the first, 26 of the second), as an integer < 2^53. */
  next53(): number {
    const a = this.next() >>> 5;
    const b = this.next() >>> 6;
    return a * 67108864 + b;
  }

  /** Uniform integer in [0, n), n <= 2^32, by rejection (exactly unbiased): w < 2^32 - (2^32 mod n), then w mod n. */
  below(n: number): number {
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const w = this.next();
      if (w < limit) return w % n;
    }
  }
}

/**
 * Seeded counter-based generator, Philox4x32-10 (Random123). State: key = the 64-bit seed
 * (k0 = low 32 bits, k1 = high 32 bits) and a 128-bit block counter (c0 = least significant word),
 * starting at 0. Block b is philox4x32(counter = b, key) -> words (x0, x1, x2, x3); the counter
 * then moves to b + 1.
 *
 * Each draw call reads the words of fresh consecutive blocks in order (x0..x3 of block b, then of
 * b + 1, ...) and drops whatever is left of its last block, so the state between calls is the
 * counter alone. Word w (a uint32) becomes:
 * - `uniform` float32: element i = (w_i >>> 8) * 2^-24 (24 bits, in [0, 1)).
 * - `uniform` float64: element i = ((w_{2i} >>> 5) * 2^26 + (w_{2i+1} >>> 6)) * 2^-53 (53 bits, in [0, 1)).
 * - `normal` (Box-Muller): pair j yields elements 2j = r cos(2 pi u2) and 2j+1 = r sin(2 pi u2),
 *   r = sqrt(-2 ln u1), computed in float64 (then rounded for float32); a trailing odd element
 *   drops its sine. float32: u1 = (w_{2j} + 1) * 2^-32 in (0, 1], u2 = w_{2j+1} * 2^-32.
 *   float64: u1 = (B(w_{4j}, w_{4j+1}) + 1) * 2^-53, u2 = B(w_{4j+2}, w_{4j+3}) * 2^-53, with B the
 *   53-bit integer of the float64 uniform.
 * - `randint(shape, high)` and each `permutation` swap: the next word w is accepted when
 *   w < 2^32 - (2^32 mod n) and gives w mod n; a rejected word is skipped (exactly unbiased).
 * - `permutation(n)`: a = [0, ..., n-1]; for i = n-1 down to 1, swap a[i] and a[j], j in [0, i].
 *
 * `fork(s)` gives the generator whose key is words (x0, x1) of philox4x32(counter = (s mod 2^32,
 * floor(s / 2^32), 0, 0x666f726b), this key), counter 0.
 *
 * @example
 * const rng = new Rng(42);
 * const noise = rng.normal([4, 3, 32, 32]);          // float32 HostTensor
 * const saved = JSON.stringify(rng.getState());      // resume later with Rng.fromState(JSON.parse(saved))
 */
export class Rng {
  private readonly key: [number, number];
  private readonly ctr = new Uint32Array(4);

  constructor(seed: number | bigint | string = 0) {
    const s = parseUint('seed', seed, MASK64);
    this.key = [Number(s & 0xffffffffn), Number(s >> 32n)];
  }

  /** Restores a generator saved with `getState()`. */
  static fromState(state: RngState): Rng {
    if (state === null || typeof state !== 'object' || state.algorithm !== 'philox4x32-10') {
      throw new RngError(`Rng.fromState: algorithm ${JSON.stringify((state as Partial<RngState> | null)?.algorithm)} is not supported; expected 'philox4x32-10'`);
    }
    const rng = new Rng(state.seed);
    let c = parseUint('counter', state.counter, MASK128);
    for (let k = 0; k < 4; k++, c >>= 32n) rng.ctr[k] = Number(c & 0xffffffffn);
    return rng;
  }

  /** The seed and counter as decimal strings (JSON-safe). */
  getState(): RngState {
    const seed = (BigInt(this.key[1]) << 32n) | BigInt(this.key[0]);
    let counter = 0n;
    for (let k = 3; k >= 0; k--) counter = (counter << 32n) | BigInt(this.ctr[k]);
    return { algorithm: 'philox4x32-10', seed: seed.toString(), counter: counter.toString() };
  }

  /** An independent generator for stream `stream` (a non-negative safe integer), derived from this seed only. */
  fork(stream: number): Rng {
    if (!Number.isSafeInteger(stream) || stream < 0) throw new RngError(`Rng.fork: stream ${stream} must be a non-negative safe integer`);
    const out = new Uint32Array(4);
    philox4x32(out, 0, [stream >>> 0, Math.floor(stream / TWO_32), 0, FORK_TAG], this.key);
    return new Rng((BigInt(out[1]) << 32n) | BigInt(out[0]));
  }

  /** Writes the next block's four words to `out` and advances the 128-bit counter. */
  nextBlock(out: Uint32Array): void {
    philox4x32(out, 0, this.ctr, this.key);
    for (let k = 0; k < 4; k++) {
      this.ctr[k] = (this.ctr[k] + 1) >>> 0;
      if (this.ctr[k] !== 0) break;
    }
  }

  /** Uniform samples in [0, 1). */
  uniform<D extends 'float32' | 'float64' = 'float32'>(shape: readonly number[], dtype: D = 'float32' as D): HostTensor<D> {
    const n = checkShape('uniform', shape);
    const words = new WordReader(this);
    const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    if (dtype === 'float64') for (let i = 0; i < n; i++) data[i] = words.next53() * TWO_M53;
    else for (let i = 0; i < n; i++) data[i] = (words.next() >>> 8) * TWO_M24;
    return new HostTensor(dtype, shape, data as HostTensor<D>['data']);
  }

  /** Standard normal samples (Box-Muller). */
  normal<D extends 'float32' | 'float64' = 'float32'>(shape: readonly number[], dtype: D = 'float32' as D): HostTensor<D> {
    const n = checkShape('normal', shape);
    if (dtype === 'float32') return this.normal32(shape, n) as HostTensor<D>;
    const words = new WordReader(this);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = (words.next53() + 1) * TWO_M53;
      boxMuller(data, i, n, u1, words.next53() * TWO_M53);
    }
    return new HostTensor(dtype, shape, data as HostTensor<D>['data']);
  }

  /**
   * float32 normals, the same numbers as the word-by-word reading: each block's four words are two
   * Box-Muller pairs (w0, w1) and (w2, w3), and a call drops the rest of its last block. Reading the
   * block directly instead of through WordReader: 54-63 -> 47-54 ns per normal (docs/benchmarks.md).
   */
  private normal32(shape: readonly number[], n: number): HostTensor<'float32'> {
    const data = new Float32Array(n);
    const w = new Uint32Array(4);
    for (let i = 0; i < n; i += 4) {
      this.nextBlock(w);
      boxMuller(data, i, n, (w[0] + 1) * TWO_M32, w[1] * TWO_M32);
      if (i + 2 < n) boxMuller(data, i + 2, n, (w[2] + 1) * TWO_M32, w[3] * TWO_M32);
    }
    return new HostTensor('float32', shape, data);
  }

  /** Uniform int32 integers in [0, high), 1 <= high <= 2^31. */
  randint(shape: readonly number[], high: number): HostTensor<'int32'> {
    if (!Number.isInteger(high) || high < 1 || high > 2 ** 31) throw new RngError(`Rng.randint: high ${high} must be an integer in [1, 2^31]`);
    const n = checkShape('randint', shape);
    const words = new WordReader(this);
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = words.below(high);
    return new HostTensor('int32', shape, data);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates), as int32 [n]. */
  permutation(n: number): HostTensor<'int32'> {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 31) throw new RngError(`Rng.permutation: n ${n} must be an integer in [0, 2^31]`);
    const words = new WordReader(this);
    const a = Int32Array.from({ length: n }, (_, k) => k);
    for (let i = n - 1; i > 0; i--) {
      const j = words.below(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return new HostTensor('int32', [n], a);
  }
}
