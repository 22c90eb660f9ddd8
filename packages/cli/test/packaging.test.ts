// Packaging, as a user installs: build @ddpo/tensor and @ddpo/scheduler with tsup, `npm pack` them,
// install the tarballs into an empty folder outside the workspace, and run the @ddpo/scheduler
// README example there. Also checks that this chain does not pull in onnxruntime-node.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

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

describe('packaging: tensor + scheduler installed from tarballs', () => {
  it('packs, installs outside the workspace and runs the scheduler README example', () => {
    const tarballs: string[] = [];
    for (const pkg of ['tensor', 'scheduler']) {
      const dir = path.join(root, 'packages', pkg);
      run(bin('tsup'), [], dir);
      const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], dir)) as { filename: string; files: { path: string }[] }[];
      // only the build and the README ship: no sources, no tests, no fixtures
      expect(packed[0].files.some((f) => f.path.startsWith('dist/index.js'))).toBe(true);
      expect(packed[0].files.some((f) => f.path.startsWith('src/') || f.path.startsWith('test/'))).toBe(false);
      tarballs.push(path.join(work, packed[0].filename));
    }
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'ddpo-user-app', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...tarballs], app);
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
