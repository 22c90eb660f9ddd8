// Devices: an unknown device is a typed error naming the valid ones; each device's lowering (NCHWc on
// the CPU only); the WebGPU probe's reading of the Vulkan loader log; a missing WebGPU adapter is a
// WebGpuUnavailableError with set-up steps; where a WebGPU adapter exists, the adapter says so in its
// name and reports the device Dawn picked.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, conv2d } from '@ddpo/tensor';
import {
  checkDevice, createOnnxRuntimeAdapter, deviceLowering, DEVICES, lowerGraph, NCHWC_DOMAIN, parseLoaderLog, probeWebGpu, UnknownDeviceError,
  webGpuStatus, WebGpuUnavailableError,
} from '@ddpo/tensor-onnxruntime';

describe('devices', () => {
  it('accepts cpu, cuda and webgpu, absent means cpu', () => {
    expect(DEVICES).toEqual(['cpu', 'cuda', 'webgpu']);
    expect(checkDevice(undefined)).toBe('cpu');
    expect(checkDevice('webgpu')).toBe('webgpu');
  });

  it('refuses anything else with an UnknownDeviceError listing the valid devices', async () => {
    for (const bad of ['gpu', 'CUDA', 'WebGPU', '', 7]) {
      expect(() => checkDevice(bad)).toThrow(UnknownDeviceError);
    }
    await expect(createOnnxRuntimeAdapter({ device: 'gpu' as never })).rejects.toThrow(/unknown device "gpu"; expected one of cpu, cuda, webgpu/);
  });

  it('lowers NCHWc convolutions for the CPU only and keeps the caller\'s disabled fusions', () => {
    expect(deviceLowering('cpu', 16)).toEqual({ nchwcBlockSize: 16, disableFusions: [] });
    expect(deviceLowering('cuda', 16)).toEqual({ nchwcBlockSize: 0, disableFusions: [] });
    expect(deviceLowering('webgpu', 8, ['sigmoid'])).toEqual({ nchwcBlockSize: 0, disableFusions: ['sigmoid'] });
    const b = new GraphBuilder();
    b.output('y', conv2d(b.input('x', [1, 16, 8, 8]), b.input('w', [16, 16, 3, 3]), { padding: 1 }));
    const domains = (o: ReturnType<typeof deviceLowering>) => lowerGraph(b.build(), o).opsetImport.map((d) => d.domain);
    expect(domains(deviceLowering('cpu', 8))).toContain(NCHWC_DOMAIN);
    expect(domains(deviceLowering('webgpu', 8))).toEqual(['']);
  });
});

describe('the device Dawn picked', () => {
  // As the Vulkan loader (1.3.239, Debian 12) prints it with VK_LOADER_DEBUG=driver on this machine's lavapipe.
  const lavapipe = [
    'INFO | DRIVER:               [0] llvmpipe (LLVM 15.0.6, 256 bits)',
    'DRIVER:           vkCreateDevice layer callstack setup to:',
    'DRIVER:              <Device>',
    'DRIVER:                  Using "llvmpipe (LLVM 15.0.6, 256 bits)" with driver: "libvulkan_lvp.so"',
  ].join('\n');

  it('reads the device and driver of the vkCreateDevice line and flags a software rasteriser', () => {
    const info = parseLoaderLog(lavapipe);
    expect(info).toMatchObject({ name: 'llvmpipe (LLVM 15.0.6, 256 bits)', driver: 'libvulkan_lvp.so', software: true });
    expect(info.summary).toContain('not a GPU');
  });

  it('takes a hardware driver as a GPU, and the last device created', () => {
    const info = parseLoaderLog(`${lavapipe}\nDRIVER:                  Using "NVIDIA H200" with driver: "libGLX_nvidia.so.0"\n`);
    expect(info).toMatchObject({ name: 'NVIDIA H200', driver: 'libGLX_nvidia.so.0', software: false });
    expect(info.summary).toBe('NVIDIA H200 via libGLX_nvidia.so.0');
  });

  it('says so when the platform printed no loader log', () => {
    const info = parseLoaderLog('');
    expect(info.name).toBeUndefined();
    expect(info.software).toBeUndefined();
    expect(info.summary).toMatch(/not reported/);
  });
});

describe.runIf(process.platform === 'linux')('no WebGPU adapter', () => {
  it('is a WebGpuUnavailableError with the reason and the set-up steps', async () => {
    const err = await probeWebGpu({ env: { ...process.env, VK_DRIVER_FILES: '/nonexistent/no_icd.json', VK_ICD_FILENAMES: '/nonexistent/no_icd.json' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebGpuUnavailableError);
    expect((err as WebGpuUnavailableError).reason.length).toBeGreaterThan(0);
    expect((err as Error).message).toMatch(/bookworm-backports mesa-vulkan-drivers/);
  }, 60_000);
});

const gpu = await webGpuStatus();
describe.skipIf(!gpu.available)(`onnxruntime-webgpu adapter ${gpu.available ? `on ${gpu.device.summary}` : `— SKIPPED: no WebGPU adapter (${gpu.reason})`}`, () => {
  it('is named for WebGPU, runs on the WebGPU provider, lowers without NCHWc and reports its device', async () => {
    const adapter = await createOnnxRuntimeAdapter({ device: 'webgpu' });
    try {
      expect(adapter.name).toBe('onnxruntime-webgpu');
      expect(adapter.sessionOptions.executionProviders).toEqual(['webgpu']);
      expect(adapter.lowerOptions.nchwcBlockSize).toBe(0);
      expect(adapter.webgpuDevice?.summary.length).toBeGreaterThan(0);
      if (process.platform === 'linux') expect(adapter.webgpuDevice?.name).toBeDefined();
    } finally {
      await adapter.dispose();
    }
  });
});
