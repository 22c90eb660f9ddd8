// The trainer's own error class (configuration errors are ConfigError, checkpoint problems
// CheckpointError; rewards, optimizers and adapters raise their packages' errors).
import { DdpoError } from '@ddpo/tensor';

/** The trainer failed in a way the user can act on (bad prompt list, wrong algorithm for the class, ...). */
export class TrainerError extends DdpoError {}
