#!/usr/bin/env node
// Packs @ddpo packages for publishing: `node tools/pack.mjs [--out DIR] [package...]` (default: every
// package, into packs/). Each package's shipped files (npm's own file list) are staged in a temporary
// folder with a cleaned package.json: no "@ddpo/source" export condition (it points at src/, which does
// not ship) and no scripts (they run repository tools), then `npm pack` makes the tarball there. Build
// first (`npm run build`). Publish the tarballs (`npm publish packs/ddpo-tensor-0.1.0.tgz`); a plain
// `npm publish` in a package folder is refused by its prepublishOnly script, which runs this file
// with --refuse-publish. Prints one JSON line per tarball: { name, file }.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The package.json a user gets: repository-only conditions and scripts removed. */
export function publishManifest(pkg) {
  const strip = (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== '@ddpo/source').map(([k, x]) => [k, strip(x)]));
  };
  const { scripts: _scripts, ...rest } = pkg;
  return { ...rest, ...(pkg.exports !== undefined ? { exports: strip(pkg.exports) } : {}) };
}

/** Packs one package folder into `outDir`; returns the tarball's path. */
export function packPackage(pkgDir, outDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const [listing] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkgDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  if (!listing.files.some((f) => f.path === 'dist/index.js')) throw new Error(`${pkg.name}: dist/index.js is missing; run \`npm run build\` first`);
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-stage-'));
  try {
    for (const { path: rel } of listing.files) {
      if (rel === 'package.json') continue;
      fs.mkdirSync(path.dirname(path.join(stage, rel)), { recursive: true });
      fs.copyFileSync(path.join(pkgDir, rel), path.join(stage, rel));
      fs.chmodSync(path.join(stage, rel), fs.statSync(path.join(pkgDir, rel)).mode);
    }
    fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(publishManifest(pkg), null, 2) + '\n');
    fs.mkdirSync(outDir, { recursive: true });
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', path.resolve(outDir)], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    return path.join(path.resolve(outDir), info.filename);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--refuse-publish')) {
    console.error('publish the tarball made by `node tools/pack.mjs` (`npm publish packs/<name>.tgz`): it leaves out the repository-only "@ddpo/source" condition and scripts that a publish from this folder would ship');
    process.exit(1);
  }
  const o = args.indexOf('--out');
  const outDir = o >= 0 ? args[o + 1] : path.join(root, 'packs');
  const names = args.filter((a, i) => a !== '--out' && (o < 0 || i !== o + 1));
  const all = fs.readdirSync(path.join(root, 'packages')).filter((p) => fs.existsSync(path.join(root, 'packages', p, 'package.json')));
  for (const name of names.length > 0 ? names : all) {
    if (!all.includes(name)) {
      console.error(`pack: no package '${name}' (packages: ${all.join(', ')})`);
      process.exit(2);
    }
    console.log(JSON.stringify({ name: `@ddpo/${name}`, file: packPackage(path.join(root, 'packages', name), outDir) }));
  }
}
