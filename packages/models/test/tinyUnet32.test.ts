// tiny-unet-32 against its PyTorch peer: parameter names and count, and noise_pred on the golden
// batch (fixtures/tiny-unet-32-torch.*, see fixtures/README.md) on the reference interpreter.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, evaluate, GraphBuilder, Rng, tensor, type HostTensor } from '@ddpo/tensor';
import {
  countParams, initTinyUnet32, loadTinyUnet32, paramFeeds, paramInputs, tinyUnet32, tinyUnet32Graph, tinyUnet32ParamShapes,
  TinyUnet32OptionsError, WeightsMismatchError, WeightsNotFoundError, type TinyUnet32Ablation,
} from '@ddpo/models';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const golden = decodeSafetensors(new Uint8Array(readFileSync(fixture('tiny-unet-32-torch.safetensors')))).tensors;
const io = JSON.parse(readFileSync(fixture('tiny-unet-32-torch.io.json'), 'utf8')) as {
  sample: number[]; timestep: number[]; prompt: number[]; noise_pred: number[];
};

describe('tiny-unet-32 parameters', () => {
  it('has 591,139 parameters with P = 16 (the PyTorch peer has 591,139 in 95 tensors)', () => {
    const shapes = tinyUnet32ParamShapes(16);
    expect(Object.keys(shapes)).toHaveLength(95);
    expect(countParams(shapes)).toBe(591139);
    expect(countParams(tinyUnet32ParamShapes(4))).toBe(591139 - 12 * 128);
  });

  it('uses exactly the names and shapes of the PyTorch safetensors file', () => {
    const shapes = tinyUnet32().paramShapes;
    expect(Object.keys(shapes).sort()).toEqual(Object.keys(golden).sort());
    for (const [name, t] of Object.entries(golden)) expect([...shapes[name]], name).toEqual([...t.shape]);
  });

  it('initialises as PyTorch defaults with a zero output conv', () => {
    const p = initTinyUnet32(new Rng(3));
    const maxAbs = (t: HostTensor) => Math.max(...Array.from(t.data as Float32Array, Math.abs));
    expect(maxAbs(p['cout.weight'])).toBe(0);
    expect(maxAbs(p['cout.bias'])).toBe(0);
    expect(p['r3.n1.weight'].toArray().every((v) => v === 1)).toBe(true);
    expect(p['att.n.bias'].toArray().every((v) => v === 0)).toBe(true);
    // Kaiming-uniform a = sqrt(5): bound 1/sqrt(fan_in); r4.c1 has fan_in 96 * 9 = 864.
    const b = 1 / Math.sqrt(864);
    expect(maxAbs(p['r4.c1.weight'])).toBeLessThanOrEqual(b);
    expect(maxAbs(p['r4.c1.weight'])).toBeGreaterThan(0.95 * b);
    expect(maxAbs(p['r4.c1.bias'])).toBeLessThanOrEqual(b);
    // Embedding N(0, 1): 17 * 128 draws have a standard deviation near 1.
    const e = p['emb.weight'].toArray();
    const sd = Math.sqrt(e.reduce((s, v) => s + v * v, 0) / e.length);
    expect(sd).toBeGreaterThan(0.9);
    expect(sd).toBeLessThan(1.1);
  });
});

describe('tiny-unet-32 forward', () => {
  it('reproduces PyTorch noise_pred on the golden batch of 4 (reference interpreter, float32)', () => {
    const out = evaluate(tinyUnet32Graph(4), {
      sample: tensor(io.sample, [4, 3, 32, 32]),
      timestep: tensor(io.timestep, [4]),
      prompt: tensor(io.prompt.map(BigInt), [4], 'int64'),
      ...paramFeeds(tinyUnet32(), golden),
    }).noise_pred;
    expect(out.shape).toEqual([4, 3, 32, 32]);
    let num = 0, den = 0;
    for (let i = 0; i < out.size; i++) {
      const want = io.noise_pred[i];
      const got = Number(out.data[i]);
      expect(Math.abs(got - want), `element ${i}`).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(want));
      num += (got - want) ** 2;
      den += want ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-5);
  });

  it('apply() follows the EpsilonModel contract: output has the sample shape', () => {
    const model = tinyUnet32();
    const b = new GraphBuilder();
    const eps = model.apply(paramInputs(b, model), b.input('sample', [3, 3, 32, 32]), b.input('timestep', [3]), b.input('prompt', [3], 'int64'));
    expect([...eps.shape]).toEqual([3, 3, 32, 32]);
    expect(eps.dtype).toBe('float32');
    expect(model.sampleShape).toEqual([3, 32, 32]);
    expect(model.numPrompts).toBe(16);
  });

  it('tinyUnet32Graph has the named inputs and the noise_pred output', () => {
    const g = tinyUnet32Graph(2);
    const names = g.inputs.map((i) => i.name);
    expect(names.slice(0, 3)).toEqual(['sample', 'timestep', 'prompt']);
    expect(names.filter((n) => n.startsWith('param:'))).toHaveLength(95);
    expect(g.outputs.map((o) => o.name)).toEqual(['noise_pred']);
  });
});

