// Parameter files as bytes: a ParamStore (and optionally its Adam state) encoded as ONE safetensors
// buffer, and decoded back with every mismatch listed. Layout: parameters under their own names;
// optimizer state under the reserved prefix `__optim__/`: `__optim__/exp_avg/<name>`,
// `__optim__/exp_avg_sq/<name>` (parameter dtype and shape) and `__optim__/step/<name>` (int64
// scalar); hyperparameters as JSON in metadata `ddpo.optimizer`. No file system here (io.ts writes
// and reads files), so this part runs in a browser too.
import { HostTensor, decodeSafetensors, encodeSafetensors, tensor } from '@ddpo/tensor';
import type { Adam, AdamHyperparams, AdamParamState, AdamStateDict } from './adam.js';
import { ParamMismatchError } from './errors.js';
import { ParamStore, asRecord, type NamedTensors } from './param-store.js';
import { adamStateToParts } from './state-codec.js';

/** Names starting with this prefix hold optimizer state, never parameters. */
export const OPTIM_PREFIX = '__optim__/';
/** Metadata key holding the optimizer hyperparameters (JSON of AdamHyperparams). */
export const OPTIM_META_KEY = 'ddpo.optimizer';

/** Options of saveParams / encodeParams. */
export interface SaveParamsOptions {
  /** Also store this optimizer's state (moments, steps, hyperparameters). */
  optimizer?: Adam;
  /** Extra string metadata (e.g. model name, training step). */
  metadata?: Record<string, string>;
}

/**
 * Encodes parameters (and optimizer state) as safetensors bytes; the layout is in this file's header.
 *
 * @example
 * const bytes = encodeParams(store, { optimizer: adam, metadata: { step: '120' } });
 */
export function encodeParams(params: NamedTensors, options: SaveParamsOptions = {}): Uint8Array {
  const record = asRecord(params);
  const reserved = Object.keys(record).filter((n) => n.startsWith(OPTIM_PREFIX));
  if (reserved.length > 0) throw new ParamMismatchError('encodeParams', reserved.map((n) => `parameter name '${n}' uses the reserved prefix ${OPTIM_PREFIX}`));
  const tensors: Record<string, HostTensor> = { ...record };
  const metadata: Record<string, string> = { ...options.metadata };
  if (options.optimizer !== undefined) {
    const parts = adamStateToParts(options.optimizer.stateDict());
    for (const [name, step] of Object.entries(parts.steps)) {
      tensors[`${OPTIM_PREFIX}exp_avg/${name}`] = parts.tensors[`exp_avg/${name}`];
      tensors[`${OPTIM_PREFIX}exp_avg_sq/${name}`] = parts.tensors[`exp_avg_sq/${name}`];
      tensors[`${OPTIM_PREFIX}step/${name}`] = tensor([BigInt(step)], [], 'int64');
    }
    metadata[OPTIM_META_KEY] = JSON.stringify(parts.hyper);
  }
  return encodeSafetensors(tensors, metadata);
}

/** Options of loadParams / decodeParamsInto. */
export interface LoadParamsOptions {
  /** Restore this optimizer's state from the file (the file must hold optimizer state). */
  optimizer?: Adam;
}

/**
 * Reads a parameter file without an expected store (optimizer entries are left out).
 *
 * @example
 * const { params, metadata } = decodeParams(readFileSync('tiny-unet.safetensors'));
 */
export function decodeParams(bytes: Uint8Array): { params: ParamStore; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const params = Object.fromEntries(Object.entries(tensors).filter(([n]) => !n.startsWith(OPTIM_PREFIX)));
  return { params: new ParamStore(params), metadata };
}

/**
 * Loads a parameter file into `into` (in place). Names, dtypes and shapes must match `into`
 * exactly, and with `optimizer` the file must hold a complete, matching optimizer state; otherwise
 * it throws ParamMismatchError (or SafetensorsError for a malformed file) and loads NOTHING.
 *
 * @example
 * const { metadata } = decodeParamsInto(bytes, store, { optimizer: adam });
 */
export function decodeParamsInto(bytes: Uint8Array, into: ParamStore, options: LoadParamsOptions = {}): { metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const params: Record<string, HostTensor> = {};
  const optim: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith(OPTIM_PREFIX)) optim[name.slice(OPTIM_PREFIX.length)] = t;
    else params[name] = t;
  }
  const problems = into.mismatches(params);
  if (problems.length > 0) throw new ParamMismatchError('loadParams', problems);
  // The optimizer validates (and throws) before it changes anything; parameters are copied last.
  if (options.optimizer !== undefined) options.optimizer.loadStateDict(optimizerState(optim, metadata));
  into.assign(params, 'loadParams');
  return { metadata };
}

/** Rebuilds an AdamStateDict from the `__optim__/` entries, listing every incomplete or malformed one. */
function optimizerState(entries: Record<string, HostTensor>, metadata: Record<string, string>): AdamStateDict {
  const raw = metadata[OPTIM_META_KEY];
  if (raw === undefined) throw new ParamMismatchError('loadParams', [`the file holds no optimizer state (metadata '${OPTIM_META_KEY}' is absent)`]);
  let hyper: AdamHyperparams | undefined;
  try {
    hyper = JSON.parse(raw) as AdamHyperparams;
  } catch {
    hyper = undefined;
  }
  if (typeof hyper !== 'object' || hyper === null || typeof hyper.decoupled !== 'boolean' || !Array.isArray(hyper.betas)) {
    throw new ParamMismatchError('loadParams', [`metadata '${OPTIM_META_KEY}' is not the JSON of Adam hyperparameters: ${raw.slice(0, 80)}`]);
  }
  const problems: string[] = [];
  const state: Record<string, AdamParamState> = {};
  for (const key of Object.keys(entries)) {
    if (!/^(exp_avg|exp_avg_sq|step)\//.test(key)) problems.push(`unknown optimizer entry '${OPTIM_PREFIX}${key}'`);
  }
  for (const key of Object.keys(entries).filter((k) => k.startsWith('step/'))) {
    const name = key.slice('step/'.length);
    const [step, m, v] = [entries[key], entries[`exp_avg/${name}`], entries[`exp_avg_sq/${name}`]];
    if (m === undefined || v === undefined) problems.push(`optimizer state of '${name}' lacks exp_avg or exp_avg_sq`);
    else if (step.dtype !== 'int64' || step.size !== 1) problems.push(`step of '${name}' is ${step.dtype} [${step.shape.join(', ')}], expected an int64 scalar`);
    else state[name] = { step: Number(step.data[0]), expAvg: m, expAvgSq: v };
  }
  for (const key of Object.keys(entries).filter((k) => k.startsWith('exp_avg'))) {
    const name = key.replace(/^exp_avg(_sq)?\//, '');
    if (entries[`step/${name}`] === undefined) problems.push(`optimizer entry '${OPTIM_PREFIX}${key}' has no step`);
  }
  if (problems.length > 0) throw new ParamMismatchError('loadParams', problems);
  return { hyper, state };
}
