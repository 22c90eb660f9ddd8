// The conformance suite, runner-agnostic: per case of `conformanceCases()`, the adapter's value and
// gradient (a `grad` graph with a random cotangent) must match the reference interpreter within the
// device's tolerance table, and float64 gradients must match central finite differences (gradCheckOn).
// `checkCase` checks one case and throws; `runConformance` registers every case with the test
// function of any runner (vitest's `it`, node:test's `test`, mocha's `it`).
import type { TensorAdapter, TensorMap } from '../adapter.js';
import type { Sym } from '../builder.js';
import { DdpoError } from '../errors.js';
import { evaluate } from '../interpreter.js';
import { PRIMITIVES, type Graph } from '../ir.js';
import { caseFeeds, caseGraph, conformanceCases, type ConformanceCase } from './cases.js';
import { assertAllClose } from './close.js';
import { gradCheckOn } from './gradcheck.js';
import { tolerancesOf, toleranceOf, type ToleranceTable } from './tolerances.js';

/** A case ready to run: its graph, feeds, and the reference interpreter's outputs. */
export interface PreparedCase {
  case: ConformanceCase;
  /** The case's index in `conformanceCases()` (it seeds the feeds). */
  index: number;
  graph: Graph;
  /** Indices of the float inputs (those differentiated). */
  floatInputs: number[];
  feeds: TensorMap;
  /** The reference result. */
  want: TensorMap;
}

/** A case after an adapter ran it. */
export interface CaseRun extends PreparedCase {
  got: TensorMap;
  table: ToleranceTable;
  adapter: TensorAdapter;
}

/** A primitive without a conformance case. */
export class ConformanceCoverageError extends DdpoError {
  constructor(readonly missing: readonly string[]) {
    super(`no conformance case for the primitive(s) ${missing.join(', ')}; add one to conformanceCases() (packages/tensor/src/testing/cases.ts)`);
  }
}

/**
 * The case's graph, feeds (seeded by `index`) and reference outputs.
 *
 * @example
 * const { graph, feeds, want } = prepareCase(conformanceCases()[0], 0);
 */
export function prepareCase(c: ConformanceCase, index: number): PreparedCase {
  const { graph, floatInputs } = caseGraph(c);
  const feeds = caseFeeds(c, graph, index);
  return { case: c, index, graph, floatInputs, feeds, want: evaluate(graph, feeds) };
}

/**
 * Throws a ConformanceCoverageError unless every primitive has a case.
 *
 * @example
 * checkCoverage(conformanceCases());
 */
export function checkCoverage(cases: readonly ConformanceCase[]): void {
  const covered = new Set(cases.map((c) => c.primitive));
  const missing = PRIMITIVES.filter((p) => !covered.has(p));
  if (missing.length > 0) throw new ConformanceCoverageError(missing);
}

/**
 * Runs one case on `adapter` and checks it against the reference interpreter within `table`: every
 * output's dtype, shape and values, and for float64 cases the gradient against finite differences.
 * Throws a NotCloseError or GradCheckError naming the case; returns what ran.
 *
 * @example
 * await checkCase(adapter, c, k, DEVICE_TOLERANCES.cpu.elementwise);
 */
export async function checkCase(adapter: TensorAdapter, c: ConformanceCase, index: number, table: ToleranceTable): Promise<CaseRun> {
  const prepared = prepareCase(c, index);
  const { graph, feeds, want, floatInputs } = prepared;
  const got = await (await adapter.compile(graph)).run(feeds);
  for (const o of graph.outputs) {
    assertAllClose(got[o.name], want[o.name], { what: `${c.name}: ${o.name}`, sameDtypeAndShape: true, ...toleranceOf(table, c.primitive, want[o.name].dtype) });
  }
  const allF64 = c.inputs.every((i) => i.dtype !== 'float32') && graph.nodes[graph.outputs[0].id].dtype === 'float64';
  if (allF64 && floatInputs.length > 0 && !c.inputs.some((i) => i.kind === 'special')) {
    const inputs: TensorMap = {};
    c.inputs.forEach((_, k) => (inputs[`x${k}`] = feeds[`x${k}`]));
    const build = (s: Record<string, Sym>) => c.build(c.inputs.map((_, k) => s[`x${k}`]));
    await gradCheckOn(adapter, build, inputs, { h: 1e-6, rtol: table.fd, what: `${c.name}: finite differences` });
  }
  return { ...prepared, got, table, adapter };
}

/** A test function of any runner: `it`, `test`. */
export type TestFn = (name: string, fn: () => Promise<void>) => unknown;

/** Options of runConformance. */
export interface ConformanceOptions {
  /** The device whose tolerance table applies ('reference', 'cpu', 'cuda', 'webgpu'). */
  device: string;
  /** The runner's test function. */
  test: TestFn;
  /** The runner's after-all hook, to dispose of the adapter. */
  afterAll?: (fn: () => Promise<void>) => unknown;
  /** Overrides the device's table (e.g. a new runtime's own measured table). */
  tolerances?: ToleranceTable;
  /** More checks per case (e.g. an export -> import round trip), run after the case passed. */
  afterCase?: (run: CaseRun) => Promise<void> | void;
  /** Runs only the cases it accepts (each keeps its index in `conformanceCases()`, so its feeds). */
  filter?: (c: ConformanceCase) => boolean;
}

/**
 * Registers the conformance suite for one adapter: a coverage test and one test per case, named by
 * the case. The adapter is created by the first test that needs it and disposed in `afterAll`.
 *
 * @example
 * describe('conformance: my-runtime', () => runConformance(() => createMyAdapter(), { device: 'webgpu', test: it, afterAll }));
 */
export function runConformance(adapter: TensorAdapter | (() => TensorAdapter | Promise<TensorAdapter>), options: ConformanceOptions): void {
  const table = options.tolerances ?? tolerancesOf(options.device).elementwise;
  const cases = conformanceCases();
  let made: Promise<TensorAdapter> | undefined;
  const get = (): Promise<TensorAdapter> => (made ??= Promise.resolve(typeof adapter === 'function' ? adapter() : adapter));
  options.afterAll?.(async () => {
    if (made && typeof adapter === 'function') await (await made).dispose();
  });
  options.test('covers every primitive', async () => checkCoverage(cases));
  cases.forEach((c, k) => {
    if (options.filter && !options.filter(c)) return;
    options.test(c.name, async () => {
      const run = await checkCase(await get(), c, k, table);
      await options.afterCase?.(run);
    });
  });
}
