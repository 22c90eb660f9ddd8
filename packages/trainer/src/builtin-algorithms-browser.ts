// The browser entry's built-in algorithms: the same modules as builtin-algorithms.ts without their trainer
// classes (which need Node). Registered by a call, not as an import side effect, so that a bundler's
// tree-shaking (the package is "sideEffects": false) cannot drop the registration.
import { hasAlgorithm, registerAlgorithm } from './algorithm.js';
import { ddpoIsModule, ddpoSfModule } from './ddpo-algorithms.js';
import { rwrCoreModule, rwrSparseCoreModule } from './rwr-algorithms.js';

/**
 * Registers ddpo-is, ddpo-sf, rwr and rwr-sparse unless already registered (idempotent); the browser
 * entry's parseTrainerConfig calls it first.
 *
 * @example
 * registerBrowserAlgorithms(); // algorithmNames() -> ['ddpo-is', 'ddpo-sf', 'rwr', 'rwr-sparse']
 */
export function registerBrowserAlgorithms(): void {
  for (const m of [ddpoIsModule, ddpoSfModule, rwrCoreModule, rwrSparseCoreModule]) if (!hasAlgorithm(m.name)) registerAlgorithm(m);
}
