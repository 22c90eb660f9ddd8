// Test helpers: a tiny stand-in for the CLIP ViT-L/14 image encoder with the same ONNX signature
// (input `pixel_values` [B, 3, 224, 224] -> output `image_embeds` [B, 768]), built with onnx-buf as
// GlobalAveragePool -> Flatten -> MatMul(W [3, 768]); a LAION-layout MLP head file (layers.0/2/4/6/7,
// no metadata, like a converted sac+logos+ava1-l14-linearMSE.pth); and plain-loop reference maths.
import { create, toBinary } from '@bufbuild/protobuf';
import { encodeSafetensors, HostTensor, Rng } from '@ddpo/tensor';
import {
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';

function valueInfo(name: string, dims: (number | string)[]) {
  const dim = dims.map((d) =>
    create(TensorShapeProto_DimensionSchema, { value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d } }),
  );
  const tensorType = create(TypeProto_TensorSchema, { elemType: TensorProto_DataType.FLOAT, shape: create(TensorShapeProtoSchema, { dim }) });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}

/** ONNX bytes of `image_embeds = flatten(GlobalAveragePool(pixel_values)) @ w` with w [3, dim] row-major. */
export function tinyEncoderOnnx(w: Float32Array, dim = 768): Uint8Array {
  const weight = create(TensorProtoSchema, {
    name: 'proj',
    dims: [3n, BigInt(dim)],
    dataType: TensorProto_DataType.FLOAT,
    rawData: new Uint8Array(Float32Array.from(w).buffer),
  });
  const node = (opType: string, input: string[], output: string[]) => create(NodeProtoSchema, { opType, input, output, name: output[0] });
  const graph = create(GraphProtoSchema, {
    name: 'tiny_clip_vision',
    node: [node('GlobalAveragePool', ['pixel_values'], ['pooled']), node('Flatten', ['pooled'], ['flat']), node('MatMul', ['flat', 'proj'], ['image_embeds'])],
    initializer: [weight],
    input: [valueInfo('pixel_values', ['batch', 3, 224, 224])],
    output: [valueInfo('image_embeds', ['batch', dim])],
  });
  const model = create(ModelProtoSchema, {
    irVersion: 8n,
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })],
    producerName: 'ddpo-rewards-test',
    graph,
  });
  return toBinary(ModelProtoSchema, model);
}

/** The LAION improved-aesthetic-predictor layout: 768 -> 1024 -> 128 -> 64 -> 16 -> 1 at layers.0/2/4/6/7. */
export const LAION_LAYOUT: readonly [string, number, number][] = [
  ['layers.0', 1024, 768],
  ['layers.2', 128, 1024],
  ['layers.4', 64, 128],
  ['layers.6', 16, 64],
  ['layers.7', 1, 16],
];

/** Random float32 tensors in the LAION head layout (weights scaled by 1/sqrt(fan-in)). */
export function laionLikeTensors(seed: number): Record<string, HostTensor> {
  const rng = new Rng(seed);
  const out: Record<string, HostTensor> = {};
  for (const [name, o, i] of LAION_LAYOUT) {
    const w = rng.normal([o, i]);
    w.data.forEach((v, k) => (w.data[k] = v / Math.sqrt(i)));
    out[`${name}.weight`] = w;
    out[`${name}.bias`] = rng.normal([o]);
  }
  return out;
}

/** Safetensors bytes of a LAION-layout head without any metadata. */
export function laionLikeHeadFile(seed: number): { bytes: Uint8Array; tensors: Record<string, HostTensor> } {
  const tensors = laionLikeTensors(seed);
  return { bytes: encodeSafetensors(tensors), tensors };
}

/** Plain-loop MLP (no activations) over the LAION layout: the reference the head code is checked against. */
export function naiveLaionMlp(tensors: Record<string, HostTensor>, x: readonly number[]): number {
  let v = [...x];
  for (const [name, o, i] of LAION_LAYOUT) {
    const w = tensors[`${name}.weight`].data;
    const b = tensors[`${name}.bias`].data;
    const next: number[] = [];
    for (let r = 0; r < o; r++) {
      let s = Number(b[r]);
      for (let c = 0; c < i; c++) s += Number(w[r * i + c]) * v[c];
      next.push(s);
    }
    v = next;
  }
  return v[0];
}
