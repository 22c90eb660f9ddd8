// The TensorAdapter on onnxruntime-node: lowers each Graph to one ONNX model, compiles one
// InferenceSession per Graph object (cached in a WeakMap) and runs it with host tensors in and out.
// The CUDA and WebGPU execution providers are probed at creation: they fail there, never silently on the CPU.
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { checkFeeds, DdpoError, type CompiledGraph, type Graph, type TensorAdapter, type TensorMap } from '@ddpo/tensor';
import { fromOrtTensor, toOrtFeeds } from './convert.js';
import { OnnxRuntimeError } from './errors.js';
import { lowerGraph, serializeModel, type LowerOptions } from './lower.js';
import { nchwcBlockSize } from './nchwc-probe.js';
import type { FusionName } from './fusion.js';
import { probeCuda } from './cuda.js';
import { checkDevice, deviceLowering, type Device } from './device.js';
import { probeWebGpu, type WebGpuDeviceInfo } from './webgpu.js';

/** Options of `createOnnxRuntimeAdapter`. */
export interface OnnxRuntimeAdapterOptions {
  /**
   * Execution provider: 'cpu' (default), 'cuda' (needs the CUDA EP libraries) or 'webgpu' (needs a
   * Vulkan/Metal/D3D12 driver); see README. Checked at run time: anything else is an UnknownDeviceError.
   */
  device?: Device;
  /** CUDA device ordinal (default 0). */
  deviceId?: number;
  /** Threads inside one op (default: every available core). */
  intraOpNumThreads?: number;
  /** Threads across independent ops (default 1: ops run sequentially). */
  interOpNumThreads?: number;
  /** ORT graph optimizations (default 'all'). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** ORT's CPU memory arena (default true). */
  enableCpuMemArena?: boolean;
  /** ORT log severity for sessions: 0 verbose ... 4 fatal (default 4: errors reach the caller as thrown OnnxRuntimeErrors). */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /**
   * CPU: run float32 convolutions in ORT's blocked NCHWc layout (default true; ignored on CUDA and
   * WebGPU, and where ORT has no NCHWc kernels). About 1.2x faster convolutions than plain Conv, whose weights,
   * being graph inputs, ORT cannot reorder itself (docs/benchmarks.md).
   */
  nchwc?: boolean;
  /**
   * Let idle intra-op threads spin between ops (default true, ORT's own default) instead of
   * sleeping. On an idle machine spinning saves a wake-up per parallel op: a tiny-unet-32 training
   * step of ~2100 ONNX nodes took 246 ms sleeping and 168-175 ms spinning (docs/benchmarks.md). On a
   * machine shared with other jobs a spinning thread takes the core its partner needs (1.4-1.7x
   * slower steps measured at load 4-8): pass false there (the CLI's `--no-spin`).
   */
  allowSpinning?: boolean;
  /** Lowering patterns to leave out (see `FUSIONS`; default: none). */
  disableFusions?: readonly FusionName[];
}

/**
 * Creates the ONNX Runtime adapter. With `device: 'cuda'` it first creates a tiny probe session on
 * the CUDA execution provider and throws `CudaUnavailableError` when its libraries are missing; with
 * `device: 'webgpu'` it probes for a WebGPU adapter (`probeWebGpu`) and throws `WebGpuUnavailableError`
 * when there is none. An unknown device throws `UnknownDeviceError`.
 *
 * @example
 * const adapter = await createOnnxRuntimeAdapter({ device: 'cpu' });
 * const compiled = await adapter.compile(graph);
 * const { y } = await compiled.run({ x: tensor([1, 2, 3], [3]) });
 */
export async function createOnnxRuntimeAdapter(opts: OnnxRuntimeAdapterOptions = {}): Promise<OnnxRuntimeAdapter> {
  const device = checkDevice(opts.device);
  const deviceId = opts.deviceId ?? 0;
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: device === 'cuda' ? [{ name: 'cuda', deviceId }] : [device],
    intraOpNumThreads: opts.intraOpNumThreads ?? os.availableParallelism(),
    interOpNumThreads: opts.interOpNumThreads ?? 1,
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    enableCpuMemArena: opts.enableCpuMemArena ?? true,
    logSeverityLevel: opts.logSeverityLevel ?? 4,
    extra: { session: { intra_op: { allow_spinning: opts.allowSpinning === false ? '0' : '1' } } },
  };
  if (device === 'cuda') await probeCuda(deviceId, sessionOptions);
  const webgpu = device === 'webgpu' ? await probeWebGpu() : undefined;
  const block = device === 'cpu' && (opts.nchwc ?? true) ? await nchwcBlockSize() : 0;
  const name = device === 'cuda' ? `onnxruntime-cuda:${deviceId}` : `onnxruntime-${device}`;
  return new OnnxRuntimeAdapter(name, sessionOptions, deviceLowering(device, block, opts.disableFusions), webgpu);
}

