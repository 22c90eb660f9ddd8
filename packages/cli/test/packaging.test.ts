// Packaging, as a user installs: build every package with tsup, pack all 11 with tools/pack.mjs (the
// publishing path: no "@ddpo/source" condition, no scripts in the packed package.json), install subsets
// of the tarballs into empty folders outside the workspace, and run there what a user runs: the
// @ddpo/scheduler README example (a chain that must not pull in onnxruntime-node) and `npx ddpo --help`
// from @ddpo/cli. Also: every build keeps its class names, and a plain `npm publish` is refused.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-pack-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// Environment without the workspace's source condition, as a user's shell has: no vitest variables, no colours (nx sets FORCE_COLOR, which would
// make console.log print ANSI escapes that the expected output does not have).
const userEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'FORCE_COLOR')),
  NO_COLOR: '1',
};

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, env: userEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
}

/** The first ```ts block of a README. */
function readmeExample(pkg: string): string {
  const text = fs.readFileSync(path.join(root, 'packages', pkg, 'README.md'), 'utf8');
  const m = /```ts\n([\s\S]*?)```/.exec(text);
  if (m === null) throw new Error(`packages/${pkg}/README.md has no \`\`\`ts example`);
  return m[1];
}

const PACKAGES = fs.readdirSync(path.join(root, 'packages')).filter((p) => fs.existsSync(path.join(root, 'packages', p, 'package.json')));
type Packed = { filename: string; files: { path: string }[] };
const packed = new Map<string, Packed>();
const tarball = (pkg: string) => path.join(work, packed.get(pkg)!.filename);

/** An empty npm project outside the workspace with the given packages installed from their tarballs. */
function install(name: string, pkgs: string[]): string {
  const app = path.join(work, name);
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: `ddpo-user-${name}`, private: true, type: 'module' }));
  // --ignore-scripts: onnxruntime-node's install script would download CUDA libraries (see the READMEs' install sections)
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', '--ignore-scripts', ...pkgs.map(tarball)], app);
  return app;
}

beforeAll(() => {
  expect(PACKAGES.length).toBe(11);
  for (const pkg of PACKAGES) run(bin('tsup'), [], path.join(root, 'packages', pkg));
  // tools/pack.mjs: the publishing path (staged copy with a cleaned package.json)
  const lines = run(process.execPath, [path.join(root, 'tools', 'pack.mjs'), '--out', work, ...PACKAGES], root).trim().split('\n');
  for (const line of lines) {
    const { name, file } = JSON.parse(line) as { name: string; file: string };
    const files = run('tar', ['-tzf', file], work).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    packed.set(name.replace('@ddpo/', ''), { filename: path.basename(file), files: files.map((p) => ({ path: p })) });
  }
}, 600_000);

describe('packaging: every package packs', () => {
  it('ships its build and README, no sources, tests or fixtures', () => {
    for (const pkg of PACKAGES) {
      const files = packed.get(pkg)!.files.map((f) => f.path);
      expect(files, pkg).toContain('dist/index.js');
      expect(files, pkg).toContain('dist/index.d.ts');
      expect(files, pkg).toContain('README.md');
      expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/')), pkg).toEqual([]);
    }
  });
});

describe('packaging: the packed package.json', () => {
  it('carries no repository-only "@ddpo/source" condition and no scripts, and keeps the rest', () => {
    for (const pkg of PACKAGES) {
      const inTar = JSON.parse(run('tar', ['-xzOf', tarball(pkg), 'package/package.json'], work)) as Record<string, unknown>;
      const mine = JSON.parse(fs.readFileSync(path.join(root, 'packages', pkg, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(JSON.stringify(inTar), pkg).not.toContain('@ddpo/source');
      expect(inTar.scripts, pkg).toBeUndefined();
      expect(inTar.exports, pkg).toEqual({ '.': { types: './dist/index.d.ts', import: './dist/index.js' } });
      for (const k of ['name', 'version', 'license', 'dependencies', 'repository', 'files', 'main', 'types']) expect(inTar[k], `${pkg} ${k}`).toEqual(mine[k]);
    }
  });

  it('a plain npm publish from a package folder is refused, saying what to publish', () => {
    const r = spawnSync('npm', ['publish', '--dry-run'], { cwd: path.join(root, 'packages', 'ppo'), env: userEnv, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('publish the tarball made by `node tools/pack.mjs`');
  });
});

describe('packaging: the builds keep class names', () => {
  it('every exported class of every dist/index.js is named as exported (errors print these names)', () => {
    // a plain node process imports each build (no source condition: @ddpo imports resolve to the builds too)
    const script = `
      const out = [];
      for (const pkg of ${JSON.stringify(PACKAGES)}) {
        const mod = await import(${JSON.stringify(root)} + '/packages/' + pkg + '/dist/index.js');
        for (const [k, v] of Object.entries(mod)) if (typeof v === 'function' && /^class\\b/.test(Function.prototype.toString.call(v))) out.push([pkg, k, v.name]);
      }
      console.log(JSON.stringify(out));`;
    const classes = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], work)) as [string, string, string][];
    expect(classes.length).toBeGreaterThan(20);
    expect(classes.map(([, k]) => k)).toEqual(expect.arrayContaining(['DDPOTrainer', 'RWRTrainer', 'HostTensor', 'DDIMScheduler']));
    expect(classes.filter(([, k, name]) => k !== name)).toEqual([]);
  });
});

describe('packaging: tensor + scheduler installed from tarballs', () => {
  it('installs outside the workspace and runs the scheduler README example', () => {
    const app = install('scheduler', ['tensor', 'scheduler']);
    expect(fs.existsSync(path.join(app, 'node_modules', '@ddpo', 'scheduler', 'dist', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'node_modules', 'onnxruntime-node'))).toBe(false);

    fs.writeFileSync(path.join(app, 'example.ts'), readmeExample('scheduler'));
    const out = run(bin('tsx'), ['example.ts'], app);
    // printed by the example: the first three of 50 leading timesteps (+ steps_offset 1) and the last
    expect(out).toContain('[ 981, 961, 941 ] 1');
    // and a plain ESM import of the built packages works without TypeScript
    fs.writeFileSync(path.join(app, 'plain.mjs'), "import { DDIMScheduler, STABLE_DIFFUSION_V1_CONFIG } from '@ddpo/scheduler';\nconst s = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG); s.setTimesteps(10); console.log(s.timesteps.join(','));\n");
    expect(run(process.execPath, ['plain.mjs'], app).trim()).toBe('901,801,701,601,501,401,301,201,101,1');
  });
});

describe('packaging: @ddpo/cli installed from tarballs', () => {
  it('`npx ddpo --help` runs the installed build', () => {
    expect(packed.get('cli')!.files.map((f) => f.path)).toEqual(expect.arrayContaining(['bin/ddpo.mjs', 'dist/bin.js']));
    const app = install('cli', PACKAGES);
    const out = run('npx', ['--no-install', 'ddpo', '--help'], app);
    expect(out).toContain('Usage: ddpo [options] [command]');
    expect(out).toContain('fine-tune with DDPO or RWR on a reward');
    expect(run('npx', ['--no-install', 'ddpo', '--version'], app).trim()).toBe('0.1.0');
  });
});
