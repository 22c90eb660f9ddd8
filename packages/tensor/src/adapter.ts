// The backend interface: compile a graph once, run it many times with host tensors in and out.
// The reference interpreter is the first implementation; @ddpo/tensor-onnxruntime is the fast one.
import type { DType } from './dtype.js';
import { FeedError } from './errors.js';
import type { HostTensor } from './host.js';
import type { Graph } from './ir.js';

/** Host tensors by input or output name. */
export type TensorMap = Record<string, HostTensor>;

/** A graph compiled by an adapter: run it with feeds for every graph input. */
export interface CompiledGraph {
  readonly graph: Graph;
  /** Runs the graph; resolves to every graph output by name. Feeds are checked (FeedError). */
  run(feeds: TensorMap): Promise<TensorMap>;
  /** Releases native resources. The compiled graph cannot run afterwards. */
  dispose(): Promise<void>;
}

/**
 * A backend. `compile` may cache: compiling the same Graph object twice returns the same session.
 *
 * @example
 * const adapter = new ReferenceAdapter();
 * const compiled = await adapter.compile(graph);
 * const { y } = await compiled.run({ x: tensor([1, 2], [2]) });
 */
export interface TensorAdapter {
  /** Adapter name for messages, e.g. 'reference', 'onnxruntime-cpu'. */
  readonly name: string;
  compile(graph: Graph): Promise<CompiledGraph>;
  /** How many distinct graphs this adapter has compiled (for benchmarks: must not grow per step). */
  readonly compiledCount: number;
  dispose(): Promise<void>;
}

/**
 * Checks feeds against a graph's inputs: every input present, no extras, shapes and dtypes equal.
 * Throws a FeedError naming the input, what was given and what was expected.
 */
export function checkFeeds(graph: Graph, feeds: TensorMap, adapter: string): void {
  const expected = new Map<string, { shape: number[]; dtype: DType }>();
  for (const i of graph.inputs) expected.set(i.name, graph.nodes[i.id]);
  for (const name of Object.keys(feeds)) {
    if (!expected.has(name)) {
      throw new FeedError(`${adapter}: unknown input '${name}'; the graph's inputs are ${[...expected.keys()].join(', ') || '(none)'}`);
    }
  }
  for (const [name, want] of expected) {
    const got = feeds[name];
    if (got === undefined) throw new FeedError(`${adapter}: missing input '${name}' (${want.dtype} [${want.shape.join(', ')}])`);
    if (got.dtype !== want.dtype) throw new FeedError(`${adapter}: input '${name}' has dtype ${got.dtype}, expected ${want.dtype}`);
    if (got.shape.length !== want.shape.length || got.shape.some((d, k) => d !== want.shape[k])) {
      throw new FeedError(`${adapter}: input '${name}' has shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`);
    }
  }
}
