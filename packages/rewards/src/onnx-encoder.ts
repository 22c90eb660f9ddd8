// An image encoder run by onnxruntime-node, loaded on first use with a dynamic import() so that users
// of the other rewards never need it (it is an optional peer dependency). The encoder takes CLIP
// `pixel_values` [B, 3, 224, 224] and gives `image_embeds` [B, D] (e.g. CLIP ViT-L/14 + visual projection).
import { HostTensor } from '@ddpo/tensor';
import { clipPreprocess } from './clip-preprocess.js';
import { OptionalDependencyError, RewardHeadError } from './errors.js';
import { checkImages, type Images } from './images.js';

/** The parts of onnxruntime-node used here, typed structurally so our .d.ts files do not need it installed. */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}
interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
}
/** The onnxruntime-node module as far as this package uses it. */
export interface OrtModuleLike {
  InferenceSession: { create(model: string | Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike;
}

/**
 * Imports an optional dependency, turning any failure (not installed, native binary missing) into an
 * OptionalDependencyError that names the package and the feature that needs it.
 *
 * @example
 * const ort = await importOptional<OrtModuleLike>('onnxruntime-node', 'aestheticScore');
 */
export async function importOptional<T>(specifier: string, feature: string): Promise<T> {
  try {
    // A variable specifier keeps bundlers from resolving (and requiring) the package at build time.
    return (await import(specifier)) as T;
  } catch (err) {
    throw new OptionalDependencyError(specifier, feature, err instanceof Error ? err.message.split('\n')[0] : String(err));
  }
}

/** Options of onnxImageEncoder. */
export interface OnnxImageEncoderOptions {
  /** Path of the ONNX encoder (input `pixel_values` [B, 3, 224, 224], output `image_embeds` [B, D]). */
  encoderPath: string;
  /** Input name (default 'pixel_values'). */
  inputName?: string;
  /** Output name (default 'image_embeds', or the model's only output). */
  outputName?: string;
  /** Divide each embedding by its L2 norm (default true, as the LAION aesthetic predictor expects). */
  normalize?: boolean;
  /** Square input size of the encoder (default 224). */
  imageSize?: number;
  /** onnxruntime session options (e.g. { intraOpNumThreads: 2 }). */
  sessionOptions?: Record<string, unknown>;
}

/**
 * A feature function `(images) => Promise<HostTensor [B, D]>` running an ONNX image encoder after
 * CLIP preprocessing; the session is created on the first call and reused.
 *
 * @example
 * const embed = onnxImageEncoder({ encoderPath: 'clip-vit-l14-vision.onnx' });
 * const features = await embed(images); // float32 [B, 768], unit L2 norm
 */
export function onnxImageEncoder(opts: OnnxImageEncoderOptions): (images: Images) => Promise<HostTensor<'float32'>> {
  let loading: Promise<{ ort: OrtModuleLike; session: OrtSessionLike }> | undefined;
  const load = async () => {
    const ort = await importOptional<OrtModuleLike>('onnxruntime-node', 'the ONNX image encoder (aestheticScore)');
    try {
      return { ort, session: await ort.InferenceSession.create(opts.encoderPath, opts.sessionOptions ?? {}) };
    } catch (err) {
      throw new RewardHeadError(`${opts.encoderPath}: onnxruntime could not load the encoder (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
  };
  return async (images) => {
    const { batch } = checkImages(images, 'onnxImageEncoder');
    // A failed load (missing package or file) is not cached: the next call tries again.
    loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    const { ort, session } = await loading;
    const pixels = clipPreprocess(images, opts.imageSize ?? 224);
    const input = opts.inputName ?? 'pixel_values';
    const results = await session.run({ [input]: new ort.Tensor('float32', pixels.data, pixels.shape) });
    const out = pickOutput(results, session.outputNames, opts.outputName, opts.encoderPath);
    if (out.dims.length !== 2 || out.dims[0] !== batch || !(out.data instanceof Float32Array)) {
      throw new RewardHeadError(`${opts.encoderPath}: output is ${out.type} [${out.dims.join(', ')}], expected float32 [${batch}, D]`);
    }
    const data = Float32Array.from(out.data);
    if (opts.normalize ?? true) l2NormalizeRows(data, out.dims[1]);
    return new HostTensor('float32', [batch, out.dims[1]], data);
  };
}

function pickOutput(results: Record<string, OrtTensorLike>, names: readonly string[], wanted: string | undefined, path: string): OrtTensorLike {
  const name = wanted ?? (names.includes('image_embeds') || names.length !== 1 ? 'image_embeds' : names[0]);
  const out = results[name];
  if (out === undefined) throw new RewardHeadError(`${path}: the encoder has no output '${name}' (outputs: ${names.join(', ')})`);
  return out;
}

/**
 * Divides each row of a row-major [N, D] matrix by its L2 norm, in place (float64 accumulation).
 * A zero row becomes NaN, as in the reference (`embed / torch.linalg.vector_norm(embed)`).
 *
 * @example
 * l2NormalizeRows(new Float32Array([3, 4]), 2); // [0.6, 0.8]
 */
export function l2NormalizeRows(data: Float32Array | Float64Array, d: number): void {
  for (let off = 0; off < data.length; off += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += data[off + j] * data[off + j];
    const norm = Math.sqrt(s);
    for (let j = 0; j < d; j++) data[off + j] /= norm;
  }
}
