// `--reward`: a built-in reward name, a path to a JavaScript module exporting a RewardFn, or an
// http(s) URL of a remote reward server. Resolved to one RewardFn with clear errors. The built-in names,
// their help and labels come from the reward registry (REWARDS): @ddpo/rewards' and @ddpo/models' entries.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineReward, remoteReward, REWARD_ENTRIES, RewardRegistry, RewardSpecError, type RewardBody, type RewardFn } from '@ddpo/rewards';
import { MODEL_REWARD_ENTRIES } from '@ddpo/models';
import { UsageError } from './errors.js';

/** The built-in rewards `--reward` accepts by name. */
export const REWARDS = new RewardRegistry([...REWARD_ENTRIES, ...MODEL_REWARD_ENTRIES]);

/** Built-in reward names accepted by `--reward` (REWARDS.names()). */
export const BUILTIN_REWARDS: readonly string[] = REWARDS.names();

/** The `--reward` option's help: every built-in name, then the other forms. */
export function rewardOptionHelp(): string {
  return `${REWARDS.names().join(' | ')} | <module path> | <http(s) url>`;
}

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
  if (REWARDS.find(spec)) {
    try {
      return await REWARDS.create(spec, { clipEncoder: opts.clipEncoder, aestheticHead: opts.aestheticHead });
    } catch (e) {
      if (e instanceof RewardSpecError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (/^https?:\/\//i.test(spec)) return remoteReward({ url: spec, timeoutMs: opts.timeoutMs });
  if (/\.[cm]?js$/.test(spec) || spec.includes('/') || spec.includes(path.sep)) return importRewardModule(spec);
  throw new UsageError(
    `--reward: unknown reward '${spec}'; expected ${REWARDS.names().join(' | ')} | <path to a module exporting a RewardFn> | <http(s) URL>`,
  );
}

/**
 * A short stable name for a reward spec (used in summaries and file names).
 *
 * @example
 * rewardLabel('compressibility'); // 'jpeg-compressibility'
 */
export function rewardLabel(spec: string, reward?: RewardFn): string {
  return REWARDS.label(spec, reward);
}
