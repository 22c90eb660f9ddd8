// Pretraining checkpoints: one safetensors file per checkpoint (parameters, EMA, optimizer moments)
// and a small JSON pointer written last. Each write is atomic (temp file + rename), so a crash leaves
// either the previous checkpoint or the new one, never a torn one.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DdpoError, HostTensor, decodeSafetensors, encodeSafetensors } from '@ddpo/tensor';
import { writeFileAtomic } from '@ddpo/optim';

/** Name of the pointer file inside a pretraining directory. */
export const PRETRAIN_CHECKPOINT_POINTER = 'checkpoint.json';

/** A checkpoint could not be read (missing, corrupt, or from another configuration). */
export class PretrainCheckpointError extends DdpoError {}

/** What a checkpoint holds. `optimizer` is any JSON-like tree whose leaves may be HostTensors. */
export interface PretrainCheckpointData {
  /** Number of optimizer steps done. */
  step: number;
  params: Record<string, HostTensor>;
  ema: Record<string, HostTensor>;
  optimizer: unknown;
  /** JSON-safe run state (seed, RNG state, configuration, ...). */
  state: Record<string, unknown>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Replaces every HostTensor leaf of `value` by `{ $tensor: key }`, collecting the tensors. */
function splitTensors(value: unknown, key: string, out: Record<string, HostTensor>): Json {
  if (value instanceof HostTensor) {
    out[key] = value;
    return { $tensor: key };
  }
  if (Array.isArray(value)) return value.map((v, i) => splitTensors(v, `${key}/${i}`, out));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, splitTensors(v, `${key}/${k}`, out)]));
  }
  return value as Json;
}

/** Inverse of splitTensors. */
function joinTensors(value: Json, tensors: Record<string, HostTensor>): unknown {
  if (Array.isArray(value)) return value.map((v) => joinTensors(v, tensors));
  if (value !== null && typeof value === 'object') {
    if (typeof value.$tensor === 'string') {
      const t = tensors[value.$tensor];
      if (t === undefined) throw new PretrainCheckpointError(`checkpoint: optimizer tensor '${value.$tensor}' is missing from the safetensors file`);
      return t;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, joinTensors(v, tensors)]));
  }
  return value;
}

function prefixed(prefix: string, rec: Record<string, HostTensor>): Record<string, HostTensor> {
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [`${prefix}/${k}`, v]));
}

function unprefixed(prefix: string, rec: Record<string, HostTensor>): Record<string, HostTensor> {
  const p = `${prefix}/`;
  return Object.fromEntries(Object.entries(rec).filter(([k]) => k.startsWith(p)).map(([k, v]) => [k.slice(p.length), v]));
}

/**
 * Writes a checkpoint into `dir` atomically: `checkpoint-<step>.safetensors`, then the pointer
 * `checkpoint.json`; older checkpoint files are removed afterwards.
 *
 * @example
 * await savePretrainCheckpoint('runs/pre', { step: 100, params, ema, optimizer: adam.stateDict(), state: { seed: 0 } });
 */
export async function savePretrainCheckpoint(dir: string, data: PretrainCheckpointData): Promise<string> {
  const tensors: Record<string, HostTensor> = { ...prefixed('param', data.params), ...prefixed('ema', data.ema) };
  const optimizer = splitTensors(data.optimizer, 'opt', tensors);
  const file = `checkpoint-${String(data.step).padStart(7, '0')}.safetensors`;
  const meta = { format: 'ddpo-pretrain-checkpoint', step: String(data.step) };
  await writeFileAtomic(path.join(dir, file), encodeSafetensors(tensors, meta));
  const pointer = { version: 1, step: data.step, file, optimizer, state: data.state };
  await writeFileAtomic(path.join(dir, PRETRAIN_CHECKPOINT_POINTER), new TextEncoder().encode(`${JSON.stringify(pointer, null, 2)}\n`));
  for (const f of readdirSync(dir)) {
    if (/^checkpoint-\d+\.safetensors$/.test(f) && f !== file) rmSync(path.join(dir, f), { force: true });
  }
  return path.join(dir, file);
}

/** True when `dir` holds a checkpoint pointer. */
export function hasPretrainCheckpoint(dir: string): boolean {
  return existsSync(path.join(dir, PRETRAIN_CHECKPOINT_POINTER));
}

/**
 * Reads the checkpoint that `dir/checkpoint.json` points to.
 *
 * @example
 * const ck = loadPretrainCheckpoint('runs/pre'); // { step, params, ema, optimizer, state }
 */
export function loadPretrainCheckpoint(dir: string): PretrainCheckpointData {
  const pointerPath = path.join(dir, PRETRAIN_CHECKPOINT_POINTER);
  if (!existsSync(pointerPath)) throw new PretrainCheckpointError(`loadPretrainCheckpoint: no ${PRETRAIN_CHECKPOINT_POINTER} in '${dir}'`);
  let pointer: { version: number; step: number; file: string; optimizer: Json; state: Record<string, unknown> };
  try {
    pointer = JSON.parse(readFileSync(pointerPath, 'utf8'));
  } catch (e) {
    throw new PretrainCheckpointError(`loadPretrainCheckpoint: ${pointerPath} is not valid JSON (${(e as Error).message})`);
  }
  if (pointer.version !== 1 || typeof pointer.file !== 'string' || !Number.isInteger(pointer.step)) {
    throw new PretrainCheckpointError(`loadPretrainCheckpoint: ${pointerPath} has version ${pointer.version}, expected 1 with 'file' and 'step'`);
  }
  const file = path.join(dir, pointer.file);
  if (!existsSync(file)) throw new PretrainCheckpointError(`loadPretrainCheckpoint: '${file}' named by ${PRETRAIN_CHECKPOINT_POINTER} does not exist`);
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(file)));
  return {
    step: pointer.step,
    params: unprefixed('param', tensors),
    ema: unprefixed('ema', tensors),
    optimizer: joinTensors(pointer.optimizer, tensors),
    state: pointer.state,
  };
}
