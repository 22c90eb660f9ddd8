// Rewards made of a feature extractor and a reward head: `headReward` for any features (an encoder of
// your own, a remote embedding service), and `aestheticScore`, the LAION aesthetic predictor used in the
// DDPO paper: CLIP ViT-L/14 image embeddings (ONNX), L2-normalised, through the LAION MLP head.
import type { HostTensor } from '@ddpo/tensor';
import { applyHead, loadRewardHead, type RewardHead } from './head.js';
import type { Images } from './images.js';
import { onnxImageEncoder } from './onnx-encoder.js';
import { defineReward, type RewardFn } from './reward.js';

/** Options of headReward. */
export interface HeadRewardOptions {
  /** The head, or the path of its safetensors file (read on first use). */
  head: RewardHead | string;
  /** Features [B, D] of a batch of images. */
  features: (images: Images) => Promise<HostTensor>;
  /** Reward name (default 'head_reward'). */
  name?: string;
  /** Preferred batch size. */
  batchSize?: number;
}

/**
 * A reward computed as `head(features(images))`.
 *
 * @example
 * const r = headReward({ head: 'my-head.safetensors', features: onnxImageEncoder({ encoderPath: 'clip.onnx' }), name: 'my_rating' });
 */
export function headReward(opts: HeadRewardOptions): RewardFn {
  let head: Promise<RewardHead> | undefined;
  return defineReward(
    opts.name ?? 'head_reward',
    async (images) => {
      head ??= (typeof opts.head === 'string' ? loadRewardHead(opts.head) : Promise.resolve(opts.head)).catch((err: unknown) => {
        head = undefined;
        throw err;
      });
      const [h, features] = await Promise.all([head, opts.features(images)]);
      return applyHead(h, features);
    },
    { batchSize: opts.batchSize },
  );
}

/** Options of aestheticScore. */
export interface AestheticScoreOptions {
  /** ONNX CLIP image encoder: `pixel_values` [B, 3, 224, 224] -> `image_embeds` [B, 768]. */
  encoderPath: string;
  /** Safetensors head (e.g. sac+logos+ava1-l14-linearMSE converted, or one from trainRewardHead). */
  headPath: string;
  /** Preferred batch size (default 32). */
  batchSize?: number;
  /** onnxruntime session options. */
  sessionOptions?: Record<string, unknown>;
}

/**
 * The LAION aesthetic predictor reward (DDPO's "aesthetic quality" task): CLIP preprocessing, the ONNX
 * encoder, L2-normalised embeddings, the MLP head. Nothing is downloaded; both files are the user's.
 *
 * @example
 * const aesthetic = aestheticScore({ encoderPath: 'clip-vit-l14-vision.onnx', headPath: 'sac+logos+ava1-l14-linearMSE.safetensors' });
 */
export function aestheticScore(opts: AestheticScoreOptions): RewardFn {
  return headReward({
    name: 'aesthetic_score',
    head: opts.headPath,
    features: onnxImageEncoder({ encoderPath: opts.encoderPath, normalize: true, sessionOptions: opts.sessionOptions }),
    batchSize: opts.batchSize ?? 32,
  });
}
