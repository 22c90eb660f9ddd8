// Every workload of `npm run bench` built at its full (non --quick) shapes, without timing: the
// trainer configs of the epoch rows pass the trainer's own validation, and the DDPO training graph
// at the full batch traces and lowers to ONNX. `bench.test.ts` only runs --quick, whose small shapes
// once hid a full-size config that the trainer rejects (trainBatchSize 16 > default sampleBatchSize 8).
import { tinyUnet32 } from '@ddpo/models';
import { GraphBuilder, ReferenceAdapter } from '@ddpo/tensor';
import { paramInputs } from '@ddpo/policy';
import { lowerGraph } from '@ddpo/tensor-onnxruntime';
import { parseTrainerConfig } from '@ddpo/trainer';
import { describe, expect, it } from 'vitest';
import { compareSettings } from '../bench/compare.js';
import { graphFlops } from '../bench/flops.js';
import { benchLoraModel, benchSizes, epochConfig, makePolicy, trainingGraph } from '../bench/workloads.js';

describe('benchmark workloads at full size', () => {
  const sz = benchSizes(false);

  it('the epoch rows use configs the trainer accepts', async () => {
    const epoch = parseTrainerConfig({ ...epochConfig(sz), algorithm: 'ddpo-is', numEpochs: sz.epochs + 1 });
    expect(epoch.sampleBatchSize).toBe(sz.sampleBatch);
    expect(epoch.trainBatchSize).toBe(sz.trainBatch);
    const compare = await compareSettings();
    expect(() => parseTrainerConfig({ ...compare, algorithm: 'ddpo-is', numEpochs: sz.epochs + 1 })).not.toThrow();
  });

  it('the training graph traces at batch trainBatch and lowers to ONNX', () => {
    const policy = makePolicy(tinyUnet32(), new ReferenceAdapter());
    const graph = trainingGraph(policy, sz.trainBatch, sz.steps);
    const sample = graph.inputs.find((i) => i.name === 'sample');
    expect(sample && graph.nodes[sample.id].shape[0]).toBe(sz.trainBatch);
    const model = lowerGraph(graph);
    expect(model.graph?.node.length ?? 0).toBeGreaterThan(100);
    expect(model.graph?.output.map((o) => o.name)).toContain('loss');
  }, 120_000);

  it('the LoRA training graph traces at batch trainBatch, lowers, and differentiates the adapters only', () => {
    const lora = benchLoraModel(tinyUnet32());
    const graph = trainingGraph(makePolicy(lora, new ReferenceAdapter()), sz.trainBatch, sz.steps);
    const grads = graph.outputs.filter((o) => o.name.startsWith('grad:')).map((o) => o.name.slice(5));
    expect(grads).toEqual(['att.q', 'att.k', 'att.v', 'att.o'].flatMap((l) => [`${l}.lora_A.weight`, `${l}.lora_B.weight`]));
    // Backward Conv / MatMul nodes (training graph minus the forward, counted by hand): the gradient
    // flows from the output back to the attention block only. Conv: the input gradients of the 11
    // convolutions after it (m2.c1, m2.c2, u2, r3.c1, r3.c2, r3.skip, u1, r4.c1, r4.c2, r4.skip, cout).
    // MatMul: per adapter of q, k, v: dB, d(A y) through B, dA (9); of o: those 3 plus d(a) through
    // the frozen W_o and through A_o (5); the attention products: d(softmax), d(v), d(q), d(k) (4).
    // A gradient of a frozen weight would add to either count.
    const count = (g: typeof graph) => {
      const ops = (lowerGraph(g).graph?.node ?? []).map((n) => n.opType);
      return { conv: ops.filter((o) => o === 'Conv').length, matmul: ops.filter((o) => o === 'MatMul' || o === 'Gemm').length };
    };
    const b = new GraphBuilder();
    const B = sz.trainBatch;
    b.output('eps', lora.apply(paramInputs(b, lora), b.input('sample', [B, 3, 32, 32]), b.input('timestep', [B]), b.input('prompt', [B], 'int64')));
    const [train, fwd] = [count(graph), count(b.build())];
    expect({ conv: train.conv - fwd.conv, matmul: train.matmul - fwd.matmul }).toEqual({ conv: 11, matmul: 18 });
    expect(graphFlops(graph)).toBeLessThan(graphFlops(trainingGraph(makePolicy(tinyUnet32(), new ReferenceAdapter()), sz.trainBatch, sz.steps)));
  }, 120_000);
});
