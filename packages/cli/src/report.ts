// The comparison report: `report.html` (self-contained: charts as inline SVG, sample grids as data
// URLs, so it opens offline from any copy of the folder), the charts as PNG and SVG files, and the
// summary table. Built from `summary.json` alone, so `ddpo report DIR` can rebuild it.
import fs from 'node:fs';
import path from 'node:path';
import { curvesSpec, finalSpec, renderSvg, svgToPng } from './charts.js';
import { summaryTable, type CompareSummary, type SeedStats } from './summary.js';

/** Files written by {@link writeReport}, absolute paths. */
export interface ReportFiles {
  html: string;
  plots: string[];
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(s: SeedStats, digits = 3): string {
  return s.n > 1 ? `${s.mean.toFixed(digits)} &plusmn; ${s.std.toFixed(digits)}` : s.mean.toFixed(digits);
}

function dataUrl(file: string): string | undefined {
  return fs.existsSync(file) ? `data:image/png;base64,${fs.readFileSync(file).toString('base64')}` : undefined;
}

function tableHtml(summary: CompareSummary): string {
  const table = summaryTable(summary);
  const withFidelity = table.some((r) => r.initialFidelity !== undefined || r.finalFidelity !== undefined);
  const pct = (s: SeedStats | undefined) => (s === undefined ? 'n/a' : s.n > 1 ? `${(100 * s.mean).toFixed(0)}% &plusmn; ${(100 * s.std).toFixed(0)}` : `${(100 * s.mean).toFixed(0)}%`);
  const rows = table
    .map(
      (r) =>
        `<tr><td>${esc(r.method)}</td><td>${r.seeds}</td><td>${fmt(r.initial)}</td><td>${fmt(r.final)}</td>` +
        `<td>${r.gain.mean >= 0 ? '+' : ''}${fmt(r.gain)}</td>` +
        (withFidelity ? `<td>${pct(r.initialFidelity)}</td><td>${pct(r.finalFidelity)}</td>` : '') +
        `<td>${fmt(r.wallSeconds, 0)}</td></tr>`,
    )
    .join('\n');
  return (
    '<table><thead><tr><th>method</th><th>seeds</th><th>initial reward</th><th>final reward</th><th>gain</th>' +
    (withFidelity ? '<th>initial prompt fidelity</th><th>final prompt fidelity</th>' : '') +
    `<th>wall seconds / run</th></tr></thead><tbody>\n${rows}\n</tbody></table>` +
    '<p class="note">Values are mean &plusmn; sample standard deviation over seeds of the evaluation mean reward ' +
    '(the same prompts and initial noise before and after training)' +
    (withFidelity
      ? '; prompt fidelity is the share of those evaluation samples that the shapes-32 classifier assigns to their own prompt ' +
        '(a falling fidelity while the reward rises is reward hacking: the prompt\'s shape is being erased)'
      : '') +
    '. Standard errors are in <code>summary.json</code> (<code>methods.&lt;method&gt;.stats</code>).</p>'
  );
}

function gridsHtml(summary: CompareSummary, outDir: string): string {
  const parts: string[] = [];
  for (const [method, { runs }] of Object.entries(summary.methods)) {
    const run = runs.find((r) => r.grids !== undefined);
    if (run?.grids === undefined) continue;
    const start = dataUrl(path.join(outDir, run.grids.start));
    const end = dataUrl(path.join(outDir, run.grids.end));
    parts.push(
      `<section class="grids"><h3>${esc(method)} (seed ${run.seed})</h3><div class="pair">` +
        `<figure><figcaption>start (initial model)</figcaption>${start ? `<img src="${start}" alt="${esc(method)} start">` : '<p>missing</p>'}</figure>` +
        `<figure><figcaption>end (after ${summary.budget ?? '?'} reward queries)</figcaption>${end ? `<img src="${end}" alt="${esc(method)} end">` : '<p>missing</p>'}</figure>` +
        '</div></section>',
    );
  }
  return parts.join('\n');
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .7em;text-align:right}
td:first-child,th:first-child{text-align:left}.note{color:#666;font-size:.9em}
.pair{display:flex;gap:1.5em;flex-wrap:wrap}figure{margin:0}figcaption{font-size:.9em;color:#555}
img{image-rendering:pixelated;max-width:100%}pre{background:#f6f6f6;padding:.6em;overflow:auto}`;

/**
 * Writes `report.html`, `curves.svg/png` and `final.svg/png` into `outDir` from a summary.
 *
 * @example
 * const { html } = await writeReport('runs/compare', JSON.parse(fs.readFileSync('runs/compare/summary.json', 'utf8')));
 */
export async function writeReport(outDir: string, summary: CompareSummary): Promise<ReportFiles> {
  const curves = await renderSvg(curvesSpec(summary));
  const final = await renderSvg(finalSpec(summary));
  const plots: string[] = [];
  for (const [name, svg] of [['curves', curves], ['final', final]] as const) {
    fs.writeFileSync(path.join(outDir, `${name}.svg`), svg);
    fs.writeFileSync(path.join(outDir, `${name}.png`), svgToPng(svg));
    plots.push(path.join(outDir, `${name}.png`));
  }
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ddpo compare: ${esc(summary.reward)}</title>
<style>${STYLE}</style></head><body>
<h1>DDPO vs RWR on <code>${esc(summary.reward)}</code></h1>
<p>Each method fine-tunes ${esc(summary.model ?? 'the model')} with the same reward and the same number of reward queries
(${summary.budget ?? '?'} per run).</p>
<p class="note">Two different measurements. The <b>curve</b>'s point at <i>q</i> queries is the mean reward of the batch the run
sampled for training after <i>q</i> queries (fresh prompts and noise every epoch; the last point is one more such batch after
training). The table's <b>initial</b> and <b>final</b> rewards are a separate, paired evaluation: the same prompts and initial
noise (a fixed evaluation stream of the seed) sampled before and after training. Being different samples, the curve's last
point and the final evaluation can rank methods differently when batches are small (as in <code>--quick</code>); the paired
evaluation is the one to compare methods by.</p>
<h2>Reward vs reward queries</h2>${curves}
<h2>Summary</h2>${tableHtml(summary)}${final}
<h2>Samples at start and end</h2>${gridsHtml(summary, outDir)}
<h2>Settings</h2><pre>${esc(JSON.stringify(summary.settings ?? {}, null, 2))}</pre>
<p class="note">Generated by <code>ddpo compare</code>${summary.createdAt ? ` on ${esc(summary.createdAt)}` : ''}; raw numbers in <code>summary.json</code>.</p>
</body></html>\n`;
  const htmlPath = path.join(outDir, 'report.html');
  fs.writeFileSync(htmlPath, html);
  return { html: path.resolve(htmlPath), plots: plots.map((p) => path.resolve(p)) };
}
