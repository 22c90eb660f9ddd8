// The shipped tiny-unet-32 weights: `weights/tiny-unet-32.safetensors` inside this package (EMA
// weights of the shapes-32 pretraining), found from this module's URL so it works from src/ and dist/.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DdpoError, type HostTensor } from '@ddpo/tensor';
import type { EpsilonModel } from '@ddpo/policy';
import { tinyUnet32FromSafetensors } from './weights-bytes.js';

export { WeightsMismatchError } from './weights-bytes.js';

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
  return tinyUnet32FromSafetensors(new Uint8Array(readFileSync(file)), { numPrompts: opts.numPrompts, source: file });
}
