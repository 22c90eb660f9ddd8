// Parameter files on disk: encodeParams' bytes (codec.ts, where the layout is described) written
// atomically (temp file in the same folder, fsync, rename) so a crash never leaves a torn checkpoint,
// and read back with decodeParamsInto's checks. Node only (node:fs); the browser entry leaves it out.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { decodeParamsInto, encodeParams, type LoadParamsOptions, type SaveParamsOptions } from './codec.js';
import type { ParamStore, NamedTensors } from './param-store.js';

function tempPathFor(path: string): string {
  const full = resolve(path);
  return join(dirname(full), `.${basename(full)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `bytes` to `path` atomically: a temp file in the same folder is written, fsynced, then
 * renamed over `path` (and the folder fsynced where the platform allows). Readers see the old file
 * or the new one, never a partial one; on error the temp file is removed.
 *
 * @example
 * await writeFileAtomic('ckpt/params.safetensors', bytes);
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, resolve(path));
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dirname(resolve(path)));
}

/** Synchronous writeFileAtomic, for exit handlers and other places that cannot await. */
export function writeFileAtomicSync(path: string, bytes: Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, resolve(path));
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file was never created
    }
    throw err;
  }
}

/** Makes the rename durable on POSIX; folders cannot be opened for sync on Windows, which is fine to skip. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort
  }
}

/**
 * Saves parameters (and optionally optimizer state) to one safetensors file, atomically.
 *
 * @example
 * await saveParams('ckpt/step-100.safetensors', store, { optimizer: adam });
 */
export async function saveParams(path: string, params: NamedTensors, options: SaveParamsOptions = {}): Promise<void> {
  await writeFileAtomic(path, encodeParams(params, options));
}

/**
 * Reads a parameter file from disk into `into`; see decodeParamsInto for the checks.
 *
 * @example
 * await loadParams('ckpt/step-100.safetensors', store, { optimizer: adam });
 */
export async function loadParams(path: string, into: ParamStore, options: LoadParamsOptions = {}): Promise<{ metadata: Record<string, string> }> {
  return decodeParamsInto(await readFile(path), into, options);
}
