// TensorBoard event files (`events.out.tfevents.*`), written without TensorFlow: a TFRecord stream
// (each record: uint64 length, masked CRC32C of the length, the bytes, masked CRC32C of the bytes, all
// little-endian) of `tensorflow.Event` protocol buffers: a file_version event first, then one event per
// epoch with the metrics as scalar summaries (Summary.Value.simple_value) and the sample grid as an
// image summary (Summary.Image with the PNG bytes). A resumed run writes a SessionLog START event at its
// first step, which tells TensorBoard to drop the events the interrupted run wrote from there on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { TrainerError } from './errors.js';
import type { EpochMetrics } from './metrics.js';

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven.
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32C (Castagnoli) of `bytes`, as an unsigned 32-bit integer.
 *
 * @example
 * crc32c(new TextEncoder().encode('123456789')); // 0xe3069283
 */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The masked CRC-32C of TFRecord files: rotate right by 15 bits, add 0xa282ead8 (mod 2^32).
 *
 * @example
 * maskedCrc32c(new Uint8Array(0)); // 0xa282ead8
 */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/**
 * One TFRecord: 8-byte length, its masked CRC, the data, the data's masked CRC.
 *
 * @example
 * tfRecord(eventBytes).length; // eventBytes.length + 16
 */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 16);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** What one event carries besides its time and step. */
export type EventBody =
  | { fileVersion: string }
  | { scalars: Record<string, number> }
  | { image: { tag: string; png: Uint8Array; width: number; height: number; channels: number } }
  | { sessionStart: true };

/**
 * Encodes a `tensorflow.Event`: wall_time = 1 (double), step = 2 (int64), then file_version = 3,
 * summary = 5 (Summary { repeated Value value = 1 }; Value { tag = 1, simple_value = 2 (float),
 * image = 4 (Image { height = 1, width = 2, colorspace = 3, encoded_image_string = 4 }) }) or
 * session_log = 7 (SessionLog { status = 1 }, START = 1).
 *
 * @example
 * encodeEvent(1700000000, 3, { scalars: { rewardMean: 0.5 } });
 */
export function encodeEvent(wallTime: number, step: number, body: EventBody): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Bit64).double(wallTime);
  if (step !== 0) w.tag(2, WireType.Varint).int64(step); // proto3: a default value is not written
  if ('fileVersion' in body) {
    w.tag(3, WireType.LengthDelimited).string(body.fileVersion);
  } else if ('sessionStart' in body) {
    w.tag(7, WireType.LengthDelimited).fork().tag(1, WireType.Varint).int32(1).join();
  } else {
    w.tag(5, WireType.LengthDelimited).fork();
    if ('scalars' in body) {
      for (const [tag, value] of Object.entries(body.scalars)) {
        w.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(tag).tag(2, WireType.Bit32).float(value).join();
      }
    } else {
      const im = body.image;
      w.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(im.tag);
      w.tag(4, WireType.LengthDelimited).fork();
      w.tag(1, WireType.Varint).int32(im.height).tag(2, WireType.Varint).int32(im.width).tag(3, WireType.Varint).int32(im.channels);
      w.tag(4, WireType.LengthDelimited).bytes(im.png);
      w.join().join();
    }
    w.join();
  }
  return w.finish();
}

/** Width, height and channels of a PNG from its IHDR chunk (colour types 0, 2, 4, 6). */
function pngInfo(png: Uint8Array): { width: number; height: number; channels: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 29 || sig.some((b, i) => png[i] !== b)) throw new TrainerError('tensorboard: an image summary needs PNG bytes');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[png[25]];
  if (channels === undefined) throw new TrainerError(`tensorboard: PNG colour type ${png[25]} is not grey, RGB, grey+alpha or RGBA`);
  return { width: view.getUint32(16), height: view.getUint32(20), channels };
}

let writersOpened = 0;

/**
 * Appends TensorBoard events to `<dir>/events.out.tfevents.<seconds>.<host>.<pid>.<n>` (a new file per
 * writer, as TensorFlow's writers do; TensorBoard reads all of a directory's files in order).
 *
 * @example
 * const tb = new TensorBoardWriter('runs/a');
 * tb.scalars(0, { rewardMean: -1.25, loss: 0.01 });
 * tb.image(0, 'samples', pngBytes);
 */
export class TensorBoardWriter {
  /** The event file written. */
  readonly file: string;
  private readonly now: () => number;

  /** `now` (seconds since the epoch) is for tests; by default the wall clock. */
  constructor(dir: string, opts: { now?: () => number } = {}) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    fs.mkdirSync(dir, { recursive: true });
    const t = this.now();
    this.file = path.join(dir, `events.out.tfevents.${Math.floor(t)}.${os.hostname()}.${process.pid}.${writersOpened++}`);
    this.write(encodeEvent(t, 0, { fileVersion: 'brain.Event:2' }));
  }

  /** Scalars at `step` (non-finite values are left out: they have no point on a curve). */
  scalars(step: number, values: Record<string, number>): void {
    const finite = Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v)));
    if (Object.keys(finite).length > 0) this.write(encodeEvent(this.now(), step, { scalars: finite }));
  }

  /** A PNG image at `step` under `tag`. */
  image(step: number, tag: string, png: Uint8Array): void {
    this.write(encodeEvent(this.now(), step, { image: { tag, png, ...pngInfo(png) } }));
  }

  /** Marks a (re)start at `step`: TensorBoard discards this run's older events from `step` on. */
  sessionStart(step: number): void {
    this.write(encodeEvent(this.now(), step, { sessionStart: true }));
  }

  private write(event: Uint8Array): void {
    // one appendFileSync per record: a crash leaves whole records before it (readers stop at a torn tail)
    fs.appendFileSync(this.file, tfRecord(event));
  }
}

/**
 * The scalars of an epoch's metrics for TensorBoard: every numeric field but `epoch` (the step), under
 * its metrics.jsonl name.
 *
 * @example
 * epochScalars(metrics[0]); // { rewardMean: -1.2, rewardStd: 0.1, ..., rewardQueries: 32 }
 */
export function epochScalars(m: EpochMetrics): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter((e): e is [string, number] => e[0] !== 'epoch' && typeof e[1] === 'number'));
}
