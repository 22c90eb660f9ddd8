// importOnnxModel: parses ONNX bytes and traces the model into a @ddpo/tensor graph. Float
// initializers become graph inputs (parameters) so the model can be differentiated and trained;
// shape computations (Shape -> Gather -> Concat -> Reshape) are folded at import time.
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type GraphProto, type ModelProto, type NodeProto, type ValueInfoProto } from 'onnx-buf';
import { DdpoError, evaluate, GraphBuilder, HostTensor, isFloat, type DType, type Graph, type Sym } from '@ddpo/tensor';
import { OnnxFormatError, OnnxImportError, UnsupportedOnnxOpsError } from '../errors.js';
import { dtypeOf, hostFromProto } from '../proto.js';
import { NodeContext, type HandlerOutput, type ImportValue, type OnnxHandler } from './context.js';
import { mathHandlers } from './ops-math.js';
import { shapeHandlers } from './ops-shape.js';

/**
 * Every ONNX op type (default domain) the importer handles.
 *
 * @example
 * Object.hasOwn(SUPPORTED_ONNX_OPS, 'InstanceNormalization'); // true
 */
export const SUPPORTED_ONNX_OPS: Readonly<Record<string, OnnxHandler>> = { ...shapeHandlers, ...mathHandlers };

/** Options of `importOnnxModel`. */
export interface ImportOptions {
  /** Value of every symbolic dimension (dim_param or unknown), typically the batch size. */
  batchSize?: number;
  /** Values of named symbolic dimensions (dim_param), taking precedence over `batchSize`. */
  dims?: Record<string, number>;
  /** Complete static shapes per input name, overriding the model's. */
  inputShapes?: Record<string, readonly number[]>;
  /** Which initializers become parameters (graph inputs); default: every float initializer. */
  isParam?: (name: string, value: HostTensor) => boolean;
}

/** Name, static shape and dtype of a model input or output. */
export interface OnnxTensorInfo {
  name: string;
  shape: number[];
  dtype: DType;
}

/** An imported model. */
export interface ImportedOnnxModel {
  /** The model as a graph: inputs are the model's inputs followed by the parameters (by initializer name). */
  graph: Graph;
  /** Initial parameter values (the initializers chosen by `isParam`), fed to `graph` by name. */
  params: Record<string, HostTensor>;
  /** The model's data inputs (initializers excluded), with resolved static shapes. */
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  /**
   * Traces the model into another builder, e.g. inside a loss: `feeds` gives a Sym per data input
   * and optionally per parameter; parameters left out are inputs of `b` by their names (declared on
   * first use, shared by later calls, so several applications share weights).
   */
  apply(b: GraphBuilder, feeds: Record<string, Sym>): Record<string, Sym>;
}

/**
 * Imports an ONNX model (default-domain ops of SUPPORTED_ONNX_OPS) with static input shapes.
 * Throws OnnxFormatError for bytes that are not a model, UnsupportedOnnxOpsError listing every
 * unsupported op type, OnnxImportError for unsupported attributes or missing dimensions.
 *
 * @example
 * const m = importOnnxModel(fs.readFileSync('unet.onnx'), { batchSize: 4 });
 * const compiled = await adapter.compile(m.graph);
 * const { noise_pred } = await compiled.run({ sample, timestep, prompt, ...m.params });
 */
export function importOnnxModel(bytes: Uint8Array, opts: ImportOptions = {}): ImportedOnnxModel {
  try {
    return importModel(parseModel(bytes), opts);
  } catch (e) {
    // Every failure is a typed DdpoError (shape and dtype errors of the ops included); anything else
    // means the model is inconsistent in a way the checks above did not name.
    if (e instanceof DdpoError) throw e;
    throw new OnnxImportError(`ONNX import failed: ${(e as Error).message ?? String(e)}`);
  }
}

