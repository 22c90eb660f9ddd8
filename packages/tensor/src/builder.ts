// Tracing: a GraphBuilder records nodes as ops are applied to symbolic tensors (Sym), checking
// shapes and dtypes at build time, then freezes them into a Graph.
import type { DType } from './dtype.js';
import { GraphError } from './errors.js';
import { HostTensor, tensor } from './host.js';
import type { AnyNode, Graph, Node, Primitive, PrimitiveParams, TypeInfo } from './ir.js';
import type { OpRules } from './rules.js';

/**
 * A symbolic tensor: one value of a graph under construction. Ops take and return Syms.
 *
 * @example
 * const b = new GraphBuilder();
 * const x = b.input('x', [2, 3]);
 * const y = add(x, x);              // a Sym of shape [2, 3]
 */
export class Sym {
  constructor(
    readonly builder: GraphBuilder,
    readonly id: number,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {}

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
}

/** Records a graph. Each op appends one node; `build()` returns the graph reachable from the outputs. */
export class GraphBuilder {
  private readonly nodeList: AnyNode[] = [];
  private readonly inputNames = new Map<string, number>();
  private readonly outputList: { name: string; id: number }[] = [];

  /** Declares a named input. */
  input(name: string, shape: readonly number[], dtype: DType = 'float32'): Sym {
    if (this.inputNames.has(name)) throw new GraphError(`input '${name}' is declared twice`);
    const s = this.addNode('input', [], { name }, { shape: [...shape], dtype });
    this.inputNames.set(name, s.id);
    return s;
  }

  /** A constant baked into the graph. */
  constant(value: HostTensor): Sym {
    return this.addNode('constant', [], { value }, { shape: [...value.shape], dtype: value.dtype });
  }

  /** A scalar constant (shape []). */
  scalar(value: number, dtype: DType = 'float32'): Sym {
    return this.constant(tensor(dtype === 'int64' ? [BigInt(value)] : [value], [], dtype));
  }

  /** Marks a value as a named output. */
  output(name: string, value: Sym): void {
    if (value.builder !== this) throw new GraphError(`output '${name}' belongs to another graph builder`);
    if (this.outputList.some((o) => o.name === name)) throw new GraphError(`output '${name}' is declared twice`);
    this.outputList.push({ name, id: value.id });
  }

  /** The node behind a value. */
  node(s: Sym): AnyNode {
    return this.nodeList[s.id];
  }

  /** Sym of an existing node id. */
  sym(id: number): Sym {
    const n = this.nodeList[id];
    return new Sym(this, id, n.shape, n.dtype);
  }

  /** Nodes recorded so far (read-only view). */
  get nodes(): readonly AnyNode[] {
    return this.nodeList;
  }

  /** Appends a node whose type is already known. Ops go through `emit`, which infers it. */
  addNode<P extends Primitive>(op: P, inputs: readonly Sym[], params: PrimitiveParams[P], type: TypeInfo): Sym {
    for (const i of inputs) {
      if (i.builder !== this) throw new GraphError(`${op}: an operand belongs to another graph builder`);
    }
    const id = this.nodeList.length;
    const node: Node<P> = { id, op, inputs: inputs.map((i) => i.id), params, shape: type.shape, dtype: type.dtype };
    this.nodeList.push(node as unknown as AnyNode);
    return new Sym(this, id, type.shape, type.dtype);
  }

  /**
   * Freezes the graph: keeps the nodes the outputs depend on (and every declared input, so feeds
   * stay stable), renumbered in order.
   */
  build(): Graph {
    if (this.outputList.length === 0) throw new GraphError('build: the graph has no outputs');
    const live = new Uint8Array(this.nodeList.length);
    for (const o of this.outputList) live[o.id] = 1;
    for (const id of this.inputNames.values()) live[id] = 1;
    for (let i = this.nodeList.length - 1; i >= 0; i--) {
      if (live[i]) for (const j of this.nodeList[i].inputs) live[j] = 1;
    }
    const remap = new Int32Array(this.nodeList.length).fill(-1);
    const nodes: AnyNode[] = [];
    for (const n of this.nodeList) {
      if (!live[n.id]) continue;
      remap[n.id] = nodes.length;
      nodes.push({ ...n, id: nodes.length, inputs: n.inputs.map((j) => remap[j]) } as AnyNode);
    }
    return Object.freeze({
      nodes: Object.freeze(nodes),
      inputs: Object.freeze([...this.inputNames].map(([name, id]) => ({ name, id: remap[id] }))),
      outputs: Object.freeze(this.outputList.map((o) => ({ name: o.name, id: remap[o.id] }))),
    });
  }
}

/** Applies a primitive through its rules: checks operands, infers the output type, records the node. */
export function emit<P extends Primitive>(op: P, rules: OpRules<P>, inputs: readonly Sym[], params: PrimitiveParams[P]): Sym {
  if (inputs.length === 0) throw new GraphError(`${op}: no operands`);
  const b = inputs[0].builder;
  const type = rules.infer(
    inputs.map((i) => ({ shape: [...i.shape], dtype: i.dtype })),
    params,
  );
  return b.addNode(op, inputs, params, type);
}
