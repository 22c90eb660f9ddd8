// The registration of this package's built-in rewards: one line per reward, in the order `--help` lists
// them. A reward that needs a model registers in @ddpo/models (MODEL_REWARD_ENTRIES) instead.
import { colorfulnessEntry } from './colorfulness.js';
import { compressibilityEntry, incompressibilityEntry } from './jpeg.js';
import type { RewardEntry } from './registry.js';

/** @ddpo/rewards' built-in rewards. */
export const REWARD_ENTRIES: readonly RewardEntry[] = [
  compressibilityEntry,
  incompressibilityEntry,
  colorfulnessEntry,
];
