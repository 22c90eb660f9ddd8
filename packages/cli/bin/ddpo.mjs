#!/usr/bin/env node
// The `ddpo` executable (package.json "bin"), committed as plain JavaScript so that npm links it even
// before anything is built. In a repository checkout (src/bin.ts is next to it and tsx resolves) it runs
// the TypeScript sources through tsx with the "@ddpo/source" export condition, so `npx ddpo` works right
// after `npm ci` and never runs a stale build; in an installed @ddpo/cli (no src/, no tsx) it runs the
// built dist/bin.js. DDPO_BIN=dist|source forces one of the two.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distBin = path.join(pkgDir, 'dist', 'bin.js');
const srcBin = path.join(pkgDir, 'src', 'bin.ts');

/** tsx's loader as a file URL, or null when tsx is not installed (an installed @ddpo/cli has no tsx). */
function tsxLoader() {
  try {
    return pathToFileURL(createRequire(srcBin).resolve('tsx')).href;
  } catch {
    return null;
  }
}

function fail(message) {
  process.stderr.write(`ddpo: ${message}\n`);
  process.exit(1);
}

const forced = process.env.DDPO_BIN;
if (forced !== undefined && forced !== '' && forced !== 'dist' && forced !== 'source') {
  fail(`DDPO_BIN must be 'dist' or 'source', got '${forced}'`);
}
const loader = forced === 'dist' || !fs.existsSync(srcBin) ? null : tsxLoader();

if (loader === null && forced === 'source') {
  fail(`DDPO_BIN=source needs ${srcBin} and the tsx package (a devDependency of the repository)`);
}

if (loader !== null) {
  // Sources: a child node with the workspace's export condition and tsx's loader; signals and the exit status pass through.
  const child = spawn(process.execPath, ['--conditions=@ddpo/source', '--import', loader, srcBin, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  // a child ended by a signal exits as a shell reports it: 128 + the signal's number
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
} else if (fs.existsSync(distBin)) {
  await import(pathToFileURL(distBin).href);
} else {
  fail(`${distBin} is missing: run \`npm run build\` in the repository (or reinstall @ddpo/cli)`);
}
