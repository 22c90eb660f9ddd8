// Test helpers: run the `ddpo` program in-process and capture what it writes.
import { main } from '@ddpo/cli';

/** Runs `ddpo <args>` in-process; returns the exit status and the captured output. */
export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'ddpo', ...args], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
