// Markdown tables of study 2 (docs/results.md) from merged compare summaries: per reward, each
// method's initial and final evaluation reward, gain per seed and mean ± s.e., prompt fidelity at
// start and end, and the ratio of DDPO_IS's mean gain to RWR's. Usage:
//   node tools/study/tables.mjs runs/study2/aesthetic runs/study2/colorfulness ...
import fs from 'node:fs';
import path from 'node:path';

const NAMES = { 'ddpo-is': 'DDPO_IS', 'ddpo-sf': 'DDPO_SF', rwr: 'RWR', 'rwr-sparse': 'sparse RWR' };
const f = (v, d = 3) => (v < 0 ? '−' : v > 0 ? '+' : '') + Math.abs(v).toFixed(d);
const u = (v, d = 3) => (v < 0 ? '−' : '') + Math.abs(v).toFixed(d);
const stats = (xs) => {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, se: sd / Math.sqrt(n) };
};
// ± s.e. only over several seeds (one seed has none)
const pm = (st) => (st.n > 1 ? ` ± ${st.se.toFixed(3)}` : '');
const pct = (v) => `${(100 * v).toFixed(0)}%`;

for (const dir of process.argv.slice(2)) {
  const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  console.log(`\n### ${s.reward} (${s.budget} reward queries per run)\n`);
  console.log('| method | seeds | initial | final (mean ± s.e.) | gain per seed | gain (mean ± s.e.) | fidelity start → end (mean) | fidelity end per seed |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const gains = {};
  for (const [algo, m] of Object.entries(s.methods)) {
    const runs = m.runs;
    const g = runs.map((r) => r.finalMeanReward - r.initialMeanReward);
    gains[algo] = stats(g);
    const fin = stats(runs.map((r) => r.finalMeanReward));
    const ini = stats(runs.map((r) => r.initialMeanReward));
    const fs0 = stats(runs.map((r) => r.initialPromptFidelity ?? NaN));
    const fs1 = stats(runs.map((r) => r.finalPromptFidelity ?? NaN));
    console.log(
      `| ${NAMES[algo] ?? algo} | ${runs.map((r) => r.seed).join(', ')} | ${u(ini.mean)} | ${u(fin.mean)}${pm(fin)} | ${g.map((x) => f(x)).join(', ')} | ` +
        `**${f(gains[algo].mean)}**${pm(gains[algo])} | ${pct(fs0.mean)} → ${pct(fs1.mean)} | ${runs.map((r) => pct(r.finalPromptFidelity ?? NaN)).join(', ')} |`,
    );
  }
  if (gains['ddpo-is'] && gains.rwr) {
    const r = gains['ddpo-is'].mean / gains.rwr.mean;
    console.log(`\nDDPO_IS gain / RWR gain: ${gains.rwr.mean <= 0 ? `RWR's mean gain is ${f(gains.rwr.mean)} (not positive); DDPO_IS ${f(gains['ddpo-is'].mean)}` : r.toFixed(2)}`);
  }
}
