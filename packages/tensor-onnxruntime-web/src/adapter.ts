// The onnxruntime-web adapter: each Graph is lowered to ONNX by @ddpo/tensor-onnxruntime's own lowering
// (its runtime-free `browser` entry; the same bytes the Node adapter builds for the device) and compiled
// into one onnxruntime-web InferenceSession on WebAssembly or WebGPU, cached per Graph object. Host
// tensors go in and come out, as on Node.
import * as ort from 'onnxruntime-web';
import { checkFeeds, DdpoError, HostTensor, type CompiledGraph, type DType, type Graph, type TensorAdapter, type TensorMap } from '@ddpo/tensor';
import { deviceLowering, lowerGraph, OnnxRuntimeError, serializeModel, type LowerOptions } from '@ddpo/tensor-onnxruntime';
import { UnknownWebDeviceError, WebGpuUnavailableInPageError } from './errors.js';

/** The devices of onnxruntime-web this adapter drives. */
export const WEB_DEVICES = ['wasm', 'webgpu'] as const;
/** One of WEB_DEVICES. */
export type WebDevice = (typeof WEB_DEVICES)[number];

/** Options of `createOnnxRuntimeWebAdapter`. */
export interface OnnxRuntimeWebAdapterOptions {
  /** 'wasm' (default, runs everywhere) or 'webgpu' (needs WebGPU in the page: WebGpuUnavailableInPageError otherwise). */
  device?: WebDevice;
  /**
   * Where onnxruntime-web finds its .wasm/.mjs files (`ort.env.wasm.wasmPaths`): a URL prefix ending
   * in '/', e.g. '/ort/' when a server serves `onnxruntime-web/dist` there. Default: left as it is.
   */
  wasmPaths?: string;
  /** WebAssembly threads (`ort.env.wasm.numThreads`); more than 1 needs a cross-origin isolated page. Default: left as it is. */
  numThreads?: number;
  /** ORT graph optimizations (default 'all'). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Yield to the event loop before every run (default true). On WebAssembly a run computes on the
   * page's main thread and its promise settles without giving the browser a turn, so a training loop
   * of awaited runs would freeze the page (no repaint, no clicks) until it ends; one message-channel
   * turn per run (well under a millisecond) keeps it responsive.
   */
  yieldBetweenRuns?: boolean;
}

/** Resolves after one turn of the event loop (a MessageChannel message: not throttled like setTimeout). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(undefined);
  });
}

const DTYPES: readonly string[] = ['float32', 'float64', 'int32', 'int64', 'bool'] satisfies DType[];

/**
 * Creates the onnxruntime-web adapter. With `device: 'webgpu'` it first asks the page for a WebGPU
 * adapter and throws WebGpuUnavailableInPageError when there is none; an unknown device throws
 * UnknownWebDeviceError.
 *
 * @example
 * const adapter = await createOnnxRuntimeWebAdapter({ device: 'wasm', wasmPaths: '/ort/' });
 * const { y } = await (await adapter.compile(graph)).run({ x: tensor([1, 2, 3], [3]) });
 */
export async function createOnnxRuntimeWebAdapter(opts: OnnxRuntimeWebAdapterOptions = {}): Promise<OnnxRuntimeWebAdapter> {
  const device = opts.device ?? 'wasm';
  if (!(WEB_DEVICES as readonly unknown[]).includes(device)) throw new UnknownWebDeviceError(device);
  if (opts.wasmPaths !== undefined) ort.env.wasm.wasmPaths = opts.wasmPaths;
  if (opts.numThreads !== undefined) ort.env.wasm.numThreads = opts.numThreads;
  if (device === 'webgpu') await probePageWebGpu();
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [device],
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    logSeverityLevel: 4,
  };
  // Lowered as the Node adapter lowers for a GPU: plain Conv (the NCHWc kernels are ORT CPU contrib ops
  // that onnxruntime-web does not ship), every fusion on.
  return new OnnxRuntimeWebAdapter(`onnxruntime-web-${device}`, sessionOptions, deviceLowering('webgpu', 0), opts.yieldBetweenRuns ?? true);
}

