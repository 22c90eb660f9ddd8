#!/usr/bin/env node
// Trains the shapes-32 classifier on the ONNX Runtime CPU adapter, evaluates it on held-out
// generator images (another seed) and writes the weights with their provenance as metadata:
//   npx tsx packages/models/src/bin/train-classifier.ts [--steps 1500] [--batch 64] [--lr 3e-3]
//     [--seed 1] [--threads 1] [--per-class 250] [--out packages/models/weights/shapes32-classifier.safetensors]
// Workspace packages resolve to their sources only under the '@ddpo/source' condition, so without it
// this re-runs itself once with that condition (as bin/pretrain.ts does).
import { runWithSourceCondition } from './source-condition.js';
import { parseArgs } from 'node:util';


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '1500' },
      batch: { type: 'string', default: '64' },
      lr: { type: 'string', default: '3e-3' },
      seed: { type: 'string', default: '1' },
      threads: { type: 'string', default: '1' },
      'per-class': { type: 'string', default: '250' },
      out: { type: 'string' },
    },
  });
  const { encodeSafetensors } = await import('@ddpo/tensor');
  const { createOnnxRuntimeAdapter } = await import('@ddpo/tensor-onnxruntime');
  const { writeFileAtomic } = await import('@ddpo/optim');
  const { SHAPES32_CLASSIFIER_WEIGHTS } = await import('../classifier-file.js');
  const { trainShapes32Classifier, evaluateShapes32Classifier, CLASSIFIER_HELDOUT_SEED } = await import('../classifierTrain.js');
  const { PROMPTS } = await import('../prompts.js');
  const steps = Number(values.steps), batchSize = Number(values.batch), lr = Number(values.lr), seed = Number(values.seed);
  const adapter = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: Number(values.threads) });
  const t0 = Date.now();
  const { params } = await trainShapes32Classifier({
    adapter, steps, batchSize, lr, seed,
    onProgress: (p) => console.log(`step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  train acc ${(100 * p.accuracy).toFixed(1)}%  ${((Date.now() - t0) / 1000).toFixed(0)} s`),
  });
  const trainSeconds = (Date.now() - t0) / 1000;
  const ev = await evaluateShapes32Classifier({ params, adapter, perClass: Number(values['per-class']) });
  await adapter.dispose();
  console.log(`held-out accuracy ${(100 * ev.accuracy).toFixed(2)}% on ${ev.count} images (generator seed ${CLASSIFIER_HELDOUT_SEED})`);
  ev.perClass.forEach((a, k) => console.log(`  ${PROMPTS[k].padEnd(16)} ${(100 * a).toFixed(1)}%`));
  const metadata = {
    format: 'pt',
    model: 'shapes32-classifier',
    command: `npx tsx packages/models/src/bin/train-classifier.ts --steps ${steps} --batch ${batchSize} --lr ${lr} --seed ${seed}`,
    train_seconds: trainSeconds.toFixed(0),
    heldout_seed: String(CLASSIFIER_HELDOUT_SEED),
    heldout_count: String(ev.count),
    heldout_accuracy: ev.accuracy.toFixed(4),
    heldout_per_class: JSON.stringify(ev.perClass.map((a) => Number(a.toFixed(4)))),
  };
  const out = values.out ?? SHAPES32_CLASSIFIER_WEIGHTS;
  await writeFileAtomic(out, encodeSafetensors(params, metadata));
  console.log(`wrote ${out} (${trainSeconds.toFixed(0)} s of training)`);
}

await runWithSourceCondition(main);
