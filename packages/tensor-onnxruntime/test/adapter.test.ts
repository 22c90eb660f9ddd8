// The ORT CPU adapter on small hand-built graphs whose values are worked out by hand: compile
// caching, output naming, dtypes (int64, bool), slices running backwards, float64 conv, dispose.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, tensor, type Graph, type Sym } from '@ddpo/tensor';
import { createOnnxRuntimeAdapter, OnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';

type Op = Parameters<GraphBuilder['addNode']>[0];
function node(b: GraphBuilder, op: Op, ins: Sym[], params: object, shape: number[], dtype = ins[0]?.dtype ?? 'float32'): Sym {
  return b.addNode(op, ins, params as never, { shape, dtype });
}

function addMul(): Graph {
  const b = new GraphBuilder();
  const x = b.input('x', [2, 2]);
  const y = b.input('y', [2]);
  const s = node(b, 'add', [x, y], {}, [2, 2]);
  b.output('sum', s);
  b.output('prod', node(b, 'mul', [s, x], {}, [2, 2]));
  return b.build();
}

describe('onnxruntime-cpu adapter', () => {
  it('runs a broadcasting add and mul with several outputs', async () => {
    const a = await createOnnxRuntimeAdapter();
    const c = await a.compile(addMul());
    const out = await c.run({ x: tensor([1, 2, 3, 4], [2, 2]), y: tensor([10, 20], [2]) });
    expect(out.sum.toArray()).toEqual([11, 22, 13, 24]);
    expect(out.prod.toArray()).toEqual([11, 44, 39, 96]);
    expect(out.sum.shape).toEqual([2, 2]);
    expect(out.sum.dtype).toBe('float32');
    await a.dispose();
  });

  it("spins idle threads by default (ORT's own default) and lets them sleep with allowSpinning: false", async () => {
    const spin = await createOnnxRuntimeAdapter({ intraOpNumThreads: 1 });
    const sleep = await createOnnxRuntimeAdapter({ intraOpNumThreads: 1, allowSpinning: false });
    expect(spin.spinning).toBe(true);
    expect(sleep.spinning).toBe(false);
    expect(sleep.sessionOptions.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    // Both run graphs the same.
    for (const a of [spin, sleep]) {
      const out = await (await a.compile(addMul())).run({ x: tensor([1, 2, 3, 4], [2, 2]), y: tensor([10, 20], [2]) });
      expect(out.sum.toArray()).toEqual([11, 22, 13, 24]);
      await a.dispose();
    }
  });

  it('compiles one session per Graph object and reuses it', async () => {
    const a = await createOnnxRuntimeAdapter({ intraOpNumThreads: 1 });
    const g = addMul();
    const [c1, c2] = await Promise.all([a.compile(g), a.compile(g)]);
    expect(c1).toBe(c2);
    expect(await a.compile(g)).toBe(c1);
    expect(a.compiledCount).toBe(1);
    await a.compile(addMul());
    expect(a.compiledCount).toBe(2);
    expect(a.name).toBe('onnxruntime-cpu');
    expect(a).toBeInstanceOf(OnnxRuntimeAdapter);
    await a.dispose();
  });

  it('refuses to run after dispose and recompiles a disposed graph', async () => {
    const a = await createOnnxRuntimeAdapter();
    const g = addMul();
    const c = await a.compile(g);
    await c.dispose();
    await expect(c.run({ x: tensor([1, 2, 3, 4], [2, 2]), y: tensor([1, 1], [2]) })).rejects.toThrow(/disposed/);
    const again = await a.compile(g);
    expect(again).not.toBe(c);
    expect((await again.run({ x: tensor([1, 2, 3, 4], [2, 2]), y: tensor([1, 1], [2]) })).sum.toArray()).toEqual([2, 3, 4, 5]);
    await a.dispose();
    await expect(a.compile(g)).rejects.toThrow(/after dispose/);
  });

  it('outputs an input directly, one value under two names, and a constant', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3], 'int64');
    b.output('same', x);
    b.output('again', x);
    b.output('k', b.constant(tensor([true, false].map(Number), [2], 'bool')));
    const a = await createOnnxRuntimeAdapter();
    const out = await (await a.compile(b.build())).run({ x: tensor([1n, -2n, 3n], [3], 'int64') });
    expect(Array.from(out.same.data as BigInt64Array)).toEqual([1n, -2n, 3n]);
    expect(out.again.dtype).toBe('int64');
    expect(out.k.dtype).toBe('bool');
    expect(out.k.toArray()).toEqual([1, 0]);
    await a.dispose();
  });

  it('gathers rows with int64 indices and selects bools with where', async () => {
    const b = new GraphBuilder();
    const table = b.input('table', [3, 2]);
    const idx = b.input('idx', [2, 2], 'int64');
    b.output('rows', node(b, 'gather', [table, idx], {}, [2, 2, 2], 'float32'));
    const cond = b.input('cond', [3], 'bool');
    const p = b.input('p', [3], 'bool');
    const q = b.input('q', [3], 'bool');
    b.output('sel', node(b, 'where', [cond, p, q], {}, [3], 'bool'));
    const a = await createOnnxRuntimeAdapter();
    const out = await (await a.compile(b.build())).run({
      table: tensor([0, 1, 10, 11, 20, 21], [3, 2]),
      idx: tensor([2n, 0n, 1n, 1n], [2, 2], 'int64'),
      cond: tensor([1, 0, 1], [3], 'bool'),
      p: tensor([1, 1, 0], [3], 'bool'),
      q: tensor([0, 0, 1], [3], 'bool'),
    });
    expect(out.rows.toArray()).toEqual([20, 21, 0, 1, 10, 11, 10, 11]);
    expect(out.sel.toArray()).toEqual([1, 0, 0]);
    await a.dispose();
  });

  it('slices backwards down to index 0 (IR end -1 means before the start)', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [5], 'int32');
    b.output('rev', node(b, 'slice', [x], { starts: [4], ends: [-1], axes: [0], steps: [-1] }, [5]));
    b.output('odd', node(b, 'slice', [x], { starts: [3], ends: [-1], axes: [0], steps: [-2] }, [2]));
    const a = await createOnnxRuntimeAdapter();
    const out = await (await a.compile(b.build())).run({ x: tensor(new Int32Array([0, 1, 2, 3, 4]), [5]) });
    expect(out.rev.toArray()).toEqual([4, 3, 2, 1, 0]);
    expect(out.odd.toArray()).toEqual([3, 1]);
    await a.dispose();
  });

  it('reduces over no axes as identity and over all axes with keepDims', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3]);
    b.output('none', node(b, 'reduceSum', [x], { axes: [], keepDims: false }, [2, 3]));
    b.output('all', node(b, 'reduceSum', [x], { axes: [0, 1], keepDims: true }, [1, 1]));
    b.output('max', node(b, 'reduceMax', [x], { axes: [1], keepDims: false }, [2]));
    const a = await createOnnxRuntimeAdapter();
    const out = await (await a.compile(b.build())).run({ x: tensor([1, 5, 3, -4, -2, -6], [2, 3]) });
    expect(out.none.toArray()).toEqual([1, 5, 3, -4, -2, -6]);
    expect(out.all.toArray()).toEqual([-3]);
    expect(out.all.shape).toEqual([1, 1]);
    expect(out.max.toArray()).toEqual([5, -2]);
    await a.dispose();
  });

  it('runs float64 conv2d (im2col lowering) with padding, stride and dilation', async () => {
    // x = 0..15 as [1, 1, 4, 4]; w = [[1, 0], [0, -1]] dilated 2, stride 2, pads 1 on every side.
    // Output [1, 1, 2, 2]: y[i, j] = xp[2i, 2j] - xp[2i + 2, 2j + 2] on the zero-padded 6x6 input.
    const b = new GraphBuilder();
    const x = b.input('x', [1, 1, 4, 4], 'float64');
    const w = b.input('w', [1, 1, 2, 2], 'float64');
    const params = { strides: [2, 2], pads: [1, 1, 1, 1], dilations: [2, 2] };
    b.output('y', node(b, 'conv2d', [x, w], params, [1, 1, 2, 2]));
    const a = await createOnnxRuntimeAdapter();
    const xs = Float64Array.from({ length: 16 }, (_, i) => i);
    const out = await (await a.compile(b.build())).run({ x: tensor(xs, [1, 1, 4, 4]), w: tensor(new Float64Array([1, 0, 0, -1]), [1, 1, 2, 2]) });
    // xp[r][c] = x[r-1][c-1] inside. y00 = 0 - x[1][1] = -5; y01 = 0 - x[1][3] = -7; y10 = 0 - x[3][1] = -13; y11 = x[1][1] - x[3][3] = 5 - 15.
    expect(out.y.toArray()).toEqual([-5, -7, -13, -10]);
    expect(out.y.dtype).toBe('float64');
    await a.dispose();
  });

  it('accepts a declared but unused input, and outputs stay valid after dispose', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2]);
    b.input('unused', [3], 'int32');
    b.output('y', node(b, 'exp', [x], {}, [2]));
    const a = await createOnnxRuntimeAdapter();
    const out = await (await a.compile(b.build())).run({ x: tensor([0, 1], [2]), unused: tensor(new Int32Array(3), [3]) });
    await a.dispose();
    expect(out.y.toArray()[0]).toBe(1);
    expect(out.y.toArray()[1]).toBeCloseTo(Math.E, 6);
  });
});
