// The safetensors format (huggingface/safetensors): an 8-byte little-endian u64 header length N, N
// bytes of UTF-8 JSON { name: { dtype, shape, data_offsets }, __metadata__?: { string: string } }
// padded with spaces, then the raw little-endian tensor bytes. Decoding validates everything before
// it copies anything out, so a malformed file never yields a partial result.
import { allocate, itemSize, type DType, type TensorData } from './dtype.js';
import { DdpoError } from './errors.js';
import { HostTensor, shapeSize } from './host.js';

/** What a safetensors file failed on (the `kind` of a SafetensorsError). */
export type SafetensorsErrorKind =
  | 'header-length'
  | 'header-json'
  | 'header-entry'
  | 'dtype'
  | 'offsets'
  | 'size'
  | 'value'
  | 'encode';

/**
 * A safetensors file (or a request to write one) is malformed. `kind` says which check failed,
 * `tensor` names the tensor involved when there is one.
 *
 * @example
 * try { decodeSafetensors(new Uint8Array(3)); } catch (e) { if (e instanceof SafetensorsError) e.kind; } // 'header-length'
 */
export class SafetensorsError extends DdpoError {
  constructor(
    readonly kind: SafetensorsErrorKind,
    message: string,
    readonly tensor?: string,
  ) {
    super(`safetensors: ${message}`);
  }
}

/** File dtype names for each host dtype (the format's own spelling). */
const FILE_DTYPE: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', int64: 'I64', bool: 'BOOL' };

/** File dtypes we read; F16 and BF16 are widened to float32 (exactly), as HostTensor has no half type. */
const READ_DTYPE: Record<string, { dtype: DType; bytes: number }> = {
  F32: { dtype: 'float32', bytes: 4 },
  F64: { dtype: 'float64', bytes: 8 },
  I32: { dtype: 'int32', bytes: 4 },
  I64: { dtype: 'int64', bytes: 8 },
  BOOL: { dtype: 'bool', bytes: 1 },
  F16: { dtype: 'float32', bytes: 2 },
  BF16: { dtype: 'float32', bytes: 2 },
};

/** Same limit as the Rust implementation: a header above 100 MB is refused, not parsed. */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Serialises named host tensors (and optional string metadata) to safetensors bytes. Tensors are
 * laid out by decreasing item size, then name, so every tensor starts aligned to its item size.
 *
 * @example
 * const bytes = encodeSafetensors({ w: tensor([1, 2, 3], [3]) }, { format: 'pt' });
 */
