// `npm run bench -- --peer`: the PyTorch peer (tools/peer/torch_tiny_unet.py, tiny-unet-32 and the
// same DDPO epoch in PyTorch) run in a child /usr/bin/python3 right after our own epoch, so the two
// epochs are compared under the same load. Skipped, with the reason, when that python has no torch
// (tools/peer/install.sh installs Debian's). runPython also runs the peer's other scripts (--ablate).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The peer's figures (its JSON line), or why it did not run. */
export type PeerResult =
  | {
      ran: true;
      torch: string;
      /** The BLAS library the peer loaded (the reference BLAS makes it several times slower). */
      blas: string;
      threads: number;
      /** OMP_WAIT_POLICY the peer ran with (PASSIVE when our adapter does not spin, unless the caller's environment set it). */
      ompWaitPolicy: string;
      sampleSeconds: number;
      trainSeconds: number;
      epochSeconds: number;
      sampleCpuSeconds: number;
      trainCpuSeconds: number;
      epochCpuSeconds: number;
    }
  | { ran: false; reason: string };

const PYTHON = '/usr/bin/python3';

/** Shapes of the epoch the peer runs: the benchmark's own. */
export interface PeerShape {
  sampleBatch: number;
  steps: number;
  trainBatch: number;
  epochs: number;
  threads: number;
  /** Whether our adapter lets its threads spin: the peer's OpenMP threads get the same treatment. */
  spin: boolean;
}

/** A peer script's JSON line, or why it did not run. */
export type PythonRun = { ran: true; json: Record<string, number | string | number[]>; ompWaitPolicy: string } | { ran: false; reason: string };

/**
 * Runs tools/peer/<script> with /usr/bin/python3 and parses the JSON object on its last line; says
 * why not when that python has no torch or the script fails.
 */
export function runPython(script: string, args: readonly string[], spin: boolean, python = PYTHON): PythonRun {
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    const why = probe.error !== undefined ? `${python} not found` : `${python} has no torch`;
    return { ran: false, reason: `${why}; run tools/peer/install.sh (Debian python3-torch) to compare with PyTorch` };
  }
  const file = fileURLToPath(new URL(`../peer/${script}`, import.meta.url));
  // PyTorch's OpenMP threads spin-wait for a while by default (libgomp), as ORT's do with spinning
  // allowed; on a shared machine spinning took the peer's epoch from 17 s to 160-170 s
  // (docs/benchmarks.md). So the peer spins exactly when our adapter does: its own default when
  // ours spins, OMP_WAIT_POLICY=PASSIVE when ours does not, unless the caller set OMP_WAIT_POLICY.
  const policy = process.env.OMP_WAIT_POLICY ?? (spin ? undefined : 'PASSIVE');
  const env = policy === undefined ? { ...process.env } : { ...process.env, OMP_WAIT_POLICY: policy };
  const r = spawnSync(python, [file, ...args], { encoding: 'utf8', maxBuffer: 1 << 24, env });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) return { ran: false, reason: `${script} failed (exit ${r.status}): ${(r.stderr ?? '').slice(-500)}` };
  return { ran: true, json: JSON.parse(last) as Record<string, number | string | number[]>, ompWaitPolicy: policy ?? 'unset (libgomp default: spin, then sleep)' };
}

/** Runs the peer (warm-up epoch + `epochs` timed ones, median) or says why not. */
export function runPeer(s: PeerShape, python = PYTHON): PeerResult {
  const args = ['--batch', `${s.sampleBatch}`, '--steps', `${s.steps}`, '--train-bs', `${s.trainBatch}`, '--epochs', `${s.epochs}`, '--threads', `${s.threads}`];
  const r = runPython('torch_tiny_unet.py', args, s.spin, python);
  if (!r.ran) return r;
  const j = r.json;
  return {
    ran: true,
    torch: String(j.torch),
    blas: String(j.blas ?? ''),
    threads: Number(j.threads),
    ompWaitPolicy: r.ompWaitPolicy,
    sampleSeconds: Number(j.sample_s),
    trainSeconds: Number(j.train_s),
    epochSeconds: Number(j.epoch_s),
    sampleCpuSeconds: Number(j.sample_cpu_s),
    trainCpuSeconds: Number(j.train_cpu_s),
    epochCpuSeconds: Number(j.epoch_cpu_s),
  };
}
