// `ddpo pretrain`: pretrains tiny-unet-32 on shapes-32 through @ddpo/models' pretrain(), printing
// one progress line per report.
import { pretrain } from '@ddpo/models';
import { numberFlag } from '../config-file.js';
import type { CliIO } from '../program.js';

/** Flags of `ddpo pretrain`. */
export interface PretrainFlags {
  out: string;
  steps: string;
  batch: string;
  lr: string;
  seed: string;
  checkpointEvery: string;
  resume?: boolean;
}

/**
 * Runs pretraining and prints where the weights are.
 *
 * @example
 * await pretrainCommand({ out: 'runs/pre', steps: '100', batch: '8', lr: '1e-3', seed: '0', checkpointEvery: '50' }, io);
 */
export async function pretrainCommand(f: PretrainFlags, io: CliIO): Promise<void> {
  const res = await pretrain({
    outDir: f.out,
    steps: numberFlag('--steps', f.steps, { integer: true, min: 1 }),
    batchSize: numberFlag('--batch', f.batch, { integer: true, min: 1 }),
    lr: numberFlag('--lr', f.lr, { min: 0 }),
    seed: numberFlag('--seed', f.seed, { integer: true, min: 0 }),
    checkpointEvery: numberFlag('--checkpoint-every', f.checkpointEvery, { integer: true, min: 1 }),
    resume: f.resume === true,
    onProgress: (p) =>
      io.err(
        `step ${p.step}/${p.steps} loss ${p.loss.toFixed(5)} lr ${p.lr.toExponential(2)} |g| ${p.gradNorm.toFixed(3)} ` +
          `${p.imagesPerSecond.toFixed(1)} img/s ${p.elapsedSeconds.toFixed(0)} s\n`,
      ),
  });
  io.out(`pretrained ${res.step} steps, last loss ${res.lastLoss.toFixed(5)}; EMA weights: ${res.weightsPath}\n`);
}
