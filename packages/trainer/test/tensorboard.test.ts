// TensorBoard event files: CRC-32C against published test vectors, records and events byte for byte
// against what TensorBoard's own writer produces, and a training run that writes scalars and images.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineReward } from '@ddpo/rewards';
import type { TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { crc32c, DDPOTrainer, encodeEvent, maskedCrc32c, silentProgress, TensorBoardWriter, tfRecord } from '@ddpo/trainer';
import { tinyModel, tinyParams, TINY_PROMPTS } from './helpers/tiny-model.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

// Reference bytes written by TensorBoard 2.21.0's Python RecordWriter (tensorboard.summary.writer.record_writer)
// for Events built with its protos (tensorboard.compat.proto.event_pb2 / summary_pb2):
// 1. Event(wall_time=1700000000.5, step=0, file_version='brain.Event:2')
// 2. Event(wall_time=1700000001.25, step=3, summary=Summary(value=[Value(tag='rewardMean', simple_value=0.25)]))
const REF_SCALAR_FILE =
  '1800000000000000a37f4b220900002040fc54d9411a0d627261696e2e4576656e743a322b353110200000000000000029eda9500900005040fc54d94110032a130a110a0a7265776172644d65616e150000803ed4d156bd';
// 3. Event(wall_time=1700000002, step=4, summary=Summary(value=[Value(tag='samples', image=Image(height=1, width=2, colorspace=3, encoded_image_string=PNG))]))
// 4. Event(wall_time=1700000003, step=2, session_log=SessionLog(status=START))
const PNG_2x1 = '89504e470d0a1a0a0000000d49484452000000020000000108020000007b40e8dd0000000d49444154780163f8cf0004ff01070001ff10531dab0000000049454e44ae426082';
const REF_IMAGE_FILE =
  '6800000000000000fe9c7ad40900008040fc54d94110042a5b0a590a0773616d706c6573224e080110021803224689504e470d0a1a0a0000000d49484452000000020000000108020000007b40e8dd0000000d49444154780163f8cf0004ff01070001ff10531dab0000000049454e44ae42608221eea03d0f000000000000006d532b09090000c040fc54d94110023a020801f679db29';

describe('CRC-32C', () => {
  it('matches the test vectors of RFC 3720 (appendix B.4) and the CRC catalogue check value', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('is masked as TFRecord files mask it', () => {
    // crc 0 rotates to 0; the mask constant remains
    expect(maskedCrc32c(new Uint8Array(0))).toBe(0xa282ead8);
    // the first record's header of REF_SCALAR_FILE: length 0x18 and its masked CRC a37f4b22 (little-endian)
    expect(maskedCrc32c(Uint8Array.from([0x18, 0, 0, 0, 0, 0, 0, 0]))).toBe(0x224b7fa3);
  });
});

describe('event records', () => {
  it('a file_version event and a scalar event are byte-identical to TensorBoard\'s', () => {
    const out = concat(
      tfRecord(encodeEvent(1700000000.5, 0, { fileVersion: 'brain.Event:2' })),
      tfRecord(encodeEvent(1700000001.25, 3, { scalars: { rewardMean: 0.25 } })),
    );
    expect(hex(out)).toBe(REF_SCALAR_FILE);
  });

  it('an image event and a session START event are byte-identical to TensorBoard\'s', () => {
    const png = new Uint8Array(Buffer.from(PNG_2x1, 'hex'));
    const out = concat(
      tfRecord(encodeEvent(1700000002, 4, { image: { tag: 'samples', png, height: 1, width: 2, channels: 3 } })),
      tfRecord(encodeEvent(1700000003, 2, { sessionStart: true })),
    );
    expect(hex(out)).toBe(REF_IMAGE_FILE);
  });

  it('TensorBoardWriter reads the image size from the PNG and refuses bytes that are not one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-tb-'));
    try {
      let t = 1700000000.5;
      const tb = new TensorBoardWriter(dir, { now: () => t });
      expect(path.basename(tb.file)).toMatch(/^events\.out\.tfevents\.1700000000\./);
      t = 1700000001.25;
      tb.scalars(3, { rewardMean: 0.25, loss: Number.NaN }); // NaN has no point on a curve: left out
      expect(hex(fs.readFileSync(tb.file))).toBe(REF_SCALAR_FILE);
      t = 1700000002;
      tb.image(4, 'samples', new Uint8Array(Buffer.from(PNG_2x1, 'hex')));
      t = 1700000003;
      tb.sessionStart(2);
      expect(hex(fs.readFileSync(tb.file))).toBe(REF_SCALAR_FILE + REF_IMAGE_FILE);
      expect(() => tb.image(5, 'x', new Uint8Array([1, 2, 3]))).toThrow(/needs PNG bytes/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Reads back the records of an event file, checking both CRCs of each. */
function readRecords(file: string): Uint8Array[] {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; ) {
    const n = Number(view.getBigUint64(off, true));
    expect(view.getUint32(off + 8, true)).toBe(maskedCrc32c(bytes.subarray(off, off + 8)));
    const data = bytes.subarray(off + 12, off + 12 + n);
    expect(view.getUint32(off + 12 + n, true)).toBe(maskedCrc32c(data));
    out.push(data);
    off += n + 16;
  }
  return out;
}

describe('training with tensorboard: true', () => {
  let adapter: TensorAdapter;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-tbrun-'));
  beforeAll(async () => {
    adapter = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await adapter.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a file_version event, then per epoch the metrics as scalars and the grid as an image', async () => {
    const reward = defineReward('brightness', (images) => Array.from({ length: images.shape[0] }, (_, b) => (images.data as Float32Array)[b * images.size / images.shape[0]]));
    const trainer = await DDPOTrainer.create({
      model: tinyModel(), params: tinyParams(), reward, promptNames: [...TINY_PROMPTS], adapter, progress: silentProgress, outDir: dir, tensorboard: true,
      config: { numEpochs: 2, seed: 1, sampleBatchSize: 2, sampleNumBatchesPerEpoch: 1, sampleNumSteps: 2, trainBatchSize: 2, perPromptStatTracking: false },
    });
    await trainer.train();
    const files = fs.readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));
    expect(files).toHaveLength(1);
    const records = readRecords(path.join(dir, files[0]));
    expect(records).toHaveLength(1 + 2 * 2); // version, then (scalars, image) per epoch
    const text = records.map((r) => Buffer.from(r).toString('latin1'));
    expect(text[0]).toContain('brain.Event:2');
    for (const i of [1, 3]) for (const tag of ['rewardMean', 'rewardStd', 'gradNorm', 'rewardQueries']) expect(text[i]).toContain(tag);
    expect(text[1]).not.toContain('epoch'); // the step, not a scalar
    for (const i of [2, 4]) {
      expect(text[i]).toContain('samples');
      expect(text[i]).toContain('\x89PNG');
    }
    // the image is the epoch's grid file, byte for byte
    const grid = fs.readFileSync(path.join(dir, 'samples', 'epoch-0001.png'));
    expect(Buffer.from(records[4]).includes(grid)).toBe(true);
  });
});
