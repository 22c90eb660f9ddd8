// Workspace packages resolve to their TypeScript sources only under the '@ddpo/source' export
// condition. The bins of this folder, run from a source checkout with plain `npx tsx`, re-run
// themselves once with that condition; this is that step, shared by all of them.
import { spawn } from 'node:child_process';

const CONDITION = '--conditions=@ddpo/source';

/**
 * Runs `main` when the '@ddpo/source' condition is active; otherwise re-runs this script with it,
 * forwarding SIGINT/SIGTERM/SIGHUP to the child and exiting with its code.
 *
 * @example
 * await runWithSourceCondition(main);
 */
export async function runWithSourceCondition(main: () => Promise<unknown>): Promise<void> {
  const active = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.includes('@ddpo/source'));
  if (active) {
    await main();
    return;
  }
  const child = spawn(process.execPath, [...process.execArgv, CONDITION, process.argv[1], ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
