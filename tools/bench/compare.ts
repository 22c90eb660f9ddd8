// The `ddpo compare` part of the benchmark: its default per-run settings (read from @ddpo/cli, so
// the benchmark follows any change there) and, with --compare, the whole default comparison run
// in a child process (compare-child.ts), whose peak RSS is then the comparison's alone.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPARE_PRESETS, configFor } from '@ddpo/cli';
import type { TrainerConfigInput } from '@ddpo/trainer';

/** The trainer fields of the default `ddpo compare` preset's DDPO_IS runs (the ones the epoch row times). */
export async function compareSettings(): Promise<TrainerConfigInput> {
  return configFor(COMPARE_PRESETS.default, 'ddpo-is') as TrainerConfigInput;
}

/** What the child reports. */
export interface CompareRun {
  seconds: number;
  peakRssMb: number;
  runs: number;
  sessionsCompiled: number | null;
}

/** Runs `ddpo compare` with its defaults (shipped weights, its default reward: the aesthetic stand-in) in a child process. */
export async function runDefaultCompare(_ctx?: unknown): Promise<CompareRun> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-bench-compare-'));
  const child = fileURLToPath(new URL('./compare-child.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--conditions', '@ddpo/source', '--import', 'tsx', child, out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  fs.rmSync(out, { recursive: true, force: true });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`bench: the default comparison failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(last) as CompareRun;
}
