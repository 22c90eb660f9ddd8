// `--reward`: a built-in reward name, a path to a JavaScript module exporting a RewardFn, or an
// http(s) URL of a remote reward server. Resolved to one RewardFn with clear errors.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { aestheticScore, colorfulness, defineReward, jpegCompressibility, jpegIncompressibility, remoteReward, type RewardBody, type RewardFn } from '@ddpo/rewards';
import { shapes32AestheticReward } from '@ddpo/models';
import { UsageError } from './errors.js';

/** Built-in reward names accepted by `--reward`. */
export const BUILTIN_REWARDS = ['compressibility', 'incompressibility', 'aesthetic', 'colorfulness'] as const;

/** Extra inputs some rewards need. */
export interface RewardSpecOptions {
  /** CLIP image encoder ONNX file (aesthetic). */
  clipEncoder?: string;
  /** Aesthetic MLP head, safetensors (aesthetic). */
  aestheticHead?: string;
  /** Remote reward timeout in ms. */
  timeoutMs?: number;
}

function isRewardFn(x: unknown): x is RewardFn {
  return typeof x === 'function' && typeof (x as { rewardName?: unknown }).rewardName === 'string';
}

async function importRewardModule(spec: string): Promise<RewardFn> {
  const file = path.resolve(spec);
  if (!fs.existsSync(file)) throw new UsageError(`--reward: no such reward module '${spec}' (resolved to ${file})`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`--reward: cannot import '${spec}': ${(e as Error).message}`);
  }
  const found = mod.default ?? mod.reward;
  if (isRewardFn(found)) return found;
  if (typeof found === 'function') return defineReward(path.basename(file).replace(/\.[cm]?[jt]s$/, ''), found as RewardBody);
  throw new UsageError(
    `--reward: module '${spec}' must export a RewardFn (or a function (images, prompts) => rewards) as default or as 'reward'; ` +
      `found exports: ${Object.keys(mod).join(', ') || '(none)'}`,
  );
}

/**
 * Resolves a `--reward` value to a RewardFn.
 *
 * @example
 * const reward = await resolveReward('compressibility');
 * const remote = await resolveReward('http://127.0.0.1:8000/score');
 * const mine = await resolveReward('./my-reward.mjs');
 */
export async function resolveReward(spec: string, opts: RewardSpecOptions = {}): Promise<RewardFn> {
  switch (spec) {
    case 'compressibility':
    case 'jpeg-compressibility':
      return jpegCompressibility();
    case 'incompressibility':
    case 'jpeg-incompressibility':
      return jpegIncompressibility();
    case 'colorfulness':
      return colorfulness();
    case 'aesthetic':
      // Without CLIP files: the shipped shapes-32 reward model, a stand-in trained on procedural
      // ratings (it prints a notice saying so the first time it scores).
      if (opts.clipEncoder === undefined && opts.aestheticHead === undefined) return shapes32AestheticReward();
      if (opts.clipEncoder === undefined || opts.aestheticHead === undefined) {
        throw new UsageError(
          '--reward aesthetic with CLIP needs both --clip-encoder <CLIP ViT-L/14 image encoder .onnx> and --aesthetic-head <head .safetensors> ' +
            '(see the @ddpo/rewards README for how to export them); give neither for the shipped shapes-32 stand-in',
        );
      }
      for (const [flag, p] of [['--clip-encoder', opts.clipEncoder], ['--aesthetic-head', opts.aestheticHead]] as const) {
        if (!fs.existsSync(p)) throw new UsageError(`${flag}: no such file '${p}'`);
      }
      return aestheticScore({ encoderPath: opts.clipEncoder, headPath: opts.aestheticHead });
    default:
      break;
  }
  if (/^https?:\/\//i.test(spec)) return remoteReward({ url: spec, timeoutMs: opts.timeoutMs });
  if (/\.[cm]?js$/.test(spec) || spec.includes('/') || spec.includes(path.sep)) return importRewardModule(spec);
  throw new UsageError(
    `--reward: unknown reward '${spec}'; expected ${BUILTIN_REWARDS.join(' | ')} | <path to a module exporting a RewardFn> | <http(s) URL>`,
  );
}

/**
 * A short stable name for a reward spec (used in summaries and file names).
 *
 * @example
 * rewardLabel('compressibility'); // 'jpeg-compressibility'
 */
export function rewardLabel(spec: string, reward?: RewardFn): string {
  if (spec === 'compressibility' || spec === 'incompressibility') return `jpeg-${spec}`;
  return reward?.rewardName ?? spec;
}
