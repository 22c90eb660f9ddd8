// Versioning (docs/releasing.md): nx release with version plans bumps all 12 packages together through
// tools/release/version-actions.cjs (versions and exact @ddpo dependency versions in each package.json)
// and writes each package's CHANGELOG.md; previewed with --dry-run, so nothing in the repository changes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = fs.readdirSync(path.join(root, 'packages')).filter((p) => fs.existsSync(path.join(root, 'packages', p, 'package.json')));
const manifests = () => PACKAGES.map((p) => fs.readFileSync(path.join(root, 'packages', p, 'package.json'), 'utf8'));

describe('releases', () => {
  it.each(PACKAGES)('%s has a CHANGELOG.md that ships', (pkg) => {
    const dir = path.join(root, 'packages', pkg);
    expect(fs.readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8')).toMatch(/^## 0\.1\.0 /);
    expect((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { files: string[] }).files).toContain('CHANGELOG.md');
  });

  it('a version plan bumps every package and its @ddpo dependencies together and becomes a CHANGELOG entry', () => {
    const before = manifests();
    const version = (JSON.parse(before[0]) as { version: string }).version;
    const plans = path.join(root, '.nx', 'version-plans');
    fs.mkdirSync(plans, { recursive: true });
    const plan = path.join(plans, `release-test-${process.pid}.md`);
    const note = `release test note ${process.pid}`;
    fs.writeFileSync(plan, `---\n__default__: patch\n---\n\n${note}\n`);
    let out: string;
    try {
      const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', NX_DAEMON: 'false' };
      const r = spawnSync(path.join(root, 'node_modules', '.bin', 'nx'), ['release', '--skip-publish', '--dry-run'], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
      out = r.stdout + r.stderr;
      expect(r.status, out).toBe(0);
    } finally {
      fs.rmSync(plan, { force: true });
    }
    const [major, minor, patch] = version.split('.').map(Number);
    const next = `${major}.${minor}.${patch + 1}`;
    for (const pkg of PACKAGES) {
      expect(out).toContain(`New version ${next} written to manifest: packages/${pkg}/package.json`);
      expect(out).toContain(`Previewing an entry in packages/${pkg}/CHANGELOG.md for v${next}`);
    }
    // @ddpo dependencies move to the exact new version (trainer depends on eight of them)
    expect(out).toMatch(new RegExp(`-\\s+"@ddpo/tensor": "${version}",\\s*\\n(?:.*\\n)*?\\+\\s+"@ddpo/tensor": "${next}",`));
    expect(out.split(note).length - 1).toBeGreaterThanOrEqual(PACKAGES.length);
    expect(manifests()).toEqual(before); // a dry run
  });
});