/**
 * The adapter class (create it with `createOnnxRuntimeAdapter`, which probes the device).
 *
 * @example
 * const adapter = await createOnnxRuntimeAdapter();
 * await adapter.compile(graph); await adapter.compile(graph);
 * adapter.compiledCount; // 1: one session per Graph object
 */
export class OnnxRuntimeAdapter implements TensorAdapter {
  private readonly cache = new WeakMap<Graph, Promise<OrtCompiledGraph>>();
  private readonly live = new Set<OrtCompiledGraph>();
  private count = 0;
  private disposed = false;

  constructor(
    readonly name: string,
    /** The ORT session options every compiled graph uses. */
    readonly sessionOptions: Readonly<ort.InferenceSession.SessionOptions>,
    /** How graphs are lowered (NCHWc block size; see `lowerGraph`). */
    readonly lowerOptions: Readonly<Pick<LowerOptions, 'nchwcBlockSize' | 'disableFusions'>> = {},
    /** On WebGPU: the physical device Dawn picked (and whether it is a software rasteriser). */
    readonly webgpuDevice?: WebGpuDeviceInfo,
  ) {}

  get compiledCount(): number {
    return this.count;
  }

  /** Whether this adapter's intra-op threads spin between ops (`allowSpinning`). */
  get spinning(): boolean {
    const extra = this.sessionOptions.extra as { session?: { intra_op?: { allow_spinning?: string } } } | undefined;
    return extra?.session?.intra_op?.allow_spinning === '1';
  }

  /** Lowers and compiles `graph`, or returns the session already compiled for this Graph object. */
  compile(graph: Graph): Promise<CompiledGraph> {
    if (this.disposed) return Promise.reject(new DdpoError(`${this.name}: compile after dispose`));
    let pending = this.cache.get(graph);
    if (pending === undefined) {
      pending = this.create(graph);
      this.cache.set(graph, pending);
      // A failed compile is not cached: the next call tries again (and reports again).
      pending.catch(() => this.cache.delete(graph));
    }
    return pending;
  }

  /** Compiles serialized ONNX model bytes (not cached), e.g. a model from `exportOnnxModel`. */
  async compileModel(bytes: Uint8Array, graph: Graph): Promise<CompiledGraph> {
    const session = await this.createSession(bytes);
    const compiled = new OrtCompiledGraph(graph, session, this.name, (c) => this.live.delete(c));
    this.live.add(compiled);
    return compiled;
  }

  private async create(graph: Graph): Promise<OrtCompiledGraph> {
    const bytes = serializeModel(lowerGraph(graph, this.lowerOptions));
    const session = await this.createSession(bytes);
    this.count++;
    const compiled = new OrtCompiledGraph(graph, session, this.name, (c) => {
      this.live.delete(c);
      this.cache.delete(graph);
    });
    this.live.add(compiled);
    return compiled;
  }

  private async createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
    try {
      return await ort.InferenceSession.create(bytes, this.sessionOptions);
    } catch (e) {
      throw new OnnxRuntimeError(`${this.name}: ONNX Runtime rejected the model: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Releases every session this adapter compiled. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.live];
    await Promise.all(all.map((c) => c.dispose()));
  }
}

/** One graph compiled into one ORT session. */
class OrtCompiledGraph implements CompiledGraph {
  private released = false;
  private readonly outputNames: string[];

  constructor(
    readonly graph: Graph,
    private readonly session: ort.InferenceSession,
    private readonly adapterName: string,
    private readonly onDispose: (c: OrtCompiledGraph) => void,
  ) {
    this.outputNames = graph.outputs.map((o) => o.name);
  }

  async run(feeds: TensorMap): Promise<TensorMap> {
    if (this.released) throw new DdpoError(`${this.adapterName}: run on a disposed compiled graph`);
    checkFeeds(this.graph, feeds, this.adapterName);
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(toOrtFeeds(feeds), this.outputNames);
    } catch (e) {
      throw new OnnxRuntimeError(`${this.adapterName}: run failed: ${(e as Error).message}`, { cause: e });
    }
    const out: TensorMap = {};
    for (const name of this.outputNames) out[name] = fromOrtTensor(results[name], name);
    return out;
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.onDispose(this);
    await this.session.release();
  }
}
