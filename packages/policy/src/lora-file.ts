// LoRA adapters as a small safetensors file: the adapter tensors under PEFT's names plus, in the
// header's metadata, the rank, alpha, target layers and (optionally) the base weights' SHA-256.
import { decodeSafetensors, encodeSafetensors, type HostTensor } from '@ddpo/tensor';
import { LoraConfigError, type LoraConfig } from './lora.js';

/** The `format` metadata value of an adapter file. */
export const LORA_FORMAT = 'ddpo-lora';

/** An adapter file's content. */
export interface LoraAdapters {
  adapters: Record<string, HostTensor>;
  config: LoraConfig;
  /** Identity of the base weights the adapters were trained on (hex SHA-256), when known. */
  baseSha256?: string;
}

/**
 * Encodes adapters and their configuration as safetensors bytes.
 *
 * @example
 * fs.writeFileSync('adapters.safetensors', encodeLoraAdapters({ adapters, config: lora.lora, baseSha256 }));
 */
export function encodeLoraAdapters(a: LoraAdapters): Uint8Array {
  const metadata: Record<string, string> = {
    format: LORA_FORMAT,
    rank: String(a.config.rank),
    alpha: String(a.config.alpha),
    targets: JSON.stringify(a.config.targets),
  };
  if (a.baseSha256 !== undefined) metadata.base_sha256 = a.baseSha256;
  return encodeSafetensors(a.adapters, metadata);
}

/**
 * Decodes {@link encodeLoraAdapters}'s bytes; a file of another format or with bad metadata gets a
 * LoraConfigError naming the field.
 *
 * @example
 * const { adapters, config } = decodeLoraAdapters(fs.readFileSync('adapters.safetensors'));
 */
export function decodeLoraAdapters(bytes: Uint8Array): LoraAdapters {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== LORA_FORMAT) throw new LoraConfigError('targets', `not a LoRA adapter file (metadata format '${metadata.format ?? '(none)'}', expected '${LORA_FORMAT}')`);
  const rank = Number(metadata.rank), alpha = Number(metadata.alpha);
  if (!Number.isInteger(rank) || rank < 1) throw new LoraConfigError('rank', `adapter file has rank '${metadata.rank}'`);
  if (!Number.isFinite(alpha) || alpha <= 0) throw new LoraConfigError('alpha', `adapter file has alpha '${metadata.alpha}'`);
  let targets: unknown;
  try {
    targets = JSON.parse(metadata.targets ?? '');
  } catch {
    targets = undefined;
  }
  if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string')) throw new LoraConfigError('targets', `adapter file has targets '${metadata.targets}', expected a JSON list of layer names`);
  return { adapters: tensors, config: { rank, alpha, targets: targets as string[] }, ...(metadata.base_sha256 !== undefined ? { baseSha256: metadata.base_sha256 } : {}) };
}
