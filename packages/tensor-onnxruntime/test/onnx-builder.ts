// Test helper: writes small ONNX models node by node (onnx-buf), so the importer can be checked
// against ONNX Runtime running the very same model bytes.
import { create, toBinary } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, OperatorSetIdProtoSchema } from 'onnx-buf';
import type { DType, HostTensor } from '@ddpo/tensor';
import { attribute, tensorProto, valueInfo, type AttrValue } from '../src/proto.js';

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
  domain?: string;
}

export interface ModelSpec {
  opset?: number;
  inputs: [string, DType, number[]][];
  outputs: [string, DType, number[]][];
  nodes: NodeSpec[];
  initializers?: Record<string, HostTensor>;
}

/** Serialized ONNX model of `spec` (IR 8, default opset 17). */
export function onnxModel(spec: ModelSpec): Uint8Array<ArrayBuffer> {
  const nodes = spec.nodes.map((n, k) =>
    create(NodeProtoSchema, {
      opType: n.op,
      domain: n.domain ?? '',
      name: `n${k}`,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([a, v]) => attribute(a, v)),
    }),
  );
  const graph = create(GraphProtoSchema, {
    name: 'test',
    node: nodes,
    input: spec.inputs.map(([n, d, s]) => valueInfo(n, s, d)),
    output: spec.outputs.map(([n, d, s]) => valueInfo(n, s, d)),
    initializer: Object.entries(spec.initializers ?? {}).map(([n, t]) => tensorProto(n, t)),
  });
  const opsets = [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(spec.opset ?? 17) })];
  return toBinary(ModelProtoSchema, create(ModelProtoSchema, { irVersion: 8n, opsetImport: opsets, graph })) as Uint8Array<ArrayBuffer>;
}
