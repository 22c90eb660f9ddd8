// Prompt fidelity for the training commands: the shipped classifier on known images (procedural
// shapes-32 drawings, whose prompts are known), given in [0, 1] as the trainer hands them over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShapes32, loadShapes32Classifier, promptFidelity, tinyUnet32 } from '@ddpo/models';
import { HostTensor, type TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { classifierFidelity, shapes32Fidelity } from '@ddpo/cli';

let adapter: TensorAdapter;
beforeAll(async () => {
  adapter = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: 1 });
});
afterAll(async () => adapter.dispose());

describe('classifierFidelity', () => {
  const { images, prompts } = generateShapes32({ seed: 11, count: 48 });
  const unit = new HostTensor('float32', images.shape, (images.data as Float32Array).map((v) => (v + 1) / 2));
  const ids = Int32Array.from(prompts);

  it('scores images in [0, 1] as promptFidelity scores them in [-1, 1]: high with the true prompts, low with wrong ones', async () => {
    const f = classifierFidelity(loadShapes32Classifier().params, adapter);
    const right = await f(unit, ids);
    const reference = await promptFidelity({ images, prompts: ids, adapter });
    expect(right).toBe(reference.overall);
    expect(right).toBeGreaterThanOrEqual(0.9); // the classifier's held-out accuracy is about 99%
    const wrong = await f(unit, ids.map((p) => (p + 1) % 16));
    expect(wrong).toBeLessThanOrEqual(0.1);
  });

  it('shapes32Fidelity applies only to models that draw shapes-32 images', () => {
    const warn: string[] = [];
    expect(shapes32Fidelity(tinyUnet32(), adapter, (l) => warn.push(l))).toBeTypeOf('function');
    const other = { ...tinyUnet32(), numPrompts: 3 };
    expect(shapes32Fidelity(other, adapter, (l) => warn.push(l))).toBeUndefined();
    expect(warn).toEqual([]);
  });
});
