// tiny-unet-32's layer hooks (what LoRA's hook path relies on): every declared layer is reported
// exactly once, with its kind, input and output, and what a hook returns is what the network uses.
import { describe, expect, it } from 'vitest';
import { evaluate, GraphBuilder, mul, Rng, tensor, type Sym } from '@ddpo/tensor';
import { initTinyUnet32, paramFeeds, paramInputs, tinyUnet32 } from '@ddpo/models';

describe('tiny-unet-32 layer hooks', () => {
  it('calls a hook after each of its 33 Linear / Conv layers, once, and continues with its result', () => {
    const model = tinyUnet32({ numPrompts: 2 });
    const layers = model.layers!;
    expect(Object.keys(layers)).toHaveLength(33);
    expect(Object.keys(layers).filter((n) => layers[n].attention)).toEqual(['att.q', 'att.k', 'att.v', 'att.o']);
    expect(Object.keys(layers).every((n) => `${n}.weight` in model.paramShapes && n !== 'emb')).toBe(true);
    const seen: string[] = [];
    const b = new GraphBuilder();
    const p = paramInputs(b, model);
    const args = [b.input('sample', [1, 3, 32, 32]), b.input('timestep', [1]), b.input('prompt', [1], 'int64')] as const;
    const record = (kind: string) => (name: string, x: Sym, y: Sym) => {
      seen.push(`${name}:${kind}`);
      expect(x.builder).toBe(y.builder);
      // the last conv's output scaled by 2: the network's output must double
      return name === 'cout' ? mul(y, 2) : y;
    };
    b.output('hooked', model.apply(p, ...args, { linear: record('linear'), conv2d: record('conv2d') }));
    b.output('plain', model.apply(p, ...args));
    expect(seen.sort()).toEqual(Object.entries(layers).map(([n, l]) => `${n}:${l.kind}`).sort());
    const params = initTinyUnet32(new Rng(0), 2);
    params['cout.bias'] = tensor([0.1, -0.2, 0.3], [3]);
    const out = evaluate(b.build(), { sample: new Rng(1).normal([1, 3, 32, 32]), timestep: tensor([500], [1]), prompt: tensor([1n], [1], 'int64'), ...paramFeeds(model, params) });
    const plain = out.plain.toArray();
    expect(plain.some((v) => v !== 0)).toBe(true);
    expect(out.hooked.toArray()).toEqual(plain.map((v) => 2 * v));
  });
});
