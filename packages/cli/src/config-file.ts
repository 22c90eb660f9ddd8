// Configuration for `ddpo train` / `ddpo compare`: a JSON config file (trainer fields in camelCase,
// as TrainerConfig, or a TRL DDPOConfig in its snake_case names), then `--set field=value` pairs, then
// the dedicated flags, later ones winning.
import fs from 'node:fs';
import { fromTrlDdpoConfig, isTrlDdpoConfig } from '@ddpo/trainer';
import { UsageError } from './errors.js';

/**
 * Reads a JSON config file into an object of trainer fields. Errors name the file and the problem. A
 * file in TRL's DDPOConfig names (num_epochs, train_learning_rate, ...) is translated; `notice` gets
 * one line per TRL key that is accepted without effect here (a refused key is a ConfigError naming it).
 *
 * @example
 * const cfg = readConfigFile('ddpo.json'); // { numEpochs: 20, trainLearningRate: 1e-4 }
 */
export function readConfigFile(file: string, notice: (line: string) => void = () => {}): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--config: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config: '${file}' is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`--config: '${file}' must hold a JSON object of trainer fields, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  const obj = parsed as Record<string, unknown>;
  if (!isTrlDdpoConfig(obj)) return obj;
  const { fields, notices } = fromTrlDdpoConfig(obj);
  for (const n of notices) notice(`--config: '${file}' is a TRL DDPOConfig; ignored ${n}`);
  return fields;
}

/**
 * Parses `--set field=value` pairs; values are read as JSON when they parse (numbers, booleans,
 * objects), else kept as strings. Dotted fields set nested objects.
 *
 * @example
 * parseSetPairs(['trainClipRange=2e-4', 'perPromptStatTracking.minCount=8']);
 * // { trainClipRange: 0.0002, perPromptStatTracking: { minCount: 8 } }
 */
export function parseSetPairs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set: expected field=value, got '${pair}'`);
    const keys = pair.slice(0, eq).trim().split('.');
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* a plain string */
    }
    let obj = out;
    for (const k of keys.slice(0, -1)) {
      if (typeof obj[k] !== 'object' || obj[k] === null) obj[k] = {};
      obj = obj[k] as Record<string, unknown>;
    }
    obj[keys[keys.length - 1]] = value;
  }
  return out;
}

/**
 * Merges config layers left to right (nested objects merged, undefined values skipped).
 *
 * @example
 * mergeConfig({ a: 1, n: { x: 1 } }, { n: { y: 2 } }, { a: undefined }); // { a: 1, n: { x: 1, y: 2 } }
 */
export function mergeConfig(...layers: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const prev = out[k];
      const both = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null && !Array.isArray(prev);
      out[k] = both ? mergeConfig(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
    }
  }
  return out;
}

/**
 * Parses a flag value as a number, naming the flag on failure.
 *
 * @example
 * numberFlag('--epochs', '12', { integer: true, min: 1 }); // 12
 */
export function numberFlag(flag: string, raw: string, opts: { integer?: boolean; min?: number } = {}): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${flag}: expected a number, got '${raw}'`);
  if (opts.integer === true && !Number.isInteger(v)) throw new UsageError(`${flag}: expected an integer, got '${raw}'`);
  if (opts.min !== undefined && v < opts.min) throw new UsageError(`${flag}: expected a value >= ${opts.min}, got '${raw}'`);
  return v;
}

/**
 * Parses a comma-separated list flag.
 *
 * @example
 * listFlag('ddpo-is, rwr'); // ['ddpo-is', 'rwr']
 */
export function listFlag(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
