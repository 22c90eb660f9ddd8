// `npm run bench -- --profile`: where the time of one DDPO training step (train b16, the bench's
// shapes) goes. ORT's session profiling gives each kernel's time; the lowering's `origins` map ties
// every ONNX node back to the graph node that emitted it, and the graph says what that node is for
// (forward, conv input gradient, stride-2 input gradient, conv weight gradient, ...). Also times the
// host side of a run (feeds in, outputs out) and of the optimizer (accumulation, clipping, Adam).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Adam, clipGradNorm, GradientAccumulator } from '@ddpo/optim';
import { type AnyNode, type Graph, type HostTensor } from '@ddpo/tensor';
import { lowerGraph, serializeModel, toOrtTensor, type OnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { median, timed } from './measure.js';
import { makePolicy, trainingFeeds, trainingGraph } from './workloads.js';
import type { EpsilonModel } from '@ddpo/policy';

/** What a graph node is for, in the training step. */
export type Role =
  | 'forward: conv'
  | 'forward: other'
  | 'backward: conv input gradient (stride 1)'
  | 'backward: conv input gradient (stride 2)'
  | 'backward: conv weight gradient'
  | 'backward: matmul (linear, attention)'
  | 'backward: elementwise / reductions (GroupNorm, SiLU, softmax, sums)'
  | 'backward: data movement (transpose, reshape, pad, slice, concat)';

const MOVEMENT = new Set<AnyNode['op']>(['reshape', 'transpose', 'pad', 'slice', 'concat', 'gather', 'flip' as AnyNode['op'], 'broadcastTo', 'stopGradient']);

/**
 * Assigns each node of a training graph a role. Nodes up to `lastForward` (the loss) are the
 * forward pass. In the backward pass, convolutions and matmuls are anchors (every backward conv is
 * an input gradient; a stride-2 one reads a zero-dilated cotangent (a 6-D pad upstream) or is one
 * phase of the phase form (its result is interleaved through a 6-D transpose); a
 * weight-gradient matmul's result ends up, through sums, reshapes and concats, in a conv weight's
 * shape); data-movement nodes (and a weight gradient's sums) take the role of the anchors they feed
 * or are fed by, when all of those agree.
 */
export function classify(graph: Graph, lastForward: number): Role[] {
  const nodes = graph.nodes;
  const role: (Role | undefined)[] = new Array(nodes.length);
  const users: number[][] = nodes.map(() => []);
  for (const n of nodes) for (const j of n.inputs) users[j].push(n.id);
  const upstreamHas = (id: number, pred: (n: AnyNode) => boolean, depth = 6): boolean => {
    const n = nodes[id];
    if (pred(n)) return true;
    if (depth === 0 || !MOVEMENT.has(n.op)) return false;
    return n.inputs.some((j) => upstreamHas(j, pred, depth - 1));
  };
  // A weight-gradient GEMM's result is reshaped (through sums, concats) into a conv weight's shape.
  const weightShapes = new Set(nodes.filter((n) => n.op === 'conv2d' && n.id <= lastForward).map((n) => nodes[n.inputs[1]].shape.join(',')));
  // Sums count as movement here: reduceSum, and a matmul by a constant (the ones vector summing a batch).
  const passesThrough = (n: AnyNode) => MOVEMENT.has(n.op) || n.op === 'reduceSum' || (n.op === 'matmul' && n.inputs.some((j) => nodes[j].op === 'constant'));
  const downstreamHas = (id: number, pred: (n: AnyNode) => boolean, depth = 6): boolean =>
    users[id].some((u) => pred(nodes[u]) || (depth > 0 && passesThrough(nodes[u]) && downstreamHas(u, pred, depth - 1)));
  for (const n of nodes) {
    if (n.id <= lastForward) {
      role[n.id] = n.op === 'conv2d' ? 'forward: conv' : 'forward: other';
      continue;
    }
    if (n.op === 'convTranspose2d') {
      role[n.id] = 'backward: conv input gradient (stride 2)';
    } else if (n.op === 'conv2d') {
      // Stride 2: either a convolution over a zero-dilated cotangent (a 6-D pad upstream) or one
      // phase of the phase-decomposed form (interleaved by a 6-D transpose downstream).
      const dilated = upstreamHas(n.inputs[0], (u) => u.op === 'pad' && u.shape.length === 6, 3) || downstreamHas(n.id, (u) => u.op === 'transpose' && u.shape.length === 6, 3);
      role[n.id] = dilated ? 'backward: conv input gradient (stride 2)' : 'backward: conv input gradient (stride 1)';
    } else if (n.op === 'matmul') {
      role[n.id] = downstreamHas(n.id, (u) => weightShapes.has(u.shape.join(','))) ? 'backward: conv weight gradient' : 'backward: matmul (linear, attention)';
    }
  }
  // Movement nodes: pull roles backward from users, then forward from inputs, until stable.
  for (let changed = true; changed; ) {
    changed = false;
    for (let id = nodes.length - 1; id > lastForward; id--) {
      if (role[id] !== undefined) continue;
      const from = new Set(users[id].map((u) => role[u]));
      if (nodes[id].op === 'reduceSum' && from.size === 1 && from.has('backward: conv weight gradient')) {
        role[id] = 'backward: conv weight gradient';
        changed = true;
        continue;
      }
      if (!MOVEMENT.has(nodes[id].op)) continue;
      const fromIn = new Set(nodes[id].inputs.filter((j) => j > lastForward).map((j) => role[j]));
      const pick = from.size === 1 && !from.has(undefined) ? [...from][0] : fromIn.size === 1 && !fromIn.has(undefined) ? [...fromIn][0] : undefined;
      if (pick !== undefined && pick !== 'backward: elementwise / reductions (GroupNorm, SiLU, softmax, sums)') {
        role[id] = pick;
        changed = true;
      }
    }
  }
  return nodes.map((n, id) => role[id] ?? (MOVEMENT.has(n.op) ? 'backward: data movement (transpose, reshape, pad, slice, concat)' : 'backward: elementwise / reductions (GroupNorm, SiLU, softmax, sums)'));
}

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

/** Figures of one profile: ms per run by ONNX op type and by role, plus run totals. */
export interface TrainingProfile {
  runs: number;
  byOp: Record<string, { ms: number; nodes: number }>;
  byRole: Record<string, number>;
  /** Per role, ms by ONNX op. */
  roleOps: Record<string, Record<string, number>>;
  kernelMs: number;
  modelRunMs: number;
  adapterRunMs: number;
  hostMs: { accumulate: number; clipAndAdam: number };
  onnxNodes: number;
  loadavg: string;
}

/** Profiles `runs` training steps at batch B (after 2 unprofiled warm-up runs in a separate session); `keepTrace` also saves ORT's raw trace there. */
export async function profileTraining(adapter: OnnxRuntimeAdapter, model: EpsilonModel, params: Record<string, HostTensor>, B: number, steps: number, runs: number, keepTrace?: string): Promise<TrainingProfile> {
  const policy = makePolicy(model, adapter);
  const graph = trainingGraph(policy, B, steps);
  const feeds = trainingFeeds(policy, params, B, steps);
  const lossId = graph.outputs.find((o) => o.name === 'loss')!.id;
  const roles = classify(graph, lossId);
  const origins = new Map<string, number>();
  const model_ = lowerGraph(graph, { ...adapter.lowerOptions, origins });
  const bytes = serializeModel(model_);

  // Adapter path (feeds wrapped, outputs wrapped) without profiling: the whole run as the trainer sees it.
  const compiled = await adapter.compile(graph);
  await compiled.run(feeds);
  const adapterRuns: number[] = [];
  let grads: Record<string, HostTensor> = {};
  for (let i = 0; i < runs; i++) {
    let out: Record<string, HostTensor> = {};
    adapterRuns.push((await timed(async () => (out = await compiled.run(feeds)))).wall * 1000);
    grads = Object.fromEntries(Object.entries(out).filter(([k]) => k.startsWith('grad:')).map(([k, v]) => [k.slice(5), v]));
  }

  // Host-side optimizer work per training step: one accumulate, and per optimizer step clip + Adam.
  const acc = new GradientAccumulator(2);
  acc.add(grads); // the first add allocates the sums; time the second
  const accMs = (await timed(async () => acc.add(grads))).wall * 1000;
  const copy = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.clone()]));
  const adam = new Adam(copy, { lr: 1e-5 });
  const g = acc.take();
  const adamMs = (await timed(async () => {
    clipGradNorm(g, 1);
    adam.step(g);
  })).wall * 1000;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-profile-'));
  const session = await ort.InferenceSession.create(bytes, { ...adapter.sessionOptions, enableProfiling: true, profileFilePrefix: path.join(dir, 'train') });
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrtTensor(v)]));
  for (let i = 0; i < runs + 1; i++) await session.run(ortFeeds);
  session.endProfiling();
  await session.release();
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
  if (file === undefined) throw new Error(`profile: ORT wrote no profile into ${dir}`);
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ProfileEvent[];
  if (keepTrace !== undefined) fs.copyFileSync(path.join(dir, file), keepTrace); // ORT's own trace (chrome://tracing format), every kernel of every run
  fs.rmSync(dir, { recursive: true, force: true });

  // The first run warms up; the profile keeps the last `runs`.
  const modelRuns = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => e.dur / 1000);
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const perRun = kernels.length / (runs + 1);
  const timedKernels = kernels.slice(kernels.length - perRun * runs);
  const byOp: TrainingProfile['byOp'] = {};
  const byRole: Record<string, number> = {};
  const roleOps: Record<string, Record<string, number>> = {};
  let kernelMs = 0;
  for (const e of timedKernels) {
    const op = e.args?.op_name ?? '?';
    const ms = e.dur / 1000 / runs;
    kernelMs += ms;
    byOp[op] ??= { ms: 0, nodes: 0 };
    byOp[op].ms += ms;
    byOp[op].nodes += 1 / runs;
    const id = [...e.name.matchAll(/_v\d+/g)].map((m) => origins.get(m[0])).find((x) => x !== undefined);
    let role: string = id === undefined || id < 0 ? `(unattributed: ${op})` : roles[id];
    // A forward conv is lowered at its bias add (conv + bias -> one Conv): go by the ONNX op there.
    if (role === 'forward: other' && (op === 'Conv' || op.startsWith('Reorder'))) role = 'forward: conv';
    if (op.startsWith('Reorder')) role = `${role} (NCHWc reorders)`;
    roleOps[role] ??= {};
    roleOps[role][op] = (roleOps[role][op] ?? 0) + ms;
    byRole[role] = (byRole[role] ?? 0) + ms;
  }
  return {
    runs,
    byOp,
    byRole,
    roleOps,
    kernelMs,
    modelRunMs: median(modelRuns.slice(1)),
    adapterRunMs: median(adapterRuns),
    hostMs: { accumulate: accMs, clipAndAdam: adamMs },
    onnxNodes: Math.round(perRun),
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

/** Prints a profile as the two markdown tables of docs/benchmarks.md. */
export function printProfile(p: TrainingProfile): void {
  const share = (ms: number) => `${((100 * ms) / p.kernelMs).toFixed(1)}%`;
  console.log(`training step b16: ${p.onnxNodes} kernels per run, kernel time ${p.kernelMs.toFixed(1)} ms, ORT model_run ${p.modelRunMs.toFixed(1)} ms, adapter run ${p.adapterRunMs.toFixed(1)} ms (median of ${p.runs}); load average ${p.loadavg}`);
  console.log(`host side per step: gradient accumulation ${p.hostMs.accumulate.toFixed(1)} ms; per optimizer step clip + Adam ${p.hostMs.clipAndAdam.toFixed(1)} ms`);
  console.log('\n| role | ms per step | share of kernel time | largest ONNX ops (ms) |\n| --- | --- | --- | --- |');
  for (const [r, ms] of Object.entries(p.byRole).sort((a, b) => b[1] - a[1])) {
    const top = Object.entries(p.roleOps[r]).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([op, t]) => `${op} ${t.toFixed(1)}`).join(', ');
    console.log(`| ${r} | ${ms.toFixed(1)} | ${share(ms)} | ${top} |`);
  }
  console.log(`| host: feeds in, outputs out (adapter run - ORT model_run, medians) | ${(p.adapterRunMs - p.modelRunMs).toFixed(1)} | | |`);
  console.log('\n| ONNX op | ms per step | share | nodes |\n| --- | --- | --- | --- |');
  for (const [op, v] of Object.entries(p.byOp).sort((a, b) => b[1].ms - a[1].ms)) {
    if (v.ms / p.kernelMs < 0.003) continue;
    console.log(`| ${op} | ${v.ms.toFixed(1)} | ${share(v.ms)} | ${Math.round(v.nodes)} |`);
  }
}