describe('loadTinyUnet32', () => {
  it('loads a weights file by name (the golden PyTorch file stands in for the shipped one)', () => {
    const { model, params } = loadTinyUnet32({ path: fixture('tiny-unet-32-torch.safetensors').pathname });
    expect(model.name).toBe('tiny-unet-32');
    expect(Object.keys(params)).toHaveLength(95);
    expect(params['t1.bias'].toArray()).toEqual(golden['t1.bias'].toArray());
  });

  it('throws WeightsNotFoundError naming the path when the file is absent', () => {
    expect(() => loadTinyUnet32({ path: '/nonexistent/tiny-unet-32.safetensors' })).toThrow(WeightsNotFoundError);
    expect(() => loadTinyUnet32({ path: '/nonexistent/tiny-unet-32.safetensors' })).toThrow(/nonexistent/);
  });

  it('throws WeightsMismatchError when the file is for another prompt count', () => {
    const path = fixture('tiny-unet-32-torch.safetensors').pathname;
    expect(() => loadTinyUnet32({ path, numPrompts: 4 })).toThrow(WeightsMismatchError);
  });
});

describe('tiny-unet-32 ablations (identity layers, for the benchmark)', () => {
  const opCount = (identity: TinyUnet32Ablation[], op: string) => tinyUnet32Graph(1, { identity }).nodes.filter((n) => n.op === op).length;
  const forward = (identity: TinyUnet32Ablation[], params: Record<string, HostTensor>) =>
    evaluate(tinyUnet32Graph(1, { identity }), {
      sample: tensor(io.sample.slice(0, 3 * 32 * 32), [1, 3, 32, 32]),
      timestep: tensor([io.timestep[0]], [1]),
      prompt: tensor([BigInt(io.prompt[0])], [1], 'int64'),
      ...paramFeeds(tinyUnet32(), params),
    }).noise_pred.toArray();
  // The GroupNorm parameters perturbed: every `<block>.n*` weight and bias scaled by 1.5 and shifted by 0.25.
  const perturbedNorms = () => Object.fromEntries(Object.entries(golden).map(([k, t]) => [
    k, /\.n[12]?\.(weight|bias)$|^nout\./.test(k) ? tensor(Array.from(t.data as Float32Array, (v) => 1.5 * v + 0.25), [...t.shape]) : t,
  ]));

  it('removes exactly the SiLUs or the GroupNorms of the design (15 SiLUs, 14 GroupNorms), keeping the parameters', () => {
    // The design has 15 SiLUs (2 per ResBlock x 6, 2 in the time embedding, 1 before the output conv)
    // and 14 GroupNorms (2 per ResBlock x 6, the attention's, the output's). Each SiLU's sigmoid traces
    // one `where`; each GroupNorm one `sqrt`.
    expect(opCount([], 'where')).toBe(15);
    expect(opCount([], 'sqrt')).toBe(14);
    expect(opCount(['silu'], 'where')).toBe(0);
    expect(opCount(['silu'], 'sqrt')).toBe(14);
    expect(opCount(['groupNorm'], 'where')).toBe(15);
    expect(opCount(['groupNorm'], 'sqrt')).toBe(0);
    const ablated = tinyUnet32({ identity: ['groupNorm', 'silu'] });
    expect(ablated.paramShapes).toEqual(tinyUnet32().paramShapes);
    expect(ablated.name).toBe('tiny-unet-32 without groupNorm, silu (ablation)');
    expect(tinyUnet32({ identity: [] }).name).toBe('tiny-unet-32');
  });

  it('without GroupNorm the output no longer depends on the GroupNorm parameters; with it, it does', () => {
    const changed = (identity: TinyUnet32Ablation[]) => {
      const a = forward(identity, golden), b = forward(identity, perturbedNorms());
      return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    };
    expect(changed([])).toBeGreaterThan(1e-3);
    expect(changed(['groupNorm'])).toBe(0);
  });

  it('rejects an unknown layer kind with a typed error that names it', () => {
    expect(() => tinyUnet32({ identity: ['layerNorm' as TinyUnet32Ablation] })).toThrow(TinyUnet32OptionsError);
    expect(() => tinyUnet32({ identity: ['layerNorm' as TinyUnet32Ablation] })).toThrow(/'layerNorm'.*groupNorm, silu/);
  });
});
