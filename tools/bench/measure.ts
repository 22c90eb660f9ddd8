// Timing on a shared machine: every workload repetition is paired with a GEMM measurement taken
// right before it, so the ratio "achieved GFLOP/s over the machine's MatMul GFLOP/s" compares two
// numbers taken under the same load. Medians over repetitions; CPU time is recorded as well.
import * as ort from 'onnxruntime-node';
import { GraphBuilder, matmul, Rng } from '@ddpo/tensor';
import { lowerGraph, serializeModel } from '@ddpo/tensor-onnxruntime';

/** One timed call: wall seconds and process CPU seconds (all threads). */
export interface Sample {
  wall: number;
  cpu: number;
}

/** Runs `fn` once and times it. */
export async function timed(fn: () => Promise<unknown>): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

/** Median of a list of numbers. */
export function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** How long the GEMM probe waits before and after measuring, for spinning threads (other sessions' and its own) to park. */
export const SETTLE_MS = 100;

const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

/** A raw ort.InferenceSession computing one n x n x n float32 MatMul: the machine's ceiling. */
export class GemmProbe {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly feeds: Record<string, ort.Tensor>,
    readonly n: number,
  ) {}

  /**
   * The probe runs with the workload's session options (spinning threads included) and keeps to
   * itself in time: `rate` waits `SETTLE_MS` before measuring, so that the intra-op threads of the
   * workload timed just before (which spin for a while after each run when spinning is allowed) have
   * gone to sleep and do not slow the MatMul, and waits again after, so that the probe's own spinning
   * threads do not slow the workload timed next. (Measured right after a training step, the MatMul ran
   * at 110-170 GFLOP/s; 100 ms later at 210-245. A probe that never spins read about 8% lower.)
   */
  static async create(n: number, options: ort.InferenceSession.SessionOptions): Promise<GemmProbe> {
    const b = new GraphBuilder();
    b.output('c', matmul(b.input('a', [n, n]), b.input('b', [n, n])));
    const session = await ort.InferenceSession.create(serializeModel(lowerGraph(b.build())), options);
    const rng = new Rng(7);
    const t = (seed: number) => new ort.Tensor('float32', rng.fork(seed).normal([n, n]).data as Float32Array, [n, n]);
    const probe = new GemmProbe(session, { a: t(1), b: t(2) }, n);
    await probe.session.run(probe.feeds);
    return probe;
  }

  /** GFLOP/s of the fastest of `reps` MatMuls (wall) and GFLOP per CPU-second of the same call. */
  async rate(reps = 3): Promise<{ gflops: number; gflopsPerCpu: number }> {
    await settle();
    let best: Sample = { wall: Infinity, cpu: Infinity };
    for (let i = 0; i < reps; i++) {
      const s = await timed(() => this.session.run(this.feeds));
      if (s.wall < best.wall) best = s;
    }
    await settle();
    const flop = 2 * this.n ** 3;
    return { gflops: flop / best.wall / 1e9, gflopsPerCpu: flop / best.cpu / 1e9 };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** A workload's figures: median rate, median ratio to the adjacent GEMM, and the same by CPU time. */
export interface Rate {
  /** Median seconds per repetition (wall). */
  seconds: number;
  gflops: number;
  /** Median over repetitions of (this repetition's GFLOP/s) / (the GEMM's just before it). */
  ratio: number;
  /** The same ratio with GFLOP per CPU-second on both sides (insensitive to other processes). */
  ratioCpu: number;
  /** Median GEMM GFLOP/s measured alongside. */
  gemmGflops: number;
  reps: number;
}

/**
 * Times `reps` repetitions of `fn` (after `warmup` untimed ones), each doing `flop` FLOPs, with a
 * GEMM measurement before each repetition.
 */
export async function rateOf(gemm: GemmProbe, fn: () => Promise<unknown>, flop: number, reps: number, warmup = 1): Promise<Rate> {
  for (let i = 0; i < warmup; i++) await fn();
  const secs: number[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const gemms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const g = await gemm.rate();
    const s = await timed(fn);
    secs.push(s.wall);
    gemms.push(g.gflops);
    ratios.push(flop / s.wall / 1e9 / g.gflops);
    cpuRatios.push(flop / s.cpu / 1e9 / g.gflopsPerCpu);
  }
  const seconds = median(secs);
  return { seconds, gflops: flop / seconds / 1e9, ratio: median(ratios), ratioCpu: median(cpuRatios), gemmGflops: median(gemms), reps };
}
