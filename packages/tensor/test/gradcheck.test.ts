// Gradient checks: every row of the spec table (gradcheck-spec.ts) against central finite
// differences in float64 on the reference interpreter, relative error <= 1e-6.
import { describe, it } from 'vitest';
import { GRAD_SPECS } from './gradcheck-spec.js';
import { gradCheck } from '@ddpo/tensor/testing';

describe('reverse-mode gradients match finite differences', () => {
  it.each(GRAD_SPECS)('$name', ({ build, inputs }) => {
    gradCheck(build, inputs);
  });
});
