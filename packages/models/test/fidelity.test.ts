// Prompt fidelity and the tiny-unet-32 sampler: fidelity of real generator images is near 1 and
// collapses when the prompts are wrong; the DDIM loop, run with all-zero weights (eps = 0), lands
// exactly where DDIM eq. (12) says: x_0 = x_T sqrt(abar_final / abar_T) for deterministic steps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, zeros, type HostTensor, type TensorAdapter } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import { FidelityError, generateShapes32, promptFidelity, sampleTinyUnet32, tinyUnet32 } from '@ddpo/models';

let ort: TensorAdapter;
beforeAll(async () => {
  ort = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: 1 });
});
afterAll(async () => {
  await ort.dispose();
});

/** Stable Diffusion v1's scaled_linear alphas_cumprod, written out here (not imported) for the check. */
function alphasCumprod(): number[] {
  const a = Math.sqrt(0.00085), b = Math.sqrt(0.012);
  let prod = 1;
  return Array.from({ length: 1000 }, (_, i) => (prod *= 1 - (a + ((b - a) * i) / 999) ** 2));
}

const zeroParams = (): Record<string, HostTensor> =>
  Object.fromEntries(Object.entries(tinyUnet32().paramShapes).map(([k, s]) => [k, zeros(s)]));

describe('promptFidelity', () => {
  const real = generateShapes32({ seed: 8080, count: 160, prompts: Array.from({ length: 16 }, (_, k) => k) });

  it('is >= 95% on real shapes-32 images (generator images in place of samples)', async () => {
    const f = await promptFidelity({ images: real.images, prompts: real.prompts, adapter: ort });
    expect(f.counts).toEqual(new Array(16).fill(10));
    expect(f.mean).toBeGreaterThanOrEqual(0.95);
    expect(f.overall).toBeGreaterThanOrEqual(0.95);
  });

  it('collapses when every image carries the next prompt', async () => {
    const wrong = Array.from(real.prompts, (p) => (p + 1) % 16);
    const f = await promptFidelity({ images: real.images, prompts: wrong, adapter: ort });
    expect(f.mean).toBeLessThan(0.1);
  });

  it('rejects mismatched or out-of-range prompts', async () => {
    await expect(promptFidelity({ images: real.images, prompts: [0, 1], adapter: ort })).rejects.toThrow(FidelityError);
    await expect(promptFidelity({ images: real.images, prompts: new Array(160).fill(16), adapter: ort })).rejects.toThrow(/expected an index/);
  });
});

describe('sampleTinyUnet32', () => {
  it('with eps = 0 and eta 0, two DDIM steps scale x_T by sqrt(abar_0 / abar_501)', async () => {
    const images = await sampleTinyUnet32({ params: zeroParams(), prompts: [3, 12], adapter: ort, steps: 2, guidance: 3, eta: 0, seed: 5 });
    const ac = alphasCumprod();
    const factor = Math.sqrt(ac[0] / ac[501]); // timesteps [501, 1]; the last step uses alphas_cumprod[0]
    for (let i = 0; i < 2; i++) {
      const xT = new Rng(5).fork(i).normal([3072]).data;
      for (let j = 0; j < 3072; j++) {
        const want = Math.min(1, Math.max(-1, xT[j] * factor));
        expect(Math.abs(Number(images.data[i * 3072 + j]) - want)).toBeLessThan(1e-5);
      }
    }
  });

  it('is deterministic for a seed and independent of the batch size (eta 1)', async () => {
    const opts = { params: zeroParams(), prompts: [0, 7, 15], adapter: ort, steps: 3, guidance: 2, eta: 1, seed: 9 };
    const a = await sampleTinyUnet32({ ...opts, batchSize: 3 });
    const b = await sampleTinyUnet32({ ...opts, batchSize: 2 });
    expect(a.shape).toEqual([3, 3, 32, 32]);
    for (let j = 0; j < a.size; j++) expect(Math.abs(Number(a.data[j]) - Number(b.data[j]))).toBeLessThan(1e-5);
    const c = await sampleTinyUnet32({ ...opts, seed: 10 });
    expect(Array.from(c.data).some((v, j) => v !== a.data[j])).toBe(true);
  });
});