function importModel(model: ModelProto, opts: ImportOptions): ImportedOnnxModel {
  const graph = model.graph!;
  checkSupported(graph);
  const opset = defaultOpset(model);
  const inits = new Map(graph.initializer.map((t) => [t.name, hostFromProto(t)]));
  const isParam = opts.isParam ?? ((_n: string, v: HostTensor) => isFloat(v.dtype));
  const params: Record<string, HostTensor> = {};
  for (const [name, v] of inits) if (isParam(name, v)) params[name] = v;
  const inputs = graph.input.filter((i) => !inits.has(i.name)).map((i) => inputInfo(i, opts));

  const apply = (b: GraphBuilder, feeds: Record<string, Sym>): Record<string, Sym> => {
    const values = new Map<string, ImportValue>();
    for (const [name, host] of inits) {
      if (params[name] === undefined) values.set(name, { kind: 'const', host });
      else values.set(name, { kind: 'param', host, sym: feeds[name] ?? paramInput(b, name, host) });
    }
    for (const info of inputs) values.set(info.name, { kind: 'dynamic', sym: feedFor(info, feeds) });
    for (const node of graph.node) runNode(node, values, b, opset);
    return Object.fromEntries(graph.output.map((o) => [o.name, symOf(values, o.name, b)]));
  };

  const b = new GraphBuilder();
  const feeds: Record<string, Sym> = {};
  for (const i of inputs) feeds[i.name] = b.input(i.name, i.shape, i.dtype);
  for (const [name, v] of Object.entries(params)) feeds[name] = b.input(name, v.shape, v.dtype);
  const outs = apply(b, feeds);
  const outputs = graph.output.map((o) => outputInfo(o, outs[o.name], opts));
  for (const o of outputs) b.output(o.name, outs[o.name]);
  return { graph: b.build(), params, inputs, outputs, apply };
}

/** Decodes and sanity-checks the protobuf. */
function parseModel(bytes: Uint8Array): ModelProto {
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch (e) {
    throw new OnnxFormatError(`ONNX import: the bytes are not a valid ONNX protobuf (${(e as Error).message})`);
  }
  const g = model.graph;
  if (g === undefined) throw new OnnxFormatError('ONNX import: the model has no graph (truncated file or not an ONNX model)');
  if (g.output.length === 0) throw new OnnxFormatError('ONNX import: the graph declares no outputs (truncated file?)');
  if (model.opsetImport.length === 0) throw new OnnxFormatError('ONNX import: the model declares no opset_import (truncated file?)');
  return model;
}

function defaultOpset(model: ModelProto): number {
  const o = model.opsetImport.find((x) => x.domain === '' || x.domain === 'ai.onnx');
  if (o === undefined) throw new OnnxFormatError('ONNX import: the model imports no default-domain (ai.onnx) opset');
  return Number(o.version);
}

/** Throws one UnsupportedOnnxOpsError naming every unsupported op type (with counts). */
function checkSupported(graph: GraphProto): void {
  const bad = new Map<string, number>();
  for (const n of graph.node) {
    const known = (n.domain === '' || n.domain === 'ai.onnx') && Object.hasOwn(SUPPORTED_ONNX_OPS, n.opType);
    if (!known) {
      const key = n.domain === '' || n.domain === 'ai.onnx' ? n.opType : `${n.domain}::${n.opType}`;
      bad.set(key, (bad.get(key) ?? 0) + 1);
    }
  }
  if (bad.size > 0) throw new UnsupportedOnnxOpsError([...bad].sort().map(([op, n]) => `${op} (${n} node${n > 1 ? 's' : ''})`));
}

/** Resolves an input's static shape: explicit shape, then dim_param by name, then batchSize. */
function inputInfo(vi: ValueInfoProto, opts: ImportOptions): OnnxTensorInfo {
  const tt = vi.type?.value.case === 'tensorType' ? vi.type.value.value : undefined;
  const dtype = tt === undefined ? undefined : dtypeOf(tt.elemType);
  if (dtype === undefined) throw new OnnxImportError(`input '${vi.name}': not a tensor of float32, float64, int32, int64 or bool`);
  const given = opts.inputShapes?.[vi.name];
  if (given !== undefined) return { name: vi.name, shape: [...given], dtype };
  if (tt?.shape === undefined) throw new OnnxImportError(`input '${vi.name}': the model gives no shape; pass inputShapes['${vi.name}']`);
  const shape = tt.shape.dim.map((d, k) => {
    if (d.value.case === 'dimValue') return Number(d.value.value);
    const param = d.value.case === 'dimParam' ? d.value.value : '';
    const v = opts.dims?.[param] ?? opts.batchSize;
    if (v === undefined) throw new OnnxImportError(`input '${vi.name}': dimension ${k} ('${param || '?'}') is symbolic; pass batchSize, dims['${param}'] or inputShapes`);
    return v;
  });
  return { name: vi.name, shape, dtype };
}

