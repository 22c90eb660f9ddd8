// Classifier-free guidance (Ho & Salimans 2022), batched as the Stable Diffusion pipeline does it:
// one network call on [2B] = (cond, uncond), then eps = eps_u + g (eps_c - eps_u). g = 1 is plain
// conditional sampling and calls the network once on [B].
import { add, cast, concat, isFloat, mul, slice, sub, tensor, type Sym } from '@ddpo/tensor';
import { PolicyInputError } from './errors.js';
import type { EpsilonModel } from './model.js';

/**
 * The guided noise prediction for `sample` [B, ...] at `timestep` [B] (int or float; the network
 * sees it as a float of sample's dtype) and `prompt` int64 [B].
 *
 * @example
 * const eps = guidedEpsilon(model, params, x, t, prompt, 5.0); // one model call on [2B]
 */
export function guidedEpsilon(model: EpsilonModel, params: Record<string, Sym>, sample: Sym, timestep: Sym, prompt: Sym, guidanceScale: number): Sym {
  checkGuidance(guidanceScale);
  const B = sample.shape[0];
  const t = isFloat(timestep.dtype) && timestep.dtype === sample.dtype ? timestep : cast(timestep, sample.dtype);
  const p = prompt.dtype === 'int64' ? prompt : cast(prompt, 'int64');
  if (guidanceScale === 1) return checkOutput(model, model.apply(params, sample, t, p), sample);
  const nullPrompt = sample.builder.constant(tensor(new Array<bigint>(B).fill(BigInt(model.numPrompts)), [B], 'int64'));
  const both = checkOutput(model, model.apply(params, concat([sample, sample], 0), concat([t, t], 0), concat([p, nullPrompt], 0)), concat([sample, sample], 0));
  const epsCond = slice(both, [0], [B], [0]);
  const epsUncond = slice(both, [B], [2 * B], [0]);
  // SD pipeline: noise_pred_uncond + guidance_scale * (noise_pred_text - noise_pred_uncond).
  return add(epsUncond, mul(sub(epsCond, epsUncond), guidanceScale));
}

/** Throws unless the guidance scale is a finite number >= 0. */
export function checkGuidance(g: number): void {
  if (typeof g !== 'number' || !Number.isFinite(g) || g < 0) {
    throw new PolicyInputError(`guidanceScale is ${g}, expected a finite number >= 0 (1 = no guidance)`);
  }
}

function checkOutput(model: EpsilonModel, eps: Sym, like: Sym): Sym {
  if (eps.dtype !== like.dtype || eps.shape.length !== like.shape.length || eps.shape.some((d, i) => d !== like.shape[i])) {
    throw new PolicyInputError(`${model.name}.apply returned ${eps.dtype} [${eps.shape.join(', ')}], expected sample's ${like.dtype} [${like.shape.join(', ')}]`);
  }
  return eps;
}
