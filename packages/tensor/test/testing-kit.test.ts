// @ddpo/tensor/testing can fail: allClose flags a differing element, NaN and infinities; gradCheck
// throws on a wrong gradient; an adapter that perturbs one output fails its conformance case with a
// NotCloseError naming it; an unknown device has no table; every primitive has a case.
import { describe, expect, it } from 'vitest';
import { exp, mul, ReferenceAdapter, stopGradient, tensor, type CompiledGraph, type Graph, type TensorAdapter } from '@ddpo/tensor';
import {
  allClose, assertAllClose, checkCase, checkCoverage, conformanceCases, ConformanceCoverageError, DEVICE_TOLERANCES, gradCheck, GradCheckError,
  maxRelativeError, NotCloseError, randomTensor, runConformance, tolerancesOf, UnknownToleranceDeviceError,
} from '@ddpo/tensor/testing';

describe('allClose', () => {
  it('uses the reference table of the dtype and names the differing element', () => {
    const want = tensor([1, 2, 3], [3]);
    expect(allClose(tensor([1, 2, 3 + 5e-6], [3]), want).ok).toBe(false);
    expect(allClose(tensor([1, 2, 3 + 5e-6], [3]), want, { rtol: 1e-5 }).ok).toBe(true);
    expect(() => assertAllClose(tensor([1, 2.5, 3], [3]), want, { what: 'y' })).toThrow(/y: not close \(rtol 0.000001, atol 1e-7\): \[1\] got 2.5, expected 2/);
  });

  it('matches NaN with NaN and an infinity only with itself; checks dtype and shape when asked', () => {
    expect(allClose([Number.NaN, Infinity], [Number.NaN, Infinity]).ok).toBe(true);
    expect(allClose([0, -Infinity], [Number.NaN, Infinity]).mismatches).toHaveLength(2);
    expect(allClose([1, 2], [1, 2, 3]).ok).toBe(false);
    expect(allClose([Number.NaN, 1], [Number.NaN, 1], { requireFinite: true }).mismatches).toEqual(['[0] got NaN, expected NaN (not finite)']);
    expect(() => assertAllClose(tensor([1, 2], [2], 'float64'), tensor([1, 2], [2]), { sameDtypeAndShape: true })).toThrow(NotCloseError);
    expect(() => assertAllClose(tensor([1, 2], [2]), tensor([1, 2], [1, 2]), { sameDtypeAndShape: true })).toThrow(/shape/);
  });

  it('measures whole outputs relative to their largest element', () => {
    expect(maxRelativeError([1, 2, 4.1], [1, 2, 4])).toBeCloseTo(0.025, 12);
    expect(maxRelativeError([0.1], [0], 1)).toBeCloseTo(0.1, 12);
  });
});

describe('gradCheck', () => {
  it('passes a correct gradient and throws a GradCheckError on a wrong one', () => {
    const x = { x: randomTensor([4], 3) };
    expect(gradCheck(({ x }) => mul(x, exp(x)), x).error).toBeLessThan(1e-6);
    // d(sg(x) * x)/dx by autodiff is x, the function's derivative is 2x.
    expect(() => gradCheck(({ x }) => mul(stopGradient(x), x), x, { what: 'x^2 through stopGradient' })).toThrow(GradCheckError);
  });
});

describe('tolerance tables', () => {
  it('are per device; an unknown device is a typed error listing the known ones', () => {
    expect(tolerancesOf('cpu')).toBe(DEVICE_TOLERANCES.cpu);
    expect(DEVICE_TOLERANCES.reference.elementwise.float32.rtol).toBeLessThan(DEVICE_TOLERANCES.cpu.elementwise.float32.rtol);
    expect(() => tolerancesOf('wasm')).toThrow(UnknownToleranceDeviceError);
    expect(() => tolerancesOf('wasm')).toThrow(/expected one of reference, cpu, cuda, webgpu/);
  });
});

/** The reference adapter with output `y` of every graph scaled by 1 + 1e-4. */
class PerturbingAdapter implements TensorAdapter {
  readonly name = 'perturbing';
  private readonly inner = new ReferenceAdapter();
  get compiledCount(): number {
    return this.inner.compiledCount;
  }
  async compile(graph: Graph): Promise<CompiledGraph> {
    const c = await this.inner.compile(graph);
    return {
      graph: c.graph,
      run: async (feeds) => {
        const out = await c.run(feeds);
        const y = out.y;
        if (y && (y.dtype === 'float32' || y.dtype === 'float64')) out.y = tensor(y.toArray().map((v) => v * (1 + 1e-4)), y.shape, y.dtype);
        return out;
      },
      dispose: () => c.dispose(),
    };
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

describe('the conformance suite', () => {
  const cases = conformanceCases();
  const k = cases.findIndex((c) => c.name === 'exp float32');

  it('passes the reference adapter and fails an adapter that is off by 1e-4', async () => {
    await checkCase(new ReferenceAdapter(), cases[k], k, DEVICE_TOLERANCES.reference.elementwise);
    await expect(checkCase(new PerturbingAdapter(), cases[k], k, DEVICE_TOLERANCES.cpu.elementwise)).rejects.toThrow(/exp float32: y: not close/);
  });

  it('registers one test per accepted case plus coverage, with any runner', async () => {
    const names: string[] = [];
    const bodies: (() => Promise<void>)[] = [];
    runConformance(() => new PerturbingAdapter(), { device: 'cpu', test: (name, fn) => (names.push(name), bodies.push(fn)), filter: (c) => c.primitive === 'exp' });
    expect(names).toEqual(['covers every primitive', 'exp float32', 'exp float64', 'exp float64 NaN/Inf/0']);
    await bodies[0]();
    await expect(bodies[1]()).rejects.toThrow(NotCloseError);
    expect(() => runConformance(new ReferenceAdapter(), { device: 'tpu', test: () => undefined })).toThrow(UnknownToleranceDeviceError);
  });

  it('checks that every primitive has a case', () => {
    expect(() => checkCoverage(cases)).not.toThrow();
    expect(() => checkCoverage(cases.filter((c) => c.primitive !== 'gather'))).toThrow(ConformanceCoverageError);
  });
});
