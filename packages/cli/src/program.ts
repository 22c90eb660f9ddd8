// The `ddpo` command line: one commander program with a subcommand per job (pretrain, sample, train,
// compare, sweep, export, report), `--help` on each, and one error path: usage errors print their message
// and exit 2, other failures print the error and exit 1.
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { WeightsMismatchError, WeightsNotFoundError } from '@ddpo/models';
import { algorithmNames, CheckpointError, ConfigError, TrainerError } from '@ddpo/trainer';
import { UsageError } from './errors.js';
import { REWARDS, rewardOptionHelp } from './reward-spec.js';

/** Where the program writes (tests capture it). */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

// src/program.ts and the built dist/*.js are both one folder below the package root
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const defaultIO: CliIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** `--device`: ONNX Runtime's execution providers, or the reference interpreter. */
const DEVICE_CHOICES = ['cpu', 'cuda', 'webgpu', 'reference'];

/**
 * Options every training command shares (config file, reward, weights, backend, output). `ddpo compare`
 * defaults to the aesthetic stand-in, where the prompt's content must survive (docs/results.md, study 2);
 * `train` and `sweep` to JPEG compressibility, the reference's first task.
 */
function addTrainingOptions(cmd: Command, defaultReward = 'compressibility'): Command {
  return cmd
    .option('-c, --config <file>', 'JSON file of trainer fields (camelCase, as TrainerConfig)')
    .option('--set <field=value>', 'set any trainer field, e.g. --set trainClipRange=2e-4 (repeatable)', collect)
    .option('-r, --reward <spec>', rewardOptionHelp(), defaultReward)
    .option('--clip-encoder <file>', 'CLIP image encoder (.onnx) for --reward aesthetic (without it: the shipped shapes-32 stand-in)')
    .option('--aesthetic-head <file>', 'aesthetic MLP head (.safetensors) for --reward aesthetic')
    .option('-w, --weights <path>', 'initial weights: .safetensors file, pretrain output dir or trainer checkpoint (default: the shipped tiny-unet-32)')
    .addOption(new Option('--device <device>', 'where graphs run (webgpu: a Vulkan/Metal/D3D12 driver)').choices(DEVICE_CHOICES).default('cpu'))
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)')
    .option('--no-spin', "let ONNX Runtime's idle threads sleep between ops instead of spinning (faster when other jobs share the machine)")
    .option('--epochs <n>', 'numEpochs')
    .option('--sample-batch-size <n>', 'sampleBatchSize')
    .option('--batches-per-epoch <n>', 'sampleNumBatchesPerEpoch')
    .option('--steps <n>', 'sampleNumSteps (DDIM steps)')
    .option('--guidance-scale <g>', 'sampleGuidanceScale (1 = no classifier-free guidance)')
    .option('--train-batch-size <n>', 'trainBatchSize')
    .option('--lr <lr>', 'trainLearningRate')
    .option('--inner-epochs <n>', 'trainNumInnerEpochs')
    .option('--no-progress', 'plain log lines instead of progress bars')
    .addHelpText('after', `\nBuilt-in rewards (--reward):\n${REWARDS.help().replace(/^/gm, '  ')}`);
}

/**
 * Builds the `ddpo` program. Actions are loaded lazily so `--help` stays fast.
 *
 * @example
 * await buildProgram().parseAsync(['node', 'ddpo', 'compare', '--quick']);
 */
