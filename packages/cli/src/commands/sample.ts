// `ddpo sample`: draws images with the DDIM sampler (eta > 0, classifier-free guidance) and writes
// a PNG grid captioned with each prompt (and its reward with --reward).
import fs from 'node:fs';
import path from 'node:path';
import { promptIndex } from '@ddpo/models';
import { callReward } from '@ddpo/rewards';
import { renderSampleGrid, sampleImages } from '@ddpo/trainer';
import { numberFlag } from '../config-file.js';
import { UsageError } from '../errors.js';
import { createAdapter, loadModel } from '../model-spec.js';
import { promptNamesFor } from '../training-flags.js';
import type { CliIO } from '../program.js';
import { resolveReward } from '../reward-spec.js';

/** Flags of `ddpo sample`. */
export interface SampleFlags {
  weights?: string;
  /** Base weights under LoRA adapters given as --weights. */
  baseWeights?: string;
  prompt?: string[];
  num: string;
  steps: string;
  eta: string;
  guidanceScale: string;
  seed: string;
  reward?: string;
  device: string;
  out: string;
}

function promptIds(names: string[], wanted: string[] | undefined): number[] {
  if (wanted === undefined) return names.map((_, i) => i);
  return wanted.map((p) => {
    const i = names.indexOf(p.trim().toLowerCase());
    if (i >= 0) return i;
    try {
      return promptIndex(p);
    } catch {
      throw new UsageError(`--prompt: unknown prompt '${p}'; expected one of ${names.map((n) => `'${n}'`).join(', ')}`);
    }
  });
}

/**
 * Runs `ddpo sample`.
 *
 * @example
 * await sampleCommand({ prompt: ['red circle'], num: '4', steps: '20', eta: '1', guidanceScale: '3', seed: '0', device: 'cpu', out: 's.png' }, io);
 */
export async function sampleCommand(f: SampleFlags, io: CliIO): Promise<void> {
  const seed = numberFlag('--seed', f.seed, { integer: true, min: 0 });
  const { model, params, source } = loadModel(f.weights, seed, (l) => io.err(l + '\n'), f.baseWeights);
  const names = promptNamesFor(model.numPrompts);
  const perPrompt = numberFlag('--num', f.num, { integer: true, min: 1 });
  const prompts = promptIds(names, f.prompt).flatMap((p) => new Array<number>(perPrompt).fill(p));
  const reward = f.reward !== undefined ? await resolveReward(f.reward) : undefined;
  const adapter = await createAdapter(f.device, undefined, (l) => io.err(l + '\n'));
  try {
    const images = await sampleImages({
      model,
      params,
      adapter,
      prompts,
      seed,
      numInferenceSteps: numberFlag('--steps', f.steps, { integer: true, min: 1 }),
      eta: numberFlag('--eta', f.eta, { min: 0 }),
      guidanceScale: numberFlag('--guidance-scale', f.guidanceScale, { min: 0 }),
    });
    const promptNames = prompts.map((p) => names[p]);
    const rewards = reward !== undefined ? await callReward(reward, images, promptNames) : undefined;
    const captions = promptNames.map((p, i) => (rewards !== undefined ? [p, `r=${rewards[i].toFixed(4)}`] : [p]));
    fs.mkdirSync(path.dirname(path.resolve(f.out)), { recursive: true });
    fs.writeFileSync(f.out, renderSampleGrid(images, captions, { columns: Math.min(8, Math.max(perPrompt, 4)) }));
    const mean = rewards !== undefined ? ` mean ${reward!.rewardName} ${(rewards.reduce((a, b) => a + b, 0) / rewards.length).toFixed(4)};` : '';
    io.out(`sampled ${prompts.length} images (weights: ${source});${mean} grid: ${path.resolve(f.out)}\n`);
  } finally {
    await adapter.dispose();
  }
}
