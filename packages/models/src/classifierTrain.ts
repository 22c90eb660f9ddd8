// Training and evaluating the shapes-32 classifier: cross-entropy (log-sum-exp minus the true
// class's logit) on fresh generator images every step (a seeded, step-indexed stream), with light
// Gaussian pixel noise and some 3x3 blur so that imperfect diffusion samples still classify, Adam with warmup
// and cosine decay. Held-out evaluation uses another generator seed, so no image is shared.
import { Adam } from '@ddpo/optim';
import {
  DdpoError, grad, GraphBuilder, HostTensor, logSumExp, mean, mul, Rng, sub, sum, type Graph, type TensorAdapter,
} from '@ddpo/tensor';
import {
  argmaxRows, classifierParamInputs, initShapes32Classifier, SHAPES32_CLASSES,
  shapes32ClassifierLogits, type Shapes32ClassifierParams,
} from './classifier.js';
import { shapes32ClassifierLogitsOf } from './classifier-file.js';
import { blur3 } from './rater.js';
import { generateShapes32 } from './shapes32.js';

/** Generator seed of the default held-out set (training uses `seed`, default 1: disjoint streams). */
export const CLASSIFIER_HELDOUT_SEED = 2_000_003;

/** Options of {@link trainShapes32Classifier}. */
export interface TrainClassifierOptions {
  adapter: TensorAdapter;
  steps: number;
  batchSize: number;
  /** Peak learning rate (default 3e-3), after `warmupSteps` (default 50), cosine-decayed to 2% at the end. */
  lr?: number;
  warmupSteps?: number;
  /** Generator seed of the training stream and of the initialisation (default 1). */
  seed?: number;
  /** Largest std of the Gaussian pixel noise added to training images (default 0.08; per image std = max * u^2). */
  noiseStd?: number;
  onProgress?: (p: { step: number; steps: number; loss: number; accuracy: number }) => void;
  /** Report every N steps (default 50). */
  progressEvery?: number;
}

/** Invalid options of the classifier training. */
export class ClassifierTrainError extends DdpoError {}

/** The training graph: inputs images, onehot [B, 16], param:*; outputs loss, logits, grad:<name>. */
function lossGraph(batch: number): Graph {
  const b = new GraphBuilder();
  const params = classifierParamInputs(b);
  const images = b.input('images', [batch, 3, 32, 32]);
  const onehot = b.input('onehot', [batch, SHAPES32_CLASSES]);
  const logits = shapes32ClassifierLogits(params, images);
  // Cross-entropy: -log softmax(logits)[y] = logsumexp(logits) - logits[y].
  const loss = mean(sub(logSumExp(logits, 1), sum(mul(logits, onehot), 1)));
  const names = Object.keys(params);
  const grads = grad(loss, names.map((k) => params[k]));
  b.output('loss', loss);
  b.output('logits', logits);
  names.forEach((k, i) => b.output(`grad:${k}`, grads[i]));
  return b.build();
}

/** Step `step`'s batch: fresh generator images, a quarter of them blurred, plus per-image Gaussian noise; one-hot labels. */
export function classifierBatch(seed: number, step: number, batch: number, noiseStd: number): { images: HostTensor<'float32'>; onehot: HostTensor<'float32'>; labels: Int32Array } {
  const { images, prompts } = generateShapes32({ seed, count: batch, start: step * batch });
  const rng = new Rng(seed).fork(1_000_000_000 + step);
  const scale = rng.uniform([batch]).data as Float32Array;
  const blur = rng.uniform([batch]).data as Float32Array;
  const noise = rng.normal(images.shape).data as Float32Array;
  const per = 3 * 32 * 32;
  const x = images.data;
  for (let i = 0; i < batch; i++) {
    if (blur[i] < 0.25) blur3(x, i * per);
    const s = noiseStd * scale[i] * scale[i];
    for (let j = i * per; j < (i + 1) * per; j++) x[j] += s * noise[j];
  }
  const onehot = new Float32Array(batch * SHAPES32_CLASSES);
  prompts.forEach((p, i) => (onehot[i * SHAPES32_CLASSES + p] = 1));
  return { images, onehot: new HostTensor('float32', [batch, SHAPES32_CLASSES], onehot), labels: prompts };
}