export function encodeSafetensors(tensors: Record<string, HostTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => {
    const d = itemSize(tensors[b].dtype) - itemSize(tensors[a].dtype);
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = Object.create(null);
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError('encode', `metadata '${k}' is a ${typeof v}, expected a string`);
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new SafetensorsError('encode', `'__metadata__' cannot name a tensor`, name);
    const t = tensors[name];
    const nbytes = t.data.byteLength;
    header[name] = { dtype: FILE_DTYPE[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  const base = 8 + padded;
  for (const name of names) {
    const t = tensors[name];
    const begin = (header[name] as { data_offsets: number[] }).data_offsets[0];
    out.set(littleEndianBytes(t.data), base + begin);
  }
  return out;
}

/** One validated header entry. */
interface Entry {
  name: string;
  fileDtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses safetensors bytes into host tensors and metadata. Throws SafetensorsError (naming the
 * tensor and the check) on a bad header length, bad JSON, unknown dtype, a byte size that does not
 * match dtype x shape, or offsets out of range, overlapping or leaving gaps; nothing is returned then.
 *
 * @example
 * const { tensors, metadata } = decodeSafetensors(fs.readFileSync('model.safetensors'));
 */
export function decodeSafetensors(bytes: Uint8Array): { tensors: Record<string, HostTensor>; metadata: Record<string, string> } {
  const { entries, metadata, dataStart } = parseHeader(bytes);
  const data = bytes.subarray(dataStart);
  checkLayout(entries, data.length);
  const tensors: Record<string, HostTensor> = {};
  for (const e of entries) {
    setOwn(tensors, e.name, readTensor(e, data.subarray(e.begin, e.end)));
  }
  return { tensors, metadata };
}

/** Reads and validates the length prefix and the JSON header. */
function parseHeader(bytes: Uint8Array): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) throw new SafetensorsError('header-length', `file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError('header-length', `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (n > BigInt(bytes.length - 8)) {
    throw new SafetensorsError('header-length', `header length ${n} exceeds the ${bytes.length - 8} bytes after the length prefix (truncated file?)`);
  }
  const dataStart = 8 + Number(n);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (err) {
    throw new SafetensorsError('header-json', `header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(parsed)) throw new SafetensorsError('header-json', `header JSON is ${describe(parsed)}, expected an object`);
  const metadata = parseMetadata(parsed.__metadata__);
  const entries = Object.entries(parsed)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, value]) => parseEntry(name, value));
  return { entries, metadata, dataStart };
}

function parseMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) throw new SafetensorsError('header-entry', `__metadata__ is ${describe(raw)}, expected an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new SafetensorsError('header-entry', `__metadata__.${k} is ${describe(v)}, expected a string`);
    setOwn(out, k, v);
  }
  return out;
}

function parseEntry(name: string, raw: unknown): Entry {
  if (!isPlainObject(raw)) throw new SafetensorsError('header-entry', `tensor '${name}': entry is ${describe(raw)}, expected an object`, name);
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string') throw new SafetensorsError('header-entry', `tensor '${name}': dtype is ${describe(dtype)}, expected a string`, name);
  if (!Object.hasOwn(READ_DTYPE, dtype)) {
    throw new SafetensorsError('dtype', `tensor '${name}': dtype '${dtype}' is not supported (supported: ${Object.keys(READ_DTYPE).join(', ')})`, name);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw new SafetensorsError('header-entry', `tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`, name);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw new SafetensorsError('header-entry', `tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not [begin, end] of non-negative integers`, name);
  }
  return { name, fileDtype: dtype, shape: shape as number[], begin: offsets[0] as number, end: offsets[1] as number };
}

/**
 * Offsets must tile the data area exactly, as the Rust implementation requires: sorted by begin,
 * each tensor starts where the previous ended, and the last one ends at the end of the file.
 */
function checkLayout(entries: Entry[], dataLength: number): void {
  for (const e of entries) {
    if (e.end < e.begin) throw new SafetensorsError('offsets', `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] end before they begin`, e.name);
    if (e.end > dataLength) {
      throw new SafetensorsError('offsets', `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] run past the ${dataLength} data bytes (truncated file?)`, e.name);
    }
    const want = shapeSize(e.shape) * READ_DTYPE[e.fileDtype].bytes;
    if (e.end - e.begin !== want) {
      throw new SafetensorsError('size', `tensor '${e.name}': holds ${e.end - e.begin} bytes but ${e.fileDtype} [${e.shape.join(', ')}] needs ${want}`, e.name);
    }
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev = '(start of data)';
  for (const e of sorted) {
    if (e.begin < cursor) throw new SafetensorsError('offsets', `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap '${prev}' (ends at ${cursor})`, e.name);
    if (e.begin > cursor) throw new SafetensorsError('offsets', `tensor '${e.name}': data_offsets begin at ${e.begin}, leaving a gap after '${prev}' (ends at ${cursor})`, e.name);
    cursor = e.end;
    prev = e.name;
  }
  if (cursor !== dataLength) {
    throw new SafetensorsError('offsets', `tensors cover ${cursor} data bytes but the file holds ${dataLength} after the header`);
  }
}

/** Copies one tensor's bytes out (the source may be unaligned) and converts to host order. */
function readTensor(e: Entry, raw: Uint8Array): HostTensor {
  const { dtype, bytes } = READ_DTYPE[e.fileDtype];
  if (e.fileDtype === 'F16' || e.fileDtype === 'BF16') return new HostTensor('float32', e.shape, widenHalf(raw, e.fileDtype));
  const copy = raw.slice();
  if (!LITTLE_ENDIAN_HOST && bytes > 1) swapBytes(copy, bytes);
  const out = allocate(dtype, raw.length / bytes);
  new Uint8Array(out.buffer).set(copy);
  if (dtype === 'bool') {
    const bad = (out as Uint8Array).findIndex((v) => v > 1);
    if (bad >= 0) throw new SafetensorsError('value', `tensor '${e.name}': BOOL element ${bad} is byte ${(out as Uint8Array)[bad]}, expected 0 or 1`, e.name);
  }
  return new HostTensor(dtype, e.shape, out);
}

/** IEEE half (F16) or bfloat16 (BF16) to float32; both widen exactly. */
function widenHalf(raw: Uint8Array, kind: 'F16' | 'BF16'): Float32Array<ArrayBuffer> {
  const n = raw.length / 2;
  const out = new Float32Array(n);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  for (let i = 0; i < n; i++) {
    const h = view.getUint16(2 * i, true);
    if (kind === 'BF16') {
      bits[0] = h << 16;
      out[i] = asFloat[0];
      continue;
    }
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac === 0 ? sign * Infinity : NaN;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** A tensor's bytes in little-endian order (a view when the host is little-endian). */
function littleEndianBytes(data: TensorData): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) return view;
  const copy = view.slice();
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

function swapBytes(buf: Uint8Array, width: number): void {
  for (let i = 0; i < buf.length; i += width) buf.subarray(i, i + width).reverse();
}

/** Plain assignment would treat a key like '__proto__' specially; this makes it an own entry like any other. */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
