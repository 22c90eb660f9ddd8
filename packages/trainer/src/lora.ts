// LoRA in the trainer (docs/lora.md): the config's useLora / loraRank / loraAlpha / loraTargets turn
// into a wrapped model (@ddpo/policy withLora) with seeded initial adapters; the base weights are
// identified by a SHA-256 so adapters are never resumed or merged onto other base weights.
import fs from 'node:fs';
import { writeFileAtomicSync } from '@ddpo/optim';
import { decodeLoraAdapters, encodeLoraAdapters, initLoraAdapters, LORA_FORMAT, LoraConfigError, mergeLora, withLora, type EpsilonModel, type LoraAdapters, type LoraModel } from '@ddpo/policy';
import { decodeSafetensors, Rng, type HostTensor } from '@ddpo/tensor';
import { CheckpointError, hashParams } from './checkpoint.js';
import { ConfigError, type TrainerConfig } from './config.js';

export type { LoraAdapters, LoraConfig, LoraModel } from '@ddpo/policy';

/** The RNG stream (forked from the run's seed) that draws the initial adapters. */
export const LORA_INIT_STREAM = 1_000_000_009;

const FIELD = { rank: 'loraRank', alpha: 'loraAlpha', targets: 'loraTargets' } as const;

/**
 * The model a run trains: `model` itself, or its LoRA wrapper when `config.useLora`. A target that
 * the model does not have is a ConfigError naming `loraTargets`.
 *
 * @example
 * const m = trainedModel(tinyUnet32(), parseTrainerConfig({ useLora: true, loraTargets: 'all' }));
 */
export function trainedModel(model: EpsilonModel, c: TrainerConfig): EpsilonModel {
  if (!c.useLora) return model;
  try {
    return withLora(model, { rank: c.loraRank, alpha: c.loraAlpha, targets: c.loraTargets });
  } catch (e) {
    if (e instanceof LoraConfigError) throw new ConfigError([{ field: FIELD[e.field], message: e.message }]);
    throw e;
  }
}

/** The model's LoRA wrapper, or undefined for a full fine-tune. */
export function loraOf(model: EpsilonModel): LoraModel | undefined {
  return 'baseModel' in model && 'lora' in model ? (model as LoraModel) : undefined;
}

/**
 * The run's parameters: copies of `base`, plus initial adapters (from the run's seed) under LoRA.
 *
 * @example
 * const params = initialParams(model, baseParams, config.seed);
 */
export function initialParams(model: EpsilonModel, base: Record<string, HostTensor>, seed: number): Record<string, HostTensor> {
  const params = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v.clone()]));
  const lora = loraOf(model);
  return lora === undefined ? params : { ...params, ...initLoraAdapters(lora, new Rng(seed).fork(LORA_INIT_STREAM)) };
}

/**
 * The identity of the base weights: {@link hashParams} over the base model's parameters.
 *
 * @example
 * baseSha256(lora, trainer.params); // '3f1c...'
 */
export function baseSha256(lora: LoraModel, params: Record<string, HostTensor>): string {
  return hashParams(Object.fromEntries(Object.keys(lora.baseModel.paramShapes).map((k) => [k, params[k]])));
}

/**
 * Refuses adapters trained on other base weights: a CheckpointError naming both hashes.
 *
 * @example
 * checkSameBase(saved.baseSha256, baseSha256(lora, params), 'runs/a/checkpoint-3');
 */
export function checkSameBase(saved: string | undefined, now: string, where: string): void {
  if (saved !== now) {
    throw new CheckpointError(
      `${where}: the LoRA adapters were trained on other base weights (base sha256 ${saved ?? '(not recorded)'}, these base weights: ${now}); ` +
        'use the base weights the run started from (--weights)',
    );
  }
}

/**
 * Writes adapters alone (with rank, alpha, targets and base identity) as a small safetensors file, atomically.
 *
 * @example
 * saveLoraAdapters('adapters.safetensors', { adapters, config: lora.lora, baseSha256 });
 */
export function saveLoraAdapters(file: string, a: LoraAdapters): void {
  writeFileAtomicSync(file, encodeLoraAdapters(a));
}

/**
 * Reads {@link saveLoraAdapters}'s file.
 *
 * @example
 * const { adapters, config, baseSha256 } = loadLoraAdapters('adapters.safetensors');
 */
export function loadLoraAdapters(file: string): LoraAdapters {
  return decodeLoraAdapters(new Uint8Array(fs.readFileSync(file)));
}

/**
 * The adapters in `file` when it is a LoRA adapter file ({@link saveLoraAdapters}), else undefined.
 *
 * @example
 * loraAdaptersIn('runs/a/adapters.safetensors')?.config.rank; // 4
 */
export function loraAdaptersIn(file: string): LoraAdapters | undefined {
  const bytes = new Uint8Array(fs.readFileSync(file));
  let format: string | undefined;
  try {
    format = decodeSafetensors(bytes).metadata.format;
  } catch {
    return undefined; // not safetensors at all: the caller's own loader reports it
  }
  return format === LORA_FORMAT ? decodeLoraAdapters(bytes) : undefined;
}

/**
 * Base parameters with LoRA adapters merged in, after checking that the adapters were trained on
 * exactly these base weights (when the adapters record their base).
 *
 * @example
 * const merged = mergeOntoBase(baseParams, loadLoraAdapters('adapters.safetensors'), 'adapters.safetensors');
 */
export function mergeOntoBase(base: Record<string, HostTensor>, a: LoraAdapters, where: string): Record<string, HostTensor> {
  if (a.baseSha256 !== undefined) checkSameBase(a.baseSha256, hashParams(base), where);
  return mergeLora(base, a.adapters, a.config);
}
