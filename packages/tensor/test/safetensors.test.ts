// safetensors encode/decode: round trips over every dtype, byte-level files built by hand, every
// error path, and the PyTorch-written tiny-unet-32 weights (fixtures/README.md gives provenance).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostTensor, SafetensorsError, decodeSafetensors, encodeSafetensors, tensor, type SafetensorsErrorKind } from '@ddpo/tensor';

/** Builds a file by hand: length prefix, the header text exactly as given, then the data bytes. */
function fileOf(headerText: string, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectError(bytes: Uint8Array, kind: SafetensorsErrorKind, message: RegExp): void {
  let caught: unknown;
  try {
    decodeSafetensors(bytes);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  expect((caught as SafetensorsError).kind).toBe(kind);
  expect((caught as SafetensorsError).message).toMatch(message);
}

describe('encodeSafetensors / decodeSafetensors round trip', () => {
  const tensors = {
    f32: tensor(new Float32Array([1.5, -0, Infinity, -Infinity, NaN, 3.4028234663852886e38]), [2, 3]),
    f64: tensor(new Float64Array([Math.PI, 5e-324, -1e308]), [3]),
    i32: tensor(new Int32Array([-2147483648, 2147483647, 0, 7]), [2, 2]),
    i64: tensor(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n]), [3, 1]),
    bool: tensor(new Uint8Array([1, 0, 1]), [3]),
    scalar: tensor([2.25], [], 'float64'),
    empty: tensor(new Float32Array(0), [0, 4]),
  };

  it('gives back every dtype bit for bit, with shapes and metadata', () => {
    const bytes = encodeSafetensors(tensors, { format: 'pt', note: 'héllo' });
    const { tensors: back, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'héllo' });
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(back[name].dtype, name).toBe(t.dtype);
      expect(back[name].shape, name).toEqual(t.shape);
      expect(new Uint8Array(back[name].data.buffer, back[name].data.byteOffset, back[name].data.byteLength)).toEqual(
        new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      );
    }
    expect(Object.is(back.f32.data[1], -0)).toBe(true);
  });

  it('pads the header to a multiple of 8 and aligns each tensor to its item size', () => {
    const bytes = encodeSafetensors(tensors);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: number[] }>;
    expect(header.__metadata__).toBeUndefined();
    const size: Record<string, number> = { F32: 4, F64: 8, I32: 4, I64: 8, BOOL: 1 };
    for (const e of Object.values(header)) expect(e.data_offsets[0] % size[e.dtype]).toBe(0);
    expect(bytes.length).toBe(8 + n + 24 + 24 + 16 + 24 + 3 + 8);
  });

  it('decodes from an unaligned view (a Node Buffer slice)', () => {
    const bytes = encodeSafetensors({ x: tensor(new Float64Array([1, 2])) });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const { tensors: back } = decodeSafetensors(shifted.subarray(3));
    expect(Array.from(back.x.data as Float64Array)).toEqual([1, 2]);
  });

  it('writes exactly the bytes the format specifies', () => {
    const bytes = encodeSafetensors({ a: tensor(new Int32Array([1, -2]), [2]) });
    const header = '{"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}';
    const padded = header + ' '.repeat(Math.ceil(header.length / 8) * 8 - header.length);
    const expected = fileOf(padded, new Uint8Array([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]));
    expect(bytes).toEqual(expected);
  });

  it('keeps a tensor named __proto__ as an ordinary entry', () => {
    const input: Record<string, HostTensor> = {};
    Object.defineProperty(input, '__proto__', { value: tensor([4], [1]), enumerable: true });
    const { tensors: back } = decodeSafetensors(encodeSafetensors(input));
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });
});

