// Checkpoint manifests: `manifest.json`, written last into every checkpoint directory, lists each
// file with its size and SHA-256. A checkpoint is intact when its manifest is there and every listed
// file has that size and hash; a truncated or bit-rotten newest checkpoint (disk full, a crash on a
// file system without atomic renames, bad media) is then found and skipped on resume.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The manifest's file name inside a checkpoint directory. */
export const MANIFEST_NAME = 'manifest.json';
/** Format version of manifest.json. */
export const MANIFEST_VERSION = 1;

/** What manifest.json holds. */
export interface CheckpointManifest {
  version: number;
  /** file name -> its size in bytes and the hex SHA-256 of its bytes */
  files: Record<string, { bytes: number; sha256: string }>;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const asBytes = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

/**
 * The files of a checkpoint with `manifest.json` added as the last entry (so that a directory writer
 * going through them in order writes it last).
 *
 * @example
 * writeDirAtomic(dir, withManifest({ 'params.safetensors': bytes, 'state.json': json }));
 */
export function withManifest(files: Record<string, Uint8Array | string>): Record<string, Uint8Array | string> {
  const manifest: CheckpointManifest = { version: MANIFEST_VERSION, files: {} };
  for (const [name, data] of Object.entries(files)) {
    const bytes = asBytes(data);
    manifest.files[name] = { bytes: bytes.length, sha256: sha256(bytes) };
  }
  const { [MANIFEST_NAME]: _ignored, ...rest } = files;
  return { ...rest, [MANIFEST_NAME]: JSON.stringify(manifest, null, 1) };
}

/**
 * Checks a checkpoint directory against its manifest: returns null when intact, else what is wrong
 * (the first problem found, naming the file).
 *
 * @example
 * verifyCheckpoint('runs/a/checkpoint-3'); // null, or 'params.safetensors has 1024 bytes, the manifest says 2381112'
 */
export function verifyCheckpoint(dir: string): string | null {
  const manifestFile = path.join(dir, MANIFEST_NAME);
  if (!fs.existsSync(manifestFile)) return `no ${MANIFEST_NAME} (the checkpoint was not completed)`;
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as CheckpointManifest;
  } catch (e) {
    return `${MANIFEST_NAME} is not valid JSON (${(e as Error).message})`;
  }
  if (manifest === null || typeof manifest !== 'object' || manifest.version !== MANIFEST_VERSION || typeof manifest.files !== 'object' || manifest.files === null) {
    return `${MANIFEST_NAME} is not a version-${MANIFEST_VERSION} manifest`;
  }
  for (const [name, want] of Object.entries(manifest.files)) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return `${name} is missing`;
    const bytes = fs.readFileSync(file);
    if (bytes.length !== want.bytes) return `${name} has ${bytes.length} bytes, the manifest says ${want.bytes}`;
    if (sha256(bytes) !== want.sha256) return `${name} does not match its SHA-256 in the manifest`;
  }
  return null;
}
