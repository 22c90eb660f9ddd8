// Leaf primitives: graph inputs and constants. They have no operands, so no VJP; an input's type
// comes from GraphBuilder.input and its value from the feeds, a constant's from the tensor it holds.
import { GraphError } from '../errors.js';
import type { LeafPrim } from '../ir.js';
import type { OpRules } from '../rules.js';

/** Declared in OP_CLASSES (ir.ts). */
export type { LeafPrim };

/** Rules of the leaf primitives. */
export const leafRules: { [P in LeafPrim]: OpRules<P> } = {
  input: {
    infer: (_inputs, p) => {
      throw new GraphError(`input '${p.name}': inputs are typed by GraphBuilder.input, not inferred`);
    },
    vjp: () => [],
    ref: (_inputs, p) => {
      throw new GraphError(`input '${p.name}': its value comes from the feeds, not from a kernel`);
    },
  },
  constant: {
    infer: (_inputs, p) => ({ shape: [...p.value.shape], dtype: p.value.dtype }),
    vjp: () => [],
    ref: (_inputs, p) => p.value,
  },
};
