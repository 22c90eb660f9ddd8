// The shipped tiny-unet-32 weights: `weights/tiny-unet-32.safetensors` inside this package (EMA
// weights of the shapes-32 pretraining), found from this module's URL so it works from src/ and dist/.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DdpoError, decodeSafetensors, type HostTensor } from '@ddpo/tensor';
import type { EpsilonModel } from '@ddpo/policy';
import { tinyUnet32 } from './tinyUnet32.js';

/**
 * Absolute path of the weights file shipped with the package.
 *
 * @example
 * shippedWeightsPath(); // '/.../node_modules/@ddpo/models/weights/tiny-unet-32.safetensors'
 */
export function shippedWeightsPath(): string {
  return fileURLToPath(new URL('../weights/tiny-unet-32.safetensors', import.meta.url));
}

/** The weights file does not exist (not shipped yet, or a wrong path). */
export class WeightsNotFoundError extends DdpoError {
  constructor(readonly path: string) {
    super(
      `loadTinyUnet32: no weights file at '${path}'. Pretrain them with ` +
        '`npx tsx packages/models/src/bin/pretrain.ts --out DIR --steps N --batch B` and copy DIR/tiny-unet-32.safetensors there, or pass { path }',
    );
  }
}

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
 * Loads tiny-unet-32 with its shipped weights (or the safetensors file at `path`).
 *
 * @example
 * const { model, params } = loadTinyUnet32();
 * const out = await (await adapter.compile(tinyUnet32Graph(4))).run({ sample, timestep, prompt, ...paramFeeds(params) });
 */
export function loadTinyUnet32(opts: { path?: string; numPrompts?: number } = {}): { model: EpsilonModel; params: Record<string, HostTensor<'float32'>> } {
  const file = opts.path ?? shippedWeightsPath();
  if (!existsSync(file)) throw new WeightsNotFoundError(file);
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(file)));
  // The prompt count is read from the embedding table unless given: P + 1 rows.
  const rows = tensors['emb.weight']?.shape[0];
  const model = tinyUnet32({ numPrompts: opts.numPrompts ?? (rows !== undefined ? rows - 1 : 16) });
  const problems = mismatches(tensors, model.paramShapes);
  if (problems.length > 0) throw new WeightsMismatchError(file, problems);
  return { model, params: tensors as Record<string, HostTensor<'float32'>> };
}
