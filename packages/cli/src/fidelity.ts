// Prompt fidelity for the training commands: the shipped shapes-32 classifier scores the samples a
// run already drew (each epoch's and each evaluation's), so reward hacking that erases the prompt's
// shape shows up as a number beside the reward, at the cost of one small classifier pass per batch.
import { loadShapes32Classifier, promptFidelity, PROMPTS, type Shapes32ClassifierParams } from '@ddpo/models';
import { HostTensor, type TensorAdapter } from '@ddpo/tensor';
import type { EpsilonModel } from '@ddpo/policy';
import type { FidelityFn } from '@ddpo/trainer';

/**
 * A FidelityFn from classifier weights: the share of images the shapes-32 classifier assigns to
 * their own prompt (`promptFidelity(...).overall`). Images arrive in [0, 1] (what rewards see) and
 * are mapped to the classifier's [-1, 1].
 *
 * @example
 * const fidelity = classifierFidelity(loadShapes32Classifier().params, adapter);
 * await fidelity(images, prompts); // e.g. 0.875
 */
export function classifierFidelity(params: Shapes32ClassifierParams, adapter: TensorAdapter): FidelityFn {
  return async (images, prompts) => {
    const x = new HostTensor('float32', images.shape, images.data.map((v) => 2 * v - 1));
    return (await promptFidelity({ images: x, prompts, adapter, classifier: params })).overall;
  };
}

/**
 * The shipped classifier as a FidelityFn when the model draws shapes-32 images (3 x 32 x 32, its 16
 * prompts); otherwise, or when the classifier weights cannot be read, undefined (with a warning for
 * the latter), and runs simply report no fidelity.
 *
 * @example
 * const fidelity = shapes32Fidelity(model, adapter, (l) => io.err(l + '\n'));
 */
export function shapes32Fidelity(model: EpsilonModel, adapter: TensorAdapter, warn: (line: string) => void): FidelityFn | undefined {
  const [c, h, w] = model.sampleShape;
  if (model.numPrompts !== PROMPTS.length || model.sampleShape.length !== 3 || c !== 3 || h !== 32 || w !== 32) return undefined;
  try {
    return classifierFidelity(loadShapes32Classifier().params, adapter);
  } catch (e) {
    warn(`warning: prompt fidelity is not measured: ${(e as Error).message}`);
    return undefined;
  }
}
