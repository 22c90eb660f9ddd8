// Packaging, as a user installs: build every package with tsup, pack all 12 with tools/pack.mjs (the
// publishing path: no "@ddpo/source" condition, no scripts in the packed package.json), install each
// package alone (with its @ddpo dependencies) into an empty folder outside the workspace as its README's
// install section says, and there type-check every README example under strict with skipLibCheck false
// and run it as written; packages without ONNX Runtime must not pull in onnxruntime-node, those with it
// must not have downloaded CUDA libraries. Also `npx ddpo --help` from an installed @ddpo/cli, class names
// kept by every build, and a plain `npm publish` refused.
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

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { cwd, env: { ...userEnv, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
}

/** Every ```ts block of a README that is an example (blocks marked ```ts fragment are excerpts, not run). */
function readmeExamples(pkg: string): string[] {
  const text = fs.readFileSync(path.join(root, 'packages', pkg, 'README.md'), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** The @ddpo packages (folder names) a package needs installed: itself and its dependencies, transitively. */
function closure(pkgs: string[]): string[] {
  const seen = new Set<string>();
  const visit = (p: string) => {
    if (seen.has(p)) return;
    seen.add(p);
    const json = JSON.parse(fs.readFileSync(path.join(root, 'packages', p, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const d of Object.keys(json.dependencies ?? {})) if (d.startsWith('@ddpo/')) visit(d.slice('@ddpo/'.length));
  };
  pkgs.forEach(visit);
  return [...seen].sort();
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

/**
 * An empty npm project outside the workspace with the given packages installed from their tarballs.
 * By default install scripts do not run; `readmeInstall` runs them as the READMEs' install sections say
 * (ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's script then downloads no CUDA libraries).
 */
function install(name: string, pkgs: string[], opts: { readmeInstall?: boolean; extra?: string[] } = {}): string {
  const app = path.join(work, name);
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: `ddpo-user-${name}`, private: true, type: 'module' }));
  const args = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...(opts.readmeInstall === true ? [] : ['--ignore-scripts'])];
  run('npm', [...args, ...pkgs.map(tarball), ...(opts.extra ?? [])], app, opts.readmeInstall === true ? { ONNXRUNTIME_NODE_INSTALL: 'skip' } : {});
  return app;
}

beforeAll(() => {
  expect(PACKAGES.length).toBe(12);
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
      // Every subpath export of the package.json ('.', and '@ddpo/tensor/testing'), less the source condition
      // (at any depth); packages with a browser-safe subset keep it under the `browser` condition, built to
      // dist/browser.* (or dist/lowering.*).
      const strip = (v: unknown): unknown =>
        typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).filter(([c]) => c !== '@ddpo/source').map(([c, w]) => [c, strip(w)])) : v;
      expect(inTar.exports, pkg).toEqual(strip(mine.exports));
      expect(Object.keys(inTar.exports as object), pkg).toEqual(pkg === 'tensor' ? ['.', './testing'] : ['.']);
      const browser = (mine.exports as Record<string, Record<string, unknown>>)['.'].browser as Record<string, string> | undefined;
      const want = browser === undefined ? {} : { browser: { types: browser.types, import: browser.import } };
      expect((inTar.exports as Record<string, unknown>)['.'], pkg).toEqual({ ...want, types: './dist/index.d.ts', import: './dist/index.js' });
      if (browser !== undefined) expect(packed.get(pkg)!.files.map((f) => f.path), pkg).toEqual(expect.arrayContaining([browser.types.slice(2), browser.import.slice(2)]));
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

// What each example prints (from the comments in the READMEs), where it prints something checkable.
const EXPECTED_OUTPUT: Record<string, string[]> = {
  scheduler: ['[ 981, 961, 941 ] 1', 'float64 [ 2 ]'],
  'tensor-onnxruntime': ['[ 5, 6, 11, 12 ]'],
  'tensor-onnxruntime-web': ['[ 5, 6, 11, 12 ]', 'onnxruntime-web-wasm'],
  models: ['[ 2, 3, 32, 32 ]'],
  policy: ['11 [ 2, 10 ] [ 901, 801, 701 ]'],
  trainer: ['epoch 0: reward', 'epoch 1: reward'],
};
const TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] },
  include: ['*.ts'],
};

describe('packaging: every README example, each package installed alone', () => {
  it.each(PACKAGES)('%s: installs into an empty folder, type-checks strictly (skipLibCheck false) and runs as written', (pkg) => {
    const examples = readmeExamples(pkg);
    expect(examples.length, pkg).toBeGreaterThan(0);
    const imported = [...new Set(examples.flatMap((e) => [...e.matchAll(/from '@ddpo\/([\w-]+)'/g)].map((m) => m[1])))];
    const pkgs = closure([pkg, ...imported]);
    const usesOrt = pkgs.includes('tensor-onnxruntime');
    const app = install(`readme-${pkg}`, pkgs, { readmeInstall: true, extra: ['@types/node@20'] });
    const ortBin = path.join(app, 'node_modules', 'onnxruntime-node', 'bin');
    if (usesOrt) {
      // installed as the README says: the CPU runtime is there, no CUDA execution provider was downloaded
      const libs = fs.readdirSync(ortBin, { recursive: true }).map(String);
      expect(libs.some((f) => /libonnxruntime\.so/.test(f))).toBe(true);
      expect(libs.filter((f) => /cuda|tensorrt/i.test(f))).toEqual([]);
    } else {
      expect(fs.existsSync(path.join(app, 'node_modules', 'onnxruntime-node')), `${pkg} pulls in onnxruntime-node`).toBe(false);
    }
    examples.forEach((code, i) => fs.writeFileSync(path.join(app, `example-${i + 1}.ts`), code));
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    // a probe with one deliberate type error: tsc must report exactly that one (so the check is live and
    // everything else, our .d.ts files and their dependencies' included, type-checks under strict)
    fs.writeFileSync(path.join(app, 'probe.ts'), "export const probe: number = 'not a number';\n");
    const tsc = spawnSync(bin('tsc'), ['-p', app, '--pretty', 'false'], { cwd: app, env: userEnv, encoding: 'utf8', timeout: 240_000 });
    expect(tsc.stdout.trim().split('\n'), pkg).toEqual([expect.stringMatching(/^probe\.ts\(1,14\): error TS2322: /)]);
    fs.rmSync(path.join(app, 'probe.ts'));
    let out = '';
    for (let i = 0; i < examples.length; i++) out += run(bin('tsx'), [`example-${i + 1}.ts`], app);
    for (const want of EXPECTED_OUTPUT[pkg] ?? []) expect(out, pkg).toContain(want);
  }, 600_000);

  it('@ddpo/models without ONNX Runtime (an optional peer): pretrain() with no adapter says what to install', () => {
    const app = path.join(work, 'readme-models'); // installed by the models case above
    fs.writeFileSync(
      path.join(app, 'pretrain-probe.mjs'),
      "import { pretrain } from '@ddpo/models';\ntry { await pretrain({ outDir: 'pre', steps: 1, batchSize: 2 }); console.log('trained'); } catch (e) { console.log(`${e.constructor.name}: ${e.message}`); }\n",
    );
    const out = run(process.execPath, ['pretrain-probe.mjs'], app);
    expect(out).toContain('PretrainError: pretrain: no adapter given and @ddpo/tensor-onnxruntime cannot be loaded');
    expect(out).toContain('npm install @ddpo/tensor-onnxruntime');
  });
});
