#!/usr/bin/env node
// Project lint for one package (run from its folder: `node ../../tools/lint.mjs .`): enforces the layering of
// docs/architecture.md (which @ddpo packages may import which), no focused/skipped tests, no deep imports into other
// packages, a header comment on every source file, and that docs/architecture.md's layering block is LAYERS
// (`node tools/lint.mjs --write-layers` regenerates it). Exits 1 with one line per finding.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Allowed @ddpo imports per package (the arrows of docs/architecture.md). */
const LAYERS = {
  tensor: [],
  'tensor-onnxruntime': ['tensor'],
  'tensor-onnxruntime-web': ['tensor', 'tensor-onnxruntime'],
  'example-web': ['tensor', 'tensor-onnxruntime-web', 'optim', 'ppo', 'rewards', 'models', 'trainer'],
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

/** The layering as docs/architecture.md shows it, generated from LAYERS (between the LAYERS markers). */
function layersBlock() {
  const width = Math.max(...Object.keys(LAYERS).map((k) => `@ddpo/${k}`.length));
  const lines = Object.entries(LAYERS).map(([p, deps]) => `${`@ddpo/${p}`.padEnd(width)}  imports ${deps.length > 0 ? deps.join(', ') : 'no @ddpo package'}`);
  return ['```', ...lines, '```'].join('\n');
}
const BEGIN = '<!-- LAYERS:BEGIN generated from tools/lint.mjs LAYERS by `node tools/lint.mjs --write-layers`; npm run lint checks it -->';
const END = '<!-- LAYERS:END -->';
const archDoc = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'architecture.md');
function withLayers(doc) {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) return undefined;
  return `${doc.slice(0, a + BEGIN.length)}\n${layersBlock()}\n${doc.slice(b)}`;
}
if (process.argv[2] === '--write-layers') {
  const next = withLayers(fs.readFileSync(archDoc, 'utf8'));
  if (next === undefined) {
    console.error(`docs/architecture.md: no ${BEGIN} ... ${END} block`);
    process.exit(1);
  }
  fs.writeFileSync(archDoc, next);
  console.log('docs/architecture.md: layering block written from LAYERS');
  process.exit(0);
}

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

// The layering in docs/architecture.md must be LAYERS, as generated (it contradicted lint once).
if (fs.existsSync(archDoc)) {
  const doc = fs.readFileSync(archDoc, 'utf8');
  const want = withLayers(doc);
  if (want === undefined) findings.push(`docs/architecture.md: lacks the generated layering block (${BEGIN} ... ${END})`);
  else if (want !== doc) findings.push('docs/architecture.md: the layering block differs from LAYERS in tools/lint.mjs; run `node tools/lint.mjs --write-layers`');
}

if (findings.length > 0) {
  console.error(findings.join('\n'));
  process.exit(1);
}
console.log(`lint ${pkg.name}: ok`);
