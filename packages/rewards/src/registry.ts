// The reward registry: a built-in reward is one `RewardEntry` ({ name, create, help }) exported by the
// package that implements it, registered once (REWARD_ENTRIES here, MODEL_REWARD_ENTRIES in
// @ddpo/models). The CLI's `--reward` choices, help text, dispatch and labels all read a registry.
import { RewardSpecError } from './errors.js';
import type { RewardFn } from './reward.js';

/** What a command line can hand a built-in reward. */
export interface RewardEntryOptions {
  /** CLIP image encoder ONNX file (aesthetic). */
  clipEncoder?: string;
  /** Aesthetic MLP head, safetensors (aesthetic). */
  aestheticHead?: string;
}

/** One built-in reward. */
export interface RewardEntry {
  /** The name `--reward` takes. */
  name: string;
  /** Other names that resolve to it. */
  aliases?: readonly string[];
  /** One line for `--help` and error messages. */
  help: string;
  /** The stable label of runs with this reward (summaries, file names); default: the reward's rewardName. */
  label?: string;
  /** Makes the reward; throws a RewardSpecError for options it cannot use. */
  create(opts: RewardEntryOptions): RewardFn | Promise<RewardFn>;
}

/**
 * Built-in rewards by name. Registration order is the order of `names()` and of the help text.
 *
 * @example
 * const rewards = new RewardRegistry(REWARD_ENTRIES);
 * const reward = await rewards.create('compressibility');
 */
export class RewardRegistry {
  private readonly byName = new Map<string, RewardEntry>();
  private readonly list: RewardEntry[] = [];

  constructor(entries: readonly RewardEntry[] = []) {
    for (const e of entries) this.register(e);
  }

  /** Adds an entry; a name or alias already taken is a RewardSpecError. */
  register(entry: RewardEntry): this {
    for (const n of [entry.name, ...(entry.aliases ?? [])]) {
      const taken = this.byName.get(n);
      if (taken) throw new RewardSpecError(n, `reward '${n}' is already registered (by '${taken.name}')`);
    }
    for (const n of [entry.name, ...(entry.aliases ?? [])]) this.byName.set(n, entry);
    this.list.push(entry);
    return this;
  }

  /** The entry a name or alias refers to, or undefined. */
  find(name: string): RewardEntry | undefined {
    return this.byName.get(name);
  }

  /** The registered names (no aliases), in registration order. */
  names(): string[] {
    return this.list.map((e) => e.name);
  }

  /** The registered entries, in registration order. */
  entries(): readonly RewardEntry[] {
    return this.list;
  }

  /** Makes the reward `name` (or alias) refers to; an unknown name is a RewardSpecError listing the known ones. */
  async create(name: string, opts: RewardEntryOptions = {}): Promise<RewardFn> {
    const entry = this.find(name);
    if (!entry) throw new RewardSpecError(name, `unknown reward '${name}'; expected ${this.names().join(' | ')}`);
    return entry.create(opts);
  }

  /** The label of runs with `name`: the entry's label when called by its name, else the reward's rewardName. */
  label(name: string, reward?: RewardFn): string {
    const entry = this.find(name);
    if (entry?.label !== undefined && entry.name === name) return entry.label;
    return reward?.rewardName ?? name;
  }

  /** `name  help` lines, one per entry. */
  help(): string {
    const width = Math.max(...this.list.map((e) => e.name.length));
    return this.list.map((e) => `${e.name.padEnd(width)}  ${e.help}`).join('\n');
  }
}
