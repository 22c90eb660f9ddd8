// Error classes of @ddpo/ppo, each naming the field, what was seen and what was expected.
import { DdpoError } from '@ddpo/tensor';

/**
 * A PPO / stat-tracker input or option is invalid (mismatched lengths, a NaN reward, a negative
 * clip range, an unknown algorithm...).
 *
 * @example
 * new PerPromptStatTracker({ bufferSize: 0, minCount: 1 }); // throws PpoConfigError: bufferSize is 0, expected an integer >= 1
 */
export class PpoConfigError extends DdpoError {}
