// Everything the code and docs cite lives in the repository: every `docs/<file>` named in a source file,
// README or doc exists, and nothing points at the design notes outside it (design/*.md).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SKIP = new Set(['node_modules', 'dist', '.git', '.nx', 'fixtures', 'runs']);

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.(ts|mts|mjs|md)$/.test(e.name) ? [p] : [];
  });
}
// fixture READMEs are walked too: they cite the specification their files were made from
const files = [...walk(root), ...['models', 'tensor', 'tensor-onnxruntime'].map((p) => path.join(root, 'packages', p, 'test', 'fixtures', 'README.md'))];

describe('citations', () => {
  it('every docs/ file the code and docs name exists', () => {
    const missing: string[] = [];
    for (const f of files) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/\bdocs\/([\w-]+(?:\/[\w.-]+)*\.md)\b/g)) {
        if (!fs.existsSync(path.join(root, 'docs', m[1]))) missing.push(`${path.relative(root, f)}: docs/${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('nothing cites the design notes outside the repository', () => {
    const outside = files.filter((f) => /\bdesign\/(tiny-unet|ARCHITECTURE|STYLE|TOOLCHAIN)\.md/.test(fs.readFileSync(f, 'utf8')) && !f.endsWith(path.join('docs', 'tiny-unet-32.md')));
    expect(outside.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('the tiny-unet-32 specification is in docs/ and says where it came from', () => {
    const spec = fs.readFileSync(path.join(root, 'docs', 'tiny-unet-32.md'), 'utf8');
    expect(spec).toMatch(/^<!-- Provenance:/);
    for (const s of ['## Signature', '## Layers', '## Noise schedule it is trained with', '## The data set it is pretrained on: shapes-32']) expect(spec).toContain(s);
  });
});
