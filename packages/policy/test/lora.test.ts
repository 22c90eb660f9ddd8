// LoRA (withLora): finite-difference gradient checks of adapted Linear and Conv layers (float64,
// reference interpreter), step 0 equal to the base bit for bit and merged == adapted on ONNX
// Runtime, PEFT's initialisation, target resolution and its errors, the adapter file round trip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  add, castHost, conv2dBias, evaluate, gather, GraphBuilder, grad, linear, mul, reshape, Rng, silu, sum, tensor, transpose,
  type HostTensor, type Sym, type TensorAdapter,
} from '@ddpo/tensor';
import { createOnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import {
  decodeLoraAdapters, encodeLoraAdapters, initLoraAdapters, LoraConfigError, mergeLora, paramInputName, paramInputs, resolveLoraTargets,
  trainableParamNames, withLora, type EpsilonModel, type LayerHooks,
} from '@ddpo/policy';
import { TinyConvModel } from './tiny-models.js';
import { expectClose } from './helpers.js';

/** conv3x3 (3 -> 4, layer 'conv') -> SiLU -> per-pixel linear 4 -> 3 (layer 'att.q', an attention projection) + emb[prompt]. */
class HookedModel implements EpsilonModel {
  readonly name = 'hooked';
  readonly numPrompts = 2;
  readonly sampleShape = [3, 4, 4];
  readonly paramShapes = { 'conv.weight': [4, 3, 3, 3], 'conv.bias': [4], 'att.q.weight': [3, 4], 'att.q.bias': [3], emb: [3, 3] };
  readonly layers = { conv: { kind: 'conv2d' as const }, 'att.q': { kind: 'linear' as const, attention: true } };

  apply(p: Record<string, Sym>, x: Sym, _t: Sym, prompt: Sym, hooks?: LayerHooks): Sym {
    const B = x.shape[0];
    const conv = { stride: 1, padding: 1 };
    let h = conv2dBias(x, p['conv.weight'], p['conv.bias'], conv);
    if (hooks?.conv2d) h = hooks.conv2d('conv', x, h, conv);
    const tokens = transpose(reshape(silu(h), [B, 4, 16]), [0, 2, 1]);
    let y = linear(tokens, p['att.q.weight'], p['att.q.bias']);
    if (hooks?.linear) y = hooks.linear('att.q', tokens, y);
    return add(reshape(transpose(y, [0, 2, 1]), [B, 3, 4, 4]), reshape(gather(p.emb, prompt), [B, 3, 1, 1]));
  }
}

function randomParams(shapes: Record<string, readonly number[]>, rng: Rng, dtype: 'float32' | 'float64' = 'float32', s = 0.3): Record<string, HostTensor> {
  return Object.fromEntries(Object.entries(shapes).map(([k, shape]) => {
    const t = rng.normal(shape, dtype);
    for (let i = 0; i < t.size; i++) t.data[i] *= s;
    return [k, t];
  }));
}

/** Graph: the model's output (and optionally sum(out * r) with its gradient w.r.t. `wrt`). */
function modelGraph(model: EpsilonModel, B: number, dtype: 'float32' | 'float64', wrt?: readonly string[]) {
  const b = new GraphBuilder();
  const p = paramInputs(b, model, dtype);
  const out = model.apply(p, b.input('sample', [B, ...model.sampleShape], dtype), b.input('timestep', [B], dtype), b.input('prompt', [B], 'int64'));
  b.output('out', out);
  if (wrt !== undefined) {
    const loss = sum(mul(out, b.input('r', out.shape, dtype)));
    const gs = grad(loss, wrt.map((n) => p[n]));
    b.output('loss', loss);
    wrt.forEach((n, i) => b.output(`g:${n}`, gs[i]));
  }
  return b.build();
}

const feedsOf = (ps: Record<string, HostTensor>) => Object.fromEntries(Object.entries(ps).map(([k, v]) => [paramInputName(k), v]));

describe('withLora: gradients (float64, reference interpreter, central differences)', () => {
  for (const [label, base, targets] of [
    ['hooked Linear + Conv', new HookedModel(), 'all'],
    ['merged-weight fallback (a model without hooks)', new TinyConvModel(), ['conv']],
  ] as const) {
    it(label, () => {
      const lora = withLora(base, { rank: 2, alpha: 3, targets });
      const names = trainableParamNames(lora);
      const graph = modelGraph(lora, 2, 'float64', names);
      const rng = new Rng(11);
      // Non-zero B, or the gradient of A would be zero and check nothing.
      const params = randomParams(lora.paramShapes, rng, 'float64');
      const data = { sample: rng.normal([2, ...lora.sampleShape], 'float64'), timestep: tensor([500, 20], [2], 'float64'), prompt: tensor([0n, 1n], [2], 'int64'), r: rng.normal([2, ...lora.sampleShape], 'float64') };
      const run = (ps: Record<string, HostTensor>) => evaluate(graph, { ...data, ...feedsOf(ps) });
      const dir = Object.fromEntries(names.map((k) => [k, rng.normal(lora.paramShapes[k], 'float64')]));
      const shifted = (h: number) => ({ ...params, ...Object.fromEntries(names.map((k) => [k, tensor((params[k].data as Float64Array).map((v, i) => v + h * (dir[k].data[i] as number)), params[k].shape)])) });
      const h = 1e-6;
      const fd = (Number(run(shifted(h)).loss.data[0]) - Number(run(shifted(-h)).loss.data[0])) / (2 * h);
      const out = run(params);
      for (const k of names) expect(out[`g:${k}`].toArray().some((g) => g !== 0), k).toBe(true);
      const analytic = names.reduce((acc, k) => acc + out[`g:${k}`].toArray().reduce((s, g, i) => s + g * (dir[k].data[i] as number), 0), 0);
      expect(Math.abs(analytic)).toBeGreaterThan(1e-2);
      expect(Math.abs(fd - analytic) / Math.abs(analytic)).toBeLessThan(1e-7);
    });
  }
});

describe('withLora on ONNX Runtime (float32)', () => {
  let adapter: TensorAdapter;
  beforeAll(async () => {
    adapter = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: 1 });
  });
  afterAll(async () => adapter.dispose());

  const cases = [
    ['hooked', () => new HookedModel(), 'all'],
    ['fallback', () => new TinyConvModel(), 'all'],
  ] as const;

  for (const [label, make, targets] of cases) {
    it(`${label}: step 0 equals the base model bit for bit; after a change, merged == adapted`, async () => {
      const base = make();
      const lora = withLora(base, { rank: 3, alpha: 6, targets });
      const rng = new Rng(5);
      const baseParams = randomParams(base.paramShapes, rng);
      const adapters = initLoraAdapters(lora, new Rng(1));
      const B = 3;
      const data = { sample: rng.normal([B, ...base.sampleShape]), timestep: tensor([900, 500, 10], [B]), prompt: tensor([0n, 1n, 1n], [B], 'int64') };
      const runModel = async (m: EpsilonModel, ps: Record<string, HostTensor>) => (await (await adapter.compile(modelGraph(m, B, 'float32'))).run({ ...data, ...feedsOf(ps) })).out.data as Float32Array;
      const ref = await runModel(base, baseParams);
      const step0 = await runModel(lora, { ...baseParams, ...adapters });
      expect(Buffer.from(step0.buffer).equals(Buffer.from(ref.buffer))).toBe(true);

      // "Trained" adapters: B no longer zero.
      const trained = { ...adapters, ...randomParams(Object.fromEntries(lora.trainableParams.filter((n) => n.includes('lora_B')).map((n) => [n, lora.paramShapes[n]])), rng, 'float32', 0.5) };
      const adapted = await runModel(lora, { ...baseParams, ...trained });
      const merged = await runModel(base, mergeLora(baseParams, trained, lora.lora));
      const moved = adapted.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0);
      expect(moved).toBeGreaterThan(1e-2); // the adapters matter ...
      expectClose('merged vs adapted', merged, adapted, { rtol: 1e-5, atol: 1e-5 }); // ... and merging keeps them (float32 rounding only)
    });
  }
});