export function buildProgram(io: CliIO = defaultIO): Command {
  const program = new Command('ddpo')
    .description('DDPO (Black et al. 2023) for TypeScript: fine-tune diffusion models with reinforcement learning')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  program
    .command('pretrain')
    .description('pretrain tiny-unet-32 on the procedural shapes-32 data set (epsilon-prediction denoising)')
    .requiredOption('-o, --out <dir>', 'output directory (checkpoints, final EMA weights)')
    .option('--steps <n>', 'optimizer steps', '20000')
    .option('--batch <n>', 'batch size', '64')
    .option('--lr <lr>', 'peak learning rate', '1e-3')
    .option('--seed <n>', 'random seed', '0')
    .option('--checkpoint-every <n>', 'checkpoint interval in steps', '500')
    .option('--resume', 'continue from the checkpoint in --out')
    .action(async (opts) => (await import('./commands/pretrain.js')).pretrainCommand(opts, io));

  program
    .command('sample')
    .description('sample images from the model and write a captioned PNG grid')
    .option('-w, --weights <path>', 'weights: .safetensors file, pretrain output, trainer run or checkpoint, LoRA adapter file (default: the shipped tiny-unet-32)')
    .option('--base-weights <path>', 'for LoRA adapters in --weights: the base weights they were trained on (default: the shipped tiny-unet-32)')
    .option('-p, --prompt <prompt>', 'a prompt, e.g. "red circle" (repeatable; default: every prompt)', collect)
    .option('-n, --num <n>', 'images per prompt: the grid has n x (number of prompts) images (16 prompts without -p)', '1')
    .option('--steps <n>', 'DDIM steps', '20')
    .option('--eta <eta>', 'DDIM eta (> 0)', '1')
    .option('--guidance-scale <g>', 'classifier-free guidance scale', '3')
    .option('--seed <n>', 'random seed', '0')
    .option('-r, --reward <spec>', 'also score the samples with this reward')
    .addOption(new Option('--device <device>', 'where graphs run (webgpu: a Vulkan/Metal/D3D12 driver)').choices(DEVICE_CHOICES).default('cpu'))
    .option('-o, --out <file>', 'output PNG', 'samples.png')
    .action(async (opts) => (await import('./commands/sample.js')).sampleCommand(opts, io));

  addTrainingOptions(
    program
      .command('train')
      .description('fine-tune with DDPO or RWR on a reward; metrics, sample grids and checkpoints go to --out')
      .addOption(new Option('-a, --algo <algo>', 'algorithm').choices(algorithmNames())),
  )
    .option('--seed <n>', 'random seed')
    .option('-o, --out <dir>', 'run directory', 'runs/train')
    .option('--resume', 'continue from the newest checkpoint in --out')
    .option('--log-with <list>', 'metrics formats: jsonl (metrics.jsonl, always written) and/or tensorboard (event files in --out: scalars and sample grids)', 'jsonl')
    .action(async (opts) => (await import('./commands/train.js')).trainCommand(opts, io));

  addTrainingOptions(
    program
      .command('compare')
      .description('train several algorithms on one reward with equal reward-query budgets and seeds; write report.html')
      .option('--algos <list>', `comma-separated algorithms (${algorithmNames().join(', ')})`)
      .option('--seeds <list>', 'the seeds, comma-separated (e.g. 0 or 0,1,2)')
      .option('--num-seeds <n>', 'use seeds 0..n-1')
      .option('--quick', 'a tiny smoke run (about a minute)')
      .option('--full', 'all four algorithms, three seeds'),
    'aesthetic',
  )
    .option('-o, --out <dir>', 'output directory', 'runs/compare')
    .action(async (opts) => (await import('./commands/compare.js')).compareCommand(opts, io));

  addTrainingOptions(
    program
      .command('sweep')
      .description('tune: run a grid of trainer settings x algorithms x seeds at an equal reward-query budget; write sweep.json and sweep.md (resumable)')
      .option('--grid <field=v1,v2,...>', 'a trainer field and its values (repeatable; cells are all combinations), e.g. --grid trainLearningRate=1e-5,3e-5', collect)
      .option('--algos <list>', `comma-separated algorithms (${algorithmNames().join(', ')})`)
      .option('--seeds <list>', 'the seeds, comma-separated (e.g. 0 or 0,1,2)')
      .option('--num-seeds <n>', 'use seeds 0..n-1')
      .option('--budget <queries>', 'reward queries each run spends on training (default: the preset\'s, 512)')
      .option('--eval-samples <n>', 'evaluation samples at start and end of each run (default: one epoch of the base settings)')
      .option('--min-fidelity <share>', 'also pick the best cell among those whose mean final prompt fidelity is at least this, e.g. 0.7')
      .option('--save-every <epochs>', 'checkpoint interval, so an interrupted run resumes (default 1)')
      .option('--keep-checkpoints', 'keep each finished run\'s last checkpoint (default: deleted once its result is written)')
      .option('--quick', 'start from the tiny settings of compare --quick (a smoke test)'),
  )
    .option('-o, --out <dir>', 'output directory (re-run with the same one to resume)', 'runs/sweep')
    .action(async (opts) => (await import('./commands/sweep.js')).sweepCommand(opts, io));

  program
    .command('export')
    .description('export the model with its weights baked in as an ONNX file (inputs sample, timestep, prompt)')
    .option('-w, --weights <path>', 'weights: .safetensors file, pretrain output, trainer run or checkpoint, LoRA adapter file (default: the shipped tiny-unet-32)')
    .option('--base-weights <path>', 'for LoRA adapters in --weights: the base weights they were trained on (default: the shipped tiny-unet-32)')
    .option('--batch <n>', 'batch size of the exported graph', '1')
    .requiredOption('-o, --out <file>', 'output .onnx file')
    .action(async (opts) => (await import('./commands/export.js')).exportCommand(opts, io));

  program
    .command('report')
    .description('rebuild report.html and the plots of a `ddpo compare` output directory from its summary.json')
    .argument('<dir>', 'the compare output directory')
    .option('--merge <dirs...>', 'first merge the summaries of these compare directories (same reward and settings, other algorithms or seeds) into <dir>')
    .action(async (dir: string, opts: { merge?: string[] }) => (await import('./commands/report.js')).reportCommand(dir, opts, io));

  return program;
}

/** Errors the user can fix (a flag, a file, a config field): message only, exit status 2. */
function isUserError(e: unknown): e is Error {
  return [UsageError, ConfigError, CheckpointError, TrainerError, WeightsNotFoundError, WeightsMismatchError].some((k) => e instanceof k);
}

/**
 * Runs the program on `argv` (as process.argv) and returns the exit status instead of exiting.
 *
 * @example
 * process.exitCode = await main(process.argv);
 */
export async function main(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit with 0; commander already printed its message
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    if (isUserError(e)) {
      io.err(`ddpo: ${e.message}\n`);
      return 2;
    }
    io.err(`ddpo: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
    if (process.env.DDPO_DEBUG && e instanceof Error) io.err(`${e.stack}\n`);
    return 1;
  }
}
