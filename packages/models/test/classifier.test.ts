// The shipped shapes-32 classifier: its weights load, it classifies fresh generator images (a seed
// used neither for training, 1, nor for the held-out report, 2000003) with >= 95% accuracy on the
// ONNX Runtime adapter, and the reference interpreter agrees with ORT on its answers; a short training
// run lowers the loss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReferenceAdapter, zeros, type TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import {
  classifyShapes32, ClassifierWeightsError, generateShapes32, loadShapes32Classifier, SHAPES32_CLASSIFIER_PARAM_SHAPES,
  shapes32ClassifierLogitsOf, trainShapes32Classifier,
} from '@ddpo/models';

let ort: TensorAdapter;
beforeAll(async () => {
  ort = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: 1 });
});
afterAll(async () => {
  await ort.dispose();
});

describe('shapes-32 classifier', () => {
  it('loads the shipped weights: every parameter, float32, small', () => {
    const { params, metadata } = loadShapes32Classifier();
    expect(Object.keys(params).sort()).toEqual(Object.keys(SHAPES32_CLASSIFIER_PARAM_SHAPES).sort());
    const count = Object.values(params).reduce((a, t) => a + t.size, 0);
    expect(count).toBeLessThan(30_000); // tens of KB as float32
    expect(Number(metadata.heldout_accuracy)).toBeGreaterThanOrEqual(0.98);
  });

  it('classifies 64 fresh generator images with >= 95% accuracy (ORT adapter)', async () => {
    const { images, prompts } = generateShapes32({ seed: 31_337, count: 64 });
    const predicted = await classifyShapes32(images, ort);
    const correct = predicted.filter((p, i) => p === prompts[i]).length;
    expect(correct / 64).toBeGreaterThanOrEqual(0.95);
  });

  it('gives the same logits on the reference interpreter as on ORT', async () => {
    const { images } = generateShapes32({ seed: 4242, count: 8 });
    const a = await shapes32ClassifierLogitsOf(images, ort);
    const b = await shapes32ClassifierLogitsOf(images, new ReferenceAdapter());
    const scale = Math.max(...Array.from(b.data as Float32Array, Math.abs));
    for (let i = 0; i < a.size; i++) expect(Math.abs(Number(a.data[i]) - Number(b.data[i]))).toBeLessThan(1e-4 * scale);
  });

  it('rejects images that are not [N, 3, 32, 32] and a missing weights file', async () => {
    await expect(classifyShapes32(zeros([2, 3, 16, 16]), ort)).rejects.toThrow(/expected \[N, 3, 32, 32\]/);
    expect(() => loadShapes32Classifier('/nonexistent/classifier.safetensors')).toThrow(ClassifierWeightsError);
  });
});

describe('trainShapes32Classifier', () => {
  it('lowers the cross-entropy on fresh batches within 60 small steps', async () => {
    const reports: { loss: number; accuracy: number }[] = [];
    const { params } = await trainShapes32Classifier({ adapter: ort, steps: 60, batchSize: 16, seed: 3, warmupSteps: 5, progressEvery: 20, onProgress: (p) => reports.push(p) });
    expect(reports).toHaveLength(3);
    // Chance level is ln 16 = 2.77 nats and 1/16 accuracy.
    expect(reports[2].loss).toBeLessThan(reports[0].loss);
    expect(reports[2].loss).toBeLessThan(2.6);
    expect(Object.values(params).every((t) => t.toArray().every(Number.isFinite))).toBe(true);
  });
});
