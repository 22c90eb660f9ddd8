// What an ONNX op handler sees: its node's operands as import values (a traced Sym, a constant
// known at import time, or a parameter that is both), typed attribute getters, and the builder.
import type { AttributeProto, NodeProto } from 'onnx-buf';
import { AttributeProto_AttributeType as AttrType } from 'onnx-buf';
import type { GraphBuilder, HostTensor, Sym } from '@ddpo/tensor';
import { OnnxImportError } from '../errors.js';
import { hostFromProto } from '../proto.js';

/**
 * An ONNX value during import: 'const' values are known at import time (Constant, Shape, and
 * everything computed from them is folded); 'param' values are initializers traced as graph inputs
 * whose initial value is also known; 'dynamic' values exist only in the traced graph.
 */
export type ImportValue =
  | { kind: 'const'; host: HostTensor; sym?: Sym }
  | { kind: 'param'; host: HostTensor; sym: Sym }
  | { kind: 'dynamic'; sym: Sym };

/** A handler's result per ONNX output: a traced value, or a tensor known at import time. */
export type HandlerOutput = Sym | HostTensor;

/** Converts one ONNX node; returns one entry per ONNX output. */
export type OnnxHandler = (cx: NodeContext) => HandlerOutput[];

/** A node being converted: operand access and attributes. */
export class NodeContext {
  private readonly attrs = new Map<string, AttributeProto>();

  constructor(
    readonly node: NodeProto,
    readonly builder: GraphBuilder,
    private readonly values: readonly (ImportValue | undefined)[],
    /** The model's default-domain opset version. */
    readonly opset: number,
  ) {
    for (const a of node.attribute) this.attrs.set(a.name, a);
  }

  /** Where messages point: `Conv 'name'`. */
  get where(): string {
    return `${this.node.opType} '${this.node.name || this.node.output[0]}'`;
  }

  /** Number of operand slots (optional operands may be empty names). */
  get arity(): number {
    return this.values.length;
  }

  /** True when operand `i` is given. */
  has(i: number): boolean {
    return this.values[i] !== undefined;
  }

  /** Static shape of operand `i` (every traced value has one). */
  shapeOf(i: number): readonly number[] {
    const v = this.need(i);
    return v.kind === 'const' ? v.host.shape : v.sym.shape;
  }

  /** Dtype of operand `i`. */
  dtypeOf(i: number): HostTensor['dtype'] {
    const v = this.need(i);
    return v.kind === 'const' ? v.host.dtype : v.sym.dtype;
  }

  /** Operand `i` as a traced Sym (a constant becomes a constant node of the builder). */
  sym(i: number): Sym {
    const v = this.need(i);
    if (v.kind !== 'const') return v.sym;
    v.sym ??= this.builder.constant(v.host);
    return v.sym;
  }

  /** Every given operand as Syms. */
  syms(): Sym[] {
    return this.values.flatMap((v, i) => (v === undefined ? [] : [this.sym(i)]));
  }

  /** Operand `i`'s value at import time (shapes, axes, scales...); fails for values computed from inputs. */
  host(i: number, what: string): HostTensor {
    const v = this.need(i);
    if (v.kind === 'dynamic') throw new OnnxImportError(`${this.where}: ${what} (operand ${i} '${this.node.input[i]}') must be known at import time; it depends on a graph input`);
    return v.host;
  }

  /** Operand `i` read as a list of integers (shapes, axes, pads). */
  ints(i: number, what: string): number[] {
    return this.host(i, what).toArray();
  }

  private need(i: number): ImportValue {
    const v = this.values[i];
    if (v === undefined) throw new OnnxImportError(`${this.where}: operand ${i} is missing`);
    return v;
  }

  /** An INT attribute. */
  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const a = this.attrs.get(name);
    return a === undefined ? fallback : Number(a.i);
  }

  /** An INTS attribute. */
  intList(name: string): number[] | undefined {
    const a = this.attrs.get(name);
    return a === undefined ? undefined : a.ints.map((x) => Number(x));
  }

  /** A FLOAT attribute. */
  float(name: string, fallback: number): number {
    const a = this.attrs.get(name);
    return a === undefined ? fallback : a.f;
  }

  /** A STRING attribute. */
  string(name: string, fallback: string): string {
    const a = this.attrs.get(name);
    return a === undefined ? fallback : new TextDecoder().decode(a.s);
  }

  /** A TENSOR attribute as a host tensor. */
  tensorAttr(name: string): HostTensor | undefined {
    const a = this.attrs.get(name);
    return a?.t === undefined ? undefined : hostFromProto(a.t);
  }

  /** The single value-carrying attribute of a Constant node, as a host tensor. */
  constantValue(): HostTensor | { floats?: number[]; ints?: number[]; float?: number; int?: number } {
    for (const a of this.attrs.values()) {
      if (a.name === 'value' && a.type === AttrType.TENSOR && a.t) return hostFromProto(a.t);
      if (a.name === 'value_float') return { float: a.f };
      if (a.name === 'value_floats') return { floats: [...a.floats] };
      if (a.name === 'value_int') return { int: Number(a.i) };
      if (a.name === 'value_ints') return { ints: a.ints.map((x) => Number(x)) };
    }
    throw new OnnxImportError(`${this.where}: Constant without a supported value attribute (value, value_float(s), value_int(s))`);
  }
}
