// The NCHWc block-size probe: one tiny onnxruntime-node session that asks ReorderInput how far it
// pads 4 channels. Kept apart from nchwc.ts (pure emission) so the lowering imports no runtime.
import { create, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import { GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, OperatorSetIdProtoSchema } from 'onnx-buf';
import { NCHWC_DOMAIN } from './nchwc.js';
import { IR_VERSION, OPSET, valueInfo } from './proto.js';

/** A model reordering x [1, c, 1, 1] into NCHWc (padded to [1, B, 1, 1]), to find the block size B. */
function reorderProbe(c: number): Uint8Array {
  const node = create(NodeProtoSchema, { opType: 'ReorderInput', domain: NCHWC_DOMAIN, input: ['x'], output: ['y'], name: 'probe' });
  const graph = create(GraphProtoSchema, { name: 'nchwc-probe', node: [node], input: [valueInfo('x', [1, c, 1, 1], 'float32')], output: [valueInfo('y', [1, c, 1, 1], 'float32')] });
  const opsetImport = [
    create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(OPSET) }),
    create(OperatorSetIdProtoSchema, { domain: NCHWC_DOMAIN, version: 1n }),
  ];
  return toBinary(ModelProtoSchema, create(ModelProtoSchema, { irVersion: IR_VERSION, opsetImport, graph }));
}

/** The channel count ReorderInput pads 4 channels to (the block size), or 0 when it fails. */
async function reorderedChannels(): Promise<number> {
  try {
    const s = await ort.InferenceSession.create(reorderProbe(4), { executionProviders: ['cpu'], logSeverityLevel: 4 });
    try {
      const { y } = await s.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]) });
      return Number(y.dims[1]);
    } finally {
      await s.release();
    }
  } catch {
    return 0;
  }
}

let probed: Promise<number> | undefined;

/**
 * ORT's NCHWc channel block size on this CPU (16 with AVX-512, 8 with AVX2), or 0 when its NCHWc
 * kernels are missing: ReorderInput pads the channels of a 4-channel probe up to one block.
 * Probed once per process (one tiny session).
 *
 * @example
 * await nchwcBlockSize(); // 16 on an AVX-512 machine
 */
export function nchwcBlockSize(): Promise<number> {
  probed ??= reorderedChannels().then((b) => (b >= 8 && (b & (b - 1)) === 0 ? b : 0));
  return probed;
}
