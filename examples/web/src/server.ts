// The page's server (Node): bundles src/page/main.ts with esbuild for the browser (the `browser` export
// conditions of the @ddpo packages pick their browser-safe entries; a `node:` import anywhere on the
// page's path fails this build), and serves index.html, the bundle, onnxruntime-web's .wasm/.mjs files
// from its npm package (/ort/) and the shipped tiny-unet-32 and shapes-32 classifier weights (/weights/), cross-origin isolated
// so WebAssembly threads are allowed. Nothing is fetched from outside this server.
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { SHAPES32_CLASSIFIER_WEIGHTS, shippedWeightsPath } from '@ddpo/models';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const ortDist = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));

/** The bundle failed to build (a `node:` import or a missing module on the page's path, a type-less syntax error). */
export class PageBuildError extends Error {
  constructor(readonly messages: readonly string[]) {
    super(`the page's bundle failed to build:\n${messages.join('\n')}`);
    this.name = 'PageBuildError';
  }
}

/**
 * Bundles the page (or `entry`) for the browser (ES2022 module, onnxruntime-web loading its wasm glue from /ort/).
 *
 * @example
 * const { js, inputs } = await buildPage(); // inputs: every source file the bundle holds
 */
export async function buildPage(opts: { minify?: boolean; entry?: string } = {}): Promise<{ js: string; inputs: string[] }> {
  const r = await esbuild.build({
    entryPoints: [opts.entry ?? path.join(here, 'page', 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // Sources of the workspace packages (their @ddpo/source condition), the browser entries (platform
    // 'browser' adds the `browser` condition), and onnxruntime-web without its inlined wasm glue.
    conditions: ['@ddpo/source', 'onnxruntime-web-use-extern-wasm'],
    minify: opts.minify ?? false,
    keepNames: true,
    metafile: true,
    logLevel: 'silent',
  }).catch((e: { errors?: esbuild.Message[] }) => {
    throw new PageBuildError((e.errors ?? []).map((m) => `${m.location?.file ?? '?'}:${m.location?.line ?? '?'}: ${m.text}`));
  });
  return { js: r.outputFiles[0].text, inputs: Object.keys(r.metafile.inputs) };
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.safetensors': 'application/octet-stream' };

/** A running server: its URL and how to stop it. */
export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Builds the page once and serves it on `host:port` (port 0: any free port).
 *
 * @example
 * const server = await startServer({ port: 8080 }); console.log(server.url); await server.close();
 */
export async function startServer(opts: { port?: number; host?: string } = {}): Promise<PageServer> {
  const { js } = await buildPage();
  const weights = shippedWeightsPath();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, {
        'Content-Type': type,
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
        'Cross-Origin-Resource-Policy': 'same-origin',
        'Cache-Control': 'no-store',
      });
      res.end(body);
    };
    const file = (p: string) => send(200, fs.readFileSync(p), TYPES[path.extname(p)] ?? 'application/octet-stream');
    if (url.pathname === '/' || url.pathname === '/index.html') return file(path.join(root, 'index.html'));
    if (url.pathname === '/main.js') return send(200, js, TYPES['.js']);
    if (url.pathname === '/weights/tiny-unet-32.safetensors') return file(weights);
    if (url.pathname === '/weights/shapes32-classifier.safetensors') return file(SHAPES32_CLASSIFIER_WEIGHTS);
    const ort = /^\/ort\/([\w.-]+\.(?:wasm|mjs))$/.exec(url.pathname);
    if (ort !== null && fs.existsSync(path.join(ortDist, ort[1]))) return file(path.join(ortDist, ort[1]));
    return send(404, `not found: ${url.pathname}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as { port: number };
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${addr.port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
