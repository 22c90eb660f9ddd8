// Every workload of `npm run bench` built at its full (non --quick) shapes, without timing: the
// trainer configs of the epoch rows pass the trainer's own validation, and the DDPO training graph
// at the full batch traces and lowers to ONNX. `bench.test.ts` only runs --quick, whose small shapes
// once hid a full-size config that the trainer rejects (trainBatchSize 16 > default sampleBatchSize 8).
import { tinyUnet32 } from '@ddpo/models';
import { ReferenceAdapter } from '@ddpo/tensor';
import { lowerGraph } from '@ddpo/tensor-onnxruntime';
import { parseTrainerConfig } from '@ddpo/trainer';
import { describe, expect, it } from 'vitest';
import { compareSettings } from '../bench/compare.js';
import { benchSizes, epochConfig, makePolicy, trainingGraph } from '../bench/workloads.js';

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
});
