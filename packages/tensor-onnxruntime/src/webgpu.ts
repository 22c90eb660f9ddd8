// Probes ORT's WebGPU execution provider (Dawn) in a child Node process: a missing or rejected Vulkan
// driver then fails at adapter creation with a WebGpuUnavailableError (and cannot take this process
// down), and the child's Vulkan loader log (VK_LOADER_DEBUG=driver) names the physical device Dawn
// created, which onnxruntime-node's JS API does not expose (its env.webgpu is empty in Node).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { GraphBuilder } from '@ddpo/tensor';
import { WebGpuUnavailableError } from './errors.js';
import { lowerGraph, serializeModel } from './lower.js';

/** Which physical device Dawn picked, as far as the platform tells. */
export interface WebGpuDeviceInfo {
  /** The Vulkan device name, e.g. 'NVIDIA H200' or 'llvmpipe (LLVM 15.0.6, 256 bits)'; undefined where no Vulkan loader log exists (macOS, Windows). */
  name?: string;
  /** The Vulkan driver library, e.g. 'libvulkan_lvp.so' (lavapipe) or 'libGLX_nvidia.so.0'. */
  driver?: string;
  /** True for a software rasteriser (lavapipe/llvmpipe, SwiftShader): figures from it are CPU figures. Undefined when unknown. */
  software?: boolean;
  /** One line for logs and reports. */
  summary: string;
}

/** Software Vulkan drivers: Mesa's lavapipe (llvmpipe), Google's SwiftShader, Mesa's softpipe. */
const SOFTWARE = /llvmpipe|lavapipe|libvulkan_lvp|swiftshader|softpipe/i;

/**
 * Parses the Vulkan loader's `vkCreateDevice` line (`Using "<device>" with driver: "<library>"`);
 * the last one wins (the device the session's context was created on).
 *
 * @example
 * parseLoaderLog('DRIVER:  Using "llvmpipe (LLVM 15.0.6, 256 bits)" with driver: "libvulkan_lvp.so"').software; // true
 */
export function parseLoaderLog(log: string): WebGpuDeviceInfo {
  const uses = [...log.matchAll(/Using "([^"]*)" with driver: "([^"]*)"/g)];
  if (uses.length === 0) return { summary: 'WebGPU adapter (device not reported: no Vulkan loader log on this platform)' };
  const [, name, driver] = uses[uses.length - 1];
  const software = SOFTWARE.test(name) || SOFTWARE.test(driver);
  return { name, driver, software, summary: `${name} via ${driver}${software ? ' (software rasteriser on the CPU, not a GPU)' : ''}` };
}

/** y = x + x on float32 [4]: the probe's model. */
function probeModel(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', [4]);
  b.output('y', b.addNode('add', [x, x], {}, { shape: [4], dtype: 'float32' }));
  return serializeModel(lowerGraph(b.build()));
}

// The child: creates and runs the probe session on WebGPU; prints OK only when y = 2x came back.
const CHILD = `
const [ortUrl, model] = process.argv.slice(1);
const ort = await import(ortUrl);
const s = await ort.InferenceSession.create(Buffer.from(model, 'base64'), { executionProviders: ['webgpu'], logSeverityLevel: 3 });
const r = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) });
const y = Array.from(r.y.data);
if (y.join() !== '2,4,6,8') throw new Error('the WebGPU probe computed ' + y.join() + ' for 2 * [1, 2, 3, 4]');
process.stdout.write('OK');
`;

/** Options of `probeWebGpu`. */
export interface ProbeWebGpuOptions {
  /** Environment of the probe process (default: this process's), e.g. VK_DRIVER_FILES to choose a driver. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before the probe counts as failed (default 120000: the first shader compile is slow on a software driver). */
  timeoutMs?: number;
}

let cached: Promise<WebGpuDeviceInfo> | undefined;

/**
 * Runs a one-node model on the WebGPU execution provider in a child process and returns the device
 * Dawn created; throws WebGpuUnavailableError when there is none. With default options the result
 * is cached for the process.
 *
 * @example
 * const info = await probeWebGpu(); // { name: 'llvmpipe (LLVM 15.0.6, 256 bits)', driver: 'libvulkan_lvp.so', software: true, ... }
 */
export function probeWebGpu(opts: ProbeWebGpuOptions = {}): Promise<WebGpuDeviceInfo> {
  if (opts.env !== undefined || opts.timeoutMs !== undefined) return runProbe(opts);
  cached ??= runProbe(opts);
  // A failure is not cached: a driver installed meanwhile is found by the next call.
  cached.catch(() => (cached = undefined));
  return cached;
}

function runProbe(opts: ProbeWebGpuOptions): Promise<WebGpuDeviceInfo> {
  const ortUrl = pathToFileURL(createRequire(import.meta.url).resolve('onnxruntime-node')).href;
  const model = Buffer.from(probeModel()).toString('base64');
  const env = { ...(opts.env ?? process.env), VK_LOADER_DEBUG: 'driver', XDG_RUNTIME_DIR: (opts.env ?? process.env).XDG_RUNTIME_DIR ?? '/tmp' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, ortUrl, model], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new WebGpuUnavailableError(`the probe process did not start: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && out === 'OK') return resolve(parseLoaderLog(err));
      const why = signal !== null ? `the probe process ended by ${signal}` : firstError(err) ?? `the probe process exited with code ${code}`;
      reject(new WebGpuUnavailableError(why));
    });
  });
}

/** The most telling line of the child's stderr: ORT's or Dawn's error, not the loader's chatter. */
function firstError(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim());
  const ort = lines.find((l) => /^Error: /.test(l));
  if (ort !== undefined) return ort.replace(/^Error: (\/\S+:\d+ )?(\S+::\S+\([^)]*\)(::<lambda\(\)>)? )?/, '');
  return lines.find((l) => /error|fail/i.test(l) && !/^(DEBUG|INFO) \|/.test(l));
}

/**
 * Whether the WebGPU execution provider can run here, and if not, why (for skipping WebGPU tests visibly).
 *
 * @example
 * const gpu = await webGpuStatus();
 * describe.skipIf(!gpu.available)(`onnxruntime-webgpu${gpu.available ? '' : ` (skipped: ${gpu.reason})`}`, ...);
 */
export async function webGpuStatus(): Promise<{ available: true; device: WebGpuDeviceInfo } | { available: false; reason: string }> {
  try {
    return { available: true, device: await probeWebGpu() };
  } catch (e) {
    return { available: false, reason: e instanceof WebGpuUnavailableError ? e.reason : String(e) };
  }
}
