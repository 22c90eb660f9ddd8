// Small builders and readers over the ONNX protobuf schema (onnx-buf, ONNX 1.20): dtype mapping,
// TensorProto <-> HostTensor (little-endian raw_data), attributes and value infos.
import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AttrType,
  AttributeProtoSchema,
  TensorProto_DataType as OnnxType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { allocate, HostTensor, itemSize, shapeSize, type DType } from '@ddpo/tensor';
import { OnnxFormatError } from './errors.js';

/**
 * The ONNX opset the lowering targets (ReduceSum takes axes as an input, ReduceMax as an attribute).
 *
 * @example
 * lowerGraph(graph).opsetImport[0].version; // 17n
 */
export const OPSET = 17;
/** The IR version written into models (IR 8 goes with opset 17). */
export const IR_VERSION = 8n;

/** ONNX element type of a dtype. */
export function onnxType(dtype: DType): OnnxType {
  switch (dtype) {
    case 'float32':
      return OnnxType.FLOAT;
    case 'float64':
      return OnnxType.DOUBLE;
    case 'int32':
      return OnnxType.INT32;
    case 'int64':
      return OnnxType.INT64;
    case 'bool':
      return OnnxType.BOOL;
    default:
      return dtype satisfies never;
  }
}

/** The dtype of an ONNX element type, or undefined when @ddpo/tensor has none for it. */
export function dtypeOf(t: OnnxType): DType | undefined {
  const table: Partial<Record<OnnxType, DType>> = {
    [OnnxType.FLOAT]: 'float32',
    [OnnxType.DOUBLE]: 'float64',
    [OnnxType.INT32]: 'int32',
    [OnnxType.INT64]: 'int64',
    [OnnxType.BOOL]: 'bool',
  };
  return table[t];
}

/** A TensorProto holding `t` (raw little-endian bytes, as ONNX stores initializers). */
export function tensorProto(name: string, t: HostTensor): TensorProto {
  const d = t.data;
  return create(TensorProtoSchema, {
    name,
    dataType: onnxType(t.dtype),
    dims: t.shape.map((n) => BigInt(n)),
    rawData: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) as Uint8Array<ArrayBuffer>,
  });
}

/** Reads a TensorProto (raw_data or the typed repeated fields) into a host tensor. */
export function hostFromProto(p: TensorProto): HostTensor {
  const dtype = dtypeOf(p.dataType);
  if (dtype === undefined) {
    throw new OnnxFormatError(`tensor '${p.name}': element type ${OnnxType[p.dataType] ?? p.dataType} is not supported (float32, float64, int32, int64, bool)`);
  }
  if (p.dataLocation === 1) throw new OnnxFormatError(`tensor '${p.name}': external data is not supported; save the model with its weights inside`);
  const shape = p.dims.map((n) => Number(n));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new OnnxFormatError(`tensor '${p.name}': invalid dimensions [${shape.join(', ')}]`);
  const size = shapeSize(shape);
  // Sizes are checked against the bytes present before allocating: a corrupt dim must not allocate gigabytes.
  if (p.rawData.length > 0) {
    if (p.rawData.length !== size * itemSize(dtype)) {
      throw new OnnxFormatError(`tensor '${p.name}': raw_data has ${p.rawData.length} bytes, expected ${size * itemSize(dtype)} for ${dtype} [${shape.join(', ')}]`);
    }
    // Copy into an aligned buffer: raw_data's offset inside the model bytes is arbitrary.
    const out = allocate(dtype, size);
    new Uint8Array(out.buffer).set(p.rawData);
    return new HostTensor(dtype, shape, out);
  }
  const src = typedField(p, dtype);
  if (src.length !== size) throw new OnnxFormatError(`tensor '${p.name}': holds ${src.length} values, expected ${size} for [${shape.join(', ')}]`);
  const out = allocate(dtype, size);
  for (let i = 0; i < size; i++) (out as { [k: number]: number | bigint })[i] = dtype === 'int64' ? BigInt(src[i]) : Number(src[i]);
  return new HostTensor(dtype, shape, out);
}

function typedField(p: TensorProto, dtype: DType): ArrayLike<number | bigint> {
  switch (dtype) {
    case 'float32':
      return p.floatData;
    case 'float64':
      return p.doubleData;
    case 'int64':
      return p.int64Data;
    case 'int32':
    case 'bool':
      return p.int32Data;
    default:
      return dtype satisfies never;
  }
}

/** An attribute value: tagged so that 1 (int) and 1.0 (float) stay distinct. */
export type AttrValue =
  | { int: number }
  | { ints: readonly number[] }
  | { float: number }
  | { string: string }
  | { tensor: HostTensor };

/** Builds an AttributeProto. */
export function attribute(name: string, v: AttrValue): AttributeProto {
  if ('int' in v) return create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(v.int) });
  if ('ints' in v) return create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: v.ints.map((x) => BigInt(x)) });
  if ('float' in v) return create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: v.float });
  if ('string' in v) return create(AttributeProtoSchema, { name, type: AttrType.STRING, s: new TextEncoder().encode(v.string) });
  return create(AttributeProtoSchema, { name, type: AttrType.TENSOR, t: tensorProto('', v.tensor) });
}

/** A ValueInfoProto for a tensor of static shape. */
export function valueInfo(name: string, shape: readonly number[], dtype: DType): ValueInfoProto {
  const dims = shape.map((d) => create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: BigInt(d) } }));
  const tensorType = create(TypeProto_TensorSchema, { elemType: onnxType(dtype), shape: create(TensorShapeProtoSchema, { dim: dims }) });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}
