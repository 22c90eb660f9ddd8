// The registration of the built-in training algorithms: one line each, in the order of `ddpo --help`
// and `ddpo compare --full`. A new built-in is one module file plus one line here.
import { registerAlgorithm } from './algorithm.js';
import { ddpoIsAlgorithm, ddpoSfAlgorithm } from './ddpo.js';
import { rwrAlgorithm, rwrSparseAlgorithm } from './rwr.js';

/** The built-in algorithms, registered when @ddpo/trainer loads. */
export const BUILTIN_ALGORITHMS = [
  ddpoIsAlgorithm,
  ddpoSfAlgorithm,
  rwrAlgorithm,
  rwrSparseAlgorithm,
] as const;

/** A built-in algorithm's name. */
export type Algorithm = (typeof BUILTIN_ALGORITHMS)[number]['name'];

/** The built-in algorithms' names (every registered one: algorithmNames()). */
export const ALGORITHMS: readonly Algorithm[] = BUILTIN_ALGORITHMS.map((m) => m.name);

for (const m of BUILTIN_ALGORITHMS) registerAlgorithm(m);
