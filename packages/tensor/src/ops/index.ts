// The rule table: every primitive's shape rule, VJP and reference kernel, assembled from the op
// family files. Its type is a mapped type over the primitive union, so a primitive without rules
// fails `tsc` here.
import type { RuleTable } from '../rules.js';
import { elementwiseRules } from './elementwise.js';
import { leafRules } from './leaves.js';
import { linalgRules } from './linalg.js';
import { movementRules } from './movement.js';
import { reduceRules } from './reduce.js';

/**
 * Rules by primitive name.
 *
 * @example
 * const type = rules.add.infer([{ shape: [2, 1], dtype: 'float32' }, { shape: [3], dtype: 'float32' }], {});
 * // { shape: [2, 3], dtype: 'float32' }
 */
export const rules: RuleTable = {
  ...leafRules,
  ...elementwiseRules,
  ...reduceRules,
  ...movementRules,
  ...linalgRules,
};