describe('decodeSafetensors on hand-built files', () => {
  it('reads a file written byte by byte', () => {
    const data = new Uint8Array(24);
    const dv = new DataView(data.buffer);
    dv.setFloat64(0, -0.1, true);
    dv.setBigInt64(8, -5n, true);
    dv.setInt16(16, 0x3c00, true); // F16 1.0
    dv.setInt16(18, 0xc000, true); // F16 -2.0
    data.set([1, 0, 1, 1], 20);
    const header =
      '{"__metadata__":{"k":"v"},"d":{"dtype":"F64","shape":[],"data_offsets":[0,8]},' +
      '"i":{"dtype":"I64","shape":[1,1],"data_offsets":[8,16]},"h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},' +
      '"b":{"dtype":"BOOL","shape":[2,2],"data_offsets":[20,24]}}    ';
    const { tensors, metadata } = decodeSafetensors(fileOf(header, data));
    expect(metadata).toEqual({ k: 'v' });
    expect(tensors.d.dtype).toBe('float64');
    expect(tensors.d.shape).toEqual([]);
    expect(tensors.d.data[0]).toBe(-0.1);
    expect(tensors.i.dtype).toBe('int64');
    expect(tensors.i.data[0]).toBe(-5n);
    expect(tensors.h.dtype).toBe('float32');
    expect(Array.from(tensors.h.data as Float32Array)).toEqual([1, -2]);
    expect(tensors.b.dtype).toBe('bool');
    expect(tensors.b.toArray()).toEqual([1, 0, 1, 1]);
  });

  it('widens F16 (normal, subnormal, inf, NaN) and BF16 to float32 exactly', () => {
    const half = [0x3555, 0x0001, 0x7bff, 0xfc00, 0x7e00];
    const bf = [0x3f80, 0x4049, 0xc2f7];
    const data = new Uint8Array(16);
    const dv = new DataView(data.buffer);
    half.forEach((h, i) => dv.setUint16(2 * i, h, true));
    bf.forEach((h, i) => dv.setUint16(10 + 2 * i, h, true));
    const header = '{"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]},"g":{"dtype":"BF16","shape":[3],"data_offsets":[10,16]}}';
    const { tensors } = decodeSafetensors(fileOf(header, data));
    // IEEE binary16: 0x3555 = 1.0101010101b * 2^-2; 0x0001 = 2^-24; 0x7bff = 65504 (max finite).
    expect(Array.from(tensors.h.data as Float32Array)).toEqual([0.333251953125, 2 ** -24, 65504, -Infinity, NaN]);
    // bfloat16 is the top half of a float32: 0x4049 -> 0x40490000 = 3.140625, 0xc2f7 -> -123.5.
    expect(Array.from(tensors.g.data as Float32Array)).toEqual([1, 3.140625, -123.5]);
  });

  it('accepts an empty file body ({} header)', () => {
    expect(decodeSafetensors(fileOf('{}      '))).toEqual({ tensors: {}, metadata: {} });
  });
});

