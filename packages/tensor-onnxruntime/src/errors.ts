// Error classes of the ONNX Runtime adapter and the ONNX importer/exporter. Each names what was seen
// and what was expected, and all extend DdpoError so callers can catch the library's errors as one kind.
import { DdpoError } from '@ddpo/tensor';

/**
 * The CUDA execution provider was asked for but its native libraries cannot be loaded. Raised by
 * `createOnnxRuntimeAdapter({ device: 'cuda' })`; the adapter never falls back to the CPU silently.
 *
 * @example
 * try { await createOnnxRuntimeAdapter({ device: 'cuda' }); }
 * catch (e) { if (e instanceof CudaUnavailableError) console.error(e.message); }
 */
export class CudaUnavailableError extends DdpoError {
  constructor(
    /** The message ONNX Runtime gave when the probe session failed. */
    readonly reason: string,
    readonly deviceId: number,
  ) {
    super(
      `onnxruntime-cuda: the CUDA execution provider is unavailable on device ${deviceId} (${reason.trim()}). ` +
        'It needs onnxruntime-node\'s CUDA provider library (libonnxruntime_providers_cuda.so, downloaded by its install ' +
        'script) plus the CUDA 12 and cuDNN 9 runtime libraries on the loader path. To install: on a machine with network ' +
        'access and an NVIDIA driver, unset ONNXRUNTIME_NODE_INSTALL=skip, set ONNXRUNTIME_NODE_INSTALL_CUDA=v12 and run ' +
        '`npm rebuild onnxruntime-node`; see the @ddpo/tensor-onnxruntime README. Use device: \'cpu\' otherwise.',
    );
  }
}

/**
 * Bytes given to the ONNX importer are not a valid ONNX model (truncated, not protobuf, no graph...).
 *
 * @example
 * expect(() => importOnnxModel(bytes.slice(0, 100))).toThrow(OnnxFormatError);
 */
export class OnnxFormatError extends DdpoError {}

/**
 * An ONNX model uses operators the importer does not handle; lists every one found, with counts.
 *
 * @example
 * try { importOnnxModel(bytes); } catch (e) { if (e instanceof UnsupportedOnnxOpsError) console.log(e.ops); }
 */
export class UnsupportedOnnxOpsError extends DdpoError {
  constructor(
    /** Every unsupported op type (with its domain when not the default one) and why, sorted. */
    readonly ops: readonly string[],
  ) {
    super(`ONNX import: ${ops.length} unsupported operator type(s): ${ops.join('; ')}`);
  }
}

/**
 * An ONNX node the importer supports uses attributes or inputs it cannot represent (e.g. a non-constant
 * shape), or a symbolic dimension has no value.
 *
 * @example
 * importOnnxModel(bytes); // OnnxImportError: input 'sample': dimension 0 ('B') is symbolic; pass batchSize...
 */
export class OnnxImportError extends DdpoError {}

/**
 * A graph cannot be lowered to ONNX (e.g. an input and an output share a name).
 *
 * @example
 * b.output('x', b.input('x', [1])); lowerGraph(b.build()); // LoweringError
 */
export class LoweringError extends DdpoError {}

/**
 * ONNX Runtime rejected a model or failed while running it; `cause` holds its original error.
 *
 * @example
 * try { await compiled.run(feeds); } catch (e) { if (e instanceof OnnxRuntimeError) console.error(e.cause); }
 */
export class OnnxRuntimeError extends DdpoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/**
 * `device` is not one of the devices the adapter knows; lists the valid ones. Without this check a
 * misspelt device would run on the CPU without a word.
 *
 * @example
 * await createOnnxRuntimeAdapter({ device: 'gpu' as never }); // UnknownDeviceError: ... expected one of cpu, cuda, webgpu
 */
export class UnknownDeviceError extends DdpoError {
  constructor(
    /** The value given. */
    readonly device: unknown,
    /** The valid devices. */
    readonly valid: readonly string[],
  ) {
    super(`onnxruntime: unknown device ${JSON.stringify(device) ?? String(device)}; expected one of ${valid.join(', ')}`);
  }
}

/**
 * The WebGPU execution provider was asked for but found no adapter (no Vulkan driver on Linux, or one
 * Dawn rejects). Raised by `createOnnxRuntimeAdapter({ device: 'webgpu' })`; never a silent CPU fallback.
 *
 * @example
 * try { await createOnnxRuntimeAdapter({ device: 'webgpu' }); }
 * catch (e) { if (e instanceof WebGpuUnavailableError) console.error(e.reason); }
 */
export class WebGpuUnavailableError extends DdpoError {
  constructor(
    /** Why the probe failed: ONNX Runtime's or Dawn's message, or how the probe process ended. */
    readonly reason: string,
  ) {
    super(
      `onnxruntime-webgpu: no WebGPU adapter (${reason.trim()}). ONNX Runtime's WebGPU execution provider (Dawn, ` +
        'built into onnxruntime-node for linux-x64, macOS and Windows) needs a GPU driver: Vulkan on Linux, Metal on macOS, ' +
        'D3D12 on Windows. On Linux check `vulkaninfo --summary`; with an NVIDIA GPU the driver must ship its Vulkan ICD ' +
        '(nvidia_icd.json); without a GPU, Mesa >= 23 provides the software driver lavapipe (Debian 12: ' +
        '`apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`, or run tools/ci/install-vulkan.sh as root; ' +
        'bookworm\'s own Mesa 22 is rejected by Dawn). See the @ddpo/tensor-onnxruntime README. Use device: \'cpu\' otherwise.',
    );
  }
}
