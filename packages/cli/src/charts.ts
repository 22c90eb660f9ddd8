// Charts of a comparison, drawn headless: vega-lite specs compiled to vega, rendered to SVG with the
// 'none' renderer (no browser, no canvas), and to PNG with resvg using the system fonts.
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { curveBands, type CompareSummary } from './summary.js';

type VlSpec = vl.TopLevelSpec;

/**
 * Renders a vega-lite spec to an SVG string, offline.
 *
 * @example
 * const svg = await renderSvg({ data: { values: [{ x: 1, y: 2 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } });
 */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG to PNG at `zoom` x (system fonts; DejaVu Sans when the SVG's family is missing).
 *
 * @example
 * fs.writeFileSync('curves.png', svgToPng(svg));
 */
export function svgToPng(svg: string, zoom = 2): Uint8Array {
  const r = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    fitTo: { mode: 'zoom', value: zoom },
    background: 'white',
  });
  return new Uint8Array(r.render().asPng());
}

/**
 * The main chart: mean reward against reward queries, one line per method (mean over seeds) with a
 * +/- 1 standard-error band, and each seed's curve as a thin line.
 *
 * @example
 * const svg = await renderSvg(curvesSpec(summary));
 */
export function curvesSpec(summary: CompareSummary): VlSpec {
  const seeds = Object.entries(summary.methods).flatMap(([method, m]) =>
    m.runs.flatMap((r) => r.curve.map((p) => ({ method, seed: String(r.seed), queries: p.queries, meanReward: p.meanReward }))),
  );
  const x = { field: 'queries', type: 'quantitative' as const, title: 'reward queries used for training' };
  const color = { field: 'method', type: 'nominal' as const, title: 'method' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${summary.reward}: mean reward vs reward queries (band: +/- 1 s.e. over seeds)`,
    width: 520,
    height: 300,
    layer: [
      {
        data: { values: curveBands(summary) },
        mark: { type: 'area', opacity: 0.2 },
        encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'mean reward', scale: { zero: false } }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: seeds },
        mark: { type: 'line', strokeWidth: 0.8, opacity: 0.45, strokeDash: [3, 2] },
        encoding: { x, y: { field: 'meanReward', type: 'quantitative' }, color, detail: { field: 'seed', type: 'nominal' } },
      },
      {
        data: { values: curveBands(summary) },
        mark: { type: 'line', point: true, strokeWidth: 2.2 },
        encoding: { x, y: { field: 'mean', type: 'quantitative' }, color },
      },
    ],
  };
}

/**
 * Final evaluation reward per method: one dot per seed and the mean as a tick.
 *
 * @example
 * const svg = await renderSvg(finalSpec(summary));
 */
export function finalSpec(summary: CompareSummary): VlSpec {
  const values = Object.entries(summary.methods).flatMap(([method, m]) =>
    m.runs.flatMap((r) => [
      { method, seed: r.seed, reward: r.initialMeanReward ?? r.curve[0]?.meanReward, when: 'initial' },
      { method, seed: r.seed, reward: r.finalMeanReward, when: 'final' },
    ]),
  );
  const y = { field: 'method', type: 'nominal' as const, title: null };
  const x = { field: 'reward', type: 'quantitative' as const, title: 'evaluation mean reward', scale: { zero: false } };
  const color = { field: 'when', type: 'nominal' as const, title: 'model', scale: { domain: ['initial', 'final'], range: ['#9e9e9e', '#d62728'] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${summary.reward}: evaluation reward before and after training (dots: seeds, ticks: means)`,
    width: 520,
    height: { step: 34 },
    data: { values },
    layer: [
      { mark: { type: 'point', filled: true, size: 60, opacity: 0.8 }, encoding: { x, y, color } },
      { mark: { type: 'tick', thickness: 3, size: 24 }, encoding: { x: { ...x, aggregate: 'mean' }, y, color } },
    ],
  };
}
