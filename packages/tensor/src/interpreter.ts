// The reference interpreter: runs a graph node by node with each primitive's reference kernel.
// It is the executable specification every other adapter is tested against (float64 capable,
// edge cases defined in the op-family files), not the fast path.
import { checkFeeds, type CompiledGraph, type TensorAdapter, type TensorMap } from './adapter.js';
import { GraphError } from './errors.js';
import type { HostTensor } from './host.js';
import type { Graph } from './ir.js';
import { rules } from './ops/index.js';
import type { OpRules } from './rules.js';

const ADAPTER = 'reference';

/** For each node, the index of the last node that reads it (outputs are read "at the end"). */
function lastUses(graph: Graph): Int32Array {
  const last = new Int32Array(graph.nodes.length).fill(-1);
  for (const n of graph.nodes) for (const j of n.inputs) last[j] = n.id;
  for (const o of graph.outputs) last[o.id] = graph.nodes.length;
  return last;
}

/**
 * Runs a graph synchronously on host tensors. Feeds are checked (FeedError); values are freed as
 * soon as no later node reads them.
 *
 * @example
 * const b = new GraphBuilder();
 * b.output('y', mul(b.input('x', [2]), 3));
 * evaluate(b.build(), { x: tensor([1, 2]) }).y.toArray(); // [3, 6]
 */
export function evaluate(graph: Graph, feeds: TensorMap): TensorMap {
  checkFeeds(graph, feeds, ADAPTER);
  const values: (HostTensor | undefined)[] = new Array(graph.nodes.length);
  const last = lastUses(graph);
  for (const node of graph.nodes) {
    if (node.op === 'input') {
      values[node.id] = feeds[node.params.name];
      continue;
    }
    const args = node.inputs.map((j) => values[j]!);
    const rule = rules[node.op] as OpRules<typeof node.op>;
    const v = rule.ref(args, node.params as never, node);
    if (v.dtype !== node.dtype || v.shape.length !== node.shape.length || v.shape.some((d, k) => d !== node.shape[k])) {
      throw new GraphError(`${ADAPTER}: kernel of ${node.op} returned ${v.dtype} [${v.shape.join(', ')}], expected ${node.dtype} [${node.shape.join(', ')}]`);
    }
    values[node.id] = v;
    for (const j of node.inputs) if (last[j] === node.id) values[j] = undefined;
  }
  const out: TensorMap = {};
  for (const o of graph.outputs) {
    // An output that is a feed or a constant is copied, so callers never alias the graph's data.
    const op = graph.nodes[o.id].op;
    out[o.name] = op === 'input' || op === 'constant' ? values[o.id]!.clone() : values[o.id]!;
  }
  return out;
}

/**
 * The reference adapter: `evaluate` behind the TensorAdapter interface. Compiling caches per
 * Graph object, so `compiledCount` counts distinct graphs.
 *
 * @example
 * const adapter = new ReferenceAdapter();
 * const { y } = await (await adapter.compile(graph)).run({ x: tensor([1, 2], [2]) });
 */
export class ReferenceAdapter implements TensorAdapter {
  readonly name = ADAPTER;
  private readonly cache = new WeakMap<Graph, CompiledGraph>();
  private count = 0;

  get compiledCount(): number {
    return this.count;
  }

  async compile(graph: Graph): Promise<CompiledGraph> {
    const hit = this.cache.get(graph);
    if (hit) return hit;
    let disposed = false;
    const compiled: CompiledGraph = {
      graph,
      run: async (feeds) => {
        if (disposed) throw new GraphError(`${ADAPTER}: this compiled graph was disposed`);
        return evaluate(graph, feeds);
      },
      dispose: async () => {
        disposed = true;
        this.cache.delete(graph);
      },
    };
    this.cache.set(graph, compiled);
    this.count++;
    return compiled;
  }

  async dispose(): Promise<void> {
    // Nothing native to release; compiled graphs stay usable (they hold only the graph).
  }
}
