// The `ddpo` launcher (bin/ddpo.mjs): `npx ddpo` in the repository runs the sources without a build; a
// package laid out as installed (bin/ + dist/, no src/) runs dist; neither gives a message saying what to do.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(pkgDir, '../..');
const launcher = path.join(pkgDir, 'bin', 'ddpo.mjs');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-bin-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// A user's shell: no vitest variables, no NODE_OPTIONS carrying the source condition, no colours.
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'FORCE_COLOR' && k !== 'DDPO_BIN'),
);

function run(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  const r = spawnSync(cmd, args, { cwd, env: { ...userEnv, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A copy of the launcher in a fake package folder, as npm lays out an installed @ddpo/cli. */
function fakePackage(name: string, distBin: string | null): string {
  const dir = path.join(work, name, 'node_modules', '@ddpo', 'cli');
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync(launcher, path.join(dir, 'bin', 'ddpo.mjs'));
  if (distBin !== null) {
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'dist', 'bin.js'), distBin);
  }
  return path.join(dir, 'bin', 'ddpo.mjs');
}

describe('ddpo launcher', () => {
  it('package.json "bin" is the committed launcher, and it ships', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin).toEqual({ ddpo: './bin/ddpo.mjs' });
    expect(pkg.files).toContain('bin');
  });

  it('`npx ddpo --help` runs in the repository without any build (sources through tsx)', () => {
    // npm ci links node_modules/.bin/ddpo to the launcher; npx finds it there.
    expect(fs.realpathSync(path.join(root, 'node_modules', '.bin', 'ddpo'))).toBe(fs.realpathSync(launcher));
    const r = run('npx', ['--no-install', 'ddpo', '--help'], root, { DDPO_BIN: 'source' });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: ddpo [options] [command]');
    for (const cmd of ['pretrain', 'sample', 'train', 'compare', 'export', 'report']) expect(r.out).toMatch(new RegExp(`\\n  ${cmd} `));
  });

  it("passes the program's exit status through (unknown option: 2)", () => {
    const r = run(process.execPath, [launcher, 'train', '--no-such-flag'], work);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--no-such-flag'");
  });

  it('an installed package (no src/) runs dist/bin.js with the arguments', () => {
    const bin = fakePackage('installed', "console.log('dist ran ' + process.argv.slice(2).join(' '));\n");
    const r = run(process.execPath, [bin, 'sample', '-n', '2'], work);
    expect(r.code).toBe(0);
    expect(r.out).toBe('dist ran sample -n 2\n');
  });

  it('with neither sources nor a build it says what to run', () => {
    const bin = fakePackage('empty', null);
    const r = run(process.execPath, [bin, '--help'], work);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/dist\/bin\.js is missing: run `npm run build`/);
  });

  it('rejects an unknown DDPO_BIN, naming it', () => {
    const r = run(process.execPath, [launcher, '--help'], work, { DDPO_BIN: 'both' });
    expect(r.code).toBe(1);
    expect(r.err).toContain("DDPO_BIN must be 'dist' or 'source', got 'both'");
  });
});
