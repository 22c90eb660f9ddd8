// Packs what a GPU machine without Node.js or this repo's node_modules needs to run the WebGPU check
// (tools/gpu/check.ts) and the benchmark (tools/bench/bench.ts) from a copy of the working tree, into
// .gpu/ (git-ignored; docs/benchmarks.md says how it travels): both scripts bundled by esbuild (every
// JS dependency inlined; import.meta.url rewritten so each module still finds its files in the tree),
// onnxruntime-node's linux-x64 binding as ort.tar.xz, this machine's node as node.xz, and the Vulkan
// loader's Debian package. Native image libraries are stubbed out (see NATIVE). Run from the repository root: node tools/gpu/bundle.mjs
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = process.cwd();
const out = path.join(root, '.gpu');
if (!fs.existsSync(path.join(root, 'tools/gpu/bundle.mjs'))) throw new Error('bundle.mjs: run it from the repository root');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out);

// A module's import.meta.url, seen from the bundle in .gpu/: its own place in the tree.
const metaUrl = {
  name: 'import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = fs.readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = path.relative(out, args.path).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: path.extname(args.path).slice(1).replace(/^[cm]/, '') };
    });
  },
};

// Native image libraries (JPEG rewards, chart rendering) stay behind: the bench's epoch and compare
// sections need them, so on the GPU machine run the others (--only torch,forward,sample,train).
const NATIVE = /^(sharp|@resvg\/resvg-js)$/;
const stubNative = {
  name: 'stub-native',
  setup(b) {
    b.onResolve({ filter: NATIVE }, (args) => ({ path: args.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({
      contents: `const no = () => { throw new Error(${JSON.stringify(`${args.path} is not in the GPU bundle (tools/gpu/bundle.mjs)`)}); };\nexport default no;\nexport class Resvg { constructor() { no(); } }\n`,
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: { check: 'tools/gpu/check.ts', bench: 'tools/bench/bench.ts' },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@ddpo/source'],
  external: ['onnxruntime-node'],
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __ddpoRequire } from 'node:module'; const require = __ddpoRequire(import.meta.url);" },
  plugins: [stubNative, metaUrl],
  logLevel: 'warning',
});

// onnxruntime-node: its JS, its common package and the linux-x64 binding only (the package holds every platform's).
const staging = fs.mkdtempSync(path.join(out, 'ort-'));
for (const pkg of ['onnxruntime-node', 'onnxruntime-common']) {
  const src = path.join(root, 'node_modules', pkg);
  const dst = path.join(staging, pkg);
  fs.mkdirSync(dst, { recursive: true });
  for (const f of ['package.json', 'dist', 'lib']) if (fs.existsSync(path.join(src, f))) fs.cpSync(path.join(src, f), path.join(dst, f), { recursive: true });
}
fs.cpSync(path.join(root, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64'), path.join(staging, 'onnxruntime-node/bin/napi-v6/linux/x64'), { recursive: true });
execFileSync('tar', ['-cJf', path.join(out, 'ort.tar.xz'), '-C', staging, 'onnxruntime-node', 'onnxruntime-common'], { env: { ...process.env, XZ_OPT: '-6' } });
fs.rmSync(staging, { recursive: true, force: true });

fs.writeFileSync(path.join(out, 'node.xz'), execFileSync('xz', ['-6', '-c', process.execPath], { maxBuffer: 1 << 30 }));
try {
  execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: out, stdio: 'ignore' });
} catch {
  console.log('bundle: apt-get download libvulkan1 failed; the GPU machine must have its own Vulkan loader');
}

let total = 0;
for (const f of fs.readdirSync(out)) {
  const size = fs.statSync(path.join(out, f)).size;
  total += size;
  console.log(`.gpu/${f}  ${(size / 2 ** 20).toFixed(1)} MiB`);
}
console.log(`total ${(total / 2 ** 20).toFixed(1)} MiB`);
