// Named errors of @ddpo/scheduler. Each message names the field or argument, what was seen and what
// was expected, so a wrong config or a wrong call is fixed from the message alone.
import { DdpoError } from '@ddpo/tensor';

/** A scheduler config field is missing, of the wrong type or out of range. */
export class SchedulerConfigError extends DdpoError {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`DDIMScheduler config '${field}': ${detail}`);
  }
}

/** A timestep is not an integer in [0, numTrainTimesteps), or `setTimesteps` was not called first. */
export class TimestepError extends DdpoError {}

/** eta <= 0 (or not finite) where a log-probability is asked for: the DDIM transition is then deterministic. */
export class EtaError extends DdpoError {
  constructor(
    readonly eta: number,
    where: string,
  ) {
    super(
      `${where}: eta must be a finite number > 0 for a log-probability (got ${eta}); ` +
        'with eta = 0 the DDIM step is deterministic (std 0) and log pi(x_{t-1} | x_t) is undefined',
    );
  }
}

/** The tensors given to a step do not fit together (shapes, dtypes, batch size, missing noise). */
export class StepInputError extends DdpoError {}
