// Child process of `npm run bench -- --compare`: runs `ddpo compare` with its default preset into
// the directory given as argument and prints one JSON line: wall seconds, peak RSS, runs.
import { COMPARE_PRESETS, main } from '@ddpo/cli';

const out = process.argv[2];
if (out === undefined) throw new Error('compare-child: expected an output directory');
const t0 = performance.now();
const code = await main(['node', 'ddpo', 'compare', '--out', out, '--no-progress'], { out: () => {}, err: (t) => process.stderr.write(t) });
if (code !== 0) process.exit(code);
const p = COMPARE_PRESETS.default;
console.log(JSON.stringify({
  seconds: (performance.now() - t0) / 1000,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  runs: p.algorithms.length * p.seeds.length,
  sessionsCompiled: null,
}));
