// The pretraining command-line program (run it through pretrain.ts, which sets the source condition):
//   npx tsx packages/models/src/bin/pretrain.ts --out DIR --steps N --batch B [--resume] [--lr 1e-3]
//     [--seed 0] [--checkpoint-every 500] [--warmup N] [--ema 0.999] [--threads T] [--progress-every 10]
// Prints one progress line per report; the final EMA weights land in DIR/tiny-unet-32.safetensors.
import { parseArgs } from 'node:util';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { pretrain } from '../pretrain.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '1e-3' },
    seed: { type: 'string', default: '0' },
    'checkpoint-every': { type: 'string', default: '500' },
    warmup: { type: 'string' },
    ema: { type: 'string', default: '0.999' },
    threads: { type: 'string' },
    'progress-every': { type: 'string', default: '10' },
    resume: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const usage = 'usage: pretrain --out DIR --steps N [--batch 64] [--resume] [--lr 1e-3] [--seed 0] [--checkpoint-every 500] [--warmup N] [--ema 0.999] [--threads T] [--progress-every 10]';
if (values.help || values.out === undefined || values.steps === undefined) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x)) {
    console.error(`pretrain: --${name} must be a number, got '${v}'\n${usage}`);
    process.exit(2);
  }
  return x;
}

const adapter = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: num('threads', values.threads) });
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (!stop.signal.aborted) console.log(`pretrain: ${sig}: stopping after this step and writing a checkpoint (resume with --resume)`);
    stop.abort();
  });
}
const t0 = Date.now();
const result = await pretrain({
  outDir: values.out,
  steps: num('steps', values.steps)!,
  batchSize: num('batch', values.batch)!,
  lr: num('lr', values.lr),
  seed: num('seed', values.seed),
  checkpointEvery: num('checkpoint-every', values['checkpoint-every']),
  warmupSteps: num('warmup', values.warmup),
  emaDecay: num('ema', values.ema),
  progressEvery: num('progress-every', values['progress-every']),
  resume: values.resume,
  adapter,
  signal: stop.signal,
  onProgress: (p) =>
    console.log(
      `step ${p.step}/${p.steps}  loss ${p.loss.toFixed(5)}  lr ${p.lr.toExponential(2)}  |g| ${p.gradNorm.toFixed(3)}  ` +
        `${p.imagesPerSecond.toFixed(1)} img/s  ${p.elapsedSeconds.toFixed(0)} s`,
    ),
});
await adapter.dispose();
const secs = ((Date.now() - t0) / 1000).toFixed(0);
if (result.stopped) console.log(`pretrain: stopped at step ${result.step} after ${secs} s; checkpoint in ${values.out} (continue with --resume)`);
else console.log(`pretrain: done at step ${result.step} in ${secs} s; EMA weights: ${result.weightsPath}`);
