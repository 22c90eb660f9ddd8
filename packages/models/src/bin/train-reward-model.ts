#!/usr/bin/env node
// Makes the procedural ratings data set (shapes-32 images with random variation, rated by the
// procedural rater: a STAND-IN for human ratings), fits the linear reward head on shapes32Features
// with @ddpo/rewards' trainRewardHead (ridge; lambda picked on the validation split), reports
// validation Pearson/Spearman and writes the head:
//   npx tsx packages/models/src/bin/train-reward-model.ts [--count 6000] [--seed 11] [--lambda auto]
//     [--out packages/models/weights/shapes32-reward-head.safetensors] [--dataset FILE.safetensors]
import { runWithSourceCondition } from './source-condition.js';
import { parseArgs } from 'node:util';


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '6000' },
      seed: { type: 'string', default: '11' },
      lambda: { type: 'string', default: 'auto' },
      out: { type: 'string' },
      dataset: { type: 'string' },
    },
  });
  const { trainRewardHead, saveRewardHead } = await import('@ddpo/rewards');
  const { encodeSafetensors, HostTensor } = await import('@ddpo/tensor');
  const { writeFileAtomic } = await import('@ddpo/optim');
  const { shapes32RatingsDataset } = await import('../rater.js');
  const { shapes32Features, SHAPES32_REWARD_HEAD_WEIGHTS } = await import('../rewardModel.js');
  const count = Number(values.count), seed = Number(values.seed);
  const t0 = Date.now();
  const { images, prompts, ratings } = shapes32RatingsDataset({ seed, count });
  const features = shapes32Features(images);
  console.log(`ratings data set: ${count} images (generator seed ${seed}, with variation), procedural rater; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (values.dataset !== undefined) {
    const tensors = { images, prompts: new HostTensor('int32', [count], Int32Array.from(prompts)), ratings: new HostTensor('float64', [count], Float64Array.from(ratings)) };
    await writeFileAtomic(values.dataset, encodeSafetensors(tensors, { source: 'procedural rater (stand-in for human ratings)', seed: String(seed) }));
    console.log(`wrote the data set to ${values.dataset}`);
  }
  const lambdas = values.lambda === 'auto' ? [1e-4, 1e-3, 1e-2, 1e-1, 1] : [Number(values.lambda)];
  const fits = lambdas.map((lambda) => ({ lambda, fit: trainRewardHead({ features, ratings, method: 'ridge', lambda, validationFraction: 0.2, seed }) }));
  for (const { lambda, fit } of fits) {
    console.log(`lambda ${lambda}: train pearson ${fit.train.pearson.toFixed(4)}  validation pearson ${fit.validation!.pearson.toFixed(4)} spearman ${fit.validation!.spearman.toFixed(4)} mse ${fit.validation!.mse.toFixed(4)}`);
  }
  const best = fits.reduce((a, b) => (b.fit.validation!.pearson > a.fit.validation!.pearson ? b : a));
  const v = best.fit.validation!;
  const out = values.out ?? SHAPES32_REWARD_HEAD_WEIGHTS;
  await saveRewardHead(best.fit.head, out, {
    model: 'shapes32-reward-head',
    notice: 'stand-in reward model trained on procedural ratings (packages/models/src/rater.ts), not human ratings and not LAION',
    features: 'shapes32Features (172)',
    command: `npx tsx packages/models/src/bin/train-reward-model.ts --count ${count} --seed ${seed} --lambda ${values.lambda}`,
    lambda: String(best.lambda),
    validation_count: String(v.count),
    validation_pearson: v.pearson.toFixed(4),
    validation_spearman: v.spearman.toFixed(4),
    validation_mse: v.mse.toFixed(4),
  });
  console.log(`chose lambda ${best.lambda}: validation pearson ${v.pearson.toFixed(4)}, spearman ${v.spearman.toFixed(4)} on ${v.count} images; wrote ${out}`);
}

await runWithSourceCondition(main);
