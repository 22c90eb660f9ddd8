#!/usr/bin/env node
// Entry for pretraining tiny-unet-32 on shapes-32 from a source checkout:
//   npx tsx packages/models/src/bin/pretrain.ts --out DIR --steps N --batch B [--resume] (--help for all flags)
// Workspace packages resolve to their TypeScript sources only under the '@ddpo/source' export
// condition, so without it this re-runs itself once with that condition, then loads pretrainMain.ts.
import { spawn } from 'node:child_process';

const CONDITION = '--conditions=@ddpo/source';
const active = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.includes('@ddpo/source'));

if (active) {
  await import('./pretrainMain.js');
} else {
  const child = spawn(process.execPath, [...process.execArgv, CONDITION, process.argv[1], ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