/** Asks the page for a WebGPU adapter; throws WebGpuUnavailableInPageError saying what is missing. */
async function probePageWebGpu(): Promise<void> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (gpu === undefined) throw new WebGpuUnavailableInPageError('navigator.gpu is undefined');
  let adapter: unknown;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    throw new WebGpuUnavailableInPageError(`navigator.gpu.requestAdapter() failed: ${(e as Error).message}`);
  }
  if (adapter === null || adapter === undefined) throw new WebGpuUnavailableInPageError('navigator.gpu.requestAdapter() returned null');
}

/**
 * The adapter class (create it with `createOnnxRuntimeWebAdapter`, which checks the device).
 *
 * @example
 * const adapter = await createOnnxRuntimeWebAdapter();
 * await adapter.compile(graph); await adapter.compile(graph);
 * adapter.compiledCount; // 1
 */
export class OnnxRuntimeWebAdapter implements TensorAdapter {
  private readonly cache = new WeakMap<Graph, Promise<WebCompiledGraph>>();
  private readonly live = new Set<WebCompiledGraph>();
  private count = 0;
  private disposed = false;

  constructor(
    readonly name: string,
    /** The session options every compiled graph uses. */
    readonly sessionOptions: Readonly<ort.InferenceSession.SessionOptions>,
    /** How graphs are lowered (see `lowerGraph`). */
    readonly lowerOptions: Readonly<Pick<LowerOptions, 'nchwcBlockSize' | 'disableFusions'>> = {},
    /** Whether each run first yields to the event loop (see OnnxRuntimeWebAdapterOptions). */
    readonly yieldBetweenRuns = true,
  ) {}

  get compiledCount(): number {
    return this.count;
  }

  /** Lowers and compiles `graph`, or returns the session already compiled for this Graph object. */
  compile(graph: Graph): Promise<CompiledGraph> {
    if (this.disposed) return Promise.reject(new DdpoError(`${this.name}: compile after dispose`));
    let pending = this.cache.get(graph);
    if (pending === undefined) {
      pending = this.create(graph);
      this.cache.set(graph, pending);
      pending.catch(() => this.cache.delete(graph));
    }
    return pending;
  }

  private async create(graph: Graph): Promise<WebCompiledGraph> {
    const bytes = serializeModel(lowerGraph(graph, this.lowerOptions));
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, this.sessionOptions);
    } catch (e) {
      throw new OnnxRuntimeError(`${this.name}: ONNX Runtime rejected the model: ${messageOf(e)}`, { cause: e });
    }
    this.count++;
    const compiled = new WebCompiledGraph(graph, session, this.name, this.yieldBetweenRuns, (c) => {
      this.live.delete(c);
      this.cache.delete(graph);
    });
    this.live.add(compiled);
    return compiled;
  }

  /** Releases every session this adapter compiled. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all([...this.live].map((c) => c.dispose()));
  }
}

/** ORT web sometimes throws plain strings or numbers (wasm error codes); say what it was. */
function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One graph compiled into one onnxruntime-web session. */
class WebCompiledGraph implements CompiledGraph {
  private released = false;
  private readonly outputNames: string[];

  constructor(
    readonly graph: Graph,
    private readonly session: ort.InferenceSession,
    private readonly adapterName: string,
    private readonly yieldFirst: boolean,
    private readonly onDispose: (c: WebCompiledGraph) => void,
  ) {
    this.outputNames = graph.outputs.map((o) => o.name);
  }

  async run(feeds: TensorMap): Promise<TensorMap> {
    if (this.released) throw new DdpoError(`${this.adapterName}: run on a disposed compiled graph`);
    checkFeeds(this.graph, feeds, this.adapterName);
    if (this.yieldFirst) await nextTurn();
    if (this.released) throw new DdpoError(`${this.adapterName}: run on a disposed compiled graph`);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(v.dtype, v.data as never, v.shape);
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(ortFeeds, this.outputNames);
    } catch (e) {
      throw new OnnxRuntimeError(`${this.adapterName}: run failed: ${messageOf(e)}`, { cause: e });
    }
    const out: TensorMap = {};
    for (const name of this.outputNames) {
      const t = results[name];
      if (!DTYPES.includes(t.type)) throw new OnnxRuntimeError(`${this.adapterName}: output '${name}' has ORT type ${t.type}, which @ddpo/tensor does not hold`);
      // getData() reads WebGPU outputs back to the host; on wasm it is the CPU data already.
      out[name] = new HostTensor(t.type as DType, t.dims, (await t.getData()) as HostTensor['data']);
    }
    return out;
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.onDispose(this);
    await this.session.release();
  }
}
