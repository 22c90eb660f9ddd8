// tiny-unet-32 from safetensors bytes: decodes the file, reads the prompt count from the embedding
// table and checks every parameter's name, dtype and shape. No file system, so a browser page can
// fetch the shipped weights and call it; loadTinyUnet32 (weights.ts) reads the file and calls it.
import { DdpoError, decodeSafetensors, type HostTensor } from '@ddpo/tensor';
import type { EpsilonModel } from '@ddpo/policy';
import { tinyUnet32 } from './tinyUnet32.js';

/** The weights file does not hold tiny-unet-32's parameters (missing, extra, or wrong shape or dtype). */
export class WeightsMismatchError extends DdpoError {
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(`loadTinyUnet32: '${path}' does not match tiny-unet-32: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? `; ... (${problems.length} problems)` : ''}`);
  }
}

/** Lists what differs between loaded tensors and a parameter table. */
function mismatches(tensors: Record<string, HostTensor>, shapes: Readonly<Record<string, readonly number[]>>): string[] {
  const problems: string[] = [];
  for (const [name, shape] of Object.entries(shapes)) {
    const t = tensors[name];
    if (t === undefined) problems.push(`missing '${name}'`);
    else if (t.dtype !== 'float32' || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      problems.push(`'${name}' is ${t.dtype} [${t.shape.join(', ')}], expected float32 [${shape.join(', ')}]`);
    }
  }
  for (const name of Object.keys(tensors)) if (!(name in shapes)) problems.push(`unexpected '${name}'`);
  return problems;
}

/**
 * tiny-unet-32 and its parameters from the bytes of a safetensors file (`source` names the bytes in
 * errors: a path or a URL). Throws WeightsMismatchError listing what differs.
 *
 * @example
 * const { model, params } = tinyUnet32FromSafetensors(new Uint8Array(await (await fetch(url)).arrayBuffer()), { source: url });
 */
export function tinyUnet32FromSafetensors(
  bytes: Uint8Array,
  opts: { numPrompts?: number; source?: string } = {},
): { model: EpsilonModel; params: Record<string, HostTensor<'float32'>> } {
  const { tensors } = decodeSafetensors(bytes);
  // The prompt count is read from the embedding table unless given: P + 1 rows.
  const rows = tensors['emb.weight']?.shape[0];
  const model = tinyUnet32({ numPrompts: opts.numPrompts ?? (rows !== undefined ? rows - 1 : 16) });
  const problems = mismatches(tensors, model.paramShapes);
  if (problems.length > 0) throw new WeightsMismatchError(opts.source ?? '<bytes>', problems);
  return { model, params: tensors as Record<string, HostTensor<'float32'>> };
}
