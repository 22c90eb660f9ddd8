// Checks a run makes before it starts: the prompt list against the model's vocabulary, and a
// checkpoint's configuration against the resumed run's (only a few fields may change).
import { CheckpointError } from './checkpoint.js';
import { trainerConfigSchema, type TrainerConfig } from './config.js';
import { TrainerError } from './errors.js';

/** Fields that may differ between a checkpoint and the resumed run (everything else must match). */
export const RESUMABLE_CHANGES = new Set(['numEpochs', 'saveFreq', 'numCheckpointLimit']);

/**
 * Throws a CheckpointError naming every field (other than RESUMABLE_CHANGES) that differs between
 * a checkpoint's configuration and the resumed run's.
 *
 * @example
 * checkResumeConfig(saved, now, 'runs/a/checkpoint-3');
 */
export function checkResumeConfig(savedConfig: TrainerConfig, now: TrainerConfig, dir: string): void {
  // A checkpoint written before a field existed (e.g. useLora) ran with that field's default.
  const parsed = trainerConfigSchema.safeParse(savedConfig);
  const saved = parsed.success ? parsed.data : savedConfig;
  const diff = Object.keys({ ...saved, ...now }).filter(
    (k) => !RESUMABLE_CHANGES.has(k) && JSON.stringify((saved as Record<string, unknown>)[k]) !== JSON.stringify((now as Record<string, unknown>)[k]),
  );
  if (diff.length > 0) {
    throw new CheckpointError(
      `resume: ${dir} was trained with a different configuration (${diff.map((k) => `${k}: ${JSON.stringify((saved as Record<string, unknown>)[k])} vs ${JSON.stringify((now as Record<string, unknown>)[k])}`).join('; ')}); only ${[...RESUMABLE_CHANGES].join(', ')} may change`,
    );
  }
}

/**
 * Prompt indices of `wanted` (default: every prompt) in the model's vocabulary; a TrainerError names an unknown one.
 *
 * @example
 * resolvePrompts(['red circle'], PROMPTS, 16); // [0]
 */
export function resolvePrompts(wanted: readonly string[] | undefined, vocab: readonly string[], numPrompts: number): number[] {
  if (vocab.length !== numPrompts) throw new TrainerError(`promptNames has ${vocab.length} entries but the model has ${numPrompts} prompts`);
  if (wanted === undefined) return vocab.map((_, i) => i);
  return wanted.map((p) => {
    const i = vocab.indexOf(p.trim().toLowerCase());
    if (i < 0) throw new TrainerError(`config.prompts: unknown prompt '${p}'; the model knows ${vocab.map((v) => `'${v}'`).join(', ')}`);
    return i;
  });
}
