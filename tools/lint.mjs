#!/usr/bin/env node
// Project lint for one package (run from its folder: `node ../../tools/lint.mjs .`): enforces the layering of
// docs/architecture.md (which @ddpo packages may import which), no focused/skipped tests, no deep imports into other
// packages, and a header comment on every source file. Exits 1 with one line per finding.
import fs from 'node:fs';
import path from 'node:path';

/** Allowed @ddpo imports per package (the arrows of docs/architecture.md). */
const LAYERS = {
  tensor: [],
  'tensor-onnxruntime': ['tensor'],
  scheduler: ['tensor'],
  optim: ['tensor'],
  rewards: ['tensor'],
  ppo: ['tensor'],
  policy: ['tensor', 'scheduler'],
  rwr: ['tensor', 'scheduler'],
  models: ['tensor', 'tensor-onnxruntime', 'scheduler', 'policy', 'optim', 'rewards'],
  trainer: ['tensor', 'tensor-onnxruntime', 'scheduler', 'policy', 'optim', 'ppo', 'rwr', 'rewards', 'models'],
  cli: ['tensor', 'tensor-onnxruntime', 'scheduler', 'policy', 'optim', 'ppo', 'rwr', 'rewards', 'models', 'trainer'],
};
// Tests may use adapters and helpers from any lower layer (e.g. the ORT adapter to run a conformance case).
const TEST_EXTRA = ['tensor-onnxruntime', 'tensor', 'scheduler', 'optim', 'rewards', 'models'];
/** Public subpath exports (package.json "exports"); any other '@ddpo/x/...' import is a deep import. */
const SUBPATHS = { tensor: ['/testing'] };

const root = path.resolve(process.argv[2] ?? '.');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const self = pkg.name.replace('@ddpo/', '');
const allowed = LAYERS[self];
const findings = [];
if (!allowed) findings.push(`${pkg.name}: not in the layering table of tools/lint.mjs`);

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' || e.name === 'node_modules' ? [] : walk(p);
    return /\.[cm]?ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

for (const file of [...walk(path.join(root, 'src')), ...walk(path.join(root, 'test'))]) {
  const rel = path.relative(root, file);
  const text = fs.readFileSync(file, 'utf8');
  const isTest = rel.startsWith('test') || /\.test\.ts$/.test(rel);
  if (!/^\s*(\/\/|\/\*|#!)/.test(text)) findings.push(`${rel}: opens without a header comment saying what it does`);
  if (isTest && /\b(it|test|describe)\.(only|todo)\b|\bxit\(|\bxdescribe\(/.test(text)) findings.push(`${rel}: focused or todo test`);
  for (const m of text.matchAll(/from\s+['"]@ddpo\/([^'"/]+)(\/[^'"]*)?['"]/g)) {
    const dep = m[1];
    if (m[2] && !(SUBPATHS[dep] ?? []).includes(m[2])) findings.push(`${rel}: deep import '@ddpo/${dep}${m[2]}' (import the package's public API)`);
    if (dep === self || !allowed) continue;
    if (!allowed.includes(dep) && !(isTest && TEST_EXTRA.includes(dep))) {
      findings.push(`${rel}: @ddpo/${self} may not import @ddpo/${dep} (layering: ${allowed.join(', ') || 'none'})`);
    }
  }
}

if (findings.length > 0) {
  console.error(findings.join('\n'));
  process.exit(1);
}
console.log(`lint ${pkg.name}: ok`);
