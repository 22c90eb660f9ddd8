// Error class of @ddpo/rwr, naming the field, what was seen and what was expected.
import { DdpoError } from '@ddpo/tensor';

/**
 * An RWR input or option is invalid (a NaN reward, a percentile outside [0, 100], mismatched lengths...).
 *
 * @example
 * rwrWeights([1, NaN]); // throws RwrConfigError: reward 1 is NaN, expected a finite number
 */
export class RwrConfigError extends DdpoError {}
