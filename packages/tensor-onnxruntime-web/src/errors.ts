// Error classes of the onnxruntime-web adapter: each says what was asked for and what the page lacked.
import { DdpoError } from '@ddpo/tensor';

/**
 * `device: 'webgpu'` was asked for but this page has no WebGPU: `navigator.gpu` is absent (a browser
 * without WebGPU, an insecure http:// origin other than localhost, or a flag that turns it off) or
 * `requestAdapter()` found no adapter. Never a silent fallback to WebAssembly.
 *
 * @example
 * try { await createOnnxRuntimeWebAdapter({ device: 'webgpu' }); }
 * catch (e) { if (e instanceof WebGpuUnavailableInPageError) console.error(e.reason); }
 */
export class WebGpuUnavailableInPageError extends DdpoError {
  constructor(
    /** What was missing: no navigator.gpu, or no adapter. */
    readonly reason: string,
  ) {
    super(
      `onnxruntime-web-webgpu: WebGPU is unavailable in this page (${reason}). It needs a browser with WebGPU ` +
        '(Chrome/Edge >= 113, Safari >= 26, Firefox >= 141 on Windows), a secure context (https:// or localhost) and a GPU the ' +
        "browser accepts (headless Chromium started with --disable-gpu has none). Use device: 'wasm' otherwise.",
    );
  }
}

/**
 * `device` is not 'wasm' or 'webgpu'.
 *
 * @example
 * await createOnnxRuntimeWebAdapter({ device: 'cpu' as never }); // UnknownWebDeviceError: ... expected one of wasm, webgpu
 */
export class UnknownWebDeviceError extends DdpoError {
  constructor(
    /** The value given. */
    readonly device: unknown,
  ) {
    super(`onnxruntime-web: unknown device ${JSON.stringify(device) ?? String(device)}; expected one of wasm, webgpu`);
  }
}
