// Shared test helper: run a small graph on the reference interpreter. Tolerances, closeness,
// seeded test data and the gradient check are public in @ddpo/tensor/testing.
import { GraphBuilder, evaluate, type HostTensor, type Sym } from '@ddpo/tensor';

/** Builds a graph from named inputs, runs it on the reference interpreter, returns output `y`. */
export function runGraph(feeds: Record<string, HostTensor>, f: (s: Record<string, Sym>) => Sym): HostTensor {
  const b = new GraphBuilder();
  const syms: Record<string, Sym> = {};
  for (const [name, t] of Object.entries(feeds)) syms[name] = b.input(name, t.shape, t.dtype);
  b.output('y', f(syms));
  return evaluate(b.build(), feeds).y;
}
