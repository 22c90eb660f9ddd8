// The rule table is complete by construction: these lines are type-checked by `npm test` (tsc runs
// over test/), and each @ts-expect-error fails the type check if the compiler stops rejecting the
// incomplete table or rule below it. At run time, every primitive has all three rules.
import { describe, expect, it } from 'vitest';
import { PRIMITIVES, rules, type OpRules, type RuleTable } from '@ddpo/tensor';

const { gather: _gather, ...withoutGather } = rules;
// @ts-expect-error a table that lacks one primitive is not a RuleTable
const incomplete: RuleTable = withoutGather;
// @ts-expect-error a primitive's rules without a VJP are not OpRules
const noVjp: OpRules<'exp'> = { infer: rules.exp.infer, ref: rules.exp.ref };
// @ts-expect-error a primitive's rules without a reference kernel are not OpRules
const noRef: OpRules<'exp'> = { infer: rules.exp.infer, vjp: rules.exp.vjp };

describe('rule table', () => {
  it('has a shape rule, a VJP and a reference kernel for every primitive', () => {
    expect(Object.keys(rules).sort()).toEqual([...PRIMITIVES].sort());
    for (const p of PRIMITIVES) {
      const r = rules[p] as OpRules<typeof p>;
      expect([typeof r.infer, typeof r.vjp, typeof r.ref]).toEqual(['function', 'function', 'function']);
    }
    expect([incomplete, noVjp, noRef].length).toBe(3);
  });
});
