// `npm run bench` (root) / `npm run bench` (tools/): how close sampling and DDPO training of
// tiny-unet-32 come to the machine's own ceiling, a 1024^3 float32 MatMul in a raw onnxruntime
// session measured in the same run. Prints a table; `--json FILE` writes the figures; `--quick`
// runs small sizes (a smoke test, numbers meaningless); `--compare` also runs the whole default
// `ddpo compare` (its default: 2 algorithms x 1 seed) for its wall time and peak RSS; `--device webgpu`
// runs everything (the MatMul ceiling included) on ORT's WebGPU provider and names the device Dawn picked;
// `--peer` runs the PyTorch peer's epoch right after ours (peer.ts); `--profile` profiles one training
// step instead of benchmarking (profile.ts); `--ablate` times the training step with and without
// GroupNorm and SiLU instead, with `--peer` in PyTorch too (ablate.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { tinyUnet32Graph } from '@ddpo/models';
import { checkDevice, createOnnxRuntimeAdapter, type Device } from '@ddpo/tensor-onnxruntime';
import { graphFlops } from './flops.js';
import { GemmProbe, median, type Rate } from './measure.js';
import { ddpoEpochs, forwardOurs, forwardTorch, sampling, training, trainingLora, type Ctx, type EpochResult } from './sections.js';
import { benchSizes, epochConfig, loadModel } from './workloads.js';
import { compareSettings, runDefaultCompare } from './compare.js';
import { printProfile, profileTraining } from './profile.js';
import { runPeer } from './peer.js';
import { dumpTrainingModel, runAb } from './ab.js';
import { ablateOurs, ablatePeer, formatAblation, type AblationResult } from './ablate.js';

/** Sections that `--only` may select. */
const SECTIONS = ['torch', 'forward', 'sample', 'train', 'train-lora', 'epoch', 'compare-epoch'] as const;
type Section = (typeof SECTIONS)[number];

interface Args {
  quick: boolean;
  json?: string;
  compare: boolean;
  reps?: number;
  only?: Set<Section>;
  device: Device;
  profile: boolean;
  peer: boolean;
  threads?: number;
  /** `--dump-train FILE`: write the lowered training graph and stop (see ab.ts). */
  dumpTrain?: string;
  /** `--ab A,B`: time two dumped training graphs in alternating processes, `--rounds` each (default 4). */
  ab?: string[];
  rounds?: number;
  /** With --profile: also save ORT's raw per-kernel trace to this file (`--trace FILE`). */
  trace?: string;
  /** ORT intra-op spinning (`--spin on|off`); absent: the adapter's default. */
  spin?: boolean;
  /** `--ablate`: the training step with and without GroupNorm and SiLU (ablate.ts), `--rounds` rounds (default 4). */
  ablate: boolean;
}

function onOff(v: string | undefined): boolean {
  if (v === 'on' || v === 'off') return v === 'on';
  throw new Error(`bench: --spin must be 'on' or 'off', got '${v ?? ''}'`);
}