describe('decodeSafetensors error paths', () => {
  const ok = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const eight = new Uint8Array(8);

  it('rejects a file shorter than the length prefix', () => {
    expectError(new Uint8Array(5), 'header-length', /5 bytes, fewer than the 8-byte/);
  });
  it('rejects a header length beyond the file (truncated header)', () => {
    expectError(fileOf(ok, eight, 1000n), 'header-length', /header length 1000 exceeds the \d+ bytes/);
    expectError(fileOf(ok, eight).subarray(0, 30), 'header-length', /exceeds the 22 bytes/);
  });
  it('rejects an absurd header length without reading it', () => {
    expectError(fileOf(ok, eight, 2n ** 63n), 'header-length', /exceeds the 100000000-byte limit/);
  });
  it('rejects bad JSON, non-UTF-8 and non-object headers', () => {
    expectError(fileOf('{"a":', eight), 'header-json', /not valid UTF-8 JSON/);
    const bad = fileOf('{"a":1}');
    bad[9] = 0xff;
    expectError(bad, 'header-json', /not valid UTF-8 JSON/);
    expectError(fileOf('[1, 2]'), 'header-json', /is an array, expected an object/);
  });
  it('rejects malformed entries and metadata', () => {
    expectError(fileOf('{"a":3}'), 'header-entry', /tensor 'a': entry is number 3/);
    expectError(fileOf('{"a":{"dtype":4,"shape":[],"data_offsets":[0,0]}}'), 'header-entry', /tensor 'a': dtype is number 4/);
    expectError(fileOf('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}'), 'header-entry', /shape \[-1\] is not a list/);
    expectError(fileOf('{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,0]}}'), 'header-entry', /shape \[1.5\]/);
    expectError(fileOf('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}', eight), 'header-entry', /data_offsets \[0\] is not \[begin, end\]/);
    expectError(fileOf('{"__metadata__":{"k":1}}'), 'header-entry', /__metadata__.k is number 1, expected a string/);
    expectError(fileOf('{"__metadata__":[]}'), 'header-entry', /__metadata__ is an array/);
  });
  it('rejects unknown and unsupported dtypes, naming the tensor', () => {
    expectError(fileOf('{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,1]}}', new Uint8Array(1)), 'dtype', /tensor 'w': dtype 'Q4' is not supported/);
    expectError(fileOf('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)), 'dtype', /'U8'/);
    expectError(fileOf('{"w":{"dtype":"toString","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)), 'dtype', /'toString'/);
  });
  it('rejects a byte size that does not match dtype x shape', () => {
    expectError(fileOf('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', eight), 'size', /tensor 'a': holds 8 bytes but F32 \[3\] needs 12/);
  });
  it('rejects offsets that end before they begin or run past the data (truncated data)', () => {
    expectError(fileOf('{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', eight), 'offsets', /end before they begin/);
    const truncated = fileOf(ok, eight).subarray(0, 8 + ok.length + 5);
    expectError(truncated, 'offsets', /tensor 'a': data_offsets \[0, 8\] run past the 5 data bytes/);
  });
  it('rejects overlapping offsets, gaps and trailing bytes', () => {
    const two = (b0: number, b1: number) =>
      `{"a":{"dtype":"F32","shape":[2],"data_offsets":[${b0},${b0 + 8}]},"b":{"dtype":"F32","shape":[2],"data_offsets":[${b1},${b1 + 8}]}}`;
    expectError(fileOf(two(0, 4), new Uint8Array(12)), 'offsets', /tensor 'b'.*overlap 'a'/);
    expectError(fileOf(two(0, 12), new Uint8Array(20)), 'offsets', /tensor 'b': data_offsets begin at 12, leaving a gap after 'a'/);
    expectError(fileOf(ok, new Uint8Array(12)), 'offsets', /cover 8 data bytes but the file holds 12/);
  });
  it('rejects BOOL bytes other than 0 and 1', () => {
    expectError(fileOf('{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}', new Uint8Array([1, 2, 0])), 'value', /tensor 'm': BOOL element 1 is byte 2/);
  });
  it('refuses to encode non-string metadata or a tensor named __metadata__', () => {
    expect(() => encodeSafetensors({}, { n: 3 as unknown as string })).toThrow(/metadata 'n' is a number/);
    expect(() => encodeSafetensors({ __metadata__: tensor([1]) })).toThrow(SafetensorsError);
  });
});

describe('tiny-unet-32 weights written by PyTorch (fixtures/README.md)', () => {
  const bytes = readFileSync(new URL('./fixtures/tiny-unet-32-torch.safetensors', import.meta.url));
  const { tensors, metadata } = decodeSafetensors(bytes);

  it('holds 95 float32 tensors, 591,139 elements in all, and the writer metadata', () => {
    const all = Object.values(tensors);
    expect(all.length).toBe(95);
    expect(all.every((t) => t.dtype === 'float32')).toBe(true);
    expect(all.reduce((n, t) => n + t.size, 0)).toBe(591_139);
    expect(metadata.format).toBe('pt');
    expect(tensors['emb.weight'].shape).toEqual([17, 128]);
    expect(tensors['cout.weight'].shape).toEqual([3, 32, 3, 3]);
  });

  it('gives the values Python read from the same file', () => {
    const kb = tensors['att.k.bias'].data as Float32Array;
    expect(Array.from(kb.subarray(0, 3))).toEqual([0.0006972695118747652, -0.013435030356049538, 0.023493675515055656]);
    const sum = (t: HostTensor) => (t.data as Float32Array).reduce((s, v) => s + v, 0);
    // Python's math.fsum is exactly rounded; a plain float64 sum of a few thousand float32 values agrees to ~1e-15.
    expect(sum(tensors['att.k.bias'])).toBeCloseTo(-0.31918627695995383, 12);
    expect(sum(tensors['cout.weight'])).toBeCloseTo(-1.5107773906565853, 12);
    expect(sum(tensors['emb.weight'])).toBeCloseTo(-1.7436261493130587, 12);
    expect(tensors['cout.weight'].data[863]).toBe(0.018202289938926697);
  });

  it('re-encodes to a file that decodes to the same tensors', () => {
    const again = decodeSafetensors(encodeSafetensors(tensors, metadata));
    const bytesOf = (t: HostTensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    for (const [name, t] of Object.entries(tensors)) expect(bytesOf(again.tensors[name]).equals(bytesOf(t)), name).toBe(true);
  });
});
