// The 16 prompts of shapes-32 ("<colour> <shape>", colour-major, docs/tiny-unet-32.md) and the
// index of the null prompt that classifier-free guidance conditions on.
import { DdpoError } from '@ddpo/tensor';

/** The colours of shapes-32, in prompt order. */
export const COLOURS = ['red', 'green', 'blue', 'yellow'] as const;
/** The shapes of shapes-32, in prompt order. */
export const SHAPES = ['circle', 'square', 'triangle', 'ring'] as const;

/** A colour name of shapes-32. */
export type Colour = (typeof COLOURS)[number];
/** A shape name of shapes-32. */
export type ShapeKind = (typeof SHAPES)[number];

/**
 * The 16 prompt strings, colour-major: index = 4 * colour + shape.
 *
 * @example
 * PROMPTS[5]; // 'green square'
 */
export const PROMPTS: readonly string[] = Object.freeze(COLOURS.flatMap((c) => SHAPES.map((s) => `${c} ${s}`)));

/**
 * Index of the null (unconditional) prompt: one past the last real prompt, the extra row of the
 * prompt embedding table used for classifier-free guidance.
 *
 * @example
 * const uncond = NULL_PROMPT; // 16
 */
export const NULL_PROMPT = 16;

/** A prompt string that is not one of the 16 prompts of shapes-32. */
export class UnknownPromptError extends DdpoError {
  constructor(readonly prompt: string) {
    super(`promptIndex: unknown prompt '${prompt}'; expected one of ${PROMPTS.map((p) => `'${p}'`).join(', ')}`);
  }
}

/**
 * The index of a prompt string (surrounding white space and case are ignored).
 *
 * @example
 * promptIndex('green square'); // 5
 * promptIndex('purple blob');  // throws UnknownPromptError
 */
export function promptIndex(prompt: string): number {
  const i = PROMPTS.indexOf(prompt.trim().toLowerCase().replace(/\s+/g, ' '));
  if (i < 0) throw new UnknownPromptError(prompt);
  return i;
}

/**
 * The colour and shape of a prompt index in [0, 16).
 *
 * @example
 * promptParts(5); // { colour: 'green', shape: 'square' }
 */
export function promptParts(index: number): { colour: Colour; shape: ShapeKind } {
  if (!Number.isInteger(index) || index < 0 || index >= PROMPTS.length) {
    throw new UnknownPromptError(`#${index} (expected an integer index in [0, ${PROMPTS.length}))`);
  }
  return { colour: COLOURS[Math.floor(index / SHAPES.length)], shape: SHAPES[index % SHAPES.length] };
}
