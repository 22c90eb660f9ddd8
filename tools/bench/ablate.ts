// `npm run bench -- --ablate [--rounds N] [--peer]`: what GroupNorm and SiLU cost a DDPO training
// step (b16, forward + backward, no optimizer), here and in PyTorch. Our step is timed as it is and
// with every GroupNorm and SiLU replaced by the identity (tinyUnet32's `identity` option), the two
// compiled graphs alternating in this process, `rounds` rounds of 8 steps each; with --peer, right
// after, the PyTorch peer's same step both ways (tools/peer/torch_step.py, alternating as well).
// The difference between the two times is what the normalisation and activation layers cost; the
// ablated step is the convolutions, GEMMs and data movement. docs/benchmarks.md reads the figures.
import { tinyUnet32 } from '@ddpo/models';
import type { HostTensor } from '@ddpo/tensor';
import type { OnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { median, timed } from './measure.js';
import { runPython, type PythonRun } from './peer.js';
import { makePolicy, trainingFeeds, trainingGraph } from './workloads.js';

/** Milliseconds per training step, as it is and without GroupNorm and SiLU. */
export interface AblationTimes {
  fullMs: number;
  ablatedMs: number;
}

/** What `--ablate` measured: ours, and the peer's (or why it did not run). */
export interface AblationResult {
  batch: number;
  rounds: number;
  ours: AblationTimes & { roundsMs: { full: number[]; ablated: number[] } };
  peer: (AblationTimes & { ran: true; torch: string; threads: number; roundsMs: { full: number[]; ablated: number[] } }) | { ran: false; reason: string };
}

/** The layers the ablated step drops. */
export const ABLATED = ['groupNorm', 'silu'] as const;

/** Times our training step both ways, alternating: per round, 2 warm-up and `perRound` timed steps of each. */
export async function ablateOurs(adapter: OnnxRuntimeAdapter, params: Record<string, HostTensor>, numPrompts: number, B: number, steps: number, rounds: number, perRound = 8) {
  const variants = [tinyUnet32({ numPrompts }), tinyUnet32({ numPrompts, identity: ABLATED })].map(async (model) => {
    const policy = makePolicy(model, adapter);
    return { compiled: await adapter.compile(trainingGraph(policy, B, steps)), feeds: trainingFeeds(policy, params, B, steps) };
  });
  const [full, ablated] = await Promise.all(variants);
  const roundsMs = { full: [] as number[], ablated: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const [v, out] of [[full, roundsMs.full], [ablated, roundsMs.ablated]] as const) {
      for (let i = 0; i < 2; i++) await v.compiled.run(v.feeds);
      const t: number[] = [];
      for (let i = 0; i < perRound; i++) t.push((await timed(() => v.compiled.run(v.feeds))).wall * 1000);
      out.push(median(t));
    }
  }
  // Released before the peer runs, so that no session of ours holds (or spins) threads meanwhile.
  await Promise.all([full, ablated].map((v) => v.compiled.dispose()));
  return { fullMs: median(roundsMs.full), ablatedMs: median(roundsMs.ablated), roundsMs };
}

/** The peer's step both ways (tools/peer/torch_step.py), or why it did not run. */
export function ablatePeer(B: number, threads: number, rounds: number, spin: boolean): AblationResult['peer'] {
  const r: PythonRun = runPython('torch_step.py', ['--train-bs', `${B}`, '--threads', `${threads}`, '--rounds', `${rounds}`], spin);
  if (!r.ran) return r;
  const list = (k: string) => { const v = r.json[k]; return Array.isArray(v) ? v.map(Number) : []; };
  return {
    ran: true, torch: String(r.json.torch), threads: Number(r.json.threads), fullMs: Number(r.json.full_ms), ablatedMs: Number(r.json.ablated_ms),
    roundsMs: { full: list('rounds_full_ms'), ablated: list('rounds_ablated_ms') },
  };
}

/** The table `--ablate` prints. */
export function formatAblation(a: AblationResult): string[] {
  const f = (v: number) => v.toFixed(1);
  const row = (who: string, t: AblationTimes) => `| ${who} | ${f(t.fullMs)} | ${f(t.ablatedMs)} | ${f(t.fullMs - t.ablatedMs)} |`;
  const lines = [
    `DDPO training step b${a.batch} (forward + backward), as it is and with every GroupNorm and SiLU the identity; medians of ${a.rounds} alternating rounds`,
    '',
    '| | step, ms | without GroupNorm and SiLU, ms | GroupNorm + SiLU, ms |',
    '| --- | --- | --- | --- |',
    row('ours (ONNX Runtime)', a.ours),
  ];
  const p = a.peer;
  if (p.ran) {
    lines.push(row(`PyTorch ${p.torch} (${p.threads} threads)`, p));
    lines.push(`| PyTorch / ours | ${(p.fullMs / a.ours.fullMs).toFixed(2)} | ${(p.ablatedMs / a.ours.ablatedMs).toFixed(2)} | ${((p.fullMs - p.ablatedMs) / (a.ours.fullMs - a.ours.ablatedMs)).toFixed(2)} |`);
  } else {
    lines.push('', `PyTorch peer skipped: ${p.reason}`);
  }
  return lines;
}
