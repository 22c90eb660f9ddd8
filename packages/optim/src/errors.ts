// Error classes of @ddpo/optim: each names the parameter (or file entry) involved, what was seen and
// what was expected, so a failed step or load can be reported without a debugger.
import { DdpoError } from '@ddpo/tensor';

/**
 * A gradient (or the update it produces) holds NaN or Infinity. Thrown before anything is written:
 * parameters, moments and step counts are exactly as they were before the call.
 *
 * @example
 * try { opt.step(grads); } catch (e) { if (e instanceof NonFiniteGradientError) console.warn(`skipped: ${e.param}`); }
 */
export class NonFiniteGradientError extends DdpoError {
  constructor(
    readonly param: string,
    readonly index: number,
    readonly value: number,
    what = 'gradient',
  ) {
    super(`${what} of parameter '${param}' is ${value} at element ${index}; expected finite values (nothing was updated)`);
  }
}

/**
 * Tensors given to a store, an optimizer or a loader do not match the expected names, dtypes or
 * shapes. `problems` lists every mismatch found; nothing was changed.
 *
 * @example
 * try { await loadParams('w.safetensors', store); } catch (e) { if (e instanceof ParamMismatchError) console.error(e.problems); }
 */
export class ParamMismatchError extends DdpoError {
  constructor(
    readonly context: string,
    readonly problems: readonly string[],
  ) {
    const shown = problems.slice(0, 8).join('; ');
    const more = problems.length > 8 ? `; and ${problems.length - 8} more` : '';
    super(`${context}: ${problems.length} mismatch(es), nothing was loaded: ${shown}${more}`);
  }
}

/**
 * An optimizer option or saved optimizer state is invalid (a negative learning rate, betas outside
 * [0, 1), a state dict for another optimizer...).
 *
 * @example
 * new Adam(params, { lr: -1 }); // throws OptimizerConfigError: lr is -1, expected a finite number >= 0
 */
export class OptimizerConfigError extends DdpoError {}