/** `--rounds` of --ab and --ablate: default 4, an integer >= 1. */
function roundsOf(args: Args): number {
  const rounds = args.rounds ?? 4;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bench: --rounds must be an integer >= 1, got ${args.rounds}`);
  return rounds;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, compare: false, profile: false, peer: false, ablate: false, device: 'cpu' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--quick') a.quick = true;
    else if (k === '--compare') a.compare = true;
    else if (k === '--profile') a.profile = true;
    else if (k === '--peer') a.peer = true;
    else if (k === '--ablate') a.ablate = true;
    else if (k === '--json') a.json = argv[++i];
    else if (k === '--reps') a.reps = Number(argv[++i]);
    else if (k === '--device') a.device = checkDevice(argv[++i]);
    else if (k === '--threads') a.threads = Number(argv[++i]);
    else if (k === '--spin') a.spin = onOff(argv[++i]);
    else if (k === '--trace') a.trace = argv[++i];
    else if (k === '--dump-train') a.dumpTrain = argv[++i];
    else if (k === '--ab') a.ab = (argv[++i] ?? '').split(',');
    else if (k === '--rounds') a.rounds = Number(argv[++i]);
    else if (k === '--only') a.only = new Set(argv[++i].split(',').map((x) => section(x)));
    else throw new Error(`bench: unknown argument '${k}' (expected --quick, --json FILE, --reps N, --threads N, --spin on|off, --only LIST, --trace FILE (with --profile), --dump-train FILE, --ab A,B [--rounds N], --ablate [--rounds N], --compare, --peer, --profile, --device cpu|cuda|webgpu)`);
  }
  if (a.json === undefined && argv.includes('--json')) throw new Error('bench: --json needs a file name');
  return a;
}

function section(x: string): Section {
  if (!(SECTIONS as readonly string[]).includes(x)) throw new Error(`bench: --only: unknown section '${x}' (expected some of ${SECTIONS.join(', ')})`);
  return x as Section;
}

function machine(): Record<string, string | number> {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  return { nproc: os.availableParallelism(), cpu, onnxruntime: ort.env.versions.common ?? 'unknown', node: process.version, loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' ') };
}

const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const pct = (v: number) => `${(100 * v).toFixed(0)}%`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sz = benchSizes(args.quick);
  const reps = args.reps ?? sz.reps;
  const threads = args.threads ?? Math.min(2, os.availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`bench: --threads must be an integer >= 1, got ${threads}`);
  const adapterOptions = { intraOpNumThreads: threads, device: args.device, allowSpinning: args.spin };
  const adapter = await createOnnxRuntimeAdapter(adapterOptions);
  const gemm = await GemmProbe.create(sz.gemmN, adapter.sessionOptions);
  const { model, params, weights } = loadModel();
  const fwdFlop = graphFlops(tinyUnet32Graph(1, { numPrompts: model.numPrompts }));
  const ctx: Ctx = { adapter, gemm, model, params, fwdFlop, reps };
  if (args.dumpTrain !== undefined) {
    dumpTrainingModel(adapter, model, sz.trainBatch, sz.steps, args.dumpTrain);
    console.log(`wrote the lowered training graph (b${sz.trainBatch}, ${sz.steps} steps) to ${args.dumpTrain}`);
    await gemm.dispose();
    await adapter.dispose();
    return;
  }
  if (args.ab !== undefined) {
    const rounds = roundsOf(args);
    const r = runAb(args.ab, rounds, args.quick, args.spin);
    r.files.forEach((f, k) => console.log(`${k === 0 ? 'A' : 'B'} ${f}: ${r.msPerStep[k].map((v) => v.toFixed(1)).join(' ')} ms per step (median ${r.medians[k].toFixed(1)})`));
    console.log(`B / A = ${r.ratio.toFixed(3)} (below 1: B is faster)`);
    if (args.json !== undefined) fs.writeFileSync(args.json, JSON.stringify(r, null, 2));
    await gemm.dispose();
    await adapter.dispose();
    return;
  }
  if (args.ablate) {
    const rounds = roundsOf(args);
    const ours = await ablateOurs(adapter, params, model.numPrompts, sz.trainBatch, sz.steps, rounds);
    await gemm.dispose();
    const peer = args.peer ? ablatePeer(sz.trainBatch, threads, rounds, adapter.spinning) : { ran: false as const, reason: 'run with --peer to time PyTorch as well' };
    const result: AblationResult = { batch: sz.trainBatch, rounds, ours, peer };
    for (const line of formatAblation(result)) console.log(line);
    if (args.json !== undefined) fs.writeFileSync(args.json, `${JSON.stringify({ ...result, machine: machine() }, null, 2)}\n`);
    await adapter.dispose();
    return;
  }
  if (args.profile) {
    printProfile(await profileTraining(adapter, model, params, sz.trainBatch, sz.steps, reps, args.trace));
    await gemm.dispose();
    await adapter.dispose();
    return;
  }
  const m0 = machine();
  console.log(`machine: ${m0.nproc} cores, ${m0.cpu}, onnxruntime ${m0.onnxruntime}, node ${m0.node}, load average ${m0.loadavg}`);
  console.log(`device: ${adapter.name}${adapter.webgpuDevice ? ` on ${adapter.webgpuDevice.summary}` : ''}`);
  console.log(`tiny-unet-32 (${weights} weights): forward ${fmt(fwdFlop / 1e6, 1)} MFLOP per image; ${threads} ORT threads, NCHWc block ${(adapter as { lowerOptions?: { nchwcBlockSize?: number } }).lowerOptions?.nchwcBlockSize ?? 0}`);

  // Each section compiles its sessions on an adapter of its own and releases them when it ends, as a
  // program running that one workload would: peak RSS is then the largest workload's, not the sum of
  // every section's sessions held to the end.
  let sessionsCompiled = 0;
  const peakRssAfter: Partial<Record<Section, number>> = {};
  const on = (x: Section) => args.only === undefined || args.only.has(x);
  const section = async <T>(x: Section, run: (c: Ctx) => Promise<T>): Promise<T | undefined> => {
    if (!on(x)) return undefined;
    const own = await createOnnxRuntimeAdapter(adapterOptions);
    try {
      return await run({ ...ctx, adapter: own });
    } finally {
      sessionsCompiled += own.compiledCount;
      await own.dispose();
      peakRssAfter[x] = Math.round(process.resourceUsage().maxRSS / 1024);
    }
  };
  const torchFile = fileURLToPath(new URL('../../packages/tensor-onnxruntime/test/fixtures/tiny-unet-32-torch.onnx', import.meta.url));
  const torch = on('torch') ? await forwardTorch(ctx, sz.fwdBatch, torchFile) : undefined;
  const fwd = await section('forward', (c) => forwardOurs(c, sz.fwdBatch));
  const smp = await section('sample', (c) => sampling(c, sz.sampleBatch, sz.steps));
  const trn = await section('train', (c) => training(c, sz.trainBatch, sz.steps));
  const trnLora = await section('train-lora', (c) => trainingLora(c, sz.trainBatch, sz.steps));
  const epochCfg = epochConfig(sz);
  const epoch = await section('epoch', (c) => ddpoEpochs(c, epochCfg, sz.epochs));
  // Right after our epoch, under the same load: the same epoch in PyTorch (a child python).
  const peer = args.peer ? runPeer({ sampleBatch: sz.sampleBatch, steps: sz.steps, trainBatch: sz.trainBatch, epochs: sz.epochs, threads, spin: adapter.spinning }) : undefined;
  const cmpCfg = args.quick ? { ...epochCfg, sampleBatchSize: 4, trainBatchSize: 4 } : await compareSettings();
  const cmpEpoch = await section('compare-epoch', (c) => ddpoEpochs(c, cmpCfg, sz.epochs));
  const full = args.compare ? await runDefaultCompare() : undefined;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const m1 = machine();
  const gemmGflops = median([torch, fwd, smp, trn, trnLora].flatMap((r) => (r ? [r.gemmGflops] : [])));

  type Row = [string, string, string, string];
  const rate = (label: string, r: Rate | undefined, note: (r: Rate) => string): Row[] => (r ? [[label, `${fmt(r.gflops)} GFLOP/s`, pct(r.ratio), note(r)]] : []);
  const ep = (label: string, e: EpochResult | undefined): Row[] =>
    e ? [[label, `${fmt(e.gflops)} GFLOP/s`, pct(e.ratio), `${fmt(e.seconds, 2)} s (sample ${fmt(e.sampling, 2)}, reward ${fmt(e.rewarding, 2)}, train ${fmt(e.training, 2)})`]] : [];
  const rows: Row[] = [
    [`${sz.gemmN}^3 MatMul, raw ORT session`, `${fmt(gemmGflops)} GFLOP/s`, '100%', 'the ceiling (median of the runs paired with the rows below)'],
    ...rate(`forward b${sz.fwdBatch}, PyTorch export, raw ORT`, torch, (r) => `${fmt(sz.fwdBatch / r.seconds, 0)} img/s`),
    ...rate(`forward b${sz.fwdBatch}, ours (adapter)`, fwd, (r) => `${fmt(sz.fwdBatch / r.seconds, 0)} img/s`),
    ...rate(`sampling b${sz.sampleBatch} x ${sz.steps} steps (rollout)`, smp, (r) => `${fmt(sz.sampleBatch / r.seconds, 2)} images/s, ${fmt(r.seconds, 2)} s per rollout`),
    ...rate(`DDPO train step b${sz.trainBatch}`, trn, (r) => `${fmt(sz.trainBatch / r.seconds, 1)} samples/s`),
    ...rate(`DDPO train step b${sz.trainBatch}, LoRA`, trnLora, (r) => `${fmt(sz.trainBatch / r.seconds, 1)} samples/s, rank 4 on attention, ${fmt(trnLora!.flop / 1e9, 2)} GFLOP per step counted on its graph (full: ${fmt((3 * sz.trainBatch * fwdFlop) / 1e9, 2)})`),
    ...ep(`DDPO epoch b${sz.sampleBatch}, ${sz.steps} steps, train b${sz.trainBatch}`, epoch),
    ...ep('DDPO epoch, `ddpo compare` settings', cmpEpoch),
  ];
  const w = [0, 1, 2].map((k) => Math.max(...rows.map((r) => r[k].length)));
  console.log('');
  for (const r of rows) console.log(`${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}  ${r[3]}`);
  console.log('');
  const cpuRatios = ([['sampling', smp], ['training', trn], ['forward', fwd], ['PyTorch export', torch]] as [string, Rate | undefined][]).flatMap(([k, r]) => (r ? [`${k} ${pct(r.ratioCpu)}`] : []));
  if (cpuRatios.length > 0) console.log(`ratios by CPU time (less sensitive to other processes): ${cpuRatios.join(', ')}`);
  console.log(`sessions compiled: ${sessionsCompiled} in all${epoch ? `; per DDPO run ${epoch.sessionsAfterFirst} after epoch 1, ${epoch.sessionsAfterLast} after epoch ${epoch.epochs + 1}` : ''}`);
  if (peer !== undefined && !peer.ran) console.log(`PyTorch peer skipped: ${peer.reason}`);
  if (peer?.ran) {
    console.log(`PyTorch peer (torch ${peer.torch}, ${peer.threads} threads, OMP_WAIT_POLICY ${peer.ompWaitPolicy}, BLAS ${peer.blas || 'unknown'}), same epoch right after ours: ${fmt(peer.epochSeconds, 2)} s (sample ${fmt(peer.sampleSeconds, 2)}, train ${fmt(peer.trainSeconds, 2)}); CPU ${fmt(peer.epochCpuSeconds, 2)} s`);
    if (epoch) {
      console.log(`ours vs PyTorch: epoch ${fmt(peer.epochSeconds / epoch.seconds, 2)}x as fast (by CPU time ${fmt(peer.epochCpuSeconds / epoch.cpuSeconds, 2)}x); sampling ${fmt(peer.sampleSeconds / epoch.sampling, 2)}x, training ${fmt(peer.trainSeconds / epoch.training, 2)}x`);
    }
  }
  if (full) console.log(`default \`ddpo compare\` (child process): ${fmt(full.seconds, 0)} s for ${full.runs} runs, peak RSS ${fmt(full.peakRssMb, 0)} MB`);
  const rssSteps = Object.entries(peakRssAfter).map(([k, v]) => `${k} ${v}`).join(", ");
  console.log(`peak RSS of this process ${fmt(peakRssMb, 0)} MB${rssSteps ? ` (peak after each section, MB: ${rssSteps})` : ""}; load average at the end ${m1.loadavg}`);

  if (args.json !== undefined) {
    const out = {
      gemmGflops,
      sampleGflops: smp?.gflops ?? null,
      trainGflops: trn?.gflops ?? null,
      sampleRatio: smp?.ratio ?? null,
      trainRatio: trn?.ratio ?? null,
      trainLoraGflops: trnLora?.gflops ?? null,
      trainLoraRatio: trnLora?.ratio ?? null,
      trainLoraGflopPerStep: trnLora ? trnLora.flop / 1e9 : null,
      trainLoraSamplesPerSecond: trnLora ? sz.trainBatch / trnLora.seconds : null,
      epochSeconds: epoch?.seconds ?? null,
      epochCpuSeconds: epoch?.cpuSeconds ?? null,
      peer: peer ?? null,
      peerEpochSeconds: peer?.ran ? peer.epochSeconds : null,
      peerSpeedup: peer?.ran && epoch ? peer.epochSeconds / epoch.seconds : null,
      peerSpeedupCpu: peer?.ran && epoch ? peer.epochCpuSeconds / epoch.cpuSeconds : null,
      sessionsCompiled,
      peakRssAfterMb: peakRssAfter,
      device: adapter.name,
      spinning: adapter.spinning,
      webgpuDevice: adapter.webgpuDevice ?? null,
      peakRssMb,
      forwardMflopPerImage: fwdFlop / 1e6,
      imagesPerSecond: smp ? sz.sampleBatch / smp.seconds : null,
      trainSamplesPerSecond: trn ? sz.trainBatch / trn.seconds : null,
      sampleRatioCpu: smp?.ratioCpu ?? null,
      trainRatioCpu: trn?.ratioCpu ?? null,
      forward: fwd ?? null,
      torchForward: torch ?? null,
      sampling: smp ?? null,
      training: trn ?? null,
      trainingLora: trnLora ?? null,
      epoch: epoch ?? null,
      compareEpoch: cmpEpoch ?? null,
      compareRun: full ?? null,
      sizes: { ...sz, reps, quick: args.quick, threads },
      machine: { start: m0, end: m1 },
    };
    fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    fs.writeFileSync(args.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
  await gemm.dispose();
  await adapter.dispose();
}

await main();
