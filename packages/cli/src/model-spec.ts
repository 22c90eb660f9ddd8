// `--weights` and `--device`: which tiny-unet-32 weights to start from (the shipped ones, a
// safetensors file, a pretraining output directory or a trainer checkpoint) and where graphs run.
// A LoRA checkpoint or adapter file is merged onto its base weights (`--base-weights`, default the
// shipped ones) after checking that they are the weights the adapters were trained on.
import fs from 'node:fs';
import path from 'node:path';
import { initTinyUnet32, loadTinyUnet32, tinyUnet32, WeightsNotFoundError } from '@ddpo/models';
import type { EpsilonModel } from '@ddpo/policy';
import { ReferenceAdapter, Rng, type HostTensor, type TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { latestCheckpoint, loadCheckpoint, loraAdaptersIn, mergeOntoBase, type LoraAdapters } from '@ddpo/trainer';
import { UsageError } from './errors.js';
import { numberFlag } from './config-file.js';

/** A model with its starting parameters and where they came from. */
export interface LoadedModel {
  model: EpsilonModel;
  params: Record<string, HostTensor>;
  /** Human-readable origin of the weights. */
  source: string;
}

function weightsFile(spec: string): string {
  if (!fs.existsSync(spec)) throw new UsageError(`--weights: no such file or directory '${spec}'`);
  if (!fs.statSync(spec).isDirectory()) return spec;
  const ck = latestCheckpoint(spec);
  if (ck !== undefined) return path.join(ck, 'params.safetensors');
  const pre = path.join(spec, 'tiny-unet-32.safetensors');
  if (fs.existsSync(pre)) return pre;
  throw new UsageError(`--weights: '${spec}' holds neither a trainer checkpoint (checkpoint-N/) nor a pretraining output (tiny-unet-32.safetensors)`);
}

/** The LoRA adapters at `spec` (a LoRA run, checkpoint or adapter file), or undefined for plain weights. */
function loraAt(spec: string): { adapters: LoraAdapters; where: string } | undefined {
  if (!fs.existsSync(spec)) return undefined;
  if (!fs.statSync(spec).isDirectory()) {
    const adapters = loraAdaptersIn(spec);
    return adapters === undefined ? undefined : { adapters, where: spec };
  }
  const ck = latestCheckpoint(spec);
  if (ck === undefined) return undefined;
  const data = loadCheckpoint(ck);
  if (data.lora === undefined) return undefined;
  const { baseSha256, ...config } = data.lora;
  return { adapters: { adapters: data.params, config, baseSha256 }, where: ck };
}

/**
 * Loads tiny-unet-32 from `spec`, or the shipped weights; without shipped weights (pretraining not
 * done yet) it falls back to freshly initialised ones and says so through `warn`. LoRA adapters
 * (a LoRA run or checkpoint, or an adapter file) are merged onto `baseSpec`'s weights (default: the
 * shipped ones), which must be those they were trained on.
 *
 * @example
 * const { model, params, source } = loadModel(undefined, 0, console.warn);
 */
export function loadModel(spec: string | undefined, seed: number, warn: (line: string) => void, baseSpec?: string): LoadedModel {
  if (spec !== undefined) {
    const lora = loraAt(spec);
    if (lora !== undefined) {
      const base = loadModel(baseSpec, seed, warn);
      const c = lora.adapters.config;
      const params = mergeOntoBase(base.params, lora.adapters, lora.where);
      return { model: base.model, params, source: `${lora.where} (LoRA rank ${c.rank}, alpha ${c.alpha}, on ${c.targets.length} layers) merged onto ${base.source}` };
    }
    const file = weightsFile(spec);
    const { model, params } = loadTinyUnet32({ path: file });
    return { model, params, source: file };
  }
  try {
    const { model, params } = loadTinyUnet32();
    return { model, params, source: 'shipped tiny-unet-32 weights' };
  } catch (e) {
    if (!(e instanceof WeightsNotFoundError)) throw e;
    warn(`warning: the shipped tiny-unet-32 weights are not there yet (${e.path}); using freshly initialised weights (seed ${seed}): samples are noise`);
    return { model: tinyUnet32(), params: initTinyUnet32(new Rng(seed)), source: `freshly initialised (seed ${seed})` };
  }
}

/**
 * Creates the backend named by `--device` ('cpu' | 'cuda' | 'webgpu' -> ONNX Runtime, 'reference' ->
 * the pure-TypeScript interpreter, slow but dependency-free). On WebGPU, `log` is told which physical
 * device Dawn picked (a software rasteriser such as lavapipe is not a GPU). `opts.spin: false` (the
 * CLI's `--no-spin`) lets ONNX Runtime's idle threads sleep instead of spin (default: spin).
 *
 * @example
 * const adapter = await createAdapter('cpu', '2');
 */
export async function createAdapter(device: string, threads?: string, log?: (line: string) => void, opts: { spin?: boolean } = {}): Promise<TensorAdapter> {
  const intraOpNumThreads = threads === undefined ? undefined : numberFlag('--threads', threads, { integer: true, min: 1 });
  const allowSpinning = opts.spin;
  switch (device) {
    case 'cpu':
    case 'cuda':
      return createOnnxRuntimeAdapter({ device, intraOpNumThreads, allowSpinning });
    case 'webgpu': {
      const adapter = await createOnnxRuntimeAdapter({ device, intraOpNumThreads, allowSpinning });
      log?.(`webgpu: ${adapter.webgpuDevice?.summary ?? 'device not reported'}`);
      return adapter;
    }
    case 'reference':
      return new ReferenceAdapter();
    default:
      throw new UsageError(`--device: expected cpu | cuda | webgpu | reference, got '${device}'`);
  }
}