describe('withLora: PEFT names, shapes and initialisation', () => {
  it('adds <layer>.lora_A.weight / lora_B.weight with PEFT shapes; A ~ U(+-1/sqrt(fan_in)), B = 0', () => {
    const lora = withLora(new HookedModel(), { rank: 2, targets: 'all' });
    expect(lora.trainableParams).toEqual(['conv.lora_A.weight', 'conv.lora_B.weight', 'att.q.lora_A.weight', 'att.q.lora_B.weight']);
    expect(lora.paramShapes['conv.lora_A.weight']).toEqual([2, 3, 3, 3]);
    expect(lora.paramShapes['conv.lora_B.weight']).toEqual([4, 2, 1, 1]);
    expect(lora.paramShapes['att.q.lora_A.weight']).toEqual([2, 4]);
    expect(lora.paramShapes['att.q.lora_B.weight']).toEqual([3, 2]);
    expect(lora.paramShapes['conv.weight']).toEqual([4, 3, 3, 3]);
    expect(lora.lora).toEqual({ rank: 2, alpha: 2, targets: ['conv', 'att.q'] });
    const a = initLoraAdapters(lora, new Rng(3));
    // kaiming_uniform(a = sqrt(5)): bound = sqrt(6 / ((1 + 5) fan_in)) = 1 / sqrt(fan_in); fan_in 27 (conv), 4 (linear)
    for (const [n, fanIn] of [['conv.lora_A.weight', 27], ['att.q.lora_A.weight', 4]] as const) {
      const v = a[n].toArray();
      const bound = 1 / Math.sqrt(fanIn);
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(new Set(v).size).toBe(v.length);
    }
    // 54 draws from U(-1/sqrt(27), 1/sqrt(27)): the largest |value| is near the bound
    expect(Math.max(...a['conv.lora_A.weight'].toArray().map(Math.abs))).toBeGreaterThan(0.8 / Math.sqrt(27));
    expect(a['conv.lora_B.weight'].toArray().every((x) => x === 0)).toBe(true);
    expect(a['att.q.lora_B.weight'].toArray().every((x) => x === 0)).toBe(true);
    expect(initLoraAdapters(lora, new Rng(3))['conv.lora_A.weight'].toArray()).toEqual(a['conv.lora_A.weight'].toArray());
  });

  it('resolves attention, all, globs and /regex/; bad settings name the field', () => {
    const m = new HookedModel();
    expect(resolveLoraTargets(m, 'attention')).toEqual(['att.q']);
    expect(resolveLoraTargets(m, 'all')).toEqual(['conv', 'att.q']);
    expect(resolveLoraTargets(m, ['att.*'])).toEqual(['att.q']);
    expect(resolveLoraTargets(m, ['conv.weight'])).toEqual(['conv']);
    expect(resolveLoraTargets(m, ['/a.*\\.q/', 'c?nv'])).toEqual(['conv', 'att.q']);
    // a model without `layers`: rank-2 / rank-4 `*.weight` parameters
    expect(resolveLoraTargets(new TinyConvModel(), 'all')).toEqual(['conv']);
    const fails = (f: () => unknown, field: string, text: string) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(LoraConfigError);
        expect((e as LoraConfigError).field).toBe(field);
        expect((e as Error).message).toContain(text);
        return;
      }
      throw new Error('expected a LoraConfigError');
    };
    fails(() => withLora(m, { rank: 0, targets: 'all' }), 'rank', 'positive integer');
    fails(() => withLora(m, { rank: 1.5, targets: 'all' }), 'rank', 'positive integer');
    fails(() => withLora(m, { rank: 2, alpha: -1, targets: 'all' }), 'alpha', 'positive');
    fails(() => withLora(m, { rank: 2, targets: ['nope*'] }), 'targets', "pattern 'nope*' matches no Linear or Conv layer");
    fails(() => withLora(m, { rank: 2, targets: ['emb'] }), 'targets', "'emb'");
    fails(() => withLora(m, { rank: 2, targets: [] }), 'targets', 'non-empty list');
    fails(() => withLora(m, { rank: 2, targets: ['/(/'] }), 'targets', 'not a valid regular expression');
    fails(() => withLora(new TinyConvModel(), { rank: 2, targets: 'attention' }), 'targets', 'declares no attention projections');
    fails(() => withLora(withLora(m, { rank: 2, targets: 'all' }), { rank: 2, targets: 'all' }), 'targets', 'already wrapped');
  });

  it('mergeLora checks adapter names and shapes; adapter files round-trip', () => {
    const m = new HookedModel();
    const lora = withLora(m, { rank: 2, alpha: 4, targets: 'attention' });
    const base = randomParams(m.paramShapes, new Rng(2));
    const adapters = randomParams(Object.fromEntries(lora.trainableParams.map((n) => [n, lora.paramShapes[n]])), new Rng(4));
    // W + (alpha / r) B A, by hand for one element: att.q.weight[1][2]
    const merged = mergeLora(base, adapters, lora.lora);
    const A = adapters['att.q.lora_A.weight'].toArray(), Bm = adapters['att.q.lora_B.weight'].toArray();
    const want = base['att.q.weight'].toArray()[1 * 4 + 2] + 2 * (Bm[1 * 2 + 0] * A[0 * 4 + 2] + Bm[1 * 2 + 1] * A[1 * 4 + 2]);
    expect(merged['att.q.weight'].toArray()[6]).toBeCloseTo(want, 6);
    expect(merged['conv.weight'].toArray()).toEqual(base['conv.weight'].toArray());
    expect(() => mergeLora(base, { 'att.q.lora_A.weight': adapters['att.q.lora_A.weight'] }, lora.lora)).toThrow(/lora_B.weight' is missing/);
    expect(() => mergeLora(base, { ...adapters, 'att.q.lora_A.weight': tensor([1, 2], [2]) }, lora.lora)).toThrow(/has shape \[2\], expected \[2, 4\]/);

    const bytes = encodeLoraAdapters({ adapters, config: lora.lora, baseSha256: 'ab12' });
    const back = decodeLoraAdapters(bytes);
    expect(back.config).toEqual(lora.lora);
    expect(back.baseSha256).toBe('ab12');
    expect(back.adapters['att.q.lora_B.weight'].toArray()).toEqual(Bm);
    expect(() => decodeLoraAdapters(new Uint8Array(Buffer.from(castHost(tensor([1], [1]), 'float32').data.buffer)))).toThrow();
  });
});
