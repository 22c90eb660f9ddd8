// The README's main job: `ddpo compare` with its defaults (DDPO_IS vs RWR on the aesthetic stand-in,
// one seed, equal reward-query budgets) on the embedded tiny-unet-32, run from the TypeScript
// sources through tsx so no build is needed. Extra arguments are passed on, e.g.
// `npm run demo -- --quick` (a one-minute smoke run) or `npm run demo -- --full`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const out = args.includes('--out') || args.includes('-o') ? [] : ['--out', path.join(root, 'runs', 'compare')];
const res = spawnSync(
  process.execPath,
  ['--conditions=@ddpo/source', '--import', 'tsx', path.join(root, 'packages', 'cli', 'src', 'bin.ts'), 'compare', ...out, ...args],
  { stdio: 'inherit', cwd: root },
);
process.exit(res.status ?? 1);