/** Linear warmup then cosine decay to 2% of the peak. */
function lrAt(step: number, steps: number, peak: number, warmup: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const t = (step - warmup) / Math.max(1, steps - warmup);
  return peak * (0.02 + 0.98 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/**
 * Trains the classifier from scratch; the loss graph (forward + backward) is compiled once.
 *
 * @example
 * const { params } = await trainShapes32Classifier({ adapter, steps: 1500, batchSize: 64 });
 */
export async function trainShapes32Classifier(opts: TrainClassifierOptions): Promise<{ params: Shapes32ClassifierParams; loss: number }> {
  const { steps, batchSize } = opts;
  if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new ClassifierTrainError(`trainShapes32Classifier: steps ${steps} and batchSize ${batchSize} must be positive integers`);
  }
  const seed = opts.seed ?? 1;
  const params = initShapes32Classifier(new Rng(seed).fork(2_000_000_000));
  const adam = new Adam(params, { lr: opts.lr ?? 3e-3 });
  const compiled = await opts.adapter.compile(lossGraph(batchSize));
  let loss = NaN, lossAcc = 0, hits = 0, seen = 0;
  for (let step = 0; step < steps; step++) {
    adam.lr = lrAt(step, steps, opts.lr ?? 3e-3, opts.warmupSteps ?? 50);
    const batch = classifierBatch(seed, step, batchSize, opts.noiseStd ?? 0.08);
    const feeds = Object.fromEntries(Object.entries(params).map(([k, v]) => [`param:${k}`, v]));
    const out = await compiled.run({ images: batch.images, onehot: batch.onehot, ...feeds });
    adam.step(Object.fromEntries(Object.keys(params).map((k) => [k, out[`grad:${k}`]])));
    loss = Number(out.loss.data[0]);
    lossAcc += loss;
    argmaxRows(out.logits).forEach((p, i) => (hits += p === batch.labels[i] ? 1 : 0));
    seen += batchSize;
    const every = opts.progressEvery ?? 50;
    if ((step + 1) % every === 0 || step + 1 === steps) {
      opts.onProgress?.({ step: step + 1, steps, loss: lossAcc / ((step % every) + 1), accuracy: hits / seen });
      lossAcc = hits = seen = 0;
    }
  }
  return { params, loss };
}

/** Accuracy of a classifier on a held-out set, overall and per class, with the confusion matrix. */
export interface ClassifierEvaluation {
  accuracy: number;
  /** Accuracy per class (prompt index). */
  perClass: number[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  count: number;
}

/**
 * Evaluates on `perClass` generator images of each prompt from seed `seed` (default the held-out seed).
 *
 * @example
 * const ev = await evaluateShapes32Classifier({ perClass: 250 }); // ev.accuracy, ev.perClass
 */
export async function evaluateShapes32Classifier(opts: { params?: Shapes32ClassifierParams; adapter?: TensorAdapter; seed?: number; perClass: number }): Promise<ClassifierEvaluation> {
  const count = opts.perClass * SHAPES32_CLASSES;
  const prompts = Array.from({ length: SHAPES32_CLASSES }, (_, k) => k);
  const { images, prompts: labels } = generateShapes32({ seed: opts.seed ?? CLASSIFIER_HELDOUT_SEED, count, prompts });
  const predicted = argmaxRows(await shapes32ClassifierLogitsOf(images, opts.adapter, opts.params, 256));
  const confusion = prompts.map(() => new Array<number>(SHAPES32_CLASSES).fill(0));
  labels.forEach((y, i) => confusion[y][predicted[i]]++);
  const perClass = confusion.map((row, k) => row[k] / row.reduce((a, v) => a + v, 0));
  return { accuracy: perClass.reduce((a, v) => a + v, 0) / SHAPES32_CLASSES, perClass, confusion, count };
}
