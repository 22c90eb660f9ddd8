// The rule types every primitive must provide. The tables in ops/ are mapped types over the
// primitive union, so a primitive missing any rule fails the type check.
import type { Sym } from './builder.js';
import type { HostTensor } from './host.js';
import type { Primitive, PrimitiveParams, TypeInfo } from './ir.js';

/** The rules of one primitive, kept side by side in its op-family file. */
export interface OpRules<P extends Primitive> {
  /** Output shape and dtype; throws ShapeError / DTypeError naming the op, the shapes and what was expected. */
  infer(inputs: TypeInfo[], params: PrimitiveParams[P]): TypeInfo;
  /**
   * Vector-Jacobian product: the cotangent of each input, given the output's cotangent `g`
   * (same shape as the output), as graph values. `null` where no gradient flows (integer or bool
   * operands, comparisons).
   */
  vjp(g: Sym, inputs: readonly Sym[], out: Sym, params: PrimitiveParams[P]): (Sym | null)[];
  /** Reference kernel: the executable definition of the primitive on host tensors. */
  ref(inputs: readonly HostTensor[], params: PrimitiveParams[P], out: TypeInfo): HostTensor;
}

/** A complete rule table: one entry per primitive, checked by the compiler. */
export type RuleTable = { [P in Primitive]: OpRules<P> };
