// The reference interpreter and ReferenceAdapter: feeds are checked, outputs come back by name
// and never alias feeds or constants, compiling caches per Graph object.
import { describe, expect, it } from 'vitest';
import { FeedError, GraphBuilder, ReferenceAdapter, add, evaluate, exp, mul, sum, tensor, type Graph } from '@ddpo/tensor';
import { assertAllClose } from '@ddpo/tensor/testing';

function graph(): Graph {
  const b = new GraphBuilder();
  const x = b.input('x', [3]);
  b.output('y', sum(mul(exp(x), 2)));
  b.output('x', x);
  b.output('z', add(x, 1));
  return b.build();
}

describe('evaluate', () => {
  it('runs nodes in order and returns every output', () => {
    const out = evaluate(graph(), { x: tensor([0, 1, 2]) });
    assertAllClose(out.y, [Math.fround(2 * (Math.fround(1) + Math.fround(Math.E) + Math.fround(Math.exp(2))))], { rtol: 1e-6 });
    assertAllClose(out.z, [1, 2, 3]);
  });

  it('copies an output that is a feed', () => {
    const x = tensor([0, 1, 2]);
    const out = evaluate(graph(), { x });
    expect(out.x.data).not.toBe(x.data);
    expect(out.x.toArray()).toEqual([0, 1, 2]);
  });

  it('checks feeds: missing, extra, wrong shape or dtype', () => {
    const g = graph();
    expect(() => evaluate(g, {})).toThrow(FeedError);
    expect(() => evaluate(g, {})).toThrow("reference: missing input 'x' (float32 [3])");
    expect(() => evaluate(g, { x: tensor([1, 2]) })).toThrow("reference: input 'x' has shape [2], expected [3]");
    expect(() => evaluate(g, { x: tensor(new Float64Array(3)) })).toThrow(/dtype float64, expected float32/);
    expect(() => evaluate(g, { x: tensor([1, 2, 3]), w: tensor([1]) })).toThrow(/unknown input 'w'/);
  });
});

describe('ReferenceAdapter', () => {
  it('compiles once per Graph object and runs asynchronously', async () => {
    const adapter = new ReferenceAdapter();
    const g = graph();
    const c1 = await adapter.compile(g);
    const c2 = await adapter.compile(g);
    expect(c1).toBe(c2);
    expect(adapter.compiledCount).toBe(1);
    await adapter.compile(graph());
    expect(adapter.compiledCount).toBe(2);
    const { z } = await c1.run({ x: tensor([1, 2, 3]) });
    assertAllClose(z, [2, 3, 4]);
    expect(adapter.name).toBe('reference');
  });

  it('refuses to run a disposed graph', async () => {
    const compiled = await new ReferenceAdapter().compile(graph());
    await compiled.dispose();
    await expect(compiled.run({ x: tensor([1, 2, 3]) })).rejects.toThrow(/disposed/);
  });
});
