// Atomic directory writes: a whole checkpoint directory is first written under a temporary name in
// the same parent directory, flushed to disk, then renamed into place, so a crash leaves either the
// old version or the new one, never a half-written checkpoint. (Single files: @ddpo/optim's
// writeFileAtomic / writeFileAtomicSync.)
import fs from 'node:fs';
import path from 'node:path';

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

function writeSynced(file: string, data: Uint8Array | string): void {
  const fd = fs.openSync(file, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  // Directory fsync makes the rename durable; some file systems refuse it, which is harmless here.
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* not supported: the rename is still atomic */
  }
}

/**
 * Writes a directory of files atomically: all files go into a temporary sibling directory, which is
 * renamed to `dir` once complete. An existing `dir` is replaced.
 *
 * @example
 * writeDirAtomic('runs/a/checkpoint-3', { 'params.safetensors': bytes, 'state.json': '{...}' });
 */
export function writeDirAtomic(dir: string, files: Record<string, Uint8Array | string>): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = tempName(dir);
  fs.mkdirSync(tmp);
  try {
    for (const [name, data] of Object.entries(files)) writeSynced(path.join(tmp, name), data);
    fsyncDir(tmp);
    if (fs.existsSync(dir)) {
      // rename() cannot replace a non-empty directory: move the old one aside first.
      const old = tempName(dir);
      fs.renameSync(dir, old);
      fs.renameSync(tmp, dir);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, dir);
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fsyncDir(path.dirname(dir));
}
