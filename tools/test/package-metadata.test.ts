// What a user sees of each package on the npm page and in node_modules: an MIT LICENSE (with the notice
// of the font @ddpo/trainer embeds) in every package and shipped, repository/homepage/keywords pointing at
// one repository, and README links that resolve inside the package (links to repository files do not
// work on the npm page, so READMEs name those files in plain text).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = fs.readdirSync(path.join(root, 'packages')).filter((p) => fs.existsSync(path.join(root, 'packages', p, 'package.json')));
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;
const rootPkg = readJson(path.join(root, 'package.json'));
const license = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');

/** Whether `rel` (a path inside the package) is covered by its package.json "files". */
const ships = (files: string[], rel: string) => files.some((f) => rel === f || rel.startsWith(f.replace(/\/?$/, '/')));

describe('licence', () => {
  it('the root LICENSE is MIT with its holder, and carries the notice of the embedded font', () => {
    expect(license.startsWith('MIT License\n\nCopyright (c) 2026 The @ddpo authors\n')).toBe(true);
    expect(rootPkg.license).toBe('MIT');
    // the trainer's caption font is rasterised from DejaVu Sans Mono (Bitstream Vera glyphs)
    expect(fs.readFileSync(path.join(root, 'packages/trainer/src/font.ts'), 'utf8')).toContain('DejaVu Sans Mono');
    expect(license).toContain('Copyright (c) 2003 by Bitstream, Inc. All Rights Reserved.');
    expect(license).toContain('be included in all copies of one or more of the Font Software typefaces.');
  });

  it.each(PACKAGES)('%s has the same LICENSE, declares MIT and ships the file', (pkg) => {
    const dir = path.join(root, 'packages', pkg);
    expect(fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toBe(license);
    const json = readJson(path.join(dir, 'package.json'));
    expect(json.license).toBe('MIT');
    expect(json.files).toContain('LICENSE');
  });
});

describe('package.json metadata', () => {
  const repo = rootPkg.repository?.url as string;

  it('the root names the repository once', () => {
    expect(repo).toMatch(/^git\+https:\/\/\S+\.git$/);
  });

  it.each(PACKAGES)('%s points at that repository, its folder and README, with keywords', (pkg) => {
    const json = readJson(path.join(root, 'packages', pkg, 'package.json'));
    expect(json.repository).toEqual({ type: 'git', url: repo, directory: `packages/${pkg}` });
    const web = repo.replace(/^git\+/, '').replace(/\.git$/, '');
    expect(json.homepage).toBe(`${web}/tree/main/packages/${pkg}#readme`);
    expect(json.bugs).toEqual({ url: `${web}/issues` });
    expect(json.keywords).toEqual(expect.arrayContaining(['ddpo', 'diffusion', 'reinforcement-learning']));
    expect(json.keywords.length).toBeGreaterThan(4);
  });
});

describe('README links', () => {
  it.each(PACKAGES)('every relative link of %s/README.md names a file the package ships', (pkg) => {
    const dir = path.join(root, 'packages', pkg);
    const json = readJson(path.join(dir, 'package.json'));
    const text = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    const bad: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const rel = path.posix.normalize(target.split('#')[0]);
      const inside = !rel.startsWith('..') && fs.existsSync(path.join(dir, rel));
      if (!inside || !ships(json.files, rel)) bad.push(target);
    }
    expect(bad).toEqual([]);
  });
});
