// Named errors of @ddpo/policy; messages name the argument, what was seen and what was expected.
import { DdpoError } from '@ddpo/tensor';

/** Parameter values do not match the model's `paramShapes` (missing, extra, shape, dtype). */
export class ParamsError extends DdpoError {}

/** A rollout or log-prob argument is invalid (prompts, guidance scale, shapes, noise). */
export class PolicyInputError extends DdpoError {}
