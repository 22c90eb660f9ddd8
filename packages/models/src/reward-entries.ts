// Built-in rewards that need a model of this package, as registry entries: `aesthetic` is the LAION
// aesthetic predictor on CLIP features when both CLIP files are given, else the shipped shapes-32
// stand-in (it says so the first time it scores). Registered once, in MODEL_REWARD_ENTRIES.
import { existsSync } from 'node:fs';
import { aestheticScore, RewardSpecError, type RewardEntry, type RewardEntryOptions } from '@ddpo/rewards';
import { shapes32AestheticReward } from './rewardModel.js';

/** `--reward aesthetic`. */
export const aestheticEntry: RewardEntry = {
  name: 'aesthetic',
  help: 'LAION aesthetic predictor on CLIP features (--clip-encoder, --aesthetic-head); without them the shipped shapes-32 stand-in',
  create(opts: RewardEntryOptions) {
    if (opts.clipEncoder === undefined && opts.aestheticHead === undefined) return shapes32AestheticReward();
    if (opts.clipEncoder === undefined || opts.aestheticHead === undefined) {
      throw new RewardSpecError(
        'aesthetic',
        '--reward aesthetic with CLIP needs both --clip-encoder <CLIP ViT-L/14 image encoder .onnx> and --aesthetic-head <head .safetensors> ' +
          '(see the @ddpo/rewards README for how to export them); give neither for the shipped shapes-32 stand-in',
      );
    }
    for (const [flag, p] of [['--clip-encoder', opts.clipEncoder], ['--aesthetic-head', opts.aestheticHead]] as const) {
      if (!existsSync(p)) throw new RewardSpecError('aesthetic', `${flag}: no such file '${p}'`);
    }
    return aestheticScore({ encoderPath: opts.clipEncoder, headPath: opts.aestheticHead });
  },
};

/** @ddpo/models' built-in rewards (one line per reward). */
export const MODEL_REWARD_ENTRIES: readonly RewardEntry[] = [aestheticEntry];
