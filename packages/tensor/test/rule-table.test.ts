// The rule table is complete by construction: these lines are type-checked by `npm test` (tsc runs
// over test/), and each @ts-expect-error fails the type check if the compiler stops rejecting the
// incomplete table or rule below it. At run time, every primitive has all three rules, and the op
// classes (OP_CLASSES) name every primitive exactly once.
import { describe, expect, it } from 'vitest';
import { OP_CLASSES, PRIMITIVES, rules, type OpRules, type PrimitiveOf, type RuleTable } from '@ddpo/tensor';

const { gather: _gather, ...withoutGather } = rules;
// @ts-expect-error a table that lacks one primitive is not a RuleTable
const incomplete: RuleTable = withoutGather;
// @ts-expect-error a primitive's rules without a VJP are not OpRules
const noVjp: OpRules<'exp'> = { infer: rules.exp.infer, ref: rules.exp.ref };
// @ts-expect-error a primitive's rules without a reference kernel are not OpRules
const noRef: OpRules<'exp'> = { infer: rules.exp.infer, vjp: rules.exp.vjp };
// @ts-expect-error a family union is derived from its class: exp is not a movement primitive
const notMovement: PrimitiveOf<'movement'> = 'exp';

describe('rule table', () => {
  it('has a shape rule, a VJP and a reference kernel for every primitive', () => {
    expect(Object.keys(rules).sort()).toEqual([...PRIMITIVES].sort());
    for (const p of PRIMITIVES) {
      const r = rules[p] as OpRules<typeof p>;
      expect([typeof r.infer, typeof r.vjp, typeof r.ref]).toEqual(['function', 'function', 'function']);
    }
    expect([incomplete, noVjp, noRef, notMovement].length).toBe(4);
  });

  it('op classes partition the primitives: each in exactly one class', () => {
    const listed = Object.values(OP_CLASSES).flat();
    expect(new Set(listed).size).toBe(listed.length);
    expect([...PRIMITIVES]).toEqual(listed);
    expect(Object.keys(rules).sort()).toEqual([...listed].sort());
  });
});