/** The builder's input named `name`, declared if it does not exist yet. */
function paramInput(b: GraphBuilder, name: string, host: HostTensor): Sym {
  const existing = b.nodes.find((n) => n.op === 'input' && n.params.name === name);
  return existing === undefined ? b.input(name, host.shape, host.dtype) : b.sym(existing.id);
}

function feedFor(info: OnnxTensorInfo, feeds: Record<string, Sym>): Sym {
  const s = feeds[info.name];
  if (s === undefined) throw new OnnxImportError(`apply: no value for input '${info.name}'`);
  if (s.dtype !== info.dtype || s.shape.length !== info.shape.length || s.shape.some((d, k) => d !== info.shape[k])) {
    throw new OnnxImportError(`apply: input '${info.name}' is ${s.dtype} [${s.shape.join(', ')}], expected ${info.dtype} [${info.shape.join(', ')}]`);
  }
  return s;
}

/** Checks a traced output against the model's declared element type and static dimensions. */
function outputInfo(vi: ValueInfoProto, s: Sym, _opts: ImportOptions): OnnxTensorInfo {
  const tt = vi.type?.value.case === 'tensorType' ? vi.type.value.value : undefined;
  const declared = tt === undefined ? undefined : dtypeOf(tt.elemType);
  if (declared !== undefined && declared !== s.dtype) throw new OnnxImportError(`output '${vi.name}': traced as ${s.dtype}, the model declares ${declared}`);
  tt?.shape?.dim.forEach((d, k) => {
    if (d.value.case === 'dimValue' && Number(d.value.value) !== s.shape[k]) {
      throw new OnnxImportError(`output '${vi.name}': traced shape [${s.shape.join(', ')}] differs from the declared dimension ${k} = ${d.value.value}`);
    }
  });
  return { name: vi.name, shape: [...s.shape], dtype: s.dtype };
}

function symOf(values: Map<string, ImportValue>, name: string, b: GraphBuilder): Sym {
  const v = values.get(name);
  if (v === undefined) throw new OnnxImportError(`output '${name}' is produced by no node`);
  if (v.kind !== 'const') return v.sym;
  v.sym ??= b.constant(v.host);
  return v.sym;
}

/** Converts one node; folds it at import time (reference interpreter) when every operand is a constant. */
function runNode(node: NodeProto, values: Map<string, ImportValue>, b: GraphBuilder, opset: number): void {
  const ins = node.input.map((name) => {
    if (name === '') return undefined;
    const v = values.get(name);
    if (v === undefined) throw new OnnxImportError(`${node.opType} '${node.name}': operand '${name}' is produced by no earlier node (graph not topologically sorted?)`);
    return v;
  });
  const handler = SUPPORTED_ONNX_OPS[node.opType];
  const foldable = ins.every((v) => v === undefined || v.kind === 'const');
  const outs = foldable ? fold(node, ins as ({ kind: 'const'; host: HostTensor } | undefined)[], handler, opset) : handler(new NodeContext(node, b, ins, opset));
  node.output.forEach((name, k) => {
    const o = outs[k];
    if (name === '' || o === undefined) return;
    values.set(name, o instanceof HostTensor ? { kind: 'const', host: o } : { kind: 'dynamic', sym: o });
  });
}

function fold(node: NodeProto, ins: readonly ({ host: HostTensor } | undefined)[], handler: OnnxHandler, opset: number): HandlerOutput[] {
  const sb = new GraphBuilder();
  // Fresh values: a constant's cached Sym belongs to the main builder.
  const local = ins.map((v) => (v === undefined ? undefined : { kind: 'const' as const, host: v.host }));
  const outs = handler(new NodeContext(node, sb, local, opset));
  const traced = outs.flatMap((o, k) => (o instanceof HostTensor ? [] : [[`o${k}`, o] as const]));
  if (traced.length === 0) return outs;
  for (const [name, s] of traced) sb.output(name, s);
  const r = evaluate(sb.build(), {});
  return outs.map((o, k) => (o instanceof HostTensor ? o : r[`o${k}`]));
}
